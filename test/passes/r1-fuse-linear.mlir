// r1-fuse-linear folds an rms_norm into the linears it feeds and a residual
// add into the linear it adds; anything else is left alone.
// RUN: r1-opt %s --r1-fuse-linear --split-input-file | FileCheck %s

// A Llama block's shape: norm → q and k projections (the norm feeds two
// linears, both fuse it and it goes), o projection + residual.
// CHECK-LABEL: func.func @block
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[WQ:[^:]*]]: tensor<8x8xf32>, %[[WK:[^:]*]]: tensor<4x8xf32>, %[[WO:[^:]*]]: tensor<8x8xf32>)
// CHECK-NOT: r1.rms_norm
// CHECK: %[[Q:.*]] = r1.fused_linear %[[X]], %[[WQ]] norm %[[G]] {norm_epsilon = 9.99999997E-7 : f32}
// CHECK: %[[K:.*]] = r1.fused_linear %[[X]], %[[WK]] norm %[[G]] {norm_epsilon = 9.99999997E-7 : f32}
// CHECK: %[[O:.*]] = r1.fused_linear %[[Q]], %[[WO]] residual %[[X]] :
// CHECK-NOT: r1.add
// CHECK: return %[[O]], %[[K]]
func.func @block(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %wq: tensor<8x8xf32>,
                 %wk: tensor<4x8xf32>, %wo: tensor<8x8xf32>) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
  %n = r1.rms_norm %x, %g {epsilon = 1.0e-6 : f32} : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %q = r1.linear %n, %wq : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %k = r1.linear %n, %wk : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  %o = r1.linear %q, %wo : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %r = r1.add %x, %o : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r, %k : tensor<?x8xf32>, tensor<?x4xf32>
}

// -----

// Norm, bias and residual into one op.
// CHECK-LABEL: func.func @all
// CHECK: r1.fused_linear %arg0, %arg2 bias %arg3 norm %arg1 residual %arg0 {norm_epsilon = 9.99999974E-6 : f32}
func.func @all(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %n = r1.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %y = r1.linear %n, %w, %b : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %r = r1.add %y, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// Left alone: a linear whose result has another user (the add would not
// save its store), and a norm whose other user is not a linear (it stays,
// while the linear still fuses it).
// CHECK-LABEL: func.func @shared
// CHECK: %[[N:.*]] = r1.rms_norm
// CHECK: %[[Y:.*]] = r1.fused_linear %arg0, %arg2 norm %arg1
// CHECK: %[[R:.*]] = r1.add %[[Y]], %[[N]]
// CHECK: return %[[R]], %[[Y]]
func.func @shared(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %n = r1.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %y = r1.linear %n, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %r = r1.add %y, %n : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r, %y : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Left alone: an add whose other operand has a different type.
// CHECK-LABEL: func.func @types
// CHECK: r1.linear
// CHECK: r1.add
func.func @types(%x: tensor<3x8xf32>, %w: tensor<8x8xf32>, %r: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = r1.linear %x, %w : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32>
  %s = r1.add %y, %r : (tensor<3x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %s : tensor<?x8xf32>
}

// -----

// SwiGLU: a normalised input's gate and up projections become one gated op
// (norm folded too); down adds the residual.
// CHECK-LABEL: func.func @mlp
// CHECK: %[[A:.*]] = r1.fused_linear %arg0, %arg2 up %arg3 norm %arg1 {norm_epsilon = 9.99999974E-6 : f32} : (tensor<?x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x16xf32>
// CHECK: %[[D:.*]] = r1.fused_linear %[[A]], %arg4 residual %arg0
// CHECK-NOT: r1.silu
// CHECK: return %[[D]]
func.func @mlp(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %wg: tensor<16x8xf32>, %wu: tensor<16x8xf32>,
               %wd: tensor<8x16xf32>) -> tensor<?x8xf32> {
  %n = r1.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %gate = r1.linear %n, %wg : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %up = r1.linear %n, %wu : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %s = r1.silu %gate : tensor<?x16xf32>
  %a = r1.mul %up, %s : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  %d = r1.linear %a, %wd : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %r = r1.add %x, %d : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// Left alone: gate and up of different inputs, and a gate with a bias.
// CHECK-LABEL: func.func @not_gated
// CHECK-NOT: up
// CHECK: r1.silu
// CHECK: r1.mul
// CHECK: r1.silu
// CHECK: r1.mul
func.func @not_gated(%x: tensor<?x8xf32>, %y: tensor<?x8xf32>, %wg: tensor<16x8xf32>, %wu: tensor<16x8xf32>,
                     %b: tensor<16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %gate = r1.linear %x, %wg : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %up = r1.linear %y, %wu : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %s = r1.silu %gate : tensor<?x16xf32>
  %a = r1.mul %s, %up : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  %gate2 = r1.linear %x, %wg, %b : (tensor<?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %up2 = r1.linear %x, %wu : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %s2 = r1.silu %gate2 : tensor<?x16xf32>
  %a2 = r1.mul %s2, %up2 : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  return %a, %a2 : tensor<?x16xf32>, tensor<?x16xf32>
}
