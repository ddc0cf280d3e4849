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

// -----

func.func @f(%h: tensor<f32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects hidden of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<softmax>} : (tensor<f32>, tensor<16x64xf32>) -> (tensor<2xf32>, tensor<2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64x1xf32>) {
  // expected-error @+2 {{'r1.router' op expects gate_weight [experts, hidden] of rank 2, got 'tensor<16x64x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<softmax>} : (tensor<?x64xf32>, tensor<16x64x1xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>, %b: tensor<1x16xf32>) {
  // expected-error @+2 {{'r1.router' op expects correction_bias of rank 1, got 'tensor<1x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g, %b {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>} : (tensor<?x64xf32>, tensor<16x64xf32>, tensor<1x16xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>, %b: tensor<16xbf16>) {
  // expected-error @+1 {{'r1.router' op operand #2 must be ranked tensor of 32-bit float values, but got 'tensor<16xbf16>'}}
  %0:2 = r1.router %h, %g, %b {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>} : (tensor<?x64xf32>, tensor<16x64xf32>, tensor<16xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects top_k in [1, 16], got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 0 : i64, scoring = #r1.scoring<softmax>} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x0xf32>, tensor<?x0xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects n_group to divide the 16 experts, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>, n_group = 0 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op expects topk_group in [1, n_group = 4], got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<sigmoid>, n_group = 4 : i64, topk_group = 0 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+2 {{'r1.router' op inferred type(s) 'tensor<?x4xf32>', 'tensor<?x4xi32>' are incompatible with return type(s) of operation 'tensor<?x2xf32>', 'tensor<?x2xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.router %h, %g {top_k = 4 : i64, scoring = #r1.scoring<sigmoid>, n_group = 4 : i64, topk_group = 2 : i64} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %g: tensor<16x64xf32>) {
  // expected-error @+1 {{'r1.router' op result #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?x2xi64>'}}
  %0:2 = r1.router %h, %g {top_k = 2 : i64, scoring = #r1.scoring<softmax>} : (tensor<?x64xf32>, tensor<16x64xf32>) -> (tensor<?x2xf32>, tensor<?x2xi64>)
  return
}

// -----

func.func @f(%h: tensor<f32>, %w: tensor<2xf32>, %i: tensor<2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects hidden of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<f32>, tensor<2xf32>, tensor<2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<2xf32>, %i: tensor<2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects one routing row per token: weights 'tensor<2xf32>' for hidden 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<2xf32>, tensor<2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<512x64xf32>, %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects gate_weight [experts, inter, hidden] of rank 3, got 'tensor<512x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %u, %d) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<512x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %u: tensor<512x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects up_weight [experts, inter, hidden] of rank 3, got 'tensor<512x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %u, %d) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<512x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<1024x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects down_weight [experts, hidden, inter] of rank 3, got 'tensor<1024x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<1024x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

// Expert weights that agree with each other but not with the hidden size get
// exactly one error; a dynamic inter size is fine.
func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>,
             %gd: tensor<16x?x64xf32>, %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>,
             %g48: tensor<16x32x48xf32>, %d48: tensor<16x48x32xf32>) {
  %0 = r1.moe %h, %w, %i experts(%gd, %u, %d) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x?x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  // expected-error @+2 {{'r1.moe' op expects expert weights gate/up [E, I, H] and down [E, H, I] with H = 64, got 'tensor<16x32x48xf32>', 'tensor<16x32x48xf32>' and 'tensor<16x48x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %1 = r1.moe %0, %w, %i experts(%g48, %g48, %d48) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x48xf32>, tensor<16x32x48xf32>, tensor<16x48x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<2048xf32>, %su: tensor<32x64xf32>, %sd: tensor<64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects shared_gate_weight [inter, hidden] of rank 2, got 'tensor<2048xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) shared(%sg, %su, %sd) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<2048xf32>, tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x64xf32>, %su: tensor<2048xf32>, %sd: tensor<64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects shared_up_weight [inter, hidden] of rank 2, got 'tensor<2048xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) shared(%sg, %su, %sd) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<32x64xf32>, tensor<2048xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x64xf32>, %sd: tensor<1x64x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects shared_down_weight [hidden, inter] of rank 2, got 'tensor<1x64x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) shared(%sg, %sg, %sd) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<1x64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x48xf32>, %sd: tensor<48x32xf32>) {
  // expected-error @+2 {{'r1.moe' op expects shared weights gate/up [I, H] and down [H, I] with H = 64, got 'tensor<32x48xf32>', 'tensor<32x48xf32>' and 'tensor<48x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) shared(%sg, %sg, %sd) : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>, tensor<32x48xf32>, tensor<32x48xf32>, tensor<48x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<?x2xi32>, %i: tensor<?x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+1 {{'r1.moe' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<?x2xi32>'}}
  %0 = r1.moe %h, %w, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<f32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects hidden of rank >= 1, got 'tensor<f32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<f32>, tensor<64xf32>) -> tensor<f32> {
  ^bb0(%x: tensor<f32>):
    r1.yield %x : tensor<f32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects gate_weight [hidden] of rank 1, got 'tensor<1x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<1x64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects threshold in [0, 1], got -5.000000e-01}}
  %0 = r1.layer_gate %h, %w {threshold = -0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the body to take one argument of type 'tensor<?x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>, %y: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

// A body without a terminator is reported, not asserted on.
func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the body to yield one value of type 'tensor<?x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    %y = r1.silu %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the body to yield one value of type 'tensor<?x64xf32>'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x, %x : tensor<?x64xf32>, tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects a non-empty block}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'r1.layer_gate' op expects gate_weight and hidden to have the same element type, got 'bf16' and 'f32'}}
  %0 = r1.layer_gate %h, %w {threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xbf16>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<64xf32>, %wk: tensor<32x64xf32>, %q: tensor<?x4x16xf32>) {
  // expected-error @+1 {{'r1.layer_gate' op expects the cached operands of 'r1.attention' to be computed outside the branch}}
  %0 = r1.layer_gate %h, %w {branch, threshold = 0.5 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
  ^bb0(%x: tensor<?x64xf32>):
    %k = r1.linear %x, %wk : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
    %kh = r1.reshape %k : tensor<?x32xf32> -> tensor<?x2x16xf32>
    %a = r1.attention %q, %kh, %kh {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
    r1.yield %x : tensor<?x64xf32>
  }
  return
}

// -----

func.func @f(%h: tensor<?x2x64xf32>, %w: tensor<?x3xf32>) {
  // expected-error @+2 {{'r1.expert_combine' op expects one weight per expert output: weights 'tensor<?x3xf32>' for outputs 'tensor<?x2x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.expert_combine %h, %w : (tensor<?x2x64xf32>, tensor<?x3xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %i: tensor<?x2x2xi32>, %g: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) {
  // expected-error @+2 {{'r1.expert_ffn' op expects one row of expert indices per token: indices 'tensor<?x2x2xi32>' for hidden 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.expert_ffn %h, %i experts(%g, %g, %d) : (tensor<?x64xf32>, tensor<?x2x2xi32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>, tensor<16x64x32xf32>) -> tensor<?x2x2x64xf32>
  return
}
