//===- R1kOps.td - r1k ops ----------------------------------*- tablegen -*-===//

#ifndef R1_IR_R1K_R1KOPS_TD
#define R1_IR_R1K_R1KOPS_TD

include "ir/r1k/R1kAttrs.td"
include "ir/r1k/R1kInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"

//===----------------------------------------------------------------------===//
// Buffers and weights (module level)
//===----------------------------------------------------------------------===//

def R1k_SlotOp : R1k_Op<"slot", [Symbol]> {
  let summary = "a buffer of `width` elements per row, live within a call";
  let description = [{
    Kernels write and read slots; the buffer planner reuses one slot for
    values whose lives do not overlap. `rows` says what a row is: a token
    of the call, a row of the encoder context, a (token, token) pair or a
    (token, context row) pair (plain attention's scores). `element` is f32
    or i32 (ids, positions, expert indices).

    ```mlir
    r1k.slot @s2 {width = 64 : i64, element = f32, rows = #r1k<rows tokens>}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, I64Attr:$width,
                       TypeAttr:$element, R1k_RowsAttr:$rows);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
}

def R1k_CacheOp : R1k_Op<"cache", [Symbol]> {
  let summary = "rows the session keeps for every token it has seen";
  let description = [{
    `width` f32 or i32 elements per token: KV caches, MLA's latent and rope
    key, LSH's bucket ids and sorted orders. `r1k.append` fills them.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, I64Attr:$width,
                       TypeAttr:$element);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
}

def R1k_StateOp : R1k_Op<"state", [Symbol,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "session state kept across calls: rows × width f32";
  let description = [{
    A memory unit's keys or values. It starts as a copy of the weight
    `initial` and is reset to it by r1rt_reset.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, I64Attr:$rows,
                       I64Attr:$width, FlatSymbolRefAttr:$initial);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
}

def R1k_WeightOp : R1k_Op<"weight", [Symbol]> {
  let summary = "a tensor of weights.bin and how it derives from the checkpoint";
  let description = [{
    `name` is the graph's weight declaration it realizes (manifest.json
    lists the tensor under it). `sources` are the checkpoint tensors it is
    made of (several: stacked
    along a new leading dim, MoE experts), of `shape` together; `derive`
    lists the derivations applied to them in order (`#r1k.dequantize_blocks`,
    `#r1k.scale_columns`, `#r1k.split_heads`, `#r1k.select_expert`);
    `storage` is what weights.bin holds (f32, or bf16: a bf16 checkpoint's
    values exactly, wider ones rounded to nearest even) in `layout`.

    ```mlir
    r1k.weight @w3 {name = "model.layers.0.self_attn.q_proj.weight",
                    sources = ["model.layers.0.self_attn.q_proj.weight"],
                    shape = array<i64: 64, 64>, derive = [#r1k.scale_columns<
                    "model.layers.0.input_layernorm.weight">], storage = f32,
                    layout = #r1k<layout panels16>}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$name,
                       StrArrayAttr:$sources,
                       DenseI64ArrayAttr:$shape, ArrayAttr:$derive,
                       TypeAttr:$storage, R1k_LayoutAttr:$layout);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel declarations: one op per kind, the static parameters by name
//===----------------------------------------------------------------------===//

/// `inputs`: the C++ expression of getNumInputs (the views a call passes
/// before its output), which may read the op's attributes.
class R1k_KernelOp<string mnemonic, dag params, string inputs, string sum,
                   string desc = "">
    : R1k_Op<"kernel." # mnemonic, [Symbol,
        DeclareOpInterfaceMethods<R1k_KernelInterface>]> {
  let summary = sum;
  let description = desc;
  let arguments = !con((ins SymbolNameAttr:$sym_name), params);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    int64_t $cppClass::getNumInputs() { return }] # inputs # [{; }
  }];
}

def R1k_EmbedKernelOp : R1k_KernelOp<"embed",
    (ins I64Attr:$channels, I64Attr:$vocab), "2",
    "out[n, channels] = table[ids[n]]">;
def R1k_RmsNormKernelOp : R1k_KernelOp<"rms_norm",
    (ins I64Attr:$channels, F64Attr:$eps), "2",
    "x / sqrt(mean(x²) + eps) · gain, per row">;

def R1k_LinearEpilogueNone : I32EnumAttrCase<"none", 0>;
def R1k_LinearEpilogueResidual : I32EnumAttrCase<"residual", 1>;
def R1k_LinearEpilogueGated : I32EnumAttrCase<"gated", 2>;
def R1k_LinearEpilogue : I32EnumAttr<"LinearEpilogue", "what a linear adds",
    [R1k_LinearEpilogueNone, R1k_LinearEpilogueResidual,
     R1k_LinearEpilogueGated]> {
  let cppNamespace = "::mlir::r1k";
  let genSpecializedAttr = 0;
}
def R1k_LinearEpilogueAttr : EnumAttr<R1k_Dialect, R1k_LinearEpilogue, "epilogue">;

def R1k_LinearKernelOp : R1k_KernelOp<"linear",
    (ins I64Attr:$n, I64Attr:$k, R1k_LinearEpilogueAttr:$epilogue,
         BoolAttr:$bias, OptionalAttr<F64Attr>:$rms_eps,
         BoolAttr:$bf16_weights), "2 + (getEpilogue() == LinearEpilogue::none ? 0 : 1) + (getBias() ? 1 : 0)",
    "x·Wᵀ over packed weights, with an epilogue",
    [{
      out[m, n] = x[m, :]·W[n, :] (+ bias[n]); `residual`: + a second input
      [m, n]; `gated`: silu(x·Wᵀ) ⊙ x·Upᵀ with Up a second weight input.
      With `rms_eps` the input is RMS-normalized (its gain is folded into W:
      `#r1k.scale_columns`). `bf16_weights`: the panels hold bf16, widened
      as they are read; accumulation is f32.
    }]>;
def R1k_RopeKernelOp : R1k_KernelOp<"rope",
    (ins I64Attr:$heads, I64Attr:$head_dim, I64Attr:$rotary_dim,
         BoolAttr:$interleaved, F64Attr:$mscale, DenseF64ArrayAttr:$inv_freq), "2",
    "rotary embedding of the first rotary_dim dims of each head",
    [{
      `inv_freq` holds rotary_dim / 2 frequencies (scaling applied);
      rotated values are multiplied by `mscale` (YaRN).
    }]>;
def R1k_AttentionKernelOp : R1k_KernelOp<"attention",
    (ins I64Attr:$heads, I64Attr:$kv_heads, I64Attr:$head_dim,
         I64Attr:$v_head_dim, BoolAttr:$causal, F64Attr:$scale), "3",
    "flash-style attention of the new rows over the cached keys and values",
    [{ GQA: query head h reads kv head h / (heads / kv_heads). }]>;
def R1k_AddKernelOp : R1k_KernelOp<"add", (ins), "2", "elementwise a + b">;
def R1k_MulKernelOp : R1k_KernelOp<"mul", (ins), "2", "elementwise a · b">;
def R1k_SiluKernelOp : R1k_KernelOp<"silu", (ins), "1", "elementwise x·sigmoid(x)">;
def R1k_SwiGluKernelOp : R1k_KernelOp<"swiglu", (ins), "2", "elementwise silu(a) · b">;
def R1k_SliceKernelOp : R1k_KernelOp<"slice",
    (ins I64Attr:$inner, I64Attr:$axis, I64Attr:$outer, I64Attr:$start,
         I64Attr:$size), "1",
    "a window [start, start + size) of one axis of [outer, axis, inner]">;
def R1k_HeadMatmulKernelOp : R1k_KernelOp<"head_matmul",
    (ins I64Attr:$heads, I64Attr:$in_dim, I64Attr:$out_dim), "2",
    "per head x[h]·W[h] (MLA absorption)">;
def R1k_MlaAttentionKernelOp : R1k_KernelOp<"mla_attention",
    (ins I64Attr:$heads, I64Attr:$kv_lora_rank, I64Attr:$rope_dim,
         BoolAttr:$causal, F64Attr:$scale), "4",
    "absorbed MLA over the latent and rope-key caches">;
def R1k_GateScoreKernelOp : R1k_KernelOp<"gate_score",
    (ins I64Attr:$hidden), "2", "per row sigmoid(x·w): a layer-skip gate's score">;
def R1k_GateSelectKernelOp : R1k_KernelOp<"gate_select",
    (ins I64Attr:$hidden, F64Attr:$threshold), "3",
    "per row the layer's output where the score ≥ threshold, else its input">;
def R1k_ExpertCombineKernelOp : R1k_KernelOp<"expert_combine",
    (ins I64Attr:$top_k, I64Attr:$hidden, BoolAttr:$has_base), "2 + (getHasBase() ? 1 : 0)",
    "base + Σ_j weight[j] · y[j] over a row's top_k expert outputs">;
def R1k_ConcatKernelOp : R1k_KernelOp<"concat",
    (ins I64Attr:$inner, I64Attr:$outer, DenseI64ArrayAttr:$axes), "int64_t(getAxes().size())",
    "inputs [outer, axes[i], inner] joined along the middle axis">;
def R1k_RepeatKernelOp : R1k_KernelOp<"repeat",
    (ins I64Attr:$inner, I64Attr:$axis, I64Attr:$outer, I64Attr:$count), "1",
    "each slice of the middle axis `count` times (repeat_interleave)">;
def R1k_LshHashKernelOp : R1k_KernelOp<"lsh_hash",
    (ins I64Attr:$heads, I64Attr:$head_dim, I64Attr:$rounds,
         I64Attr:$buckets, DenseF64ArrayAttr:$rotations), "1",
    "per row, round and head the first argmax of [x·Rot, -x·Rot] (i32)",
    [{ `rotations` is [rounds][heads][head_dim][buckets / 2]. }]>;
def R1k_L2NormalizeKernelOp : R1k_KernelOp<"l2_normalize",
    (ins I64Attr:$heads, I64Attr:$head_dim), "1",
    "each head's row / max(|row|, 1e-6)">;
def R1k_LshAttentionKernelOp : R1k_KernelOp<"lsh_attention",
    (ins I64Attr:$heads, I64Attr:$head_dim, I64Attr:$rounds, I64Attr:$chunk,
         I64Attr:$before, I64Attr:$after, BoolAttr:$causal, F64Attr:$scale), "5",
    "per round each new row attends within its sorted chunk window",
    [{
      Per (round, head) row head_dim + 1 values: the mix, then its
      logsumexp; `before` / `after` neighbour chunks.
    }]>;
def R1k_MergeRoundsKernelOp : R1k_KernelOp<"merge_rounds",
    (ins I64Attr:$heads, I64Attr:$head_dim, I64Attr:$rounds), "1",
    "Σ_r softmax_r(logsumexp) · mix">;
def R1k_ExpertAccumulateKernelOp : R1k_KernelOp<"expert_accumulate",
    (ins I64Attr:$top_k, I64Attr:$hidden, I64Attr:$expert,
         BoolAttr:$has_base), "3 + (getHasBase() ? 1 : 0)",
    "base + y · (the row's weight for `expert`, 0 if not chosen)">;
def R1k_SwapOuterKernelOp : R1k_KernelOp<"swap_outer", (ins), "1",
    "out(x, y, z) = in(x, z, y)">;
def R1k_RepeatOuterKernelOp : R1k_KernelOp<"repeat_outer",
    (ins I64Attr:$count), "1", "out(x, y, z) = in(x, y, z / count)">;
def R1k_BatchMatmulKernelOp : R1k_KernelOp<"batch_matmul",
    (ins BoolAttr:$transpose_rhs), "2", "per z a[M, K]·b[K, N] (or b[N, K]ᵀ)">;
def R1k_ScaleKernelOp : R1k_KernelOp<"scale", (ins F64Attr:$factor), "1",
    "elementwise x · factor">;
def R1k_CausalMaskKernelOp : R1k_KernelOp<"causal_mask", (ins), "1",
    "scores with key > query + (keys - queries) set to the lowest float">;
def R1k_SoftmaxKernelOp : R1k_KernelOp<"softmax", (ins), "1",
    "softmax along the innermost dim">;

//===----------------------------------------------------------------------===//
// The call sequence
//===----------------------------------------------------------------------===//

def R1k_ForwardOp : R1k_Op<"forward", [NoTerminator, SingleBlock,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the steps of one call over its new rows";
  let description = [{
    Before the steps run, `ids` and `positions` (i32 slots) hold the call's
    tokens and their positions; after them `logits` holds each row's
    logits. `replay`: attention reads only a call's own rows, so each call
    re-runs the whole sequence from position 0. Top-level steps from index
    `rowwise_from` on are row-wise: when only the last row's logits are
    wanted they run on it alone.
  }];
  let arguments = (ins FlatSymbolRefAttr:$ids, FlatSymbolRefAttr:$positions,
                       FlatSymbolRefAttr:$logits, I64Attr:$vocab,
                       I64Attr:$context_length, UnitAttr:$replay,
                       I64Attr:$rowwise_from);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def R1k_CallOp : R1k_Op<"call", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "runs a declared kernel on views of buffers";
  let arguments = (ins FlatSymbolRefAttr:$kernel,
                       TypedArrayAttrBase<R1k_ViewAttr, "views">:$inputs,
                       R1k_ViewAttr:$output);
  let assemblyFormat = "$kernel $inputs `->` $output attr-dict";
}

def R1k_AppendOp : R1k_Op<"append", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "appends a slot's rows to a cache (same width and element)";
  let arguments = (ins FlatSymbolRefAttr:$slot, FlatSymbolRefAttr:$cache);
  let assemblyFormat = "$slot `to` $cache attr-dict";
}

