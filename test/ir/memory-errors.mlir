// Verifier errors of the memory unit: memory_read and memory_update.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects top_k in [1, slots = 32], got 33}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 33 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects top_k in [1, slots = 32], got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 0 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x48xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects the key size (48) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x48xf32>, tensor<32x48xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %v: tensor<16x64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects the number of key slots (32) to equal the number of value slots (16)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %v, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<16x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects gate_weight [hidden, hidden] of rank 2, got 'tensor<64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<32x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects the gate outputs (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xbf16>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects hidden and keys to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xbf16>, tensor<32x64xbf16>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>) {
  // expected-error @+2 {{'r1.memory_update' op expects decay in (0, 1), got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.memory_update %h, %k, %k {decay = 1.0 : f32} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> (tensor<32x64xf32>, tensor<32x64xf32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<64xf32>) {
  // expected-error @+2 {{'r1.memory_update' op expects keys [slots, hidden] of rank 2, got 'tensor<64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.memory_update %h, %k, %k {decay = 0.9 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @f(%h: tensor<f32>, %k: tensor<32x64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects hidden of rank >= 1, got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<f32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %v: tensor<64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects values [slots, hidden] of rank 2, got 'tensor<64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %v, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %v: tensor<32x64xbf16>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects hidden and values to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %v, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xbf16>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %v: tensor<32x48xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects the value size (48) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %v, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x48xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<64x64xbf16>) {
  // expected-error @+2 {{'r1.memory_read' op expects gate_weight and hidden to have the same element type, got 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xbf16>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<64x32xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects the gate inputs (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<?x64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op expects top_k in [1, slots = ?], got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 0 : i64} : (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %g: tensor<64x64xf32>) {
  // expected-error @+2 {{'r1.memory_read' op inferred type(s) 'tensor<?x64xf32>' are incompatible with return type(s) of operation 'tensor<?x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.memory_read %h, %k, %k, %g {top_k = 4 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>) {
  // expected-error @+2 {{'r1.memory_update' op expects decay in (0, 1), got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.memory_update %h, %k, %k {decay = 0.0 : f32} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> (tensor<32x64xf32>, tensor<32x64xf32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>, %v: tensor<32x32xf32>) {
  // expected-error @+2 {{'r1.memory_update' op expects the value size (32) to equal the hidden size (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.memory_update %h, %k, %v {decay = 0.9 : f32} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x32xf32>) -> (tensor<32x64xf32>, tensor<32x32xf32>)
  return
}

// -----

func.func @f(%h: tensor<?x64xf32>, %k: tensor<32x64xf32>) {
  // expected-error @+2 {{'r1.memory_update' op inferred type(s) 'tensor<32x64xf32>', 'tensor<32x64xf32>' are incompatible with return type(s) of operation 'tensor<32x64xf32>', 'tensor<16x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.memory_update %h, %k, %k {decay = 0.9 : f32} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> (tensor<32x64xf32>, tensor<16x64xf32>)
  return
}
