// The r1 extension keys: an LSH layer, a memory unit, a layer-skip gate,
// image and audio encoders fused by cross-attention, a classification head.
// RUN: rm -rf %t && %mkckpt r1ext %t
// RUN: r1c %t --emit=mlir-imported 2>&1 | FileCheck %s
// RUN: r1c %t --emit=mlir-imported | r1-opt | r1-opt | FileCheck %s
// RUN: r1c %t 2>/dev/null | FileCheck %s --check-prefix=PIPELINE

// The default pipeline fuses the four dense/cross attentions and specializes
// the LSH layer.
// PIPELINE-NOT: r1.lsh_attention
// PIPELINE: r1.lsh_hash {{.*}}{num_buckets = 8 : i64, num_hashes = 2 : i64, seed = 1234 : i64}
// PIPELINE: r1.bucket_sort
// PIPELINE: r1.chunked_attention {{.*}}{causal, chunk_length = 4 : i64}
// PIPELINE: r1.merge_rounds
// PIPELINE-NOT: r1.softmax

// CHECK-NOT: warning
// CHECK-LABEL: func.func private @decoder
// CHECK-SAME: {r1.name = "image"}
// CHECK-SAME: tensor<?xf32> {r1.name = "audio"}
// CHECK-SAME: tensor<16x64xf32> {r1.initial_state = @model.layers.0.memory.keys, r1.name = "memory_keys_0"}
// CHECK-SAME: -> (tensor<?x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>)
// CHECK: r1.patch_embed {{.*}}{patch_size = 4 : i64} : (tensor<3x16x16xf32>, tensor<64x3x4x4xf32>, tensor<64xf32>) -> tensor<16x64xf32>
// CHECK: r1.layer_norm
// CHECK: r1.frame_embed {{.*}}{frame_length = 32 : i64, hop_length = 16 : i64}
// CHECK: %[[CTX:.*]] = r1.concat {{.*}}{axis = 0 : i64} : (tensor<16x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
// Layer 0: dense attention, then the memory unit.
// CHECK: r1.causal_mask
// CHECK: r1.memory_update {{.*}}{decay = 0.899999976 : f32}
// CHECK: r1.memory_read {{.*}}{top_k = 4 : i64}
// Layer 1: LSH attention on shared query/keys, then cross-attention.
// CHECK: r1.lsh_attention {{.*}}{causal, chunk_length = 4 : i64, num_buckets = 8 : i64, num_hashes = 2 : i64, seed = 1234 : i64}
// CHECK: r1.weight @model.layers.1.cross_attn_layernorm.weight
// CHECK: r1.linear %[[CTX]]
// CHECK-NOT: r1.causal_mask
// CHECK: r1.weight @model.layers.1.cross_attn.o_proj.weight
// Layer 2: the whole layer inside its skip gate.
// CHECK: r1.layer_gate {{.*}}{threshold = 5.000000e-01 : f32}
// CHECK: r1.yield
// CHECK: return {{.*}}, %new_keys, %new_values
// CHECK-LABEL: func.func @forward
// CHECK: r1.lm_head
// CHECK-LABEL: func.func @classify
// CHECK: r1.classify {{.*}} -> tensor<3xf32>