def R1k_LayerSkipOp : R1k_Op<"layer_skip", [NoTerminator, SingleBlock,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "runs its body unless no row's score reaches the threshold";
  let description = [{
    `score` is a slot of one f32 per row (a `gate_score` kernel's); when
    every row's is below `threshold` the body (the rest of the layer) is
    skipped.
  }];
  let arguments = (ins FlatSymbolRefAttr:$score, F64Attr:$threshold);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$score `threshold` `(` $threshold `)` $body attr-dict";
}

def R1k_FreshPrefillOp : R1k_Op<"fresh_prefill", [NoTerminator]> {
  let summary = "MLA's two forms: the naive one for a fresh long prefill";
  let description = [{
    A call that starts the sequence (position 0) with at least `min_rows`
    rows runs `fresh` (kv_b_proj expands keys and values, plain attention
    over the call's rows); every other call runs `otherwise` (absorbed MLA
    over the latent cache).
  }];
  let arguments = (ins I64Attr:$min_rows);
  let regions = (region MaxSizedRegion<1>:$fresh, MaxSizedRegion<1>:$otherwise);
  let assemblyFormat = "`min_rows` `(` $min_rows `)` $fresh `else` $otherwise attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The runtime's steps
//===----------------------------------------------------------------------===//

def R1k_RouteOp : R1k_Op<"route", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "MoE router selection: top_k experts per row and their weights";
  let description = [{
    From `logits` [experts] per row: scores by `scoring` (sigmoid or
    softmax), + `bias` for the choice only, the best `topk_groups` of
    `groups` groups, then the top_k experts; their weights (normalized when
    `normalize`, times `scaling`) into `weights` [top_k] f32 and their
    indices into `indices` [top_k] i32.
  }];
  let arguments = (ins FlatSymbolRefAttr:$logits,
                       OptionalAttr<FlatSymbolRefAttr>:$bias,
                       FlatSymbolRefAttr:$weights, FlatSymbolRefAttr:$indices,
                       StrAttr:$scoring, I64Attr:$experts, I64Attr:$groups,
                       I64Attr:$topk_groups, I64Attr:$top_k,
                       BoolAttr:$normalize, F64Attr:$scaling);
  let assemblyFormat = "$logits `->` $weights `,` $indices attr-dict";
  let hasVerifier = 1;
}

def R1k_ExpertsOp : R1k_Op<"experts", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "routed experts: each chosen expert's SwiGLU over its rows";
  let description = [{
    The (row, choice) pairs of `indices` grouped by expert (a counting
    sort); each chosen expert's `gated_kernel` (silu(x·gateᵀ) ⊙ x·upᵀ) then
    `down_kernel` run once over its rows, on the `gate`, `up` and `down`
    views of one expert of the stacked weights; each result goes to its
    (row, choice) place of `output` ([top_k · hidden] per row).
  }];
  let arguments = (ins I64Attr:$experts, I64Attr:$top_k,
                       I64Attr:$intermediate, I64Attr:$hidden,
                       FlatSymbolRefAttr:$input, FlatSymbolRefAttr:$indices,
                       FlatSymbolRefAttr:$output,
                       FlatSymbolRefAttr:$gated_kernel,
                       FlatSymbolRefAttr:$down_kernel, R1k_ViewAttr:$gate,
                       R1k_ViewAttr:$up, R1k_ViewAttr:$down);
  let assemblyFormat = "$input `,` $indices `->` $output attr-dict";
}

