// Folds of the layout ops: canonicalization removes identities and merges
// chains, and leaves everything else alone.
// RUN: r1-opt %s --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<4x8x16xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>) {
  %0 = r1.scale %x, 1.0 : tensor<4x8x16xf32>
  %1 = r1.transpose %x, [0, 1, 2] : (tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %2 = r1.reshape %x : tensor<4x8x16xf32> -> tensor<4x8x16xf32>
  %3 = r1.repeat %x {axis = 0 : i64, count = 1 : i64} : (tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %4 = r1.concat %x {axis = 1 : i64} : (tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %5 = r1.slice %x {axis = -1 : i64, start = 0 : i64, size = 16 : i64} : (tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @chains
// CHECK-SAME: (%[[X:.*]]: tensor<4x8x16xf32>)
// CHECK-NEXT: %[[S:.*]] = r1.scale %[[X]], 5.000000e-01 : tensor<4x8x16xf32>
// CHECK-NEXT: %[[T:.*]] = r1.transpose %[[X]], [2, 0, 1] : (tensor<4x8x16xf32>) -> tensor<16x4x8xf32>
// CHECK-NEXT: %[[R:.*]] = r1.reshape %[[X]] : tensor<4x8x16xf32> -> tensor<32x16xf32>
// CHECK-NEXT: return %[[S]], %[[T]], %[[R]]
func.func @chains(%x: tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<16x4x8xf32>, tensor<32x16xf32>) {
  %a = r1.scale %x, 2.0 : tensor<4x8x16xf32>
  %b = r1.scale %a, 0.25 : tensor<4x8x16xf32>
  %t = r1.transpose %x, [1, 0, 2] : (tensor<4x8x16xf32>) -> tensor<8x4x16xf32>
  %u = r1.transpose %t, [2, 1, 0] : (tensor<8x4x16xf32>) -> tensor<16x4x8xf32>
  %r = r1.reshape %x : tensor<4x8x16xf32> -> tensor<512xf32>
  %s = r1.reshape %r : tensor<512xf32> -> tensor<32x16xf32>
  return %b, %u, %s : tensor<4x8x16xf32>, tensor<16x4x8xf32>, tensor<32x16xf32>
}

// -----

// A transpose and its inverse cancel.
// CHECK-LABEL: func.func @inverse_transposes
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x16xf32>)
// CHECK-NEXT: return %[[X]]
func.func @inverse_transposes(%x: tensor<?x4x16xf32>) -> tensor<?x4x16xf32> {
  %t = r1.transpose %x, [1, 0, 2] : (tensor<?x4x16xf32>) -> tensor<4x?x16xf32>
  %u = r1.transpose %t, [1, 0, 2] : (tensor<4x?x16xf32>) -> tensor<?x4x16xf32>
  return %u : tensor<?x4x16xf32>
}

// -----

// Not identities: kept.
// CHECK-LABEL: func.func @kept
// CHECK: r1.scale {{.*}}, 2.000000e+00
// CHECK: r1.repeat
// CHECK: r1.slice
// CHECK: r1.concat
func.func @kept(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8x8xf32>, tensor<4x7xf32>, tensor<8x8xf32>) {
  %0 = r1.scale %x, 2.0 : tensor<4x8xf32>
  %1 = r1.repeat %x {axis = 0 : i64, count = 2 : i64} : (tensor<4x8xf32>) -> tensor<8x8xf32>
  %2 = r1.slice %x {axis = 1 : i64, start = 1 : i64, size = 7 : i64} : (tensor<4x8xf32>) -> tensor<4x7xf32>
  %3 = r1.concat %x, %x {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<8x8xf32>, tensor<4x7xf32>, tensor<8x8xf32>
}
