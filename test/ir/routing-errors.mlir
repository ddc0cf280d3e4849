// Verifier errors of router, moe, layer_gate and yield.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects top_k in [1, 16], got 17}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 17 : i64, scoring = #r1.scoring<softmax>} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x17xf32>, tensor<?x17xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects n_group to divide the 16 experts, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>, n_group = 3 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects topk_group in [1, n_group = 4], got 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>, n_group = 4 : i64, topk_group = 5 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects top_k (6) to fit in the 1 selected groups of 4 experts}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 6 : i64, scoring = #r1.scoring<sigmoid>, n_group = 4 : i64, topk_group = 1 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x6xf32>, tensor<?x6xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects a positive routed_scaling, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>, routed_scaling = 0.0 : f32} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{'r1.router' op expects the correction_bias size (8) to equal the number of experts (16)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g, %b {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>} : (tensor<?x64xf32>, tensor<16x64xf32>, tensor<8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x32xf32>) {
  // expected-error @+2 {{'r1.router' op expects the gate's input size (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<softmax>} : (tensor<?x64xf32>, tensor<16x32xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<?x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects a static number of experts}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<softmax>} : (tensor<?x64xf32>, tensor<?x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x4xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects routing weights and indices of one shape, got 'tensor<?x4xf32>' and 'tensor<?x2xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<?x4xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<7x64xf32>, %w: tensor<6x2xf32>, %i: tensor<6x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects one routing row per token: weights 'tensor<6x2xf32>' for hidden 'tensor<7x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<7x64xf32>, tensor<6x2xf32>, tensor<6x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<7x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x32x64xf32>) {
  // expected-error @+2 {{'r1.moe' op expects expert weights gate/up [E, I, H] and down [E, H, I] with H = 64, got 'tensor<16x32x64xf32>', 'tensor<16x32x64xf32>' and 'tensor<16x32x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x64xf32>, %sd: tensor<32x64xf32>) {
  // expected-error @+2 {{'r1.moe' op expects shared weights gate/up [I, H] and down [H, I] with H = 64, got 'tensor<32x64xf32>', 'tensor<32x64xf32>' and 'tensor<32x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) shared(%sg, %sg, %sd) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xbf16>, %d: tensor<16x64x32xbf16>) {
  // expected-error @+2 {{'r1.moe' op expects expert weights and hidden to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xbf16>, tensor<16x32x64xbf16>, tensor<16x64x32xbf16>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x64xf32>) {
  // expected-error @+2 {{'r1.moe' op expects all three shared expert weights or none}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "r1.moe"(%h, %w, %i, %g, %g, %d, %sg) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0>} : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<32x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects threshold in [0, 1], got 2}}
  %0 = r1.layer_gate %h, %w {threshold = 2.0 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the gate size (32) to equal the hidden size (64)}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<32xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the result type to be the hidden type 'tensor<?x64xf32>', got 'tensor<8x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<8x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the body to take one argument of type 'tensor<?x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x32xf32>):
    r1.yield %h : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>, %o: tensor<?x32xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the body to yield one value of type 'tensor<?x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %o : tensor<?x32xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>) {
  // expected-error @+1 {{'r1.yield' op expects parent op 'r1.layer_gate'}}
  r1.yield %h : tensor<?x64xf32>
}