def R1k_MemoryReadOp : R1k_Op<"memory_read", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "memory unit read with the state of the call's start";
  let description = [{
    out = x + sigmoid(gate) ⊙ softmax(top_k of keys·x / √width) · values.
  }];
  let arguments = (ins FlatSymbolRefAttr:$input, FlatSymbolRefAttr:$gate,
                       FlatSymbolRefAttr:$output, FlatSymbolRefAttr:$keys,
                       FlatSymbolRefAttr:$values, I64Attr:$top_k);
  let assemblyFormat = "$input `,` $gate `->` $output attr-dict";
}

def R1k_MemoryRecordOp : R1k_Op<"memory_record", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the call's rows update the memory state when the call ends";
  let arguments = (ins FlatSymbolRefAttr:$input, FlatSymbolRefAttr:$keys,
                       FlatSymbolRefAttr:$values, F64Attr:$decay);
  let assemblyFormat = "$input attr-dict";
}

def R1k_LshSortOp : R1k_Op<"lsh_sort", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "every cached row stably counting-sorted by its LSH bucket";
  let description = [{
    Per column (round and head) of the i32 cache `buckets` (values in
    [0, count)): row k of `sorted` holds the k-th position, row j of `rank`
    where position j went.
  }];
  let arguments = (ins FlatSymbolRefAttr:$buckets, FlatSymbolRefAttr:$sorted,
                       FlatSymbolRefAttr:$rank, I64Attr:$count);
  let assemblyFormat = "$buckets `->` $sorted `,` $rank attr-dict";
}

def R1k_EncodeOp : R1k_Op<"encode", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the encoders' rows, in order, into a context slot";
  let arguments = (ins FlatSymbolRefAttr:$slot, ArrayAttr:$parts);
  let assemblyFormat = "$parts `->` $slot attr-dict";
  let hasVerifier = 1;
}

def R1k_ClassifyOp : R1k_Op<"classify", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the classification head: weight · pool(hidden's rows) + bias";
  let arguments = (ins FlatSymbolRefAttr:$hidden, FlatSymbolRefAttr:$weight,
                       OptionalAttr<FlatSymbolRefAttr>:$bias, I64Attr:$labels,
                       BoolAttr:$mean_pooling);
  let assemblyFormat = "$hidden attr-dict";
}

#endif // R1_IR_R1K_R1KOPS_TD
