// Qwen2 (R1-Distill-Qwen): biases on q/k/v, none on o_proj; bf16 and
// sharded checkpoints import the same way.
// RUN: rm -rf %t && %mkckpt qwen2 %t/f32 && %mkckpt qwen2 %t/bf16 --dtype bf16 && %mkckpt qwen2 %t/shards --shards 3
// RUN: r1c %t/f32 --emit=mlir-imported | FileCheck %s
// RUN: r1c %t/shards --emit=mlir-imported | FileCheck %s
// RUN: r1c %t/bf16 --emit=mlir-imported | FileCheck %s --check-prefix=BF16
// RUN: r1c %t/bf16 --emit=mlir-imported --dtype f32 | FileCheck %s --check-prefix=UPCAST

// CHECK: module attributes {r1.max_positions = 512 : i64, r1.model = "Qwen2ForCausalLM"}
// CHECK-LABEL: func.func private @decoder
// CHECK: %[[QW:.*]] = r1.weight @model.layers.0.self_attn.q_proj.weight
// CHECK: %[[QB:.*]] = r1.weight @model.layers.0.self_attn.q_proj.bias : tensor<64xf32>
// CHECK: r1.linear %{{.*}}, %[[QW]], %[[QB]]
// CHECK: r1.weight @model.layers.0.self_attn.k_proj.bias : tensor<32xf32>
// CHECK: r1.weight @model.layers.0.self_attn.v_proj.bias : tensor<32xf32>
// CHECK: %[[OW:.*]] = r1.weight @model.layers.0.self_attn.o_proj.weight
// CHECK-NEXT: r1.linear %{{.*}}, %[[OW]] : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
// CHECK: r1.rope {{.*}}theta = 1.000000e+06

// BF16: r1.weight_decl @model.embed_tokens.weight : tensor<256x64xbf16>
// BF16-NOT: source_dtype
// BF16: r1.embedding {{.*}} -> tensor<?x64xbf16>
// BF16: r1.lm_head {{.*}} -> tensor<?x256xf32>

// UPCAST: r1.weight_decl @model.embed_tokens.weight : tensor<256x64xf32> {source_dtype = "BF16"}
