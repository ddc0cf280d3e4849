// Importing a Llama checkpoint (R1-Distill-Llama shape, scaled down): GQA
// attention in its plain form, rotate-half RoPE, SwiGLU, untied lm_head.
// RUN: rm -rf %t && %mkckpt llama %t
// RUN: r1c %t --emit=mlir-imported | FileCheck %s
// RUN: r1c %t --emit=mlir-imported | r1-opt | r1-opt | FileCheck %s
// RUN: r1c %t | FileCheck %s --check-prefix=PIPELINE

// CHECK: module attributes {r1.max_positions = 512 : i64, r1.model = "LlamaForCausalLM"}
// CHECK-DAG: r1.weight_decl @model.embed_tokens.weight : tensor<256x64xf32>
// CHECK-DAG: r1.weight_decl @model.layers.1.self_attn.k_proj.weight : tensor<32x64xf32>
// CHECK-DAG: r1.weight_decl @lm_head.weight : tensor<256x64xf32>
// CHECK-LABEL: func.func private @decoder
// CHECK-SAME: {r1.name = "ids"}
// CHECK: r1.embedding
// Per layer: norm, q/k/v, RoPE, the plain attention pattern, o_proj, MLP.
// CHECK: r1.weight @model.layers.0.input_layernorm.weight
// CHECK-NEXT: r1.rms_norm
// CHECK: r1.rope {{.*}}style = #r1.rope_style<half>, theta = 1.000000e+04
// CHECK: r1.repeat {{.*}}count = 2
// CHECK: r1.matmul {{.*}} {transpose_rhs}
// CHECK-NEXT: r1.scale {{.*}}, 2.500000e-01
// CHECK-NEXT: r1.causal_mask
// CHECK-NEXT: r1.softmax
// CHECK-NEXT: r1.matmul
// CHECK: r1.silu
// CHECK: r1.mul
// CHECK-NOT: r1.attention
// CHECK-LABEL: func.func @forward
// CHECK: call @decoder
// CHECK: r1.lm_head {{.*}} -> tensor<?x256xf32>

// The default pipeline fuses attention.
// PIPELINE-LABEL: func.func private @decoder
// PIPELINE-COUNT-2: r1.attention {{.*}} {causal, scale = 2.500000e-01 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
// PIPELINE-NOT: r1.softmax
// PIPELINE-LABEL: func.func @forward
// PIPELINE: r1.lm_head
