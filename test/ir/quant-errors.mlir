// Verifier and parser errors of quantize, dequantize, qlinear and of the
// attributes #r1.quant, #r1.yarn, #r1.llama3, #r1.linear_rope.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%w: tensor<128x48xf32>) {
  // expected-error @+2 {{'r1.quantize' op expects the int4 group size 32 to divide the row length 48}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.quantize %w {quant = #r1.quant<int4, group = 32>} : (tensor<128x48xf32>) -> (tensor<128x48xi4>, tensor<128x2xf32>)
  return
}

// -----

func.func @f(%w: tensor<4x128x64xf32>) {
  // expected-error @+2 {{'r1.quantize' op expects input [out, in] of rank 2, got 'tensor<4x128x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.quantize %w {quant = #r1.quant<int8>} : (tensor<4x128x64xf32>) -> (tensor<4x128x64xi8>, tensor<4x128xf32>)
  return
}

// -----

func.func @f(%q: tensor<256x256xf8E4M3FN>, %s: tensor<2x3xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects scales of shape 'tensor<2x2xf32>' for a fp8_e4m3 weight 'tensor<256x256xf8E4M3FN>', got 'tensor<2x3xf32>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<256x256xf8E4M3FN>, tensor<2x3xf32>) -> tensor<256x256xf32>
  return
}

// -----

func.func @f(%q: tensor<256x256xi8>, %s: tensor<2x2xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects fp8_e4m3 weights stored as 'f8E4M3FN', got 'i8'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<256x256xi8>, tensor<2x2xf32>) -> tensor<256x256xf32>
  return
}

// -----

func.func @f(%q: tensor<256x256xi8>, %s: tensor<256xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects the result shape of the input 'tensor<256x256xi8>', got 'tensor<256x128xf32>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int8>} : (tensor<256x256xi8>, tensor<256xf32>) -> tensor<256x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %q: tensor<128x64xi8>, %s: tensor<64xf32>) {
  // expected-error @+2 {{'r1.qlinear' op expects scales of shape 'tensor<128xf32>' for a int8 weight 'tensor<128x64xi8>', got 'tensor<64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi8>, tensor<64xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x32xf32>, %q: tensor<128x64xi8>, %s: tensor<128xf32>) {
  // expected-error @+2 {{'r1.qlinear' op expects the weight's input size (64) to equal the input's last dim (32)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x32xf32>, tensor<128x64xi8>, tensor<128xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %q: tensor<128x64xi4>, %s: tensor<128x2xf32>) {
  // expected-error @+2 {{'r1.qlinear' op expects int8 weights stored as 'i8', got 'i4'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi4>, tensor<128x2xf32>) -> tensor<?x128xf32>
  return
}

// -----

