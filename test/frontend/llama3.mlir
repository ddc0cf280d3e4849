// Llama-3.1-style rope scaling and tied embeddings: lm_head reads the
// embedding table and no lm_head.weight is needed.
// RUN: rm -rf %t && %mkckpt llama3 %t
// RUN: r1c %t --emit=mlir-imported 2>&1 | FileCheck %s

// CHECK-NOT: warning
// CHECK-NOT: lm_head.weight
// CHECK: r1.rope {{.*}}scaling = #r1.llama3<factor = 8.000000e+00, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 128>, style = #r1.rope_style<half>, theta = 5.000000e+05
// CHECK-LABEL: func.func @forward
// CHECK: %[[W:.*]] = r1.weight @model.embed_tokens.weight
// CHECK: r1.lm_head %{{.*}}, %[[W]]
