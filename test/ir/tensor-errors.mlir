// Verifier errors of the tensor ops: embedding, norms, linear, matmul,
// elementwise, softmax, causal_mask, transpose, reshape, repeat, concat, slice.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%ids: tensor<?xi64>, %t: tensor<256xf32>) {
  // expected-error @+2 {{'r1.embedding' op expects a table [vocab, hidden] of rank 2, got 'tensor<256xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.embedding %ids, %t : (tensor<?xi64>, tensor<256xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%ids: tensor<?xf32>, %t: tensor<256x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = r1.embedding %ids, %t : (tensor<?xf32>, tensor<256x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%ids: tensor<?xi64>, %t: tensor<256x64xf32>) {
  // expected-error @+2 {{'r1.embedding' op inferred type(s) 'tensor<?x64xf32>' are incompatible with return type(s) of operation 'tensor<?x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.embedding %ids, %t : (tensor<?xi64>, tensor<256x64xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+2 {{'r1.rms_norm' op expects the weight size (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : (tensor<?x64xf32>, tensor<32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{'r1.rms_norm' op expects epsilon in (0, 1), got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rms_norm %x, %w {epsilon = 0.0 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.rms_norm' op expects weight of rank 1, got 'tensor<64x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+2 {{'r1.rms_norm' op expects input and weight to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : (tensor<?x64xf32>, tensor<64xbf16>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{'r1.rms_norm' op expects input of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : (tensor<f32>, tensor<64xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{'r1.layer_norm' op expects the bias size (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.layer_norm %x, %w, %b {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+2 {{'r1.linear' op expects the weight's input size (32) to equal the input's last dim (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w : (tensor<?x64xf32>, tensor<128x32xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+2 {{'r1.linear' op expects the bias size (64) to equal the weight's output size (128)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w, %b : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<128x64x2xf32>) {
  // expected-error @+2 {{'r1.linear' op expects weight [out, in] of rank 2, got 'tensor<128x64x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w : (tensor<?x64xf32>, tensor<128x64x2xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xbf16>, %w: tensor<128x64xf32>) {
  // expected-error @+2 {{'r1.linear' op expects input and weight to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w : (tensor<?x64xbf16>, tensor<128x64xf32>) -> tensor<?x128xbf16>
  return
}

// -----

