// r1-absorb-mla turns attention over expanded MLA keys/values into
// r1.mla_attention over the latent; anything else is left alone.
// RUN: r1-opt %s --r1-absorb-mla --split-input-file | FileCheck %s
// RUN: r1-opt %s --r1-absorb-mla=form=naive --split-input-file | FileCheck %s --check-prefix=NAIVE
// RUN: not r1-opt %s --r1-absorb-mla=form=fast --split-input-file 2>&1 | FileCheck %s --check-prefix=BADFORM
// RUN: r1-opt %s --r1-absorb-mla=naive-prefill-rows=0 --split-input-file | FileCheck %s --check-prefix=NEVER
// RUN: r1-opt %s --r1-absorb-mla=naive-prefill-rows=500 --split-input-file | FileCheck %s --check-prefix=ROWS
// RUN: not r1-opt %s --r1-absorb-mla=naive-prefill-rows=-2 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADROWS

// 4 heads, kv_lora_rank 32, nope 16, rope 8, v 16. Fresh prefills of
// r·(dn + dv) / (2r - dn - dv) = 32·32 / 32 = 32 rows or more take the
// naive form.
// CHECK-LABEL: func.func @mla
// CHECK-SAME: (%[[QN:.*]]: tensor<?x4x16xf32>, %[[QR:.*]]: tensor<?x4x8xf32>, %[[LAT:.*]]: tensor<?x32xf32>, %[[KR:.*]]: tensor<?x1x8xf32>, %[[W:.*]]: tensor<128x32xf32>)
// CHECK: %[[KR2:.*]] = r1.reshape %[[KR]] : tensor<?x1x8xf32> -> tensor<?x8xf32>
// CHECK: %[[A:.*]] = r1.mla_attention %[[QN]], %[[QR]], %[[LAT]], %[[KR2]], %[[W]] {causal, form = #r1.mla_form<absorbed>, kv_lora_rank = 32 : i64, naive_prefill_rows = 32 : i64, num_heads = 4 : i64, qk_nope_head_dim = 16 : i64, qk_rope_head_dim = 8 : i64, scale = 2.500000e-01 : f32, v_head_dim = 16 : i64} : {{.*}} -> tensor<?x4x16xf32>
// CHECK: return %[[A]]
// NEVER-LABEL: func.func @mla
// NEVER-NOT: naive_prefill_rows
// NEVER-LABEL: func.func @not_mla
// ROWS-LABEL: func.func @mla
// ROWS: r1.mla_attention {{.*}}naive_prefill_rows = 500 : i64
// NAIVE: r1.mla_attention {{.*}}causal, kv_lora_rank
// NAIVE-NOT: absorbed
// BADFORM: r1-absorb-mla: form must be 'absorbed' or 'naive', got 'fast'
// BADROWS: r1-absorb-mla: naive-prefill-rows must be -1 (from the cost model), 0 (never) or a row count, got -2
func.func @mla(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>,
               %kr: tensor<?x1x8xf32>, %w: tensor<128x32xf32>) -> tensor<?x4x16xf32> {
  %kv = r1.linear %lat, %w : (tensor<?x32xf32>, tensor<128x32xf32>) -> tensor<?x128xf32>
  %kv3 = r1.reshape %kv : tensor<?x128xf32> -> tensor<?x4x32xf32>
  %kn = r1.slice %kv3 {axis = 2 : i64, start = 0 : i64, size = 16 : i64} : (tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  %v = r1.slice %kv3 {axis = 2 : i64, start = 16 : i64, size = 16 : i64} : (tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  %krr = r1.repeat %kr {axis = 1 : i64, count = 4 : i64} : (tensor<?x1x8xf32>) -> tensor<?x4x8xf32>
  %q = r1.concat %qn, %qr {axis = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x24xf32>
  %k = r1.concat %kn, %krr {axis = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x24xf32>
  %a = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x24xf32>, tensor<?x4x24xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return %a : tensor<?x4x16xf32>
}

// -----

// Values not sliced from the same kv projection as the keys: left alone.
// CHECK-LABEL: func.func @not_mla
// CHECK-NOT: r1.mla_attention
// CHECK: r1.attention
func.func @not_mla(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x32xf32>,
                   %kr: tensor<?x1x8xf32>, %w: tensor<128x32xf32>, %other: tensor<?x4x32xf32>) -> tensor<?x4x16xf32> {
  %kv = r1.linear %lat, %w : (tensor<?x32xf32>, tensor<128x32xf32>) -> tensor<?x128xf32>
  %kv3 = r1.reshape %kv : tensor<?x128xf32> -> tensor<?x4x32xf32>
  %kn = r1.slice %kv3 {axis = 2 : i64, start = 0 : i64, size = 16 : i64} : (tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  %v = r1.slice %other {axis = 2 : i64, start = 16 : i64, size = 16 : i64} : (tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  %krr = r1.repeat %kr {axis = 1 : i64, count = 4 : i64} : (tensor<?x1x8xf32>) -> tensor<?x4x8xf32>
  %q = r1.concat %qn, %qr {axis = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x24xf32>
  %k = r1.concat %kn, %krr {axis = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x24xf32>
  %a = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x24xf32>, tensor<?x4x24xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return %a : tensor<?x4x16xf32>
}

// -----

// Plain GQA attention is not MLA.
// CHECK-LABEL: func.func @dense
// CHECK-NOT: r1.mla_attention
func.func @dense(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>) -> tensor<?x4x16xf32> {
  %a = r1.attention %q, %k, %k {causal, scale = 0.25 : f32} : (tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32>) -> tensor<?x4x16xf32>
  return %a : tensor<?x4x16xf32>
}

// -----

// With kv_lora_rank 16 the absorbed form costs no more per query and key
// (2r = dn + dv): no prefill takes the naive form.
// CHECK-LABEL: func.func @small_rank
// CHECK: r1.mla_attention
// CHECK-NOT: naive_prefill_rows
// CHECK-SAME: -> tensor<?x4x16xf32>
func.func @small_rank(%qn: tensor<?x4x16xf32>, %qr: tensor<?x4x8xf32>, %lat: tensor<?x16xf32>,
                      %kr: tensor<?x1x8xf32>, %w: tensor<128x16xf32>) -> tensor<?x4x16xf32> {
  %kv = r1.linear %lat, %w : (tensor<?x16xf32>, tensor<128x16xf32>) -> tensor<?x128xf32>
  %kv3 = r1.reshape %kv : tensor<?x128xf32> -> tensor<?x4x32xf32>
  %kn = r1.slice %kv3 {axis = 2 : i64, start = 0 : i64, size = 16 : i64} : (tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  %v = r1.slice %kv3 {axis = 2 : i64, start = 16 : i64, size = 16 : i64} : (tensor<?x4x32xf32>) -> tensor<?x4x16xf32>
  %krr = r1.repeat %kr {axis = 1 : i64, count = 4 : i64} : (tensor<?x1x8xf32>) -> tensor<?x4x8xf32>
  %q = r1.concat %qn, %qr {axis = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x24xf32>
  %k = r1.concat %kn, %krr {axis = 2 : i64} : (tensor<?x4x16xf32>, tensor<?x4x8xf32>) -> tensor<?x4x24xf32>
  %a = r1.attention %q, %k, %v {causal, scale = 0.25 : f32} : (tensor<?x4x24xf32>, tensor<?x4x24xf32>, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return %a : tensor<?x4x16xf32>
}
