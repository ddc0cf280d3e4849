// r1k-plan-buffers maps one-slot-per-value onto reused slots: a slot takes
// a free one of its width, element and rows when first written and frees
// it after its last read (a step's output never shares its inputs'
// buffers, and reads inside a branch count at their place in program
// order); ids, positions, logits and the classifier's hidden state keep
// their own; unused slots go; the rest are renamed @s0... in order of use.
// RUN: r1-opt %s --r1k-plan-buffers | FileCheck %s
// RUN: r1-opt %s --r1k-plan-buffers | r1-opt --r1k-plan-buffers | FileCheck %s

// CHECK-LABEL: module
// CHECK-NEXT: r1k.slot @s0 {element = i32, rows = #r1k<rows tokens>, width = 1 : i64}
// CHECK-NEXT: r1k.slot @s1 {element = i32, rows = #r1k<rows tokens>, width = 1 : i64}
// CHECK-NEXT: r1k.slot @s2 {element = f32, rows = #r1k<rows tokens>, width = 64 : i64}
// CHECK-NEXT: r1k.slot @s3 {element = f32, rows = #r1k<rows tokens>, width = 64 : i64}
// CHECK-NEXT: r1k.slot @s4 {element = f32, rows = #r1k<rows tokens>, width = 1 : i64}
// CHECK-NEXT: r1k.slot @s5 {element = f32, rows = #r1k<rows context>, width = 64 : i64}
// CHECK-NEXT: r1k.slot @s6 {element = f32, rows = #r1k<rows tokens>, width = 64 : i64}
// CHECK-NEXT: r1k.slot @s7 {element = f32, rows = #r1k<rows tokens>, width = 256 : i64}
// CHECK-NOT: r1k.slot
r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @positions {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @y {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @z {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @score {width = 1 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @gated {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @ctx {width = 64 : i64, element = f32, rows = #r1k<rows context>}
r1k.slot @crossed {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @hidden {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @unused {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.cache @k {width = 64 : i64, element = f32}
r1k.weight @embed {name = "embed", sources = ["embed"], shape = array<i64: 256, 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.weight @pb {name = "pb", sources = ["pb"], shape = array<i64: 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.kernel.embed @k_embed {channels = 64 : i64, vocab = 256 : i64}
r1k.kernel.add @k_add {}
r1k.kernel.gate_score @k_gs {hidden = 64 : i64}
r1k.kernel.linear @k_head {n = 256 : i64, k = 64 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = false}
// CHECK: r1k.classify @s6 {{.*}}weight = @embed}
r1k.classify @hidden {hidden = @hidden, weight = @embed, labels = 3 : i64, mean_pooling = false}

// CHECK: r1k.forward attributes {context_length = 64 : i64, ids = @s0, logits = @s7, positions = @s1, rowwise_from = 0 : i64, vocab = 256 : i64} {
r1k.forward attributes {ids = @ids, positions = @positions, logits = @logits, vocab = 256 : i64, context_length = 64 : i64, rowwise_from = 0 : i64} {
  // CHECK-NEXT: r1k.call @k_embed [#r1k.view<@s0, [-1]>, #r1k.view<@embed, [64, 256]>] -> <@s2, [64, -1]>
  r1k.call @k_embed [#r1k.view<@ids, [-1]>, #r1k.view<@embed, [64, 256]>] -> #r1k.view<@x, [64, -1]>
  // x dies here, but y may not take its buffer.
  // CHECK-NEXT: r1k.call @k_add [#r1k.view<@s2, [64, -1]>, #r1k.view<@s2, [64, -1]>] -> <@s3, [64, -1]>
  r1k.call @k_add [#r1k.view<@x, [64, -1]>, #r1k.view<@x, [64, -1]>] -> #r1k.view<@y, [64, -1]>
  // CHECK-NEXT: r1k.append @s3 to @k
  r1k.append @y to @k
  // z takes x's buffer.
  // CHECK-NEXT: r1k.call @k_gs [#r1k.view<@s3, [64, -1]>, #r1k.view<@pb, [64]>] -> <@s4, [1, -1]>
  r1k.call @k_gs [#r1k.view<@y, [64, -1]>, #r1k.view<@pb, [64]>] -> #r1k.view<@score, [1, -1]>
  // CHECK-NEXT: r1k.layer_skip @s4 threshold(5.000000e-01) {
  // CHECK-NEXT: r1k.call @k_add [#r1k.view<@s3, [64, -1]>, #r1k.view<@s3, [64, -1]>] -> <@s2, [64, -1]>
  // CHECK-NEXT: }
  r1k.layer_skip @score threshold(0.5) {
    r1k.call @k_add [#r1k.view<@y, [64, -1]>, #r1k.view<@y, [64, -1]>] -> #r1k.view<@z, [64, -1]>
  }
  // Rows decide: the context slot gets its own.
  // CHECK-NEXT: r1k.call @k_add [#r1k.view<@s2, [64, -1]>, #r1k.view<@s2, [64, -1]>] -> <@s5, [64, -1]>
  r1k.call @k_add [#r1k.view<@z, [64, -1]>, #r1k.view<@z, [64, -1]>] -> #r1k.view<@ctx, [64, -1]>
  // Free buffers are taken in the order they were freed: y's (read last in
  // the branch) before z's.
  // CHECK-NEXT: r1k.call @k_add [#r1k.view<@s5, [64, -1]>, #r1k.view<@s5, [64, -1]>] -> <@s3, [64, -1]>
  r1k.call @k_add [#r1k.view<@ctx, [64, -1]>, #r1k.view<@ctx, [64, -1]>] -> #r1k.view<@crossed, [64, -1]>
  // The classifier's hidden state is its own, though z's buffer is free.
  // CHECK-NEXT: r1k.call @k_add [#r1k.view<@s3, [64, -1]>, #r1k.view<@s3, [64, -1]>] -> <@s6, [64, -1]>
  r1k.call @k_add [#r1k.view<@crossed, [64, -1]>, #r1k.view<@crossed, [64, -1]>] -> #r1k.view<@hidden, [64, -1]>
  // CHECK-NEXT: r1k.call @k_head [#r1k.view<@s6, [64, -1]>, #r1k.view<@embed, [64, 256]>] -> <@s7, [256, -1]>
  r1k.call @k_head [#r1k.view<@hidden, [64, -1]>, #r1k.view<@embed, [64, 256]>] -> #r1k.view<@logits, [256, -1]>
}
