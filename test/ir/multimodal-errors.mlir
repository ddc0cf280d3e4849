// Verifier errors of patch_embed and frame_embed.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%img: tensor<3x30x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects patch_size 8 to divide the image size 30}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x30x32xf32>, tensor<64x3x8x8xf32>) -> tensor<12x64xf32>
  return
}

// -----

func.func @f(%img: tensor<1x32x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects the weight channels (3) to equal the image channels (1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<1x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x4x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects the weight height (4) to equal patch_size (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x4x8xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects patch_size to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 0 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects the bias size (32) to equal the output size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w, %b {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<32xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<32x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects image [channels, height, width] of rank 3, got 'tensor<32x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%a: tensor<300xf32>, %w: tensor<64x400xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects at least one frame: 300 samples are fewer than frame_length 400}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<300xf32>, tensor<64x400xf32>) -> tensor<1x64xf32>
  return
}

// -----

func.func @f(%a: tensor<?xf32>, %w: tensor<64x320xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects the weight's input size (320) to equal frame_length (400)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<?xf32>, tensor<64x320xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%a: tensor<?xf32>, %w: tensor<64x400xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects hop_length to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 0 : i64} : (tensor<?xf32>, tensor<64x400xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16000xf32>, %w: tensor<64x400xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op inferred type(s) 'tensor<98x64xf32>' are incompatible with return type(s) of operation 'tensor<100x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<64x400xf32>) -> tensor<100x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x192xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects weight [embed, channels, patch, patch] of rank 4, got 'tensor<64x192xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x192xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x8xbf16>) {
  // expected-error @+2 {{'r1.patch_embed' op expects image and weight to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xbf16>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x4xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects the weight width (4) to equal patch_size (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x4xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x30xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects patch_size 8 to divide the image size 30}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x30xf32>, tensor<64x3x8x8xf32>) -> tensor<12x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<1x64xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op expects bias of rank 1, got 'tensor<1x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w, %b {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<1x64xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<64xbf16>) {
  // expected-error @+2 {{'r1.patch_embed' op expects bias and input to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w, %b {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xbf16>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+2 {{'r1.patch_embed' op inferred type(s) 'tensor<16x64xf32>' are incompatible with return type(s) of operation 'tensor<64x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<64x64xf32>
  return
}

// -----

func.func @f(%img: tensor<3x32x32xi32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+1 {{'r1.patch_embed' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<3x32x32xi32>'}}
  %0 = r1.patch_embed %img, %w {patch_size = 8 : i64} : (tensor<3x32x32xi32>, tensor<64x3x8x8xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%a: tensor<2x16000xf32>, %w: tensor<64x400xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects audio [samples] of rank 1, got 'tensor<2x16000xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<2x16000xf32>, tensor<64x400xf32>) -> tensor<98x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16000xf32>, %w: tensor<400xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects weight [embed, frame_length] of rank 2, got 'tensor<400xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<400xf32>) -> tensor<98x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16000xf32>, %w: tensor<64x400xf16>) {
  // expected-error @+2 {{'r1.frame_embed' op expects audio and weight to have the same element type, got 'f32' and 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<64x400xf16>) -> tensor<98x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16000xf32>, %w: tensor<64x400xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects frame_length to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w {frame_length = 0 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<64x400xf32>) -> tensor<98x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16000xf32>, %w: tensor<64x400xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{'r1.frame_embed' op expects the bias size (32) to equal the output size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.frame_embed %a, %w, %b {frame_length = 400 : i64, hop_length = 160 : i64} : (tensor<16000xf32>, tensor<64x400xf32>, tensor<32xf32>) -> tensor<98x64xf32>
  return
}
