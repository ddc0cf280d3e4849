// A one-layer Llama-style decoder in the r1 dialect, written the way the
// frontend imports it: weights are declared symbols, attention is in its
// plain form (q·kᵀ, scale, causal mask, softmax, ·v) with GQA (4 query heads,
// 2 kv heads), RMSNorm, rotate-half RoPE and a SwiGLU MLP.
// Dims: vocab 256, hidden 64, head_dim 16, intermediate 128.

r1.weight_decl @model.embed_tokens.weight : tensor<256x64xf32>
r1.weight_decl @model.layers.0.input_layernorm.weight : tensor<64xf32>
r1.weight_decl @model.layers.0.self_attn.q_proj.weight : tensor<64x64xf32>
r1.weight_decl @model.layers.0.self_attn.k_proj.weight : tensor<32x64xf32>
r1.weight_decl @model.layers.0.self_attn.v_proj.weight : tensor<32x64xf32>
r1.weight_decl @model.layers.0.self_attn.o_proj.weight : tensor<64x64xf32>
r1.weight_decl @model.layers.0.post_attention_layernorm.weight : tensor<64xf32>
r1.weight_decl @model.layers.0.mlp.gate_proj.weight : tensor<128x64xf32>
r1.weight_decl @model.layers.0.mlp.up_proj.weight : tensor<128x64xf32>
r1.weight_decl @model.layers.0.mlp.down_proj.weight : tensor<64x128xf32>
r1.weight_decl @model.norm.weight : tensor<64xf32>
r1.weight_decl @lm_head.weight : tensor<256x64xf32>

func.func @forward(%ids: tensor<7xi64>, %positions: tensor<7xi64>) -> tensor<?x256xf32> {
  %embed = r1.weight @model.embed_tokens.weight : tensor<256x64xf32>
  %x = r1.embedding %ids, %embed : (tensor<7xi64>, tensor<256x64xf32>) -> tensor<?x64xf32>

  // Attention block.
  %ln1 = r1.weight @model.layers.0.input_layernorm.weight : tensor<64xf32>
  %h = r1.rms_norm %x, %ln1 {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %wq = r1.weight @model.layers.0.self_attn.q_proj.weight : tensor<64x64xf32>
  %wk = r1.weight @model.layers.0.self_attn.k_proj.weight : tensor<32x64xf32>
  %wv = r1.weight @model.layers.0.self_attn.v_proj.weight : tensor<32x64xf32>
  %q0 = r1.linear %h, %wq : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %k0 = r1.linear %h, %wk : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %v0 = r1.linear %h, %wv : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %q1 = r1.reshape %q0 : tensor<?x64xf32> -> tensor<?x4x16xf32>
  %k1 = r1.reshape %k0 : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %v1 = r1.reshape %v0 : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %q2 = r1.rope %q1, %positions {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<7xi64>) -> tensor<?x4x16xf32>
  %k2 = r1.rope %k1, %positions {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x2x16xf32>, tensor<7xi64>) -> tensor<?x2x16xf32>
  %qt = r1.transpose %q2, [1, 0, 2] : (tensor<?x4x16xf32>) -> tensor<4x?x16xf32>
  %kt = r1.transpose %k2, [1, 0, 2] : (tensor<?x2x16xf32>) -> tensor<2x?x16xf32>
  %vt = r1.transpose %v1, [1, 0, 2] : (tensor<?x2x16xf32>) -> tensor<2x?x16xf32>
  %kg = r1.repeat %kt {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  %vg = r1.repeat %vt {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  %s0 = r1.matmul %qt, %kg {transpose_rhs} : (tensor<4x?x16xf32>, tensor<4x?x16xf32>) -> tensor<4x?x?xf32>
  %s1 = r1.scale %s0, 0.25 : tensor<4x?x?xf32>
  %s2 = r1.causal_mask %s1 : tensor<4x?x?xf32>
  %p = r1.softmax %s2 {axis = -1 : i64} : tensor<4x?x?xf32>
  %o0 = r1.matmul %p, %vg : (tensor<4x?x?xf32>, tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  %o1 = r1.transpose %o0, [1, 0, 2] : (tensor<4x?x16xf32>) -> tensor<?x4x16xf32>
  %o2 = r1.reshape %o1 : tensor<?x4x16xf32> -> tensor<?x64xf32>
  %wo = r1.weight @model.layers.0.self_attn.o_proj.weight : tensor<64x64xf32>
  %attn = r1.linear %o2, %wo : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %x1 = r1.add %x, %attn : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>

  // SwiGLU MLP block.
  %ln2 = r1.weight @model.layers.0.post_attention_layernorm.weight : tensor<64xf32>
  %h2 = r1.rms_norm %x1, %ln2 {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %wg = r1.weight @model.layers.0.mlp.gate_proj.weight : tensor<128x64xf32>
  %wu = r1.weight @model.layers.0.mlp.up_proj.weight : tensor<128x64xf32>
  %wd = r1.weight @model.layers.0.mlp.down_proj.weight : tensor<64x128xf32>
  %g = r1.linear %h2, %wg : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  %u = r1.linear %h2, %wu : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  %ga = r1.silu %g : tensor<?x128xf32>
  %gu = r1.mul %ga, %u : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  %mlp = r1.linear %gu, %wd : (tensor<?x128xf32>, tensor<64x128xf32>) -> tensor<?x64xf32>
  %x2 = r1.add %x1, %mlp : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>

  %lnf = r1.weight @model.norm.weight : tensor<64xf32>
  %hf = r1.rms_norm %x2, %lnf {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %head = r1.weight @lm_head.weight : tensor<256x64xf32>
  %logits = r1.lm_head %hf, %head : (tensor<?x64xf32>, tensor<256x64xf32>) -> tensor<?x256xf32>
  return %logits : tensor<?x256xf32>
}
