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

// expected-error @+1 {{'r1.weight_decl' op expects a quantized weight of rank >= 2, got 'tensor<128xi8>'}}
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

// -----

// expected-error @+1 {{'r1.weight_decl' op expects int4 weights stored as 'i4', got 'i8'}}
r1.weight_decl @w : tensor<128x64xi8> {quant = #r1.quant<int4, group = 32>}

// -----

// expected-error @+1 {{'r1.weight_decl' op expects fp8_e4m3 weights stored as 'f8E4M3FN', got 'bf16'}}
r1.weight_decl @w : tensor<256x256xbf16> {quant = #r1.quant<fp8_e4m3, block = [128, 128]>}

// -----

// expected-error @+1 {{'r1.weight_decl' op expects a static weight shape, got 'tensor<128x?xi4>'}}
r1.weight_decl @w : tensor<128x?xi4> {quant = #r1.quant<int4, group = 32>}

// -----

// expected-error @+1 {{attribute 'quant' failed to satisfy constraint: how a weight is quantized}}
r1.weight_decl @w : tensor<128x64xi8> {quant = 8 : i64}

// -----

func.func private @embed()
func.func @f() -> tensor<256x64xf32> {
  // expected-error @+1 {{'r1.weight' op refers to @embed, which is not a declared weight}}
  %w = r1.weight @embed : tensor<256x64xf32>
  return %w : tensor<256x64xf32>
}

// -----

r1.weight_decl @"model.embed_tokens.weight" : tensor<256x64xf32>
func.func @f() -> tensor<?x64xf32> {
  // expected-error @+1 {{'r1.weight' op has type 'tensor<?x64xf32>' but @model.embed_tokens.weight is declared as 'tensor<256x64xf32>'}}
  %w = r1.weight @"model.embed_tokens.weight" : tensor<?x64xf32>
  return %w : tensor<?x64xf32>
}

// -----

r1.weight_decl @w_i8 : tensor<128x64xi8> {quant = #r1.quant<int8>}
func.func @f() -> tensor<128x64xi4> {
  // expected-error @+1 {{'r1.weight' op has type 'tensor<128x64xi4>' but @w_i8 is declared as 'tensor<128x64xi8>'}}
  %w = r1.weight @w_i8 : tensor<128x64xi4>
  return %w : tensor<128x64xi4>
}

// -----

func.func @f() -> tensor<4xf64> {
  // expected-error @+1 {{'r1.weight' op result #0 must be ranked tensor of}}
  %w = r1.weight @w : tensor<4xf64>
  return %w : tensor<4xf64>
}

// -----

// expected-error @+1 {{'r1.weight_decl' op expects one stacked tensor per slice of the leading dim, got 2 for 'tensor<3x4x8xf32>'}}
r1.weight_decl @experts : tensor<3x4x8xf32> {stack = ["e.0", "e.1"]}

// -----

// expected-error @+1 {{'r1.weight_decl' op expects one stacked tensor per slice of the leading dim, got 0 for 'tensor<3x4x8xf32>'}}
r1.weight_decl @experts : tensor<3x4x8xf32> {stack = []}
