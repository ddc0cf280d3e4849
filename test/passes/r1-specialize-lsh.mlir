// r1-specialize-lsh lowers LSH attention to its static-shape steps, keeping
// every attribute.
// RUN: r1-opt %s --r1-specialize-lsh | FileCheck %s

// CHECK-LABEL: func.func @lsh
// CHECK-SAME: (%[[QK:.*]]: tensor<?x4x16xf32>, %[[V:.*]]: tensor<?x4x8xf32>)
// CHECK-NEXT: %[[B:.*]] = r1.lsh_hash %[[QK]] {num_buckets = 32 : i64, num_hashes = 4 : i64, seed = 7 : i64} : (tensor<?x4x16xf32>) -> tensor<4x4x?xi32>
// CHECK-NEXT: %[[P:.*]] = r1.bucket_sort %[[B]] : (tensor<4x4x?xi32>) -> tensor<4x4x?xi32>
// CHECK-NEXT: %[[O:.*]], %[[L:.*]] = r1.chunked_attention %[[QK]], %[[V]], %[[P]] {causal, chunk_length = 64 : i64, chunks_before = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>, tensor<4x4x?xi32>) -> (tensor<4x?x4x8xf32>, tensor<4x?x4xf32>)
// CHECK-NEXT: %[[M:.*]] = r1.merge_rounds %[[O]], %[[L]] : (tensor<4x?x4x8xf32>, tensor<4x?x4xf32>) -> tensor<?x4x8xf32>
// CHECK-NEXT: return %[[M]]
// CHECK-NOT: r1.lsh_attention
func.func @lsh(%qk: tensor<?x4x16xf32>, %v: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %a = r1.lsh_attention %qk, %v {num_hashes = 4 : i64, num_buckets = 32 : i64, chunk_length = 64 : i64, chunks_before = 2 : i64, causal, seed = 7 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  return %a : tensor<?x4x8xf32>
}
