// Verifier errors of lsh_attention and the ops of its specialization.
// RUN: r1-opt %s -split-input-file -verify-diagnostics

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects an even num_buckets >= 2 (buckets come in rotation/negation pairs), got 7}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %qk {num_hashes = 2 : i64, num_buckets = 7 : i64, chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects num_hashes to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %qk {num_hashes = 0 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects chunk_length to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %qk {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 0 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects chunks_after = 0 for causal attention, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %qk {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64, chunks_after = 1 : i64, causal} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects non-negative chunks_before and chunks_after, got -1 and 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %qk {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64, chunks_before = -1 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %v: tensor<?x2x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects the qk heads (4) to equal the value heads (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %v {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<8x4x16xf32>, %v: tensor<9x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects the qk length (8) to equal the value length (9)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %v {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<8x4x16xf32>, tensor<9x4x16xf32>) -> tensor<8x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x64xf32>) {
  // expected-error @+2 {{'r1.lsh_hash' op expects qk [seq, heads, head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_hash %qk {num_hashes = 2 : i64, num_buckets = 8 : i64} : (tensor<?x64xf32>) -> tensor<2x4x?xi32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_hash' op expects an even num_buckets >= 2 (buckets come in rotation/negation pairs), got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_hash %qk {num_hashes = 2 : i64, num_buckets = 0 : i64} : (tensor<?x4x16xf32>) -> tensor<2x4x?xi32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_hash' op inferred type(s) 'tensor<2x4x?xi32>' are incompatible with return type(s) of operation 'tensor<3x4x?xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_hash %qk {num_hashes = 2 : i64, num_buckets = 8 : i64} : (tensor<?x4x16xf32>) -> tensor<3x4x?xi32>
  return
}

// -----

func.func @f(%b: tensor<4x?xi32>) {
  // expected-error @+2 {{'r1.bucket_sort' op expects buckets [rounds, heads, seq] of rank 3, got 'tensor<4x?xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.bucket_sort %b : (tensor<4x?xi32>) -> tensor<4x?xi32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %p: tensor<2x2x?xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op expects the permutation heads (2) to equal the qk heads (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %qk, %p {chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<2x2x?xi32>) -> (tensor<2x?x4x16xf32>, tensor<2x?x4xf32>)
  return
}

// -----

func.func @f(%qk: tensor<8x4x16xf32>, %p: tensor<2x4x9xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op expects the permutation length (9) to equal the qk length (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %qk, %p {chunk_length = 4 : i64} : (tensor<8x4x16xf32>, tensor<8x4x16xf32>, tensor<2x4x9xi32>) -> (tensor<2x8x4x16xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %p: tensor<2x4x?xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op expects chunks_after = 0 for causal attention, got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %qk, %p {chunk_length = 4 : i64, chunks_after = 2 : i64, causal} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<2x4x?xi32>) -> (tensor<2x?x4x16xf32>, tensor<2x?x4xf32>)
  return
}

// -----

func.func @f(%r: tensor<2x?x4x16xf32>, %l: tensor<3x?x4xf32>) {
  // expected-error @+2 {{'r1.merge_rounds' op expects a logsumexp dim (3) to equal that of the rounds (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.merge_rounds %r, %l : (tensor<2x?x4x16xf32>, tensor<3x?x4xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%r: tensor<2x?x4x16xf32>, %l: tensor<2x?x4xbf16>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit float values}}
  %0 = r1.merge_rounds %r, %l : (tensor<2x?x4x16xf32>, tensor<2x?x4xbf16>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%r: tensor<?x4x16xf32>, %l: tensor<2x?x4xf32>) {
  // expected-error @+2 {{'r1.merge_rounds' op expects rounds [rounds, seq, heads, v_head_dim] of rank 4, got 'tensor<?x4x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.merge_rounds %r, %l : (tensor<?x4x16xf32>, tensor<2x?x4xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x64xf32>, %v: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects qk [seq, heads, head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %v {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<?x64xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %v: tensor<?x64xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects value [seq, heads, v_head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %v {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x64xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %v: tensor<?x4x16xbf16>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects qk and value to have the same element type, got 'f32' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %v {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xbf16>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op expects non-negative chunks_before and chunks_after, got 1 and -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %qk {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64, chunks_after = -1 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %v: tensor<?x4x32xf32>) {
  // expected-error @+2 {{'r1.lsh_attention' op inferred type(s) 'tensor<?x4x32xf32>' are incompatible with return type(s) of operation 'tensor<?x4x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_attention %qk, %v {num_hashes = 2 : i64, num_buckets = 8 : i64, chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+2 {{'r1.lsh_hash' op expects num_hashes to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.lsh_hash %qk {num_hashes = 0 : i64, num_buckets = 8 : i64} : (tensor<?x4x16xf32>) -> tensor<0x4x?xi32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>) {
  // expected-error @+1 {{'r1.lsh_hash' op result #0 must be ranked tensor of 32-bit signless integer values, but got 'tensor<2x4x?xi64>'}}
  %0 = r1.lsh_hash %qk {num_hashes = 2 : i64, num_buckets = 8 : i64} : (tensor<?x4x16xf32>) -> tensor<2x4x?xi64>
  return
}

// -----

func.func @f(%b: tensor<4x4x?xi64>) {
  // expected-error @+1 {{'r1.bucket_sort' op operand #0 must be ranked tensor of 32-bit signless integer values, but got 'tensor<4x4x?xi64>'}}
  %0 = r1.bucket_sort %b : (tensor<4x4x?xi64>) -> tensor<4x4x?xi32>
  return
}

// -----

func.func @f(%b: tensor<4x4x64xi32>) {
  // expected-error @+2 {{'r1.bucket_sort' op inferred type(s) 'tensor<4x4x64xi32>' are incompatible with return type(s) of operation 'tensor<4x64x4xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.bucket_sort %b : (tensor<4x4x64xi32>) -> tensor<4x64x4xi32>
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %p: tensor<4x?xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op expects permutation [rounds, heads, seq] of rank 3, got 'tensor<4x?xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %qk, %p {chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<4x?xi32>) -> (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>)
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %p: tensor<4x4x?xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op expects chunk_length to be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %qk, %p {chunk_length = 0 : i64} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<4x4x?xi32>) -> (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>)
  return
}

// -----

func.func @f(%qk: tensor<?x4x16xf32>, %v: tensor<?x2x16xf32>, %p: tensor<4x4x?xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op expects the qk heads (4) to equal the value heads (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %v, %p {chunk_length = 4 : i64} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<4x4x?xi32>) -> (tensor<4x?x4x16xf32>, tensor<4x?x4xf32>)
  return
}

// -----

func.func @f(%qk: tensor<64x4x16xf32>, %p: tensor<4x4x64xi32>) {
  // expected-error @+2 {{'r1.chunked_attention' op inferred type(s) 'tensor<4x64x4x16xf32>', 'tensor<4x64x4xf32>' are incompatible with return type(s) of operation 'tensor<4x64x4x16xf32>', 'tensor<4x4x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = r1.chunked_attention %qk, %qk, %p {chunk_length = 4 : i64} : (tensor<64x4x16xf32>, tensor<64x4x16xf32>, tensor<4x4x64xi32>) -> (tensor<4x64x4x16xf32>, tensor<4x4x64xf32>)
  return
}

// -----

func.func @f(%r: tensor<4x?x4x16xf32>, %l: tensor<4x?xf32>) {
  // expected-error @+2 {{'r1.merge_rounds' op expects logsumexp [rounds, seq, heads] of rank 3, got 'tensor<4x?xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.merge_rounds %r, %l : (tensor<4x?x4x16xf32>, tensor<4x?xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @f(%r: tensor<4x?x4x16xf32>, %l: tensor<4x?x2xf32>) {
  // expected-error @+2 {{'r1.merge_rounds' op expects a logsumexp dim (2) to equal that of the rounds (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = r1.merge_rounds %r, %l : (tensor<4x?x4x16xf32>, tensor<4x?x2xf32>) -> tensor<?x4x16xf32>
  return
}
