// Verifier errors of r1k ops: parameters out of range and symbols that name
// nothing, or a symbol of the wrong kind.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'r1k.slot' op width must be positive}}
r1k.slot @s {width = 0 : i64, element = f32, rows = #r1k<rows tokens>}

// -----

// expected-error @+1 {{'r1k.cache' op element must be f32 or i32}}
r1k.cache @c {width = 4 : i64, element = f16}

// -----

// expected-error @+1 {{'r1k.weight' op stacks 2 sources, so its leading dim must be 2}}
r1k.weight @w {name = "w", sources = ["a", "b"], shape = array<i64: 3, 4, 4>, derive = [], storage = f32, layout = #r1k<layout plain>}

// -----

// expected-error @+1 {{'r1k.weight' op bf16 storage is for matrix and panels16 weights}}
r1k.weight @w {name = "w", sources = ["a"], shape = array<i64: 4, 4>, derive = [], storage = bf16, layout = #r1k<layout plain>}

// -----

// expected-error @+1 {{'r1k.weight' op derive lists derivations, got 1 : i64}}
r1k.weight @w {name = "w", sources = ["a"], shape = array<i64: 4, 4>, derive = [1], storage = f32, layout = #r1k<layout plain>}

// -----

// expected-error @+1 {{split_heads' part is "keys" or "values"}}
r1k.weight @w {name = "w", sources = ["a"], shape = array<i64: 4, 4>, derive = [#r1k.split_heads<"both", 1, 2, 2>], storage = f32, layout = #r1k<layout plain>}

// -----

// expected-error @+1 {{'r1k.weight' op dequantize_blocks names 1 scale tensors for 2 sources}}
r1k.weight @w {name = "w", sources = ["a", "b"], shape = array<i64: 2, 4, 4>, derive = [#r1k.dequantize_blocks<["s"], 128 x 128>], storage = f32, layout = #r1k<layout plain>}

// -----

// expected-error @+1 {{dequantize_blocks needs scale tensor names and positive block dims}}
r1k.weight @w {name = "w", sources = ["a"], shape = array<i64: 4, 4>, derive = [#r1k.dequantize_blocks<["s"], 0 x 128>], storage = f32, layout = #r1k<layout plain>}

// -----

// expected-error @+1 {{'r1k.kernel.linear' op 'k' must be positive, got 0}}
r1k.kernel.linear @k {n = 64 : i64, k = 0 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = false}

// -----

// expected-error @+1 {{'r1k.kernel.rms_norm' op eps must be positive}}
r1k.kernel.rms_norm @k {channels = 64 : i64, eps = 0.0 : f64}

// -----

// expected-error @+1 {{'r1k.kernel.attention' op kv_heads (3) must divide heads (4)}}
r1k.kernel.attention @k {heads = 4 : i64, kv_heads = 3 : i64, head_dim = 16 : i64, v_head_dim = 16 : i64, causal = true, scale = 0.25 : f64}

// -----

// expected-error @+1 {{'r1k.kernel.rope' op inv_freq has 1 values; rotary_dim 4 needs 2}}
r1k.kernel.rope @k {heads = 4 : i64, head_dim = 16 : i64, rotary_dim = 4 : i64, interleaved = false, mscale = 1.0 : f64, inv_freq = array<f64: 1.0>}

// -----

// expected-error @+1 {{'r1k.kernel.rope' op rotary_dim must be even and at most head_dim}}
r1k.kernel.rope @k {heads = 4 : i64, head_dim = 2 : i64, rotary_dim = 4 : i64, interleaved = false, mscale = 1.0 : f64, inv_freq = array<f64: 1.0, 2.0>}

// -----

// expected-error @+1 {{'r1k.kernel.lsh_hash' op rotations has 1 values; [rounds][heads][head_dim][buckets/2] needs 2}}
r1k.kernel.lsh_hash @k {heads = 1 : i64, head_dim = 2 : i64, rounds = 1 : i64, buckets = 2 : i64, rotations = array<f64: 0.5>}

// -----

// expected-error @+1 {{'r1k.kernel.lsh_hash' op buckets must be even}}
r1k.kernel.lsh_hash @k {heads = 1 : i64, head_dim = 2 : i64, rounds = 1 : i64, buckets = 3 : i64, rotations = array<f64: 0.5>}

// -----

// expected-error @+1 {{'r1k.kernel.slice' op the window [2, 6) passes the axis of 4}}
r1k.kernel.slice @k {inner = 4 : i64, axis = 4 : i64, outer = 2 : i64, start = 2 : i64, size = 4 : i64}

// -----

// expected-error @+1 {{'r1k.kernel.scale' op 'factor' must be finite}}
r1k.kernel.scale @k {factor = 0x7FF0000000000000 : f64}

// -----

// expected-error @+1 {{'r1k.kernel.concat' op concatenates at least two inputs of positive axis sizes}}
r1k.kernel.concat @k {inner = 1 : i64, outer = 4 : i64, axes = array<i64: 16>}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
// expected-error @+1 {{'r1k.forward' op logits must be an f32 slot of width vocab (256)}}
r1k.forward attributes {ids = @ids, positions = @ids, logits = @x, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
// expected-error @+1 {{'r1k.forward' op 'logits' names @nothing, which does not exist}}
r1k.forward attributes {ids = @ids, positions = @ids, logits = @nothing, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'kernel' names @x, which is not a kernel declaration}}
  r1k.call @x [#r1k.view<@x, [64, -1]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op writes @c, which is not a slot}}
  r1k.call @add [#r1k.view<@x, [64, -1]>] -> #r1k.view<@c, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' names @add, which is not a slot, cache or weight}}
  r1k.call @add [#r1k.view<@add, [64, -1]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.append' op 'cache' names @x, which is not a cache}}
  r1k.append @x to @x
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' views 128 elements per row of @x, which holds 64}}
  r1k.call @add [#r1k.view<@x, [128, -1]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'output' views 128 elements per row of @x, which holds 64}}
  r1k.call @add [#r1k.view<@x, [64, -1]>] -> #r1k.view<@x, [16, 4, -2]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' views @x with 0 row and 0 context dims; it has 1 and 0}}
  r1k.call @add [#r1k.view<@x, [64]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' views @scores with 1 row and 0 context dims; it has 2 and 0}}
  r1k.call @add [#r1k.view<@scores, [4, -1]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' views cache @c with a row dim other than -1 (its length)}}
  r1k.call @add [#r1k.view<@c, [32, -2]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' views 2112 elements of @w, which holds 2048}}
  r1k.call @add [#r1k.view<@w, [16, 66, 2]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op 'inputs' views @x with dims whose product overflows}}
  r1k.call @add [#r1k.view<@x, [4294967296, 4294967296, -1]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @scores {width = 4 : i64, element = f32, rows = #r1k<rows square>}
r1k.cache @c {width = 64 : i64, element = f32}
r1k.weight @w {name = "w", sources = ["w"], shape = array<i64: 20, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.kernel.add @add
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  r1k.call @add [#r1k.view<@w, [16, 64, 2]>, #r1k.view<@scores, [2, -1, -2]>] -> #r1k.view<@x, [16, 4, -1]>
}

// -----


// -----

r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
// expected-error @+1 {{a view's dims are nonzero}}
r1k.classify @x {hidden = @x, weight = @x, labels = 3 : i64, mean_pooling = false, view = #r1k.view<@x, [0]>}

// -----

r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
// expected-error @+1 {{'r1k.route' op groups, top-k groups and top-k must fit the experts}}
r1k.route @x -> @x, @x {scoring = "sigmoid", experts = 8 : i64, groups = 3 : i64, topk_groups = 1 : i64, top_k = 2 : i64, normalize = true, scaling = 1.0 : f64}

// -----

r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
// expected-error @+1 {{'r1k.route' op scoring must be sigmoid or softmax}}
r1k.route @x -> @x, @x {scoring = "relu", experts = 8 : i64, groups = 1 : i64, topk_groups = 1 : i64, top_k = 2 : i64, normalize = true, scaling = 1.0 : f64}

// -----

r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
// expected-error @+1 {{'r1k.memory_record' op 'keys' names @x, which is not a state}}
r1k.memory_record @x {keys = @x, values = @x, decay = 0.9 : f64}

// -----

r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
// expected-error @+1 {{an image encoder needs positive dims that its patch size divides}}
r1k.encode [#r1k.image_encoder<channels = 3, height = 16, width = 16, patch = 5, embed = @x, bias = @x, position = @x, norm_weight = @x, norm_bias = @x, eps = 1.0e-5 : f64>] -> @x

// -----

// expected-error @+1 {{'r1k.fresh_prefill' op min_rows must be positive}}
r1k.fresh_prefill min_rows(0) {
} else {
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @idx {width = 2 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @out {width = 128 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.weight @e {name = "e", sources = ["e0", "e1"], shape = array<i64: 2, 64, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.weight @b {name = "b", sources = ["b"], shape = array<i64: 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.kernel.add @add
r1k.kernel.linear @plain {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = false}
r1k.kernel.linear @biased {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue residual>, bias = true, bf16_weights = false}
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.call' op passes 1 inputs to @add, which takes 2}}
  r1k.call @add [#r1k.view<@x, [64, -1]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @idx {width = 2 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @out {width = 128 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.weight @e {name = "e", sources = ["e0", "e1"], shape = array<i64: 2, 64, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.weight @b {name = "b", sources = ["b"], shape = array<i64: 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.kernel.add @add
r1k.kernel.linear @plain {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = false}
r1k.kernel.linear @biased {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue residual>, bias = true, bf16_weights = false}
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // A residual linear with a bias takes x, W, bias and the residual.
  // expected-error @+1 {{'r1k.call' op passes 3 inputs to @biased, which takes 4}}
  r1k.call @biased [#r1k.view<@x, [64, -1]>, #r1k.view<@e, [16, 64, 4]>, #r1k.view<@b, [64]>] -> #r1k.view<@x, [64, -1]>
}

// -----

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @idx {width = 2 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @out {width = 128 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.weight @e {name = "e", sources = ["e0", "e1"], shape = array<i64: 2, 64, 64>, derive = [], storage = f32, layout = #r1k<layout panels16>}
r1k.weight @b {name = "b", sources = ["b"], shape = array<i64: 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.kernel.add @add
r1k.kernel.linear @plain {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = false}
r1k.kernel.linear @biased {n = 64 : i64, k = 64 : i64, epilogue = #r1k<epilogue residual>, bias = true, bf16_weights = false}
r1k.forward attributes {ids = @ids, positions = @ids, logits = @logits, vocab = 256 : i64, context_length = 512 : i64, rowwise_from = 0 : i64} {
  // expected-error @+1 {{'r1k.experts' op runs @plain on 3 inputs; it takes 2}}
  r1k.experts @x, @idx -> @out {experts = 2 : i64, top_k = 2 : i64, intermediate = 64 : i64, hidden = 64 : i64, gated_kernel = @plain, down_kernel = @plain, gate = #r1k.view<@e, [16, 64, 4]>, up = #r1k.view<@e, [16, 64, 4]>, down = #r1k.view<@e, [16, 64, 4]>}
}
