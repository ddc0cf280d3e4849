// Verifier errors of rope, attention (with and without KV cache),
// mla_attention, cross_attention and fused_linear.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{'r1.rope' op expects an even positive rotary_dim, got 15}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 15 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{'r1.rope' op expects rotary_dim (32) to be at most the head dim (16)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 32 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{'r1.rope' op expects a positive finite theta, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 0.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<7x4x16xf32>, %p: tensor<8xi64>) {
  // expected-error @+2 {{'r1.rope' op expects the number of positions (8) to equal the sequence length (7)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<7x4x16xf32>, tensor<8xi64>) -> tensor<7x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{'r1.rope' op expects input [seq, heads, head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{yarn needs beta_fast > beta_slow > 0, got 1.000000e+00 and 3.200000e+01}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<interleaved>, scaling = #r1.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 1.0, beta_slow = 32.0, mscale = 1.0, mscale_all_dim = 1.0>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{attribute 'scaling' failed to satisfy constraint}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>, scaling = 2.0 : f32} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x12x16xf32>, %k: tensor<?x5x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects kv heads to divide query heads, got 12 and 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %k {causal, scale = 0.25 : f32} : (tensor<?x12x16xf32>, tensor<?x5x16xf32>, tensor<?x5x16xf32>) -> tensor<?x12x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects the query head dim (16) to equal the key head dim (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x8xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<9x2x16xf32>, %v: tensor<8x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects the key length (9) to equal the value length (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<9x2x16xf32>, tensor<8x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects the key heads (2) to equal the value heads (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects a positive finite scale, got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %k {causal, scale = -1.0 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xbf16>) {
  // expected-error @+2 {{'r1.attention' op expects query and key to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %k {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xbf16>, tensor<?x2x16xbf16>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects query [seq, heads, head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %k {causal, scale = 0.25 : f32} : (tensor<?x64xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<64x4x16xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects a key_cache dim (4) to equal that of the key (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %kc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<64x4x16xf32>, tensor<64x4x16xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<64x4x16xf32>, tensor<64x4x16xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<64x2x16xf32>, %vc: tensor<32x2x16xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects the key_cache capacity (64) to equal the value_cache capacity (32)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<64x2x16xf32>, tensor<32x2x16xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<64x2x16xf32>, tensor<32x2x16xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<64x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects both caches and the position together}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = "r1.attention"(%q, %k, %k, %kc, %kc) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<64x2x16xf32>, tensor<64x2x16xf32>) -> (tensor<?x4x16xf32>, tensor<64x2x16xf32>, tensor<64x2x16xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<64x2x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{operand #5 must be 0D tensor of 64-bit signless integer values}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %kc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<64x2x16xf32>, tensor<64x2x16xf32>, tensor<1xi64>) -> (tensor<?x4x16xf32>, tensor<64x2x16xf32>, tensor<64x2x16xf32>)
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+1 {{'r1.mla_attention' op attribute 'naive_prefill_rows' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal, naive_prefill_rows = 0 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<96x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects kv_b_weight of shape [128, 32] for the MLA dims, got 'tensor<96x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<96x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x4xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects q_rope of shape [?, 4, 8] for the MLA dims, got 'tensor<?x4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x4xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects kv_lora_rank to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 0 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<7x4x16xf32>, %qr: tensor<6x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects the q_nope length (7) to equal the q_rope length (6)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<7x4x16xf32>, tensor<6x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<7x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>,
             %lc: tensor<64x32xf32>, %rc: tensor<32x8xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.mla_attention' op expects the latent_cache capacity (64) to equal the rope_cache capacity (32)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.mla_attention %qn, %qr, %lat, %kr, %w cache(%lc, %rc, %p) {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>, tensor<64x32xf32>, tensor<32x8xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<64x32xf32>, tensor<32x8xf32>)
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xbf16>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects q_rope and q_nope to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xbf16>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<16x3x16xf32>) {
  // expected-error @+2 {{'r1.cross_attention' op expects kv heads to divide query heads, got 4 and 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.cross_attention %q, %k, %k {scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<16x3x16xf32>, tensor<16x3x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?x1xi64>) {
  // expected-error @+2 {{'r1.rope' op expects positions [seq] of rank 1, got 'tensor<?x1xi64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?x1xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xf32>) {
  // expected-error @+1 {{'r1.rope' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?xf32>'}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{'r1.rope' op expects an even positive rotary_dim, got -16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = 10000.0 : f64, rotary_dim = -16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{'r1.rope' op expects a positive finite theta, got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rope %x, %p {theta = -1.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{llama3 needs high_freq_factor > low_freq_factor > 0, got 4.000000e+00 and 0.000000e+00}}
  %0 = r1.rope %x, %p {theta = 500000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>, scaling = #r1.llama3<factor = 8.0, low_freq_factor = 0.0, high_freq_factor = 4.0, original_max_position = 8192>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x32xf32>, %v: tensor<?x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects key [seq, kv_heads, head_dim] of rank 3, got 'tensor<?x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x32xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x32xf32>) {
  // expected-error @+2 {{'r1.attention' op expects value [seq, kv_heads, v_head_dim] of rank 3, got 'tensor<?x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x2x16xbf16>) {
  // expected-error @+2 {{'r1.attention' op expects query and value to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xbf16>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>) {
  // expected-error @+2 {{'r1.attention' op expects a positive finite scale, got INF}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %k {causal, scale = 0x7F800000 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xi32>, %k: tensor<?x2x16xf32>) {
  // expected-error @+1 {{'r1.attention' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<?x4x16xi32>'}}
  %0 = r1.attention %q, %k, %k {causal, scale = 0.25 : f32} : (tensor<?x4x16xi32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x2x32xf32>) {
  // expected-error @+2 {{'r1.attention' op inferred type(s) 'tensor<?x4x32xf32>' are incompatible with return type(s) of operation 'tensor<?x4x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<4096x32xf32>, %vc: tensor<4096x2x16xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects key_cache [capacity, kv_heads, head_dim] of rank 3, got 'tensor<4096x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<4096x32xf32>, tensor<4096x2x16xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<4096x32xf32>, tensor<4096x2x16xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<4096x2x16xf32>, %vc: tensor<4096x32xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects value_cache [capacity, kv_heads, v_head_dim] of rank 3, got 'tensor<4096x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<4096x2x16xf32>, tensor<4096x32xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<4096x2x16xf32>, tensor<4096x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x2x16xf32>, %kc: tensor<4096x2x16xf32>, %vc: tensor<4096x2x8xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects a value_cache dim (8) to equal that of the value (16)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %v cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<4096x2x16xf32>, tensor<4096x2x8xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<4096x2x16xf32>, tensor<4096x2x8xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<4096x2x16xbf16>, %vc: tensor<4096x2x16xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects key_cache and query to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<4096x2x16xbf16>, tensor<4096x2x16xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<4096x2x16xbf16>, tensor<4096x2x16xf32>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<4096x2x16xf32>, %vc: tensor<4096x2x16xf16>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op expects value_cache and query to have the same element type, got 'f16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.attention %q, %k, %k cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<4096x2x16xf32>, tensor<4096x2x16xf16>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<4096x2x16xf32>, tensor<4096x2x16xf16>)
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %kc: tensor<4096x2x16xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.attention' op inferred type(s) 'tensor<?x4x16xf32>', 'tensor<4096x2x16xf32>', 'tensor<4096x2x16xf32>' are incompatible with return type(s) of operation 'tensor<?x4x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.attention %q, %k, %k cache(%kc, %kc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>, tensor<4096x2x16xf32>, tensor<4096x2x16xf32>, tensor<i64>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects num_heads to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 0 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects qk_nope_head_dim to be positive, got -16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = -16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects qk_rope_head_dim to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 0 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects v_head_dim to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 0 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects a positive finite scale, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.0 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x8x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects q_nope of shape [?, 4, 16] for the MLA dims, got 'tensor<?x8x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x8x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x16xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects kv_latent of shape [?, 32] for the MLA dims, got 'tensor<?x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x16xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x1x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects k_rope of shape [?, 8] for the MLA dims, got 'tensor<?x1x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x1x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<9x32xf32>, %kr: tensor<8x8xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects the kv_latent length (9) to equal the k_rope length (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<9x32xf32>, tensor<8x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>,
             %lc: tensor<1024x16xf32>, %rc: tensor<1024x8xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.mla_attention' op expects latent_cache of shape [?, 32] for the MLA dims, got 'tensor<1024x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.mla_attention %qn, %qr, %lat, %kr, %w cache(%lc, %rc, %p) {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>, tensor<1024x16xf32>, tensor<1024x8xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<1024x16xf32>, tensor<1024x8xf32>)
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>,
             %lc: tensor<1024x32xf32>, %rc: tensor<1024x16xf32>, %p: tensor<i64>) {
  // expected-error @+2 {{'r1.mla_attention' op expects rope_cache of shape [?, 8] for the MLA dims, got 'tensor<1024x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = r1.mla_attention %qn, %qr, %lat, %kr, %w cache(%lc, %rc, %p) {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>, tensor<1024x32xf32>, tensor<1024x16xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<1024x32xf32>, tensor<1024x16xf32>)
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<128x32xf32>,
             %lc: tensor<1024x32xf32>, %rc: tensor<1024x8xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op expects both caches and the position together}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = "r1.mla_attention"(%qn, %qr, %lat, %kr, %w, %lc, %rc) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>, num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>, tensor<1024x32xf32>, tensor<1024x8xf32>) -> (tensor<?x4x16xf32>, tensor<1024x32xf32>, tensor<1024x8xf32>)
  return
}

// -----

func.func @f(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>, %kr: tensor<?x8xf32>, %w: tensor<160x32xf32>) {
  // expected-error @+2 {{'r1.mla_attention' op inferred type(s) 'tensor<?x4x24xf32>' are incompatible with return type(s) of operation 'tensor<?x4x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mla_attention %qn, %qr, %lat, %kr, %w {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 24 : i64, scale = 0.2 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<160x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<16x4x16xf32>) {
  // expected-error @+2 {{'r1.cross_attention' op expects a positive finite scale, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.cross_attention %q, %k, %k {scale = 0.0 : f32} : (tensor<?x4x16xf32>, tensor<16x4x16xf32>, tensor<16x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<16x4x16xf32>, %v: tensor<98x4x16xf32>) {
  // expected-error @+2 {{'r1.cross_attention' op expects the key length (16) to equal the value length (98)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.cross_attention %q, %k, %v {scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<16x4x16xf32>, tensor<98x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%q: tensor<?x4x16xf32>, %k: tensor<16x4x16xf32>) {
  // expected-error @+2 {{'r1.cross_attention' op inferred type(s) 'tensor<?x4x16xf32>' are incompatible with return type(s) of operation 'tensor<?x16x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.cross_attention %q, %k, %k {scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<16x4x16xf32>, tensor<16x4x16xf32>) -> tensor<?x16x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'r1.fused_linear' op takes norm_epsilon exactly when it has a norm}}
  %0 = r1.fused_linear %x, %w norm %g : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+2 {{'r1.fused_linear' op expects the norm size (4) to equal the weight's input size (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.fused_linear %x, %w norm %g {norm_epsilon = 1.0e-6 : f32} : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %r: tensor<?x8xf32>) {
  // expected-error @+2 {{'r1.fused_linear' op expects a residual of the result's type 'tensor<?x4xf32>', got 'tensor<?x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.fused_linear %x, %w residual %r : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x8xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'r1.fused_linear' op is gated (up): it takes no bias or residual}}
  %0 = r1.fused_linear %x, %w up %w bias %b : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %u: tensor<4x8xf32>) {
  // expected-error @+2 {{'r1.fused_linear' op expects up of the weight's type 'tensor<8x8xf32>', got 'tensor<4x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.fused_linear %x, %w up %u : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}
