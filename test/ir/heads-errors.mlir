// Verifier errors of the output heads: lm_head, classify, sample.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%h: tensor<?x64xf32>, %w: tensor<256x32xf32>) {
  // expected-error @+2 {{'r1.lm_head' op expects the weight's input size (32) to equal the input's last dim (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lm_head %h, %w : (tensor<?x64xf32>, tensor<256x32xf32>) -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xbf16>, %w: tensor<256x64xbf16>) {
  // expected-error @+1 {{'r1.lm_head' op result #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x256xbf16>'}}
  %0 = "r1.lm_head"(%h, %w) : (tensor<?x64xbf16>, tensor<256x64xbf16>) -> tensor<?x256xbf16>
  return
}

// -----

func.func @f(%h: tensor<64xf32>, %w: tensor<3x64xf32>) {
  // expected-error @+2 {{'r1.classify' op expects hidden [..., seq, hidden] of rank >= 2, got 'tensor<64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w : (tensor<64xf32>, tensor<3x64xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<3x64xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'r1.classify' op expects the bias size (4) to equal the output size (3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w, %b : (tensor<?x64xf32>, tensor<3x64xf32>, tensor<4xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>, %u: tensor<f32>) {
  // expected-error @+2 {{'r1.sample' op expects no uniform draw for greedy sampling}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l, %u {strategy = #r1.sample<greedy>} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>) {
  // expected-error @+2 {{'r1.sample' op expects a uniform draw per row for temperature sampling}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l {strategy = #r1.sample<temperature>} : (tensor<256xf32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<4x256xf32>, %u: tensor<3xf32>) {
  // expected-error @+2 {{'r1.sample' op expects one uniform draw per logits row, got 'tensor<3xf32>' for 'tensor<4x256xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l, %u {strategy = #r1.sample<temperature>} : (tensor<4x256xf32>, tensor<3xf32>) -> tensor<4xi32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>, %u: tensor<f32>) {
  // expected-error @+2 {{'r1.sample' op expects a positive temperature, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l, %u {strategy = #r1.sample<temperature>, temperature = 0.0 : f32} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>, %u: tensor<f32>) {
  // expected-error @+2 {{'r1.sample' op expects top_k >= 0 (0 keeps all), got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l, %u {strategy = #r1.sample<temperature>, top_k = -1 : i64} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>, %u: tensor<f32>) {
  // expected-error @+2 {{'r1.sample' op expects top_p in (0, 1], got 1.5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l, %u {strategy = #r1.sample<temperature>, top_p = 1.5 : f32} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xbf16>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = r1.sample %l {strategy = #r1.sample<greedy>} : (tensor<256xbf16>) -> tensor<i32>
  return
}

// -----

func.func @f(%h: tensor<?x64xbf16>, %w: tensor<256x64xf32>) {
  // expected-error @+2 {{'r1.lm_head' op expects hidden and weight to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lm_head %h, %w : (tensor<?x64xbf16>, tensor<256x64xf32>) -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<256xf32>) {
  // expected-error @+2 {{'r1.lm_head' op expects weight [out, in] of rank 2, got 'tensor<256xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lm_head %h, %w : (tensor<?x64xf32>, tensor<256xf32>) -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%h: tensor<f32>, %w: tensor<256x64xf32>) {
  // expected-error @+2 {{'r1.lm_head' op expects input of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lm_head %h, %w : (tensor<f32>, tensor<256x64xf32>) -> tensor<256xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xbf16>, %w: tensor<256x64xbf16>) {
  // expected-error @+2 {{'r1.lm_head' op inferred type(s) 'tensor<?x256xf32>' are incompatible with return type(s) of operation 'tensor<?x128xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lm_head %h, %w : (tensor<?x64xbf16>, tensor<256x64xbf16>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<3xf32>) {
  // expected-error @+2 {{'r1.classify' op expects weight [labels, hidden] of rank 2, got 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w : (tensor<?x64xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<3x64xbf16>) {
  // expected-error @+2 {{'r1.classify' op expects hidden and weight to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w : (tensor<?x64xf32>, tensor<3x64xbf16>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<3x32xf32>) {
  // expected-error @+2 {{'r1.classify' op expects the weight's input size (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w : (tensor<?x64xf32>, tensor<3x32xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %w: tensor<3x64xf32>, %b: tensor<3xf16>) {
  // expected-error @+2 {{'r1.classify' op expects bias and input to have the same element type, got 'f16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w, %b {pooling = #r1.pooling<mean>} : (tensor<?x64xf32>, tensor<3x64xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%h: tensor<2x?x64xf32>, %w: tensor<3x64xf32>) {
  // expected-error @+2 {{'r1.classify' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.classify %h, %w : (tensor<2x?x64xf32>, tensor<3x64xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @f(%l: tensor<f32>) {
  // expected-error @+2 {{'r1.sample' op expects logits [..., vocab] of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l {strategy = #r1.sample<greedy>} : (tensor<f32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>) {
  // expected-error @+2 {{'r1.sample' op expects a positive temperature, got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l {strategy = #r1.sample<greedy>, temperature = -1.0 : f32} : (tensor<256xf32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>, %u: tensor<f32>) {
  // expected-error @+2 {{'r1.sample' op expects top_p in (0, 1], got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l, %u {strategy = #r1.sample<temperature>, top_p = 0.0 : f32} : (tensor<256xf32>, tensor<f32>) -> tensor<i32>
  return
}

// -----

func.func @f(%l: tensor<256xf32>) {
  // expected-error @+1 {{'r1.sample' op result #0 must be ranked tensor of 32-bit signless integer values, but got 'tensor<i64>'}}
  %0 = r1.sample %l {strategy = #r1.sample<greedy>} : (tensor<256xf32>) -> tensor<i64>
  return
}

// -----

func.func @f(%l: tensor<4x256xf32>) {
  // expected-error @+2 {{'r1.sample' op inferred type(s) 'tensor<4xi32>' are incompatible with return type(s) of operation 'tensor<i32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.sample %l {strategy = #r1.sample<greedy>} : (tensor<4x256xf32>) -> tensor<i32>
  return
}
