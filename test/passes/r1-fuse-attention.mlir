// r1-fuse-attention turns the plain attention chain into r1.attention and
// leaves chains it cannot prove equivalent alone.
// RUN: r1-opt %s --r1-fuse-attention --split-input-file | FileCheck %s

// Causal GQA: 4 query heads over 2 kv heads.
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x16xf32>, %[[K:.*]]: tensor<?x2x16xf32>, %[[V:.*]]: tensor<?x2x16xf32>)
// CHECK-NEXT: %[[A:.*]] = r1.attention %[[Q]], %[[K]], %[[V]] {causal, scale = 2.500000e-01 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
// CHECK-NEXT: %[[R:.*]] = r1.reshape %[[A]] : tensor<?x4x16xf32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[R]]
func.func @causal_gqa(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x2x16xf32>) -> tensor<?x64xf32> {
  %qt = r1.transpose %q, [1, 0, 2] : (tensor<?x4x16xf32>) -> tensor<4x?x16xf32>
  %kt = r1.transpose %k, [1, 0, 2] : (tensor<?x2x16xf32>) -> tensor<2x?x16xf32>
  %vt = r1.transpose %v, [1, 0, 2] : (tensor<?x2x16xf32>) -> tensor<2x?x16xf32>
  %kg = r1.repeat %kt {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  %vg = r1.repeat %vt {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<4x?x16xf32>
  %s = r1.matmul %qt, %kg {transpose_rhs} : (tensor<4x?x16xf32>, tensor<4x?x16xf32>) -> tensor<4x?x?xf32>
  %ss = r1.scale %s, 0.25 : tensor<4x?x?xf32>
  %sm = r1.causal_mask %ss : tensor<4x?x?xf32>
  %p = r1.softmax %sm {axis = -1 : i64} : tensor<4x?x?xf32>
  %o = r1.matmul %p, %vg : (tensor<4x?x?xf32>, tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<4x?x16xf32>) -> tensor<?x4x16xf32>
  %r = r1.reshape %ot : tensor<?x4x16xf32> -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Multi-head (no repeat), no mask: encoder cross-attention, T != S.
// CHECK-LABEL: func.func @cross
// CHECK: r1.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 1.250000e-01 : f32} : (tensor<?x2x8xbf16>, tensor<16x2x8xbf16>, tensor<16x2x4xbf16>) -> tensor<?x2x4xbf16>
// CHECK-NOT: r1.softmax
func.func @cross(%q: tensor<?x2x8xbf16>, %k: tensor<16x2x8xbf16>, %v: tensor<16x2x4xbf16>) -> tensor<?x2x4xbf16> {
  %qt = r1.transpose %q, [1, 0, 2] : (tensor<?x2x8xbf16>) -> tensor<2x?x8xbf16>
  %kt = r1.transpose %k, [1, 0, 2] : (tensor<16x2x8xbf16>) -> tensor<2x16x8xbf16>
  %vt = r1.transpose %v, [1, 0, 2] : (tensor<16x2x4xbf16>) -> tensor<2x16x4xbf16>
  %s = r1.matmul %qt, %kt {transpose_rhs} : (tensor<2x?x8xbf16>, tensor<2x16x8xbf16>) -> tensor<2x?x16xbf16>
  %ss = r1.scale %s, 0.125 : tensor<2x?x16xbf16>
  %p = r1.softmax %ss {axis = 2 : i64} : tensor<2x?x16xbf16>
  %o = r1.matmul %p, %vt : (tensor<2x?x16xbf16>, tensor<2x16x4xbf16>) -> tensor<2x?x4xbf16>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<2x?x4xbf16>) -> tensor<?x2x4xbf16>
  return %ot : tensor<?x2x4xbf16>
}

// -----

// The probabilities are also returned: fusing would lose them.
// CHECK-LABEL: func.func @probs_escape
// CHECK-NOT: r1.attention
// CHECK: r1.softmax
func.func @probs_escape(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>) -> (tensor<?x2x8xf32>, tensor<2x?x?xf32>) {
  %qt = r1.transpose %q, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %kt = r1.transpose %k, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %vt = r1.transpose %k, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %s = r1.matmul %qt, %kt {transpose_rhs} : (tensor<2x?x8xf32>, tensor<2x?x8xf32>) -> tensor<2x?x?xf32>
  %ss = r1.scale %s, 0.35 : tensor<2x?x?xf32>
  %p = r1.softmax %ss {axis = -1 : i64} : tensor<2x?x?xf32>
  %o = r1.matmul %p, %vt : (tensor<2x?x?xf32>, tensor<2x?x8xf32>) -> tensor<2x?x8xf32>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<2x?x8xf32>) -> tensor<?x2x8xf32>
  return %ot, %p : tensor<?x2x8xf32>, tensor<2x?x?xf32>
}

// -----

// Softmax over the queries is not attention.
// CHECK-LABEL: func.func @wrong_softmax_axis
// CHECK-NOT: r1.attention
func.func @wrong_softmax_axis(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>) -> tensor<?x2x8xf32> {
  %qt = r1.transpose %q, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %kt = r1.transpose %k, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %vt = r1.transpose %v, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %s = r1.matmul %qt, %kt {transpose_rhs} : (tensor<2x?x8xf32>, tensor<2x?x8xf32>) -> tensor<2x?x?xf32>
  %ss = r1.scale %s, 0.35 : tensor<2x?x?xf32>
  %p = r1.softmax %ss {axis = 1 : i64} : tensor<2x?x?xf32>
  %o = r1.matmul %p, %vt : (tensor<2x?x?xf32>, tensor<2x?x8xf32>) -> tensor<2x?x8xf32>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<2x?x8xf32>) -> tensor<?x2x8xf32>
  return %ot : tensor<?x2x8xf32>
}

