//===- Passes.td - r1 passes -------------------------------*- tablegen -*-===//
//
// Every r1 pass, declared once here: flag, summary, options. One .cpp per
// pass in this folder; one lit test per pass in test/passes.
//
//===----------------------------------------------------------------------===//

#ifndef R1_PASSES_PASSES_TD
#define R1_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"r1-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "refine dynamic dims of r1 results from their operands";
  let description = [{
    Re-runs the shape inference of every r1 op in program order and narrows
    result types to what the operands imply (for example, a `tensor<?x64xf32>`
    result of an op whose input is `tensor<8x64xf32>` becomes
    `tensor<8x64xf32>`). Function signatures are updated to the refined
    types of their returns. Types only ever get more static.
  }];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

def FuseAttention : Pass<"r1-fuse-attention"> {
  let summary = "replace the plain attention pattern by r1.attention";
  let description = [{
    Recognises what the importers emit for attention on `q[S, H, D]`,
    `k[T, Hkv, D]`, `v[T, Hkv, Dv]`:

    ```
    transpose(q), repeat(transpose(k)), repeat(transpose(v))   // [H, ., .]
    matmul(q', k', transpose_rhs) · scale (→ causal_mask) → softmax(-1)
    matmul(probs, v') → transpose [1, 0, 2]
    ```

    and replaces it with one `r1.attention` (causal when the mask was
    there), so kernels never materialise the score matrix. The kv repeat
    must be the GQA broadcast along heads (count = H / Hkv, or absent when
    H = Hkv). Patterns whose intermediates have other users are left alone.
  }];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

def AbsorbMla : Pass<"r1-absorb-mla"> {
  let summary = "recognise DeepSeek MLA and make it one r1.mla_attention";
  let description = [{
    Finds the naive MLA the DeepSeek-V3 importer emits, after attention
    fusion: an `r1.attention` whose keys are `[k_nope, repeat(k_rope)]` and
    values `v`, both sliced from `kv_b_proj(latent)`, and whose queries are
    `[q_nope, q_rope]`. It becomes one `r1.mla_attention` on the latent and
    the shared rope key, so the KV cache can hold `kv_lora_rank +
    qk_rope_head_dim` values per token instead of `heads · (dn + dr + dv)`.
    `form` says which computation codegen uses: `absorbed` (W_uk folded into
    the query, W_uv into the output; best for decode) or `naive`. With
    `absorbed`, a call that starts the sequence with at least
    `naive-prefill-rows` rows still computes the naive form over its own
    rows: expanding k and v costs `r·(dn + dv)` per key and head, the
    absorbed form `2r - dn - dv` more per query and key than the naive one,
    so from `r·(dn + dv) / (2r - dn - dv)` queries on (171 at V3's dims) the
    naive form is cheaper. The default, -1, takes that count; 0 never
    switches.
  }];
  let options = [
    Option<"form", "form", "std::string", /*default=*/"\"absorbed\"",
           "MLA computation: absorbed or naive">,
    Option<"naivePrefillRows", "naive-prefill-rows", "int64_t",
           /*default=*/"-1",
           "fresh prefills of at least this many rows compute the naive "
           "form (-1: from the cost model, 0: never)">
  ];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

def SpecializeLsh : Pass<"r1-specialize-lsh"> {
  let summary = "lower r1.lsh_attention to hashing, bucket sort and chunks";
  let description = [{
    Rewrites each `r1.lsh_attention` into the steps its kernels implement,
    with the bucket count, chunk length and hash rounds as static
    attributes: `r1.lsh_hash` (seeded random rotations) → `r1.bucket_sort`
    (stable by bucket, then position) → `r1.chunked_attention` (within a
    chunk and its neighbours, one result and logsumexp per round) →
    `r1.merge_rounds` (softmax over the rounds' logsumexp).
  }];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

def SpecializeRouting : Pass<"r1-specialize-routing"> {
  let summary = "group MoE tokens by expert; make layer-skip gates branches";
  let description = [{
    Each `r1.moe` becomes its shared experts as ordinary `r1.linear` /
    `r1.silu` / `r1.mul` ops (fused and tiled like any other MLP),
    `r1.expert_ffn` (the (token, choice) rows grouped by expert with a
    counting sort, each chosen expert's SwiGLU run as one GEMM over its
    rows, so a decode step reads only the chosen experts' weights) and
    `r1.expert_combine` (the routing-weighted sum onto the shared output).

    Each `r1.layer_gate` becomes a real branch (`branch`): the ops its
    body's caches are filled from (attention keys and values, MLA latent
    and rope key, LSH rows) move before the gate, because skipped rows are
    still attended by later tokens; the rest of the body runs only when a
    row takes it. Gates whose body records every row (a memory update) or
    holds another gate are left as they are.
  }];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

def FuseLinear : Pass<"r1-fuse-linear"> {
  let summary = "fold RMSNorm and residual adds into the linear between them";
  let description = [{
    `r1.linear(r1.rms_norm(x, g))` becomes `r1.fused_linear` of `x` with
    `norm g`, and `r1.add(linear, r)` (the add being the linear's only user,
    no broadcast) becomes `r1.fused_linear` with `residual r`; both together
    give one op for norm → projection → residual. SwiGLU's
    `mul(silu(linear(x, Wg)), linear(x, Wu))` (both of the same input, used
    only there) becomes one `r1.fused_linear` of `Wg` with `up Wu`. The x86 kernel folds `g`
    into the packed weight and the inverse RMS and the residual into the
    GEMM's epilogue: the normalised input and the pre-add product are never
    written and read back. An rms_norm with other users stays for them.
    Runs after r1-absorb-mla, which matches MLA's plain `kv_b_proj` linear.
  }];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

#endif // R1_PASSES_PASSES_TD
