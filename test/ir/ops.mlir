// Round-trip of every r1 op: parse, print, parse again; the printed form is
// stable and generic printing parses back to the same module.
// RUN: r1-opt %s | r1-opt | FileCheck %s
// RUN: r1-opt %s --mlir-print-op-generic | r1-opt | FileCheck %s

// CHECK: r1.weight_decl @model.embed_tokens.weight : tensor<256x64xf32>
r1.weight_decl @"model.embed_tokens.weight" : tensor<256x64xf32>
// CHECK: r1.weight_decl @w_i8 : tensor<128x64xi8> {quant = #r1.quant<int8>, source = "a.safetensors"}
r1.weight_decl @w_i8 : tensor<128x64xi8> {quant = #r1.quant<int8>, source = "a.safetensors"}
// CHECK: r1.weight_decl @w_i4 : tensor<128x64xi4> {quant = #r1.quant<int4, group = 32>}
r1.weight_decl @w_i4 : tensor<128x64xi4> {quant = #r1.quant<int4, group = 32>}
// CHECK: r1.weight_decl @w_fp8 : tensor<256x256xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, block = [128, 128]>}
r1.weight_decl @w_fp8 : tensor<256x256xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, block = [128, 128]>}

// CHECK-LABEL: func.func @weights
func.func @weights() -> tensor<256x64xf32> {
  // CHECK: r1.weight @model.embed_tokens.weight : tensor<256x64xf32>
  %w = r1.weight @"model.embed_tokens.weight" : tensor<256x64xf32>
  return %w : tensor<256x64xf32>
}

// CHECK-LABEL: func.func @dense_block
func.func @dense_block(%ids: tensor<?xi64>, %table: tensor<256x64xf32>,
                       %nw: tensor<64xf32>, %nb: tensor<64xf32>,
                       %wq: tensor<128x64xf32>, %bq: tensor<128xf32>) -> tensor<?x128xf32> {
  // CHECK: r1.embedding %{{.*}}, %{{.*}} : (tensor<?xi64>, tensor<256x64xf32>) -> tensor<?x64xf32>
  %x = r1.embedding %ids, %table : (tensor<?xi64>, tensor<256x64xf32>) -> tensor<?x64xf32>
  // CHECK: r1.rms_norm %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32}
  %n = r1.rms_norm %x, %nw {epsilon = 1.0e-6 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  // CHECK: r1.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %l = r1.layer_norm %n, %nw, %nb {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  // CHECK: r1.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %y = r1.linear %l, %wq, %bq : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  // CHECK: r1.linear %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  %z = r1.linear %l, %wq : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  // CHECK: r1.add
  %s = r1.add %y, %z : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  // CHECK: r1.mul %{{.*}}, %{{.*}} : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %m = r1.mul %s, %bq : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  // CHECK: r1.scale %{{.*}}, 1.250000e-01 : tensor<?x128xf32>
  %c = r1.scale %m, 0.125 : tensor<?x128xf32>
  // CHECK: r1.silu %{{.*}} : tensor<?x128xf32>
  %a = r1.silu %c : tensor<?x128xf32>
  // CHECK: r1.sigmoid
  %g = r1.sigmoid %a : tensor<?x128xf32>
  // CHECK: r1.gelu %{{.*}} {approximate = #r1.gelu_approx<tanh>} : tensor<?x128xf32>
  %e = r1.gelu %g {approximate = #r1.gelu_approx<tanh>} : tensor<?x128xf32>
  return %e : tensor<?x128xf32>
}

// The plain attention the importers emit, with GQA (4 query heads, 2 kv heads).
// CHECK-LABEL: func.func @plain_attention
func.func @plain_attention(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>,
                           %v: tensor<?x2x16xf32>, %pos: tensor<?xi64>) -> tensor<?x64xf32> {
  // CHECK: r1.rope %{{.*}}, %{{.*}} {rotary_dim = 16 : i64, style = #r1.rope_style<half>, theta = 1.000000e+04 : f64}
  %qr = r1.rope %q, %pos {theta = 10000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
  // CHECK: scaling = #r1.llama3<factor = 8.000000e+00, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 8192>
  %kr = r1.rope %k, %pos {theta = 500000.0 : f64, rotary_dim = 16 : i64, style = #r1.rope_style<half>, scaling = #r1.llama3<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192>} : (tensor<?x2x16xf32>, tensor<?xi64>) -> tensor<?x2x16xf32>
  // CHECK: r1.transpose %{{.*}}, [1, 0, 2] : (tensor<?x4x16xf32>) -> tensor<4x?x16xf32>
  %qt = r1.transpose %qr, [1, 0, 2] : (tensor<?x4x16xf32>) -> tensor<4x?x16xf32>
  %kt = r1.transpose %kr, [1, 0, 2] : (tensor<?x2x16xf32>) -> tensor<2x?x16xf32>
  %vt = r1.transpose %v, [1, 0, 2] : (tensor<?x2x16xf32>) -> tensor<2x?x16xf32>
  // CHECK: r1.repeat %{{.*}} {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  %kg = r1.repeat %kt {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  %vg = r1.repeat %vt {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  // CHECK: r1.matmul %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<4x?x16xf32>, tensor<4x?x16xf32>) -> tensor<4x?x?xf32>
  %s = r1.matmul %qt, %kg {transpose_rhs} : (tensor<4x?x16xf32>, tensor<4x?x16xf32>) -> tensor<4x?x?xf32>
  %ss = r1.scale %s, 0.25 : tensor<4x?x?xf32>
  // CHECK: r1.causal_mask %{{.*}} : tensor<4x?x?xf32>
  %sm = r1.causal_mask %ss : tensor<4x?x?xf32>
  // CHECK: r1.softmax %{{.*}} {axis = -1 : i64} : tensor<4x?x?xf32>
  %p = r1.softmax %sm {axis = -1 : i64} : tensor<4x?x?xf32>
  %o = r1.matmul %p, %vg : (tensor<4x?x?xf32>, tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<4x?x16xf32>) -> tensor<?x4x16xf32>
  // CHECK: r1.reshape %{{.*}} : tensor<?x4x16xf32> -> tensor<?x64xf32>
  %r = r1.reshape %ot : tensor<?x4x16xf32> -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @fused_attention
func.func @fused_attention(%q: tensor<?x4x16xbf16>, %k: tensor<?x2x16xbf16>, %v: tensor<?x2x16xbf16>,
                           %kc: tensor<4096x2x16xbf16>, %vc: tensor<4096x2x16xbf16>, %p: tensor<i64>)
    -> (tensor<?x4x16xbf16>, tensor<?x4x16xbf16>) {
  // CHECK: r1.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 2.500000e-01 : f32} : (tensor<?x4x16xbf16>, tensor<?x2x16xbf16>, tensor<?x2x16xbf16>) -> tensor<?x4x16xbf16>
  %a = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x16xbf16>, tensor<?x2x16xbf16>, tensor<?x2x16xbf16>) -> tensor<?x4x16xbf16>
  // CHECK: r1.attention %{{.*}}, %{{.*}}, %{{.*}} cache(%{{.*}}, %{{.*}}, %{{.*}}) {causal, scale = 2.500000e-01 : f32}
  // CHECK-SAME: -> (tensor<?x4x16xbf16>, tensor<4096x2x16xbf16>, tensor<4096x2x16xbf16>)
  %b:3 = r1.attention %q, %k, %v cache(%kc, %vc, %p) {causal, scale = 0.25 : f32} : (tensor<?x4x16xbf16>, tensor<?x2x16xbf16>, tensor<?x2x16xbf16>, tensor<4096x2x16xbf16>, tensor<4096x2x16xbf16>, tensor<i64>) -> (tensor<?x4x16xbf16>, tensor<4096x2x16xbf16>, tensor<4096x2x16xbf16>)
  return %a, %b#0 : tensor<?x4x16xbf16>, tensor<?x4x16xbf16>
}

// DeepSeek-V3 MLA dims scaled down: 4 heads, rank 32, nope 16, rope 8, v 16.
// CHECK-LABEL: func.func @mla
func.func @mla(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>,
               %kr: tensor<?x8xf32>, %wkvb: tensor<128x32xf32>,
               %lc: tensor<1024x32xf32>, %rc: tensor<1024x8xf32>, %p: tensor<i64>,
               %kr_pos: tensor<?xi32>) -> tensor<?x4x16xf32> {
  // CHECK: r1.mla_attention {{.*}} {causal, kv_lora_rank = 32 : i64, num_heads = 4 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, scale = 0.204124153 : f32, v_head_dim = 16 : i64}
  %a = r1.mla_attention %qn, %qr, %lat, %kr, %wkvb {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.204124153 : f32, causal} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>) -> tensor<?x4x16xf32>
  // CHECK: r1.mla_attention {{.*}} cache({{.*}}) {{.*}}form = #r1.mla_form<absorbed>
  %b:3 = r1.mla_attention %qn, %qr, %lat, %kr, %wkvb cache(%lc, %rc, %p) {num_heads = 4 : i64, kv_lora_rank = 32 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, v_head_dim = 16 : i64, scale = 0.204124153 : f32, causal, form = #r1.mla_form<absorbed>} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?x8xf32>, tensor<128x32xf32>, tensor<1024x32xf32>, tensor<1024x8xf32>, tensor<i64>) -> (tensor<?x4x16xf32>, tensor<1024x32xf32>, tensor<1024x8xf32>)
  // CHECK: r1.rope {{.*}}scaling = #r1.yarn<factor = 4.000000e+01, original_max_position = 4096, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>, style = #r1.rope_style<interleaved>
  %r = r1.rope %qr, %kr_pos {theta = 10000.0 : f64, rotary_dim = 8 : i64, style = #r1.rope_style<interleaved>, scaling = #r1.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>} : (tensor<?x4x8xf32>, tensor<?xi32>) -> tensor<?x4x8xf32>
  return %a : tensor<?x4x16xf32>
}

// CHECK-LABEL: func.func @lsh
func.func @lsh(%qk: tensor<?x4x16xf32>, %v: tensor<?x4x16xf32>) -> (tensor<?x4x16xf32>, tensor<?x4x16xf32>) {
  // CHECK: r1.lsh_attention %{{.*}}, %{{.*}} {causal, chunk_length = 64 : i64, num_buckets = 32 : i64, num_hashes = 4 : i64, seed = 7 : i64}
  %a = r1.lsh_attention %qk, %v {num_hashes = 4 : i64, num_buckets = 32 : i64, chunk_length = 64 : i64, chunks_before = 1 : i64, chunks_after = 0 : i64, causal, seed = 7 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  // CHECK: r1.lsh_hash %{{.*}} {num_buckets = 32 : i64, num_hashes = 4 : i64, seed = 7 : i64} : (tensor<?x4x16xf32>) -> tensor<4x4x?xi32>
  %b = r1.lsh_hash %qk {num_hashes = 4 : i64, num_buckets = 32 : i64, seed = 7 : i64} : (tensor<?x4x16xf32>) -> tensor<4x4x?xi32>
  // CHECK: r1.bucket_sort %{{.*}} : (tensor<4x4x?xi32>) -> tensor<4x4x?xi32>
  %p = r1.bucket_sort %b : (tensor<4x4x?xi32>) -> tensor<4x4x?xi32>
  // CHECK: r1.chunked_attention %{{.*}}, %{{.*}}, %{{.*}} {causal, chunk_length = 64 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<4x4x?xi32>) -> (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>)
  %o:2 = r1.chunked_attention %qk, %v, %p {chunk_length = 64 : i64, causal} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<4x4x?xi32>) -> (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>)
  // CHECK: r1.merge_rounds %{{.*}}, %{{.*}} : (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>) -> tensor<?x4x16xf32>
  %m = r1.merge_rounds %o#0, %o#1 : (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>) -> tensor<?x4x16xf32>
  return %a, %m : tensor<?x4x16xf32>, tensor<?x4x16xf32>
}

// CHECK-LABEL: func.func @multimodal
func.func @multimodal(%img: tensor<3x32x32xf32>, %pw: tensor<64x3x8x8xf32>, %pb: tensor<64xf32>,
                      %audio: tensor<16000xf32>, %fw: tensor<64x400xf32>,
                      %q: tensor<?x4x16xf32>, %k: tensor<16x4x16xf32>) -> tensor<?x4x16xf32> {
  // CHECK: r1.patch_embed %{{.*}}, %{{.*}}, %{{.*}} {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %p = r1.patch_embed %img, %pw, %pb {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  // CHECK: r1.frame_embed %{{.*}}, %{{.*}} {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<64x400xf32>) -> tensor<98x64xf32>
  %f = r1.frame_embed %audio, %fw {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<64x400xf32>) -> tensor<98x64xf32>
  // CHECK: r1.cross_attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32} : (tensor<?x4x16xf32>, tensor<16x4x16xf32>, tensor<16x4x16xf32>) -> tensor<?x4x16xf32>
  %c = r1.cross_attention %q, %k, %k {scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<16x4x16xf32>, tensor<16x4x16xf32>) -> tensor<?x4x16xf32>
  // CHECK: r1.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<16x64xf32>, tensor<98x64xf32>) -> tensor<114x64xf32>
  %j = r1.concat %p, %f {axis = 0 : i64} : (tensor<16x64xf32>, tensor<98x64xf32>) -> tensor<114x64xf32>
  // CHECK: r1.slice %{{.*}} {axis = 1 : i64, size = 16 : i64, start = 8 : i64} : (tensor<114x64xf32>) -> tensor<114x16xf32>
  %s = r1.slice %j {axis = 1 : i64, start = 8 : i64, size = 16 : i64} : (tensor<114x64xf32>) -> tensor<114x16xf32>
  return %c : tensor<?x4x16xf32>
}

// CHECK-LABEL: func.func @memory
func.func @memory(%h: tensor<?x64xf32>, %keys: tensor<32x64xf32>, %values: tensor<32x64xf32>,
                  %gw: tensor<64x64xf32>) -> (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) {
  // CHECK: r1.memory_read %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %r = r1.memory_read %h, %keys, %values, %gw {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  // CHECK: r1.memory_update %{{.*}}, %{{.*}}, %{{.*}} {decay = 0.899999976 : f32} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> (tensor<32x64xf32>, tensor<32x64xf32>)
  %k2, %v2 = r1.memory_update %r, %keys, %values {decay = 0.9 : f32} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> (tensor<32x64xf32>, tensor<32x64xf32>)
  return %r, %k2, %v2 : tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>
}

// DeepSeek-V3's router shape scaled down: 16 experts in 4 groups, top-4 of 2 groups.
// CHECK-LABEL: func.func @routing
func.func @routing(%h: tensor<?x64xf32>, %gw: tensor<16x64xf32>, %bias: tensor<16xf32>,
                   %g: tensor<16x32x64xf32>, %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>,
                   %sg: tensor<32x64xf32>, %su: tensor<32x64xf32>, %sd: tensor<64x32xf32>,
                   %lw: tensor<64xf32>) -> tensor<?x64xf32> {
  // CHECK: r1.router %{{.*}}, %{{.*}}, %{{.*}} {n_group = 4 : i64, norm_topk_prob, routed_scaling = 2.500000e+00 : f32, scoring = #r1.scoring<sigmoid>, top_k = 4 : i64, topk_group = 2 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>, tensor<16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi32>)
  %w, %i = r1.router %h, %gw, %bias {top_k = 4 : i64, scoring = #r1.scoring<sigmoid>, n_group = 4 : i64, topk_group = 2 : i64, norm_topk_prob, routed_scaling = 2.5 : f32} : (tensor<?x64xf32>, tensor<16x64xf32>, tensor<16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi32>)
  // CHECK: r1.moe %{{.*}}, %{{.*}}, %{{.*}} experts(%{{.*}}, %{{.*}}, %{{.*}}) shared(%{{.*}}, %{{.*}}, %{{.*}})
  %m = r1.moe %h, %w, %i experts(%g, %u, %d) shared(%sg, %su, %sd) : (tensor<?x64xf32>, tensor<?x4xf32>, tensor<?x4xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  // CHECK: r1.moe %{{.*}}, %{{.*}}, %{{.*}} experts(%{{.*}}, %{{.*}}, %{{.*}}) :
  %n = r1.moe %m, %w, %i experts(%g, %u, %d) : (tensor<?x64xf32>, tensor<?x4xf32>, tensor<?x4xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  // CHECK: %[[Y:.*]] = r1.expert_ffn %{{.*}}, %{{.*}} experts(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x64xf32>, tensor<?x4xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x4x64xf32>
  %ey = r1.expert_ffn %n, %i experts(%g, %u, %d) : (tensor<?x64xf32>, tensor<?x4xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x4x64xf32>
  // CHECK: r1.expert_combine %[[Y]], %{{.*}} base %{{.*}} : (tensor<?x4x64xf32>, tensor<?x4xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  %ec = r1.expert_combine %ey, %w base %n : (tensor<?x4x64xf32>, tensor<?x4xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  // CHECK: r1.layer_gate %{{.*}}, %{{.*}} {branch, threshold = 2.500000e-01 : f32}
  %eg = r1.layer_gate %ec, %lw {branch, threshold = 0.25 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  // CHECK: r1.layer_gate %{{.*}}, %{{.*}} {threshold = 5.000000e-01 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  // CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<?x64xf32>):
  // CHECK-NEXT: %[[Y:.*]] = r1.silu %[[X]]
  // CHECK-NEXT: r1.yield %[[Y]] : tensor<?x64xf32>
  %o = r1.layer_gate %n, %lw {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    %y = r1.silu %x : tensor<?x64xf32>
    r1.yield %y : tensor<?x64xf32>
  }
  return %o : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @heads
func.func @heads(%h: tensor<?x64xf32>, %w: tensor<256x64xf32>, %cw: tensor<3x64xf32>,
                 %cb: tensor<3xf32>, %u: tensor<f32>) -> (tensor<i32>, tensor<i32>, tensor<3xf32>) {
  // CHECK: r1.lm_head %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<256x64xf32>) -> tensor<?x256xf32>
  %l = r1.lm_head %h, %w : (tensor<?x64xf32>, tensor<256x64xf32>) -> tensor<?x256xf32>
  %last = r1.slice %l {axis = 0 : i64, start = 0 : i64, size = 1 : i64} : (tensor<?x256xf32>) -> tensor<1x256xf32>
  %row = r1.reshape %last : tensor<1x256xf32> -> tensor<256xf32>
  // CHECK: r1.sample %{{.*}} {strategy = #r1.sample<greedy>} : (tensor<256xf32>) -> tensor<i32>
  %t = r1.sample %row {strategy = #r1.sample<greedy>} : (tensor<256xf32>) -> tensor<i32>
  // CHECK: r1.sample %{{.*}}, %{{.*}} {strategy = #r1.sample<temperature>, temperature = 6.000000e-01 : f32, top_k = 40 : i64, top_p = 0.949999988 : f32} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  %s = r1.sample %row, %u {strategy = #r1.sample<temperature>, temperature = 0.6 : f32, top_k = 40 : i64, top_p = 0.95 : f32} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  // CHECK: r1.classify %{{.*}}, %{{.*}}, %{{.*}} {pooling = #r1.pooling<mean>} : (tensor<?x64xf32>, tensor<3x64xf32>, tensor<3xf32>) -> tensor<3xf32>
  %c = r1.classify %h, %cw, %cb {pooling = #r1.pooling<mean>} : (tensor<?x64xf32>, tensor<3x64xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %t, %s, %c : tensor<i32>, tensor<i32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @quant
func.func @quant(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %s8: tensor<128xf32>,
                 %w4: tensor<128x64xi4>, %s4: tensor<128x2xf32>,
                 %w8: tensor<256x256xf8E4M3FN>, %s88: tensor<2x2xf32>) -> tensor<?x128xf32> {
  // CHECK: r1.quantize %{{.*}} {quant = #r1.quant<int8>} : (tensor<128x64xf32>) -> (tensor<128x64xi8>, tensor<128xf32>)
  %q, %s = r1.quantize %w {quant = #r1.quant<int8>} : (tensor<128x64xf32>) -> (tensor<128x64xi8>, tensor<128xf32>)
  // CHECK: r1.quantize %{{.*}} {quant = #r1.quant<int4, group = 32>} : (tensor<128x64xf32>) -> (tensor<128x64xi4>, tensor<128x2xf32>)
  %q4, %sc4 = r1.quantize %w {quant = #r1.quant<int4, group = 32>} : (tensor<128x64xf32>) -> (tensor<128x64xi4>, tensor<128x2xf32>)
  // CHECK: r1.dequantize %{{.*}}, %{{.*}} {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<256x256xf8E4M3FN>, tensor<2x2xf32>) -> tensor<256x256xbf16>
  %d = r1.dequantize %w8, %s88 {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<256x256xf8E4M3FN>, tensor<2x2xf32>) -> tensor<256x256xbf16>
  // CHECK: r1.qlinear %{{.*}}, %{{.*}}, %{{.*}} {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi8>, tensor<128xf32>) -> tensor<?x128xf32>
  %y = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi8>, tensor<128xf32>) -> tensor<?x128xf32>
  // CHECK: r1.qlinear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {quant = #r1.quant<int4, group = 32>}
  %z = r1.qlinear %x, %w4, %s4, %s8 {quant = #r1.quant<int4, group = 32>} : (tensor<?x64xf32>, tensor<128x64xi4>, tensor<128x2xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  return %z : tensor<?x128xf32>
}

// Stacked FP8 expert weights dequantize with per-expert block scales.
// CHECK-LABEL: func.func @stacked_quant
func.func @stacked_quant(%w: tensor<8x256x129xf8E4M3FN>, %s: tensor<8x2x2xf32>) -> tensor<8x256x129xbf16> {
  // CHECK: r1.dequantize %{{.*}}, %{{.*}} {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<8x256x129xf8E4M3FN>, tensor<8x2x2xf32>) -> tensor<8x256x129xbf16>
  %d = r1.dequantize %w, %s {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<8x256x129xf8E4M3FN>, tensor<8x2x2xf32>) -> tensor<8x256x129xbf16>
  return %d : tensor<8x256x129xbf16>
}
