// r1-specialize-routing: MoE becomes shared-expert ops + grouped experts +
// weighted combine; layer-skip gates become branches with their cached
// operands computed before them.
// RUN: r1-opt %s --r1-specialize-routing --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @moe_shared
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<?x2xf32>, %[[I:[^:]*]]: tensor<?x2xi32>, %[[G:[^:]*]]: tensor<8x32x64xf32>, %[[U:[^:]*]]: tensor<8x32x64xf32>, %[[D:[^:]*]]: tensor<8x64x32xf32>, %[[SG:[^:]*]]: tensor<48x64xf32>, %[[SU:[^:]*]]: tensor<48x64xf32>, %[[SD:[^:]*]]: tensor<64x48xf32>)
// CHECK-NEXT: %[[A:.*]] = r1.linear %[[H]], %[[SG]] : (tensor<?x64xf32>, tensor<48x64xf32>) -> tensor<?x48xf32>
// CHECK-NEXT: %[[B:.*]] = r1.linear %[[H]], %[[SU]]
// CHECK-NEXT: %[[S:.*]] = r1.silu %[[A]] : tensor<?x48xf32>
// CHECK-NEXT: %[[M:.*]] = r1.mul %[[S]], %[[B]]
// CHECK-NEXT: %[[BASE:.*]] = r1.linear %[[M]], %[[SD]] : (tensor<?x48xf32>, tensor<64x48xf32>) -> tensor<?x64xf32>
// CHECK-NEXT: %[[Y:.*]] = r1.expert_ffn %[[H]], %[[I]] experts(%[[G]], %[[U]], %[[D]]) : (tensor<?x64xf32>, tensor<?x2xi32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>) -> tensor<?x2x64xf32>
// CHECK-NEXT: %[[O:.*]] = r1.expert_combine %[[Y]], %[[W]] base %[[BASE]] : (tensor<?x2x64xf32>, tensor<?x2xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK-NEXT: return %[[O]]
// CHECK-NOT: r1.moe
func.func @moe_shared(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>,
                      %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>,
                      %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>, %sd: tensor<64x48xf32>) -> tensor<?x64xf32> {
  %0 = r1.moe %h, %w, %i experts(%g, %u, %d) shared(%sg, %su, %sd) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Without shared experts the weighted sum starts at zero.
// CHECK-LABEL: func.func @moe_routed_only
// CHECK-NEXT: %[[Y:.*]] = r1.expert_ffn {{.*}} -> tensor<5x3x64xf32>
// CHECK-NEXT: %[[O:.*]] = r1.expert_combine %[[Y]], %{{[^ ]*}} : (tensor<5x3x64xf32>, tensor<5x3xf32>) -> tensor<5x64xf32>
// CHECK-NEXT: return %[[O]]
func.func @moe_routed_only(%h: tensor<5x64xf32>, %w: tensor<5x3xf32>, %i: tensor<5x3xi32>,
                           %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) -> tensor<5x64xf32> {
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<5x64xf32>, tensor<5x3xf32>, tensor<5x3xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<5x64xf32>
  return %0 : tensor<5x64xf32>
}

// -----

// A gated attention layer: the norm and the key/value projections (what the
// cache is filled from) move before the gate; queries, attention, output
// projection and MLP stay in the branch.
// CHECK-LABEL: func.func @gated_layer
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xf32>
// CHECK: %[[N:.*]] = r1.rms_norm %[[H]]
// CHECK-NEXT: %[[K:.*]] = r1.linear %[[N]], %{{.*}} -> tensor<?x32xf32>
// CHECK-NEXT: %[[V:.*]] = r1.linear %[[N]], %{{.*}} -> tensor<?x32xf32>
// CHECK-NEXT: %[[KR:.*]] = r1.reshape %[[K]]
// CHECK-NEXT: %[[KROPE:.*]] = r1.rope %[[KR]]
// CHECK-NEXT: %[[VR:.*]] = r1.reshape %[[V]]
// CHECK-NEXT: r1.layer_gate %[[H]], %{{.*}} {branch, threshold = 5.000000e-01 : f32}
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<?x64xf32>):
// CHECK-NEXT: %[[Q:.*]] = r1.linear %[[N]], %{{.*}} -> tensor<?x64xf32>
// CHECK-NEXT: %[[QR:.*]] = r1.reshape %[[Q]]
// CHECK-NEXT: %[[QROPE:.*]] = r1.rope %[[QR]]
// CHECK-NEXT: %[[A:.*]] = r1.attention %[[QROPE]], %[[KROPE]], %[[VR]]
// CHECK-NEXT: r1.reshape %[[A]]
// CHECK-NEXT: r1.linear
// CHECK-NEXT: %[[R:.*]] = r1.add %[[X]]
// CHECK-NEXT: r1.yield %[[R]]
func.func @gated_layer(%h: tensor<?x64xf32>, %pos: tensor<?xi64>, %gw: tensor<64xf32>, %nw: tensor<64xf32>,
                       %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>,
                       %wo: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %0 = r1.layer_gate %h, %gw {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    %n = r1.rms_norm %x, %nw {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    %q = r1.linear %n, %wq : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
    %k = r1.linear %n, %wk : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
    %v = r1.linear %n, %wv : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
    %qh = r1.reshape %q : tensor<?x64xf32> -> tensor<?x4x16xf32>
    %qr = r1.rope %qh, %pos {rotary_dim = 16 : i64, style = #r1.rope_style<half>, theta = 1.0e4 : f64} : (tensor<?x4x16xf32>, tensor<?xi64>) -> tensor<?x4x16xf32>
    %kh = r1.reshape %k : tensor<?x32xf32> -> tensor<?x2x16xf32>
    %kr = r1.rope %kh, %pos {rotary_dim = 16 : i64, style = #r1.rope_style<half>, theta = 1.0e4 : f64} : (tensor<?x2x16xf32>, tensor<?xi64>) -> tensor<?x2x16xf32>
    %vh = r1.reshape %v : tensor<?x32xf32> -> tensor<?x2x16xf32>
    %a = r1.attention %qr, %kr, %vh {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
    %af = r1.reshape %a : tensor<?x4x16xf32> -> tensor<?x64xf32>
    %o = r1.linear %af, %wo : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
    %r = r1.add %x, %o : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
    r1.yield %r : tensor<?x64xf32>
  }
  return %0 : tensor<?x64xf32>
}

// -----

// Without attention there is nothing to hoist: the gate is just a branch.
// CHECK-LABEL: func.func @gated_mlp
// CHECK-NEXT: r1.layer_gate {{.*}} {branch, threshold = 2.500000e-01 : f32}
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<?x64xf32>):
// CHECK-NEXT: r1.silu %[[X]]
func.func @gated_mlp(%h: tensor<?x64xf32>, %gw: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = r1.layer_gate %h, %gw {threshold = 0.25 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    %y = r1.silu %x : tensor<?x64xf32>
    r1.yield %y : tensor<?x64xf32>
  }
  return %0 : tensor<?x64xf32>
}

// -----

// A gate inside another: the inner one becomes a branch, the outer one
// (whose body holds a branch) stays a select.
// CHECK-LABEL: func.func @nested
// CHECK-NEXT: r1.layer_gate {{.*}} {threshold = 5.000000e-01 : f32}
// CHECK-NEXT: ^bb0
// CHECK-NEXT: r1.layer_gate {{.*}} {branch, threshold = 7.500000e-01 : f32}
func.func @nested(%h: tensor<?x64xf32>, %gw: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = r1.layer_gate %h, %gw {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    %1 = r1.layer_gate %x, %gw {threshold = 0.75 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
    ^bb0(%y: tensor<?x64xf32>):
      %z = r1.silu %y : tensor<?x64xf32>
      r1.yield %z : tensor<?x64xf32>
    }
    r1.yield %1 : tensor<?x64xf32>
  }
  return %0 : tensor<?x64xf32>
}
