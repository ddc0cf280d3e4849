// DeepSeek-V3: MLA in its naive plain form (low-rank q and kv, decoupled
// rope key shared by all heads, interleaved RoPE with YaRN and the mscale²
// softmax correction), MoE after first_k_dense_replace with the sigmoid
// router, correction bias, group-limited top-k and a shared expert; the MTP
// layer is skipped with a remark.
// RUN: rm -rf %t && %mkckpt deepseek_v3 %t/v3 && %mkckpt deepseek_v3_noqlora %t/noq
// RUN: r1c %t/v3 --emit=mlir-imported 2>%t/v3.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=MTP < %t/v3.err
// RUN: r1c %t/noq --emit=mlir-imported | FileCheck %s --check-prefix=NOQ
// RUN: r1c %t/v3 --emit=mlir-imported | r1-opt | r1-opt | FileCheck %s
// RUN: r1c %t/v3 2>/dev/null | FileCheck %s --check-prefix=PIPELINE

// The default pipeline makes each layer's attention one r1.mla_attention.
// PIPELINE-COUNT-2: r1.mla_attention {{.*}}form = #r1.mla_form<absorbed>, kv_lora_rank = 32 : i64, naive_prefill_rows = 32 : i64, num_heads = 4 : i64
// PIPELINE-NOT: r1.softmax

// CHECK: module attributes {r1.max_positions = 512 : i64, r1.model = "DeepseekV3ForCausalLM"}
// CHECK-DAG: r1.weight_decl @model.layers.1.mlp.experts.gate_proj.weight : tensor<8x32x64xf32> {stack = ["model.layers.1.mlp.experts.0.gate_proj.weight",
// CHECK-DAG: r1.weight_decl @model.layers.1.mlp.gate.e_score_correction_bias : tensor<8xf32>
// CHECK-NOT: r1.weight_decl @model.layers.2.
// CHECK-LABEL: func.func private @decoder
// Layer 0: MLA + dense MLP.
// CHECK: r1.weight @model.layers.0.self_attn.q_a_proj.weight
// CHECK: r1.weight @model.layers.0.self_attn.q_a_layernorm.weight
// CHECK: r1.weight @model.layers.0.self_attn.q_b_proj.weight : tensor<96x32xf32>
// CHECK: r1.reshape {{.*}} -> tensor<?x4x24xf32>
// CHECK: r1.slice {{.*}}{axis = 2 : i64, size = 16 : i64, start = 0 : i64}
// CHECK: r1.slice {{.*}}{axis = 2 : i64, size = 8 : i64, start = 16 : i64}
// CHECK: r1.weight @model.layers.0.self_attn.kv_a_proj_with_mqa.weight : tensor<40x64xf32>
// CHECK: r1.weight @model.layers.0.self_attn.kv_a_layernorm.weight : tensor<32xf32>
// CHECK: r1.weight @model.layers.0.self_attn.kv_b_proj.weight : tensor<128x32xf32>
// CHECK: r1.rope {{.*}}scaling = #r1.yarn<factor = 4.000000e+00, original_max_position = 128, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>, style = #r1.rope_style<interleaved>
// CHECK: r1.repeat {{.*}}{axis = 1 : i64, count = 4 : i64} : (tensor<?x1x8xf32>) -> tensor<?x4x8xf32>
// CHECK: r1.concat {{.*}} -> tensor<?x4x24xf32>
// 1/sqrt(24) · (0.1 ln 4 + 1)² = 0.26464...
// CHECK: r1.scale {{.*}}, 0.26464
// CHECK: r1.causal_mask
// CHECK: r1.weight @model.layers.0.mlp.gate_proj.weight : tensor<128x64xf32>
// Layer 1: MoE.
// CHECK: r1.router {{.*}}{n_group = 4 : i64, norm_topk_prob, routed_scaling = 2.500000e+00 : f32, scoring = #r1.scoring<sigmoid>, top_k = 2 : i64, topk_group = 2 : i64}
// CHECK: r1.moe {{.*}} experts({{.*}}) shared({{.*}}) : {{.*}}tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>)
// CHECK-LABEL: func.func @forward

// MTP: remark: skipping the multi-token-prediction layer 2
// MTP-NOT: warning

// NOQ: r1.weight @model.layers.0.self_attn.q_proj.weight : tensor<96x64xf32>
// NOQ-NOT: q_a_proj