func.func @f(%a: tensor<4x8x16xf32>, %b: tensor<16x8xf32>) {
  // expected-error @+2 {{'r1.matmul' op expects operands of equal rank, got 'tensor<4x8x16xf32>' and 'tensor<16x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %a, %b : (tensor<4x8x16xf32>, tensor<16x8xf32>) -> tensor<4x8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8x16xf32>, %b: tensor<2x16x8xf32>) {
  // expected-error @+2 {{'r1.matmul' op expects a batch dim of lhs (4) to equal that of rhs (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %a, %b : (tensor<4x8x16xf32>, tensor<2x16x8xf32>) -> tensor<4x8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+2 {{'r1.matmul' op expects the contraction dim of lhs (16) to equal that of rhs (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %a, %b : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%a: tensor<8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{'r1.matmul' op expects lhs of rank >= 2, got 'tensor<8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x7xf32>) {
  // expected-error @+2 {{'r1.add' op expects broadcastable shapes, got 'tensor<4x8xf32>' and 'tensor<4x7xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.add %a, %b : (tensor<4x8xf32>, tensor<4x7xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<8xf16>) {
  // expected-error @+2 {{'r1.mul' op expects lhs and rhs to have the same element type, got 'f32' and 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mul %a, %b : (tensor<4x8xf32>, tensor<8xf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'r1.softmax' op expects axis in [-2, 2), got 2}}
  %0 = r1.softmax %a {axis = 2 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<8xf32>) {
  // expected-error @+1 {{'r1.causal_mask' op expects scores [..., queries, keys] of rank >= 2, got 'tensor<8xf32>'}}
  %0 = r1.causal_mask %a : tensor<8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x9x8xf32>) {
  // expected-error @+1 {{'r1.causal_mask' op expects no more queries than keys, got 9 and 8}}
  %0 = r1.causal_mask %a : tensor<4x9x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8x2xf32>) {
  // expected-error @+2 {{'r1.transpose' op expects a permutation of the 3 dims of the input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.transpose %a, [0, 0, 1] : (tensor<4x8x2xf32>) -> tensor<4x4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8x2xf32>) {
  // expected-error @+2 {{'r1.transpose' op expects a permutation of the 3 dims of the input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.transpose %a, [1, 0] : (tensor<4x8x2xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%a: tensor<7x64xf32>) {
  // expected-error @+1 {{'r1.reshape' op cannot reshape 'tensor<7x64xf32>' (448 elements) to 'tensor<7x4x15xf32>'}}
  %0 = r1.reshape %a : tensor<7x64xf32> -> tensor<7x4x15xf32>
  return
}

// -----

func.func @f(%a: tensor<7x64xf32>) {
  // expected-error @+1 {{'r1.reshape' op cannot reshape 'tensor<7x64xf32>' (448 elements) to 'tensor<?x5x16xf32>'}}
  %0 = r1.reshape %a : tensor<7x64xf32> -> tensor<?x5x16xf32>
  return
}

// -----

func.func @f(%a: tensor<?x64xf32>) {
  // expected-error @+1 {{'r1.reshape' op expects at most one dynamic dim in the result, got 'tensor<?x?x16xf32>'}}
  %0 = r1.reshape %a : tensor<?x64xf32> -> tensor<?x?x16xf32>
  return
}

// -----

func.func @f(%a: tensor<?x64xf32>) {
  // expected-error @+1 {{'r1.reshape' op expects a dynamic result dim for a dynamic input, got 'tensor<4x4x16xf32>'}}
  %0 = r1.reshape %a : tensor<?x64xf32> -> tensor<4x4x16xf32>
  return
}

// -----

func.func @f(%a: tensor<7x64xf32>) {
  // expected-error @+1 {{'r1.reshape' op expects input and result to have the same element type, got 'f32' and 'bf16'}}
  %0 = r1.reshape %a : tensor<7x64xf32> -> tensor<7x4x16xbf16>
  return
}

// -----

func.func @f(%a: tensor<2x?x16xf32>) {
  // expected-error @+2 {{'r1.repeat' op expects count to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.repeat %a {axis = 0 : i64, count = 0 : i64} : (tensor<2x?x16xf32>) -> tensor<0x?x16xf32>
  return
}

// -----

func.func @f(%a: tensor<2x?x16xf32>) {
  // expected-error @+2 {{'r1.repeat' op expects axis in [-3, 3), got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.repeat %a {axis = 3 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x8x1xf32>) {
  // expected-error @+2 {{'r1.concat' op expects inputs of equal rank, got 'tensor<4x8xf32>' and 'tensor<4x8x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.concat %a, %b {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4x8x1xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x7xf32>) {
  // expected-error @+2 {{'r1.concat' op expects a non-concatenated dim (7) to equal that of the first input (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.concat %a, %b {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4x7xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @f() {
  // expected-error @+2 {{'r1.concat' op expects at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.concat {axis = 0 : i64} : () -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{'r1.slice' op expects the slice [6, 6 + 4) inside the dim of size 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.slice %a {axis = 1 : i64, start = 6 : i64, size = 4 : i64} : (tensor<4x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{'r1.slice' op expects size to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.slice %a {axis = 1 : i64, start = 0 : i64, size = 0 : i64} : (tensor<4x8xf32>) -> tensor<4x0xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{'r1.slice' op expects the slice [-1, -1 + 2) inside the dim of size 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.slice %a {axis = 1 : i64, start = -1 : i64, size = 2 : i64} : (tensor<4x8xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'r1.silu' op requires the same type for all operands and results}}
  %0 = "r1.silu"(%a) : (tensor<4x8xf32>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @f(%ids: tensor<?xi64>, %t: tensor<256x64xbf16>) {
  // expected-error @+2 {{'r1.embedding' op inferred type(s) 'tensor<?x64xbf16>' are incompatible with return type(s) of operation 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.embedding %ids, %t : (tensor<?xi64>, tensor<256x64xbf16>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<1x64xf32>) {
  // expected-error @+2 {{'r1.layer_norm' op expects bias of rank 1, got 'tensor<1x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.layer_norm %x, %w, %b {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<1x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xbf16>) {
  // expected-error @+2 {{'r1.layer_norm' op expects input and bias to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.layer_norm %x, %w, %b {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xbf16>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) {
  // expected-error @+2 {{'r1.layer_norm' op expects epsilon in (0, 1), got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.layer_norm %x, %w, %b {epsilon = 1.0 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'r1.rms_norm' op requires attribute 'epsilon'}}
  %0 = r1.rms_norm %x, %w : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %w: tensor<128x64xf32>) {
  // expected-error @+2 {{'r1.linear' op expects input of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w : (tensor<f32>, tensor<128x64xf32>) -> tensor<128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %b: tensor<1x128xf32>) {
  // expected-error @+2 {{'r1.linear' op expects bias of rank 1, got 'tensor<1x128xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w, %b : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<1x128xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xbf16>) {
  // expected-error @+2 {{'r1.linear' op expects input and bias to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w, %b : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<128xbf16>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xi32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'r1.linear' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<?x64xi32>'}}
  %0 = r1.linear %x, %w : (tensor<?x64xi32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+2 {{'r1.linear' op inferred type(s) 'tensor<?x128xf32>' are incompatible with return type(s) of operation 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.linear %x, %w : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8x16xf32>, %b: tensor<4x16x8xbf16>) {
  // expected-error @+2 {{'r1.matmul' op expects lhs and rhs to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %a, %b : (tensor<4x8x16xf32>, tensor<4x16x8xbf16>) -> tensor<4x8x8xf32>
  return
}

// -----

func.func @f(%q: tensor<4x?x16xf32>, %k: tensor<4x?x32xf32>) {
  // expected-error @+2 {{'r1.matmul' op expects the contraction dim of lhs (16) to equal that of rhs (32)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %q, %k {transpose_rhs} : (tensor<4x?x16xf32>, tensor<4x?x32xf32>) -> tensor<4x?x?xf32>
  return
}

// -----

func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x32xf32>) {
  // expected-error @+2 {{'r1.matmul' op inferred type(s) 'tensor<8x32xf32>' are incompatible with return type(s) of operation 'tensor<8x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.matmul %a, %b : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xi32>, %b: tensor<4x8xi32>) {
  // expected-error @+1 {{'r1.add' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<4x8xi32>'}}
  %0 = r1.add %a, %b : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  return
}

// -----

func.func @f(%a: tensor<?x128xf32>, %b: tensor<128xf32>) {
  // expected-error @+2 {{'r1.mul' op inferred type(s) 'tensor<?x128xf32>' are incompatible with return type(s) of operation 'tensor<128xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.mul %a, %b : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<128xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'r1.softmax' op expects axis in [-2, 2), got -3}}
  %0 = r1.softmax %a {axis = -3 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8x2xf32>) {
  // expected-error @+2 {{'r1.transpose' op expects a permutation of the 3 dims of the input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.transpose %a, [0, 3, 1] : (tensor<4x8x2xf32>) -> tensor<4x2x8xf32>
  return
}

// -----

func.func @f(%a: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.transpose' op inferred type(s) 'tensor<4x?x16xf32>' are incompatible with return type(s) of operation 'tensor<16x?x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.transpose %a, [1, 0, 2] : (tensor<?x4x16xf32>) -> tensor<16x?x4xf32>
  return
}

// -----

func.func @f(%a: tensor<2x?x16xf32>) {
  // expected-error @+2 {{'r1.repeat' op inferred type(s) 'tensor<4x?x16xf32>' are incompatible with return type(s) of operation 'tensor<2x?x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.repeat %a {axis = 0 : i64, count = 2 : i64} : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<98x64xbf16>) {
  // expected-error @+2 {{'r1.concat' op expects inputs and inputs to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.concat %a, %b {axis = 0 : i64} : (tensor<16x64xf32>, tensor<98x64xbf16>) -> tensor<114x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<98x64xf32>) {
  // expected-error @+2 {{'r1.concat' op expects axis in [-2, 2), got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.concat %a, %b {axis = 2 : i64} : (tensor<16x64xf32>, tensor<98x64xf32>) -> tensor<114x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<98x64xf32>) {
  // expected-error @+2 {{'r1.concat' op inferred type(s) 'tensor<114x64xf32>' are incompatible with return type(s) of operation 'tensor<112x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.concat %a, %b {axis = 0 : i64} : (tensor<16x64xf32>, tensor<98x64xf32>) -> tensor<112x64xf32>
  return
}

// -----

func.func @f(%a: tensor<114x64xf32>) {
  // expected-error @+2 {{'r1.slice' op expects axis in [-2, 2), got -3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.slice %a {axis = -3 : i64, start = 0 : i64, size = 16 : i64} : (tensor<114x64xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%a: tensor<?x256xf32>) {
  // expected-error @+2 {{'r1.slice' op expects the slice [-1, -1 + 1) inside the dim of size ?}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.slice %a {axis = 0 : i64, start = -1 : i64, size = 1 : i64} : (tensor<?x256xf32>) -> tensor<1x256xf32>
  return
}

// -----

func.func @f(%a: tensor<114x64xf32>) {
  // expected-error @+2 {{'r1.slice' op expects the slice [120, 120 + 1) inside the dim of size 114}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.slice %a {axis = 0 : i64, start = 120 : i64, size = 1 : i64} : (tensor<114x64xf32>) -> tensor<1x64xf32>
  return
}
