// r1-infer-shapes narrows dynamic result dims to what the operands imply and
// updates function signatures; it never widens a type.
// RUN: r1-opt %s --r1-infer-shapes --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @static_sequence
// CHECK-SAME: -> tensor<8x128xf32>
func.func @static_sequence(%x: tensor<8x64xf32>, %w: tensor<128x64xf32>,
                           %n: tensor<64xf32>) -> tensor<?x128xf32> {
  // CHECK: r1.rms_norm {{.*}} -> tensor<8x64xf32>
  %0 = r1.rms_norm %x, %n {epsilon = 1.0e-6 : f32} : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  // CHECK: r1.linear {{.*}} -> tensor<8x128xf32>
  %1 = r1.linear %0, %w : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  // CHECK: r1.silu {{.*}} : tensor<8x128xf32>
  %2 = r1.silu %1 : tensor<?x128xf32>
  // CHECK: return {{.*}} : tensor<8x128xf32>
  return %2 : tensor<?x128xf32>
}

// -----

// A dynamic input stays dynamic.
// CHECK-LABEL: func.func @dynamic_sequence
// CHECK-SAME: -> tensor<?x128xf32>
func.func @dynamic_sequence(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>) -> tensor<?x128xf32> {
  // CHECK: r1.linear {{.*}} -> tensor<?x128xf32>
  %0 = r1.linear %x, %w : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}

// -----

// Shapes flow through attention, routing and multi-result ops.
// CHECK-LABEL: func.func @through_attention_and_routing
func.func @through_attention_and_routing(%q: tensor<5x4x16xf32>, %k: tensor<5x2x16xf32>,
    %h: tensor<5x64xf32>, %gw: tensor<16x64xf32>) -> (tensor<?x4x16xf32>, tensor<?x2xi32>) {
  // CHECK: r1.attention {{.*}} -> tensor<5x4x16xf32>
  %a = r1.attention %q, %k, %k {causal, scale = 0.25 : f32} : (tensor<5x4x16xf32>, tensor<5x2x16xf32>, tensor<5x2x16xf32>) -> tensor<?x4x16xf32>
  // CHECK: r1.router {{.*}} -> (tensor<5x2xf32>, tensor<5x2xi32>)
  %w, %i = r1.router %h, %gw {top_k = 2 : i64, scoring = #r1.scoring<softmax>} : (tensor<5x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  // CHECK: return {{.*}} : tensor<5x4x16xf32>, tensor<5x2xi32>
  return %a, %i : tensor<?x4x16xf32>, tensor<?x2xi32>
}

// -----

// A reshape's dynamic dim follows from a static input.
// CHECK-LABEL: func.func @reshape
func.func @reshape(%x: tensor<7x64xf32>) -> tensor<?x4x16xf32> {
  // CHECK: r1.reshape {{.*}} : tensor<7x64xf32> -> tensor<7x4x16xf32>
  %0 = r1.reshape %x : tensor<7x64xf32> -> tensor<?x4x16xf32>
  return %0 : tensor<?x4x16xf32>
}
