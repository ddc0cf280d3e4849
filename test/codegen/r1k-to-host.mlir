// The host program is the conversion of an r1k module's forward steps:
// a kernel call fills one r1_host_arg per view and calls the frame's
// `call` hook with the kernel's index and the arguments (equal
// declarations are one kernel), a
// nonzero status returns at once; an append is a memcpy at the call's
// first position; runtime steps call the `step` hook numbered in program
// order; layer_skip and fresh_prefill become conditional branches; calls
// from rowwise_from on see the tail's rows.
// RUN: r1-opt %s --r1k-to-host="weight-offsets=0,4096" | FileCheck %s

r1k.slot @ids {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @positions {width = 1 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.slot @x {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @score {width = 1 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @logits {width = 256 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @rlogits {width = 8 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @rweights {width = 2 : i64, element = f32, rows = #r1k<rows tokens>}
r1k.slot @rindices {width = 2 : i64, element = i32, rows = #r1k<rows tokens>}
r1k.cache @k {width = 64 : i64, element = f32}
r1k.cache @buckets {width = 4 : i64, element = i32}
r1k.weight @embed {name = "embed", sources = ["embed"], shape = array<i64: 256, 64>, derive = [], storage = f32, layout = #r1k<layout plain>}
r1k.weight @head {name = "head", sources = ["head"], shape = array<i64: 256, 64>, derive = [], storage = bf16, layout = #r1k<layout panels16>}
r1k.kernel.embed @k_embed {channels = 64 : i64, vocab = 256 : i64}
r1k.kernel.add @k_add {}
r1k.kernel.add @k_add_again {}
r1k.kernel.mul @k_mul {}
r1k.kernel.linear @k_head {n = 256 : i64, k = 64 : i64, epilogue = #r1k<epilogue none>, bias = false, bf16_weights = true}

// CHECK-LABEL: module @r1_host
// CHECK: llvm.mlir.global external constant @r1_host_layout("r1-host 2 slots 1i,1i,64,1,256,8,2,2i caches 64,4i weights 0+0,4096+0b kernels 4 steps 2\00")
// CHECK-LABEL: func.func @r1_host_run(%arg0: !llvm.ptr) -> i32
// The frame's rows and position, and the tail's rows and first row.
// CHECK-DAG: %[[ROWS:.*]] = llvm.load {{.*}} -> i64
// CHECK-DAG: %[[POS:.*]] = llvm.load {{.*}} -> i64
// CHECK-DAG: %[[TAILROWS:.*]] = arith.select %[[LAST:.*]], %c1_i64, %[[ROWS]] : i64
// CHECK-DAG: %[[TAILFIRST:.*]] = arith.select %[[LAST]], %{{.*}}, %c0_i64 : i64
r1k.forward attributes {ids = @ids, positions = @positions, logits = @logits, vocab = 256 : i64, context_length = 64 : i64, rowwise_from = 6 : i64} {
  // The embedding: ids (i32, code 0) and the weight at offset 0 (f32,
  // code 2), then kernel 0.
  // CHECK: call @r1_arg(%{{.*}}, %{{.*}}, %c0_i64, %c32_i64, %c1_i64, %[[ROWS]],
  // CHECK: call @r1_arg(%{{.*}}, %{{.*}}, %c2_i64, %c32_i64, %c2_i64, %c64_i64, %c256_i64, %c1_i64, %c1_i64)
  // CHECK: call @r1_arg(
  // CHECK: %[[S0:.*]] = call @r1_call(%arg0, %c0_i64, %[[ARGS:.*]], %c3_i64)
  // CHECK: %[[BAD0:.*]] = arith.cmpi ne, %[[S0]], %c0_i32
  // CHECK: cf.cond_br %[[BAD0]], ^[[FAIL:bb[0-9]+]](%[[S0]] : i32), ^[[NEXT0:bb[0-9]+]]
  r1k.call @k_embed [#r1k.view<@ids, [-1]>, #r1k.view<@embed, [64, 256]>] -> #r1k.view<@x, [64, -1]>
  // CHECK: ^[[NEXT0]]:
  // CHECK: %[[AT:.*]] = arith.muli %[[POS]], %c256_i64
  // CHECK: %[[TO:.*]] = llvm.getelementptr %{{.*}}[%[[AT]]]
  // CHECK: %[[BYTES:.*]] = arith.muli %[[ROWS]], %c256_i64
  // CHECK: "llvm.intr.memcpy"(%[[TO]], %{{.*}}, %[[BYTES]])
  r1k.append @x to @k
  // CHECK: %[[RAN:.*]] = call @r1_any_at_least(%{{.*}}, %[[ROWS]], %cst)
  // CHECK: call @r1_branch(%arg0,
  // CHECK: cf.cond_br %[[RAN]], ^[[BODY:bb[0-9]+]], ^[[AFTER:bb[0-9]+]]
  // CHECK: ^[[BODY]]:
  // k_add and k_add_again are one kernel, 1.
  // CHECK: call @r1_call(%arg0, %c1_i64,
  // CHECK: ^[[AFTER]]:
  r1k.layer_skip @score threshold(0.5) {
    r1k.call @k_add [#r1k.view<@x, [64, -1]>, #r1k.view<@x, [64, -1]>] -> #r1k.view<@x, [64, -1]>
  }
  // CHECK: %[[FRESH:.*]] = arith.cmpi eq, %[[POS]], %c0_i64
  // CHECK: %[[ENOUGH:.*]] = arith.cmpi sge, %[[ROWS]], %c171_i64
  // CHECK: %[[TAKE:.*]] = arith.andi %[[FRESH]], %[[ENOUGH]]
  // CHECK: cf.cond_br %[[TAKE]], ^[[FRESHBB:bb[0-9]+]], ^[[OTHER:bb[0-9]+]]
  // CHECK: ^[[FRESHBB]]:
  // CHECK: call @r1_call(%arg0, %c1_i64,
  // CHECK: cf.cond_br %{{.*}}, ^[[FAIL]](%{{.*}} : i32), ^[[JOIN:bb[0-9]+]]
  // CHECK: ^[[OTHER]]:
  // CHECK: call @r1_call(%arg0, %c2_i64,
  // CHECK: cf.cond_br %{{.*}}, ^[[FAIL]](%{{.*}} : i32), ^[[JOIN]]
  r1k.fresh_prefill min_rows(171) {
    r1k.call @k_add_again [#r1k.view<@x, [64, -1]>, #r1k.view<@x, [64, -1]>] -> #r1k.view<@x, [64, -1]>
  } else {
    r1k.call @k_mul [#r1k.view<@x, [64, -1]>, #r1k.view<@x, [64, -1]>] -> #r1k.view<@x, [64, -1]>
  }
  // CHECK: ^[[JOIN]]:
  // CHECK: %[[R0:.*]] = call @r1_step(%arg0, %c0_i64)
  r1k.route @rlogits -> @rweights, @rindices {scoring = "sigmoid", experts = 8 : i64, groups = 2 : i64, topk_groups = 1 : i64, top_k = 2 : i64, normalize = true, scaling = 2.5 : f64}
  // CHECK: call @r1_step(%arg0, %c1_i64)
  r1k.lsh_sort @buckets -> @buckets, @buckets {count = 8 : i64}
  // The tail: the bf16 head (u16, code 1) at offset 4096, and x and the
  // logits from the tail's first row for its rows.
  // CHECK: %[[XFIRST:.*]] = arith.muli %[[TAILFIRST]], %c256_i64
  // CHECK: %[[X:.*]] = llvm.getelementptr %{{.*}}[%[[XFIRST]]]
  // CHECK: call @r1_arg(%{{.*}}, %[[X]], %c2_i64, %c32_i64, %c2_i64, %c64_i64, %[[TAILROWS]], %c1_i64, %c1_i64)
  // CHECK: %[[HEAD:.*]] = llvm.getelementptr %{{.*}}[4096]
  // CHECK: call @r1_arg(%{{.*}}, %[[HEAD]], %c1_i64, %c16_i64, %c3_i64, %c16_i64, %c64_i64, %c16_i64, %c1_i64)
  // CHECK: %[[LFIRST:.*]] = arith.muli %[[TAILFIRST]], %c1024_i64
  // CHECK: %[[L:.*]] = llvm.getelementptr %{{.*}}[%[[LFIRST]]]
  // CHECK: call @r1_arg(%{{.*}}, %[[L]], %c2_i64, %c32_i64, %c2_i64, %c256_i64, %[[TAILROWS]], %c1_i64, %c1_i64)
  // CHECK: call @r1_call(%arg0, %c3_i64, %[[ARGS]], %c3_i64)
  r1k.call @k_head [#r1k.view<@x, [64, -1]>, #r1k.view<@head, [16, 64, 16]>] -> #r1k.view<@logits, [256, -1]>
  // CHECK: return %c0_i32
  // CHECK: ^[[FAIL]](%[[STATUS:.*]]: i32):
  // CHECK: return %[[STATUS]]
}
