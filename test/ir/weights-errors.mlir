// Verifier errors of r1.weight_decl and r1.weight.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'r1.weight_decl' op expects a static weight shape, got 'tensor<?x64xf32>'}}
r1.weight_decl @w : tensor<?x64xf32>

// -----

// expected-error @+1 {{'r1.weight_decl' op expects int8 weights stored as 'i8', got 'f32'}}
r1.weight_decl @w : tensor<128x64xf32> {quant = #r1.quant<int8>}

// -----

// expected-error @+1 {{'r1.weight_decl' op expects the int4 group size 32 to divide the row length 48}}
r1.weight_decl @w : tensor<128x48xi4> {quant = #r1.quant<int4, group = 32>}

// -----

// expected-error @+1 {{'r1.weight_decl' op expects a quantized weight of rank 2, got 'tensor<128xi8>'}}
r1.weight_decl @w : tensor<128xi8> {quant = #r1.quant<int8>}

// -----

func.func @f() -> tensor<4xf32> {
  // expected-error @+1 {{'r1.weight' op refers to @missing, which is not a declared weight}}
  %w = r1.weight @missing : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

r1.weight_decl @w : tensor<4xf32>
func.func @f() -> tensor<4xbf16> {
  // expected-error @+1 {{'r1.weight' op has type 'tensor<4xbf16>' but @w is declared as 'tensor<4xf32>'}}
  %w = r1.weight @w : tensor<4xbf16>
  return %w : tensor<4xbf16>
}

// -----

func.func @f() {
  // expected-error @+1 {{'r1.weight_decl' op expects parent op 'builtin.module'}}
  r1.weight_decl @w : tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{'r1.weight_decl' op attribute 'type' failed to satisfy constraint}}
r1.weight_decl @w : tensor<4xf64>
