// Every r1k op parses, verifies and prints back to itself.
// RUN: r1-opt %s | FileCheck %s
// RUN: r1-opt %s | r1-opt | FileCheck %s
// RUN: r1-opt %s -mlir-print-op-generic | r1-opt | FileCheck %s

// CHECK-LABEL: module
// CHECK: r1k.slot @ids {element = i32, rows = #r1k<rows tokens>, width = 1 : i64}
r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @positions {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @y {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.slot @ctx {width = 64 : i64, element = f32, rows = #r1k<rows context>}
r1k.slot @kv {width = 32 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @score {width = 1 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @rlogits {width = 8 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @rweights {width = 2 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @rindices {width = 2 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @eout {width = 128 : i64, element = f32, rows = #r1k<rows tokens>}
// CHECK: r1k.cache @k {element = f32, width = 32 : i64}
r1k.cache @k {width = 32 : i64, element = f32}
r1k.cache @buckets {width = 4 : i64, element = i32}
r1k.cache @sorted {width = 4 : i64, element = i32}
r1k.cache @rank {width = 4 : i64, element = i32}
// CHECK: r1k.weight @embed {derive = [], layout = #r1k<layout plain>, name = "embed", shape = array<i64: 256, 64>, sources = ["model.embed_tokens.weight"], storage = f32}
r1k.weight @embed {name = "embed", sources = ["model.embed_tokens.weight"], shape = array<i64: 256, 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
// CHECK: derive = [#r1k.dequantize_blocks<["q_scale_inv"], 128 x 128>, #r1k.scale_columns<"model.norm.weight">]
r1k.weight @q {name = "q", sources = ["q"], shape = array<i64: 64, 64>, derive = [#r1k.dequantize_blocks<["q_scale_inv"], 128 x 128>, #r1k.scale_columns<"model.norm.weight">], storage = f32, layout = #r1k<layout panels16>}
// CHECK: derive = [#r1k.split_heads<"keys", 4, 16, 16>]
r1k.weight @uk {name = "uk", sources = ["kv_b"], shape = array<i64: 128, 32>, derive = [#r1k.split_heads<"keys", 4, 16, 16>], storage = f32, layout = #r1k<layout plain>}
// CHECK: derive = [#r1k.select_expert<1>], layout = #r1k<layout panels16>, name = "experts", shape = array<i64: 2, 64, 64>, sources = ["e0", "e1"], storage = bf16
r1k.weight @experts {name = "experts", sources = ["e0", "e1"], shape = array<i64: 2, 64, 64>, derive = [#r1k.select_expert<1>], storage = bf16, layout = #r1k<layout panels16>}
r1k.weight @mkeys {name = "mkeys", sources = ["m.keys"], shape = array<i64: 16, 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.weight @pe {name = "pe", sources = ["pe"], shape = array<i64: 64, 3, 4, 4>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.weight @pb {name = "pb", sources = ["pb"], shape = array<i64: 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
// CHECK: r1k.state @keys {initial = @mkeys, rows = 16 : i64, width = 64 : i64}
r1k.state @keys {rows = 16 : i64, width = 64 : i64, initial = @mkeys}
r1k.state @values {rows = 16 : i64, width = 64 : i64, initial = @mkeys}

// CHECK: r1k.kernel.embed @k_embed {channels = 64 : i64, vocab = 256 : i64}
r1k.kernel.embed @k_embed {channels = 64 : i64, vocab = 256 : i64}
r1k.kernel.rms_norm @k_norm {channels = 64 : i64, eps = 1.000000e-06 : f64}
// CHECK: r1k.kernel.linear @k_linear {bf16_weights = false, bias = false, epilogue = #r1k<epilogue gated>, k = 64 : i64, n = 64 : i64, rms_eps = 9.9999999999999995E-7 : f64}
// CHECK: r1k.kernel.add @k_add{{$}}
r1k.kernel.linear @k_linear {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue gated>, bias = false, rms_eps = 1.0e-6 : f64, bf16_weights = false}
r1k.kernel.linear @k_down {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = false}
r1k.kernel.rope @k_rope {heads = 4 : i64, head_dim = 16 : i64, rotary_dim = 4 : i64, interleaved = false, mscale = 1.0 : f64, inv_freq = array<f64: 1.0, 0.01>}
r1k.kernel.attention @k_attn {heads = 4 : i64, kv_heads = 2 : i64, head_dim = 16 : i64, v_head_dim = 16 : i64, causal = true, scale = 0.25 : f64}
r1k.kernel.add @k_add {}
r1k.kernel.mul @k_mul {}
r1k.kernel.silu @k_silu {}
r1k.kernel.swiglu @k_swiglu {}
r1k.kernel.slice @k_slice {inner = 4 : i64, axis = 8 : i64, outer = 2 : i64, start = 0 : i64, size = 4 : i64}
r1k.kernel.head_matmul @k_hm {heads = 4 : i64, in_dim = 16 : i64, out_dim = 32 : i64}
r1k.kernel.mla_attention @k_mla {heads = 4 : i64, kv_lora_rank = 32 : i64, rope_dim = 8 : i64, causal = true, scale = 0.2 : f64}
r1k.kernel.gate_score @k_gs {hidden = 64 : i64}
r1k.kernel.gate_select @k_gsel {hidden = 64 : i64, threshold = 0.5 : f64}
r1k.kernel.expert_combine @k_ec {top_k = 2 : i64, hidden = 64 : i64, has_base = true}
r1k.kernel.concat @k_cat {inner = 1 : i64, outer = 4 : i64, axes = array<i64: 16, 8>}
r1k.kernel.repeat @k_rep {inner = 16 : i64, axis = 2 : i64, outer = 1 : i64, count = 2 : i64}
r1k.kernel.lsh_hash @k_hash {heads = 1 : i64, head_dim = 2 : i64, rounds = 1 : i64, buckets = 2 : i64, rotations = array<f64: 0.5, -0.5>}
r1k.kernel.l2_normalize @k_l2 {heads = 4 : i64, head_dim = 16 : i64}
r1k.kernel.lsh_attention @k_lsh {heads = 4 : i64, head_dim = 16 : i64, rounds = 2 : i64, chunk = 4 : i64, before = 1 : i64, after = 0 : i64, causal = true, scale = 0.25 : f64}
r1k.kernel.merge_rounds @k_merge {heads = 4 : i64, head_dim = 16 : i64, rounds = 2 : i64}
r1k.kernel.expert_accumulate @k_eacc {top_k = 2 : i64, hidden = 64 : i64, expert = 0 : i64, has_base = false}
r1k.kernel.swap_outer @k_swap {}
r1k.kernel.repeat_outer @k_rout {count = 2 : i64}
r1k.kernel.batch_matmul @k_bmm {transpose_rhs = true}
r1k.kernel.scale @k_scale {factor = 0.25 : f64}
r1k.kernel.causal_mask @k_mask {}
r1k.kernel.softmax @k_softmax {}

// CHECK: r1k.classify @x {bias = @pb, labels = 3 : i64, mean_pooling = false, weight = @embed}
r1k.classify @x {hidden = @x, weight = @embed, bias = @pb, labels = 3 : i64, mean_pooling = false}

// CHECK: r1k.forward attributes {context_length = 512 : i64, ids = @ids, logits = @logits, positions = @positions, replay, rowwise_from = 8 : i64, vocab = 256 : i64} {
r1k.forward attributes {ids = @ids, positions = @positions, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, replay, rowwise_from = 8 : i64} {
  // CHECK: r1k.encode [#r1k.image_encoder<channels = 3, height = 16, width = 16, patch = 4, embed = @pe, bias = @pb, position = @pb, norm_weight = @pb, norm_bias = @pb, eps = 1.000000e-05 : f64>] -> @ctx
  r1k.encode [#r1k.image_encoder<channels = 3, height = 16, width = 16, patch = 4, embed = @pe, bias = @pb, position = @pb, norm_weight = @pb, norm_bias = @pb, eps = 1.0e-5 : f64>] -> @ctx
  r1k.encode [#r1k.audio_encoder<length = 32, hop = 16, embed = @pe, bias = @pb, norm_weight = @pb, norm_bias = @pb, eps = 1.0e-5 : f64>] -> @ctx
  // CHECK: r1k.call @k_embed [#r1k.view<@ids, [-1]>, #r1k.view<@embed, [64, 256]>] -> <@x, [64, -1]>
  r1k.call @k_embed [#r1k.view<@ids, [-1]>, #r1k.view<@embed, [64, 256]>] -> #r1k.view<@x, [64, -1]>
  // CHECK: r1k.append @kv to @k
  r1k.append @kv to @k
  // CHECK: r1k.layer_skip @score threshold(5.000000e-01) {
  r1k.layer_skip @score threshold(0.5) {
    r1k.call @k_add [#r1k.view<@x, [64, -1]>, #r1k.view<@y, [64, -1]>] -> #r1k.view<@x, [64, -1]>
  }
  // CHECK: r1k.fresh_prefill min_rows(171) {
  // CHECK: } else {
  r1k.fresh_prefill min_rows(171) {
    r1k.call @k_add [#r1k.view<@x, [64, -1]>, #r1k.view<@y, [64, -1]>] -> #r1k.view<@x, [64, -1]>
  } else {
    r1k.call @k_mul [#r1k.view<@x, [64, -1]>, #r1k.view<@y, [64, -1]>] -> #r1k.view<@x, [64, -1]>
  }
  // CHECK: r1k.route @rlogits -> @rweights, @rindices {experts = 8 : i64, groups = 2 : i64, normalize = true, scaling = 2.500000e+00 : f64, scoring = "sigmoid", top_k = 2 : i64, topk_groups = 1 : i64}
  r1k.route @rlogits -> @rweights, @rindices {scoring = "sigmoid", experts = 8 : i64, groups = 2 : i64, topk_groups = 1 : i64, top_k = 2 : i64, normalize = true, scaling = 2.5 : f64}
  // CHECK: r1k.experts @x, @rindices -> @eout
  r1k.experts @x, @rindices -> @eout {experts = 2 : i64, top_k = 2 : i64, intermediate = 64 : i64, hidden = 64 : i64, gated_kernel = @k_linear, down_kernel = @k_down, gate = #r1k.view<@experts, [16, 64, 4]>, up = #r1k.view<@experts, [16, 64, 4]>, down = #r1k.view<@experts, [16, 64, 4]>}
  // CHECK: r1k.memory_read @x, @y -> @x {keys = @keys, top_k = 4 : i64, values = @values}
  r1k.memory_read @x, @y -> @x {keys = @keys, values = @values, top_k = 4 : i64}
  // CHECK: r1k.memory_record @x {decay = 9.000000e-01 : f64, keys = @keys, values = @values}
  r1k.memory_record @x {keys = @keys, values = @values, decay = 0.9 : f64}
  // CHECK: r1k.lsh_sort @buckets -> @sorted, @rank {count = 8 : i64}
  r1k.lsh_sort @buckets -> @sorted, @rank {count = 8 : i64}
}