// expected-error @+1 {{int8 quantization is per row and takes no group or block}}
r1.weight_decl @w : tensor<128x64xi8> {quant = #r1.quant<int8, group = 32>}

// -----

// expected-error @+1 {{int4 group size must be an even number >= 2, got 3}}
r1.weight_decl @w : tensor<128x64xi4> {quant = #r1.quant<int4, group = 3>}

// -----

// expected-error @+1 {{int4 quantization takes a group, not a block}}
r1.weight_decl @w : tensor<128x64xi4> {quant = #r1.quant<int4, block = [1, 32]>}

// -----

// expected-error @+1 {{fp8_e4m3 quantization needs a block of two positive dims, e.g. [128, 128]}}
r1.weight_decl @w : tensor<128x64xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, block = [128]>}

// -----

// expected-error @+1 {{fp8_e4m3 quantization takes a block, not a group}}
r1.weight_decl @w : tensor<128x64xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, group = 128>}

// -----

// expected-error @+1 {{unknown quantization scheme 'int2', expected int8, int4 or fp8_e4m3}}
r1.weight_decl @w : tensor<128x64xi8> {quant = #r1.quant<int2>}

// -----

// expected-error @+1 {{expected 'group' or 'block', got 'axis'}}
r1.weight_decl @w : tensor<128x64xi8> {quant = #r1.quant<int8, axis = 0>}

// -----

// expected-error @+1 {{yarn factor must be >= 1, got 5.000000e-01}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.yarn<factor = 0.5, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>}

// -----

// expected-error @+1 {{yarn original_max_position must be positive, got 0}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.yarn<factor = 4.0, original_max_position = 0, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>}

// -----

// expected-error @+1 {{yarn mscale and mscale_all_dim must be >= 0}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.yarn<factor = 4.0, original_max_position = 64, beta_fast = 32.0, beta_slow = 1.0, mscale = -1.0, mscale_all_dim = 1.0>}

// -----

// expected-error @+1 {{llama3 needs high_freq_factor > low_freq_factor > 0, got 1.000000e+00 and 4.000000e+00}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.llama3<factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_max_position = 8192>}

// -----

// expected-error @+1 {{llama3 factor must be >= 1, got 5.000000e-01}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.llama3<factor = 0.5, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192>}

// -----

// expected-error @+1 {{llama3 original_max_position must be positive, got -1}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.llama3<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = -1>}

// -----

// expected-error @+1 {{linear rope factor must be positive, got -2.000000e+00}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.linear_rope<factor = -2.0>}

// -----

func.func @f(%w: tensor<128x64xf32>) {
  // expected-error @+2 {{'r1.quantize' op inferred type(s) 'tensor<128x64xi8>', 'tensor<128xf32>' are incompatible with return type(s) of operation 'tensor<128x64xi4>', 'tensor<128xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.quantize %w {quant = #r1.quant<int8>} : (tensor<128x64xf32>) -> (tensor<128x64xi4>, tensor<128xf32>)
  return
}

// -----

// fp8 block scales round up: 320 columns need 3 blocks of 128.
func.func @f(%w: tensor<256x320xbf16>) {
  // expected-error @+2 {{'r1.quantize' op inferred type(s) 'tensor<256x320xf8E4M3FN>', 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<256x320xf8E4M3FN>', 'tensor<2x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.quantize %w {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<256x320xbf16>) -> (tensor<256x320xf8E4M3FN>, tensor<2x2xf32>)
  return
}

// -----

func.func @f(%w: tensor<128x64xi32>) {
  // expected-error @+1 {{'r1.quantize' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<128x64xi32>'}}
  %0:2 = r1.quantize %w {quant = #r1.quant<int8>} : (tensor<128x64xi32>) -> (tensor<128x64xi8>, tensor<128xf32>)
  return
}

// -----

func.func @f(%w: tensor<128x64xf32>) {
  // expected-error @+1 {{'r1.quantize' op requires attribute 'quant'}}
  %0:2 = r1.quantize %w : (tensor<128x64xf32>) -> (tensor<128x64xi8>, tensor<128xf32>)
  return
}

// -----

func.func @f(%q: tensor<128xi8>, %s: tensor<128xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects a quantized weight of rank >= 2, got 'tensor<128xi8>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int8>} : (tensor<128xi8>, tensor<128xf32>) -> tensor<128xf32>
  return
}

// -----

func.func @f(%q: tensor<128x48xi4>, %s: tensor<128x2xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects the int4 group size 32 to divide the row length 48}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int4, group = 32>} : (tensor<128x48xi4>, tensor<128x2xf32>) -> tensor<128x48xf32>
  return
}

// -----

func.func @f(%q: tensor<128x64xi4>, %s: tensor<128x4xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects scales of shape 'tensor<128x2xf32>' for a int4 weight 'tensor<128x64xi4>', got 'tensor<128x4xf32>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int4, group = 32>} : (tensor<128x64xi4>, tensor<128x4xf32>) -> tensor<128x64xf32>
  return
}

// -----

func.func @f(%q: tensor<128x64xf32>, %s: tensor<128xf32>) {
  // expected-error @+1 {{'r1.dequantize' op operand #0 must be ranked tensor of 8-bit signless integer or 4-bit signless integer or f8E4M3FN type values, but got 'tensor<128x64xf32>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int8>} : (tensor<128x64xf32>, tensor<128xf32>) -> tensor<128x64xf32>
  return
}

// -----

func.func @f(%q: tensor<128x64xi8>, %s: tensor<128xf32>) {
  // expected-error @+1 {{'r1.dequantize' op requires attribute 'quant'}}
  %0 = r1.dequantize %q, %s : (tensor<128x64xi8>, tensor<128xf32>) -> tensor<128x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %q: tensor<128x64xi8>, %s: tensor<128xf32>, %b: tensor<64xf32>) {
  // expected-error @+2 {{'r1.qlinear' op expects the bias size (64) to equal the weight's output size (128)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s, %b {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi8>, tensor<128xf32>, tensor<64xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %q: tensor<128x64xi8>, %s: tensor<128xf32>, %b: tensor<128xbf16>) {
  // expected-error @+2 {{'r1.qlinear' op expects input and bias to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s, %b {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi8>, tensor<128xf32>, tensor<128xbf16>) -> tensor<?x128xf32>
  return
}

// -----

// A stack of quantized matrices is not a qlinear weight.
func.func @f(%x: tensor<?x64xf32>, %q: tensor<4x128x64xi8>, %s: tensor<4x128xf32>) {
  // expected-error @+2 {{'r1.qlinear' op expects weight [out, in] of rank 2, got 'tensor<4x128x64xi8>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<4x128x64xi8>, tensor<4x128xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %q: tensor<128x64xi8>, %s: tensor<128xbf16>) {
  // expected-error @+1 {{'r1.qlinear' op operand #2 must be ranked tensor of 32-bit float values, but got 'tensor<128xbf16>'}}
  %0 = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x64xf32>, tensor<128x64xi8>, tensor<128xbf16>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xbf16>, %q: tensor<128x64xi8>, %s: tensor<128xf32>) {
  // expected-error @+2 {{'r1.qlinear' op inferred type(s) 'tensor<?x128xbf16>' are incompatible with return type(s) of operation 'tensor<?x128xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.qlinear %x, %q, %s {quant = #r1.quant<int8>} : (tensor<?x64xbf16>, tensor<128x64xi8>, tensor<128xf32>) -> tensor<?x128xf32>
  return
}

// -----

// expected-error @+1 {{int8 quantization is per row and takes no group or block}}
r1.weight_decl @w : tensor<128x64xi8> {quant = #r1.quant<int8, block = [1, 64]>}

// -----

// expected-error @+1 {{int4 group size must be an even number >= 2, got 0}}
r1.weight_decl @w : tensor<128x64xi4> {quant = #r1.quant<int4>}

// -----

// expected-error @+1 {{int4 group size must be an even number >= 2, got -32}}
r1.weight_decl @w : tensor<128x64xi4> {quant = #r1.quant<int4, group = -32>}

// -----

// expected-error @+1 {{fp8_e4m3 quantization needs a block of two positive dims, e.g. [128, 128]}}
r1.weight_decl @w : tensor<128x64xf8E4M3FN> {quant = #r1.quant<fp8_e4m3>}

// -----

// expected-error @+1 {{fp8_e4m3 quantization needs a block of two positive dims, e.g. [128, 128]}}
r1.weight_decl @w : tensor<128x64xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, block = [0, 128]>}

// -----

func.func @f(%q: tensor<128x64xi8>, %s: tensor<128xf32>) {
  // expected-error @+1 {{unknown quantization scheme 'fp8', expected int8, int4 or fp8_e4m3}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<fp8>} : (tensor<128x64xi8>, tensor<128xf32>) -> tensor<128x64xf32>
  return
}

// -----

// expected-error @+1 {{expected 'group' or 'block', got 'groups'}}
r1.weight_decl @w : tensor<128x64xi4> {quant = #r1.quant<int4, groups = 32>}

// -----

// expected-error @+1 {{yarn needs beta_fast > beta_slow > 0, got 3.200000e+01 and 0.000000e+00}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 0.0, mscale = 1.0, mscale_all_dim = 1.0>}

// -----

// expected-error @+1 {{yarn mscale and mscale_all_dim must be >= 0}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = -0.5>}

// -----

// expected-error @+1 {{llama3 needs high_freq_factor > low_freq_factor > 0, got 4.000000e+00 and 4.000000e+00}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.llama3<factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 4.0, original_max_position = 8192>}

// -----

// expected-error @+1 {{linear rope factor must be positive, got 0.000000e+00}}
r1.weight_decl @w : tensor<4xf32> {s = #r1.linear_rope<factor = 0.0>}

// -----

// Stacked expert weights carry per-expert scales.
func.func @f(%q: tensor<8x256x256xf8E4M3FN>, %s: tensor<2x2xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects scales of shape 'tensor<8x2x2xf32>' for a fp8_e4m3 weight 'tensor<8x256x256xf8E4M3FN>', got 'tensor<2x2xf32>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<fp8_e4m3, block = [128, 128]>} : (tensor<8x256x256xf8E4M3FN>, tensor<2x2xf32>) -> tensor<8x256x256xbf16>
  return
}

// -----

func.func @f(%q: tensor<8x128x48xi4>, %s: tensor<8x128x2xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects the int4 group size 32 to divide the row length 48}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int4, group = 32>} : (tensor<8x128x48xi4>, tensor<8x128x2xf32>) -> tensor<8x128x48xf32>
  return
}

// -----

func.func @f(%q: tensor<8x128x64xi8>, %s: tensor<8x128xf32>) {
  // expected-error @+1 {{'r1.dequantize' op expects the result shape of the input 'tensor<8x128x64xi8>', got 'tensor<128x64xf32>'}}
  %0 = r1.dequantize %q, %s {quant = #r1.quant<int8>} : (tensor<8x128x64xi8>, tensor<8x128xf32>) -> tensor<128x64xf32>
  return
}