// -----

// The kv heads are repeated along the wrong axis: not a GQA broadcast.
// CHECK-LABEL: func.func @not_gqa
// CHECK-NOT: r1.attention
func.func @not_gqa(%q: tensor<8x4x16xf32>, %k: tensor<4x2x16xf32>) -> tensor<8x4x16xf32> {
  %qt = r1.transpose %q, [1, 0, 2] : (tensor<8x4x16xf32>) -> tensor<4x8x16xf32>
  %kt = r1.transpose %k, [1, 0, 2] : (tensor<4x2x16xf32>) -> tensor<2x4x16xf32>
  %kg = r1.repeat %kt {axis = 1 : i64, count = 2 : i64} : (tensor<2x4x16xf32>) -> tensor<2x8x16xf32>
  %kc = r1.concat %kg, %kg {axis = 0 : i64} : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<4x8x16xf32>
  %s = r1.matmul %qt, %kc {transpose_rhs} : (tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x8xf32>
  %ss = r1.scale %s, 0.25 : tensor<4x8x8xf32>
  %p = r1.softmax %ss {axis = -1 : i64} : tensor<4x8x8xf32>
  %o = r1.matmul %p, %kc : (tensor<4x8x8xf32>, tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<4x8x16xf32>) -> tensor<8x4x16xf32>
  return %ot : tensor<8x4x16xf32>
}

// -----

// No scale: left alone (the importers always scale).
// CHECK-LABEL: func.func @unscaled
// CHECK-NOT: r1.attention
func.func @unscaled(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>) -> tensor<?x2x8xf32> {
  %qt = r1.transpose %q, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %kt = r1.transpose %k, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %vt = r1.transpose %v, [1, 0, 2] : (tensor<?x2x8xf32>) -> tensor<2x?x8xf32>
  %s = r1.matmul %qt, %kt {transpose_rhs} : (tensor<2x?x8xf32>, tensor<2x?x8xf32>) -> tensor<2x?x?xf32>
  %p = r1.softmax %s {axis = -1 : i64} : tensor<2x?x?xf32>
  %o = r1.matmul %p, %vt : (tensor<2x?x?xf32>, tensor<2x?x8xf32>) -> tensor<2x?x8xf32>
  %ot = r1.transpose %o, [1, 0, 2] : (tensor<2x?x8xf32>) -> tensor<?x2x8xf32>
  return %ot : tensor<?x2x8xf32>
}
