//===- R1Ops.td - r1 graph-level ops -----------------------*- tablegen -*-===//
//
// The ops of the r1 dialect. Shapes: hidden states are `[..., hidden]`
// (leading batch/sequence dims, possibly dynamic); attention inputs are
// `[seq, heads, head_dim]`; weights are `[out, in]` as in PyTorch's Linear.
// Result types are inferred from operands (InferTypeOpInterface), so the
// inference functions double as the shape verifiers.
//
//===----------------------------------------------------------------------===//

#ifndef R1_IR_R1OPS_TD
#define R1_IR_R1OPS_TD

include "ir/R1Dialect.td"
include "ir/R1Attrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def R1_FloatTensor : RankedTensorOf<[F32, BF16, F16]>;
def R1_F32Tensor : RankedTensorOf<[F32]>;
def R1_IndexTensor : RankedTensorOf<[I32, I64]>;
def R1_I32Tensor : RankedTensorOf<[I32]>;
def R1_I64Scalar : 0DTensorOf<[I64]>;
def R1_QuantizedTensor : RankedTensorOf<[I8, I<4>, F8E4M3FN]>;
def R1_WeightTensor
    : RankedTensorOf<[F32, BF16, F16, I8, I<4>, I32, I64, F8E4M3FN]>;

// An op whose result types follow from its operands and attributes.
class R1_InferOp<string mnemonic, list<Trait> traits = []>
    : R1_Op<mnemonic, !listconcat(traits, [Pure,
                                           InferTypeOpAdaptorWithIsCompatible])> {
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l,
                                            ::mlir::TypeRange r) {
      return ::mlir::r1::areCompatibleTensorTypes(l, r);
    }
  }];
}

class R1_UnaryFloatOp<string mnemonic, list<Trait> traits = []>
    : R1_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let arguments = (ins R1_FloatTensor:$input);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class R1_BinaryOp<string mnemonic> : R1_InferOp<mnemonic> {
  let arguments = (ins R1_FloatTensor:$lhs, R1_FloatTensor:$rhs);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def R1_WeightDeclOp : R1_Op<"weight_decl", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "declares an entry of the model's weight table";
  let description = [{
    Declares a weight by name and type. The data is not in the IR: it lives
    in the checkpoint (and, once compiled, in `weights.bin`). `quant` says how
    a quantized weight is stored; its scales are a separate weight. `stack`
    names the checkpoint tensors a stacked weight is made of, one slice of
    the leading dim each (MoE experts).
    Other attributes (e.g. the checkpoint file it was read from) are kept.

    ```mlir
    r1.weight_decl @"model.layers.0.mlp.down_proj.weight" : tensor<512x1408xi8>
        {quant = #r1.quant<int8>}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<R1_WeightTensor>:$type,
                       OptionalAttr<R1_QuantAttr>:$quant,
                       OptionalAttr<StrArrayAttr>:$stack);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def R1_WeightOp : R1_Op<"weight",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a weight of the model's weight table";
  let description = [{
    The value of the weight declared by `r1.weight_decl @name`; its type must
    be the declared type.

    ```mlir
    %w = r1.weight @"model.embed_tokens.weight" : tensor<32000x512xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs R1_WeightTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Embedding, norms, projections, elementwise
//===----------------------------------------------------------------------===//

def R1_EmbeddingOp : R1_InferOp<"embedding"> {
  let summary = "token embedding lookup";
  let description = [{
    `result[i..., :] = table[ids[i...], :]`. Ids out of `[0, vocab)` are an
    error at run time.
  }];
  let arguments = (ins R1_IndexTensor:$ids, R1_FloatTensor:$table);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` functional-type(operands, results)
  }];
}

def R1_RMSNormOp : R1_InferOp<"rms_norm"> {
  let summary = "RMSNorm over the last dim";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * weight`, computed in f32.
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_FloatTensor:$weight,
                       F32Attr:$epsilon);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

def R1_LayerNormOp : R1_InferOp<"layer_norm"> {
  let summary = "LayerNorm over the last dim";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * weight (+ bias)`, computed in f32.
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_FloatTensor:$weight,
                       Optional<R1_FloatTensor>:$bias, F32Attr:$epsilon);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def R1_LinearOp : R1_InferOp<"linear"> {
  let summary = "x·Wᵀ + b";
  let description = [{
    `input[..., K]` times `weight[N, K]` transposed, plus `bias[N]` if given.
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_FloatTensor:$weight,
                       Optional<R1_FloatTensor>:$bias);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def R1_FusedLinearOp : R1_InferOp<"fused_linear", [AttrSizedOperandSegments]> {
  let summary = "RMSNorm → x·Wᵀ + b (or SwiGLU with up) → + residual, as one kernel";
  let description = [{
    `r1.linear` with its neighbours folded in: with `norm`, the input is
    first RMS-normalised over its last dim (`x / sqrt(mean(x²) +
    norm_epsilon) · norm`); then `x·weightᵀ`, plus `bias[N]` and
    `residual[..., N]` when given. With `up` (a second `[N, K]` weight, no
    bias or residual) the result is SwiGLU's `silu(x·weightᵀ) ⊙ x·upᵀ`.
    r1-fuse-linear makes it from `r1.rms_norm`, `r1.linear`, `r1.silu`,
    `r1.mul` and `r1.add`; codegen folds the norm's gain
    into the packed weight and scales each row by its inverse RMS after the
    dot products, so neither the normalised input nor the product before
    the residual add is ever stored.
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_FloatTensor:$weight,
                       Optional<R1_FloatTensor>:$up,
                       Optional<R1_FloatTensor>:$bias,
                       Optional<R1_FloatTensor>:$norm,
                       Optional<R1_FloatTensor>:$residual,
                       OptionalAttr<F32Attr>:$norm_epsilon);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`up` $up^)? (`bias` $bias^)? (`norm` $norm^)? (`residual` $residual^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def R1_MatmulOp : R1_InferOp<"matmul"> {
  let summary = "batched matrix product";
  let description = [{
    `lhs[B..., M, K] · rhs[B..., K, N]`, or `rhs[B..., N, K]` transposed when
    `transpose_rhs` is set. Batch dims must agree.
  }];
  let arguments = (ins R1_FloatTensor:$lhs, R1_FloatTensor:$rhs,
                       UnitAttr:$transpose_rhs);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def R1_AddOp : R1_BinaryOp<"add"> {
  let summary = "elementwise sum with NumPy broadcasting";
}

def R1_MulOp : R1_BinaryOp<"mul"> {
  let summary = "elementwise product with NumPy broadcasting";
}

def R1_ScaleOp : R1_UnaryFloatOp<"scale"> {
  let summary = "multiply by a constant";
  let arguments = (ins R1_FloatTensor:$input, F32Attr:$factor);
  let assemblyFormat = "$input `,` $factor attr-dict `:` type($input)";
  let hasFolder = 1;
}

def R1_SiluOp : R1_UnaryFloatOp<"silu"> {
  let summary = "x * sigmoid(x)";
}

def R1_SigmoidOp : R1_UnaryFloatOp<"sigmoid"> {
  let summary = "1 / (1 + exp(-x))";
}

def R1_GeluOp : R1_UnaryFloatOp<"gelu"> {
  let summary = "Gaussian error linear unit";
  let arguments = (ins R1_FloatTensor:$input,
                       DefaultValuedAttr<R1_GeluApproxAttr, "GeluApprox::none">:$approximate);
}

def R1_SoftmaxOp : R1_UnaryFloatOp<"softmax"> {
  let summary = "softmax along one dim";
  let description = [{
    Along `axis` (negative counts from the end); computed in f32 with the
    maximum subtracted, so `-inf` inputs give 0.
  }];
  let arguments = (ins R1_FloatTensor:$input, I64Attr:$axis);
  let hasVerifier = 1;
}

def R1_CausalMaskOp : R1_UnaryFloatOp<"causal_mask"> {
  let summary = "mask future positions of attention scores with -inf";
  let description = [{
    On scores `[..., Sq, Sk]`, query `i` sees keys `j <= i + (Sk - Sq)`: the
    queries are the last `Sq` positions of the `Sk` keys (KV cache). Masked
    scores become `-inf`.
  }];
  let hasVerifier = 1;
}

def R1_TransposeOp : R1_InferOp<"transpose"> {
  let summary = "permute dims";
  let description = "`result.shape[i] = input.shape[permutation[i]]`.";
  let arguments = (ins R1_FloatTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $permutation attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def R1_ReshapeOp : R1_Op<"reshape", [Pure]> {
  let summary = "reshape keeping the row-major element order";
  let description = [{
    The result has at most one dynamic dim, which takes whatever the
    static dims leave of the input's element count.
  }];
  let arguments = (ins R1_FloatTensor:$input);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The result type with its dynamic dim resolved when the input is
    /// static (what r1-infer-shapes narrows to), else the result type.
    ::mlir::RankedTensorType getRefinedType();
  }];
}

def R1_RepeatOp : R1_InferOp<"repeat"> {
  let summary = "repeat each slice along a dim `count` times (GQA head broadcast)";
  let description = [{
    `repeat_interleave`: slice `i` of the result along `axis` is slice
    `i / count` of the input, so kv head `h` serves query heads
    `h*count .. h*count + count - 1`.
  }];
  let arguments = (ins R1_FloatTensor:$input, I64Attr:$axis, I64Attr:$count);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def R1_ConcatOp : R1_InferOp<"concat"> {
  let summary = "concatenate along a dim";
  let arguments = (ins Variadic<R1_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def R1_SliceOp : R1_InferOp<"slice"> {
  let summary = "take `size` elements from `start` along a dim";
  let arguments = (ins R1_FloatTensor:$input, I64Attr:$axis, I64Attr:$start,
                       I64Attr:$size);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Rotary embedding and attention
//===----------------------------------------------------------------------===//

def R1_RopeOp : R1_InferOp<"rope"> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates the first `rotary_dim` features of `input[S, H, D]` by angles
    `positions[s] * theta^(-2i / rotary_dim)`, pairing features as `style`
    says (`half`: i with i + rotary_dim/2; `interleaved`: 2i with 2i+1).
    `scaling` rescales the frequencies (YaRN, llama3, linear).
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_IndexTensor:$positions,
                       F64Attr:$theta, I64Attr:$rotary_dim,
                       R1_RopeStyleAttr:$style,
                       OptionalAttr<R1_RopeScalingAttr>:$scaling);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` functional-type(operands, results)
  }];
}

def R1_AttentionOp : R1_InferOp<"attention", [AttrSizedOperandSegments]> {
  let summary = "fused scaled dot-product attention with GQA and KV cache";
  let description = [{
    `softmax(scale · q·kᵀ (+ causal mask)) · v` per head on `q[S, Hq, D]`,
    `k[T, Hkv, D]`, `v[T, Hkv, Dv]` giving `[S, Hq, Dv]`; query head `h` uses
    kv head `h / (Hq / Hkv)`. With a cache (`k_cache[C, Hkv, D]`,
    `v_cache[C, Hkv, Dv]`, `position`), `k`/`v` are written at rows
    `position ..` and the keys are cache rows `0 .. position + T`; the
    updated caches are results.
  }];
  let arguments = (ins R1_FloatTensor:$query, R1_FloatTensor:$key,
                       R1_FloatTensor:$value,
                       Optional<R1_FloatTensor>:$key_cache,
                       Optional<R1_FloatTensor>:$value_cache,
                       Optional<R1_I64Scalar>:$position,
                       F32Attr:$scale, UnitAttr:$causal);
  let results = (outs R1_FloatTensor:$result,
                      Variadic<R1_FloatTensor>:$updated_caches);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`cache` `(` $key_cache^ `,` $value_cache `,` $position `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def R1_MlaAttentionOp : R1_InferOp<"mla_attention", [AttrSizedOperandSegments]> {
  let summary = "DeepSeek multi-head latent attention (after the projections)";
  let description = [{
    Inputs: `q_nope[S, H, dn]`, `q_rope[S, H, dr]` (rotated), the normalised
    latent `kv_latent[T, r]`, the shared rotated key `k_rope[T, dr]` and
    `kv_b_weight[H*(dn+dv), r]` (kv_b_proj). Per head,
    `k = [latent·W_ukᵀ, k_rope]`, `v = latent·W_uvᵀ`, and the result
    `[S, H, dv]` is softmax(scale·q·kᵀ (+ causal mask))·v.
    `form = naive` expands k and v; `form = absorbed` folds W_uk into the
    query and W_uv into the output, so only the latent is attended. The cache
    holds the latent (`latent_cache[C, r]`) and rope key
    (`rope_cache[C, dr]`): `r + dr` values per token. Codegen computes the
    absorbed form, except for calls that start the sequence with at least
    `naive_prefill_rows` rows (any such call when `form = naive`): those
    expand k and v of their own rows, cheaper once many queries share them.
  }];
  let arguments = (ins R1_FloatTensor:$q_nope, R1_FloatTensor:$q_rope,
                       R1_FloatTensor:$kv_latent, R1_FloatTensor:$k_rope,
                       R1_FloatTensor:$kv_b_weight,
                       Optional<R1_FloatTensor>:$latent_cache,
                       Optional<R1_FloatTensor>:$rope_cache,
                       Optional<R1_I64Scalar>:$position,
                       I64Attr:$num_heads, I64Attr:$kv_lora_rank,
                       I64Attr:$qk_nope_head_dim, I64Attr:$qk_rope_head_dim,
                       I64Attr:$v_head_dim, F32Attr:$scale, UnitAttr:$causal,
                       DefaultValuedAttr<R1_MlaFormAttr, "MlaForm::naive">:$form,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$naive_prefill_rows);
  let results = (outs R1_FloatTensor:$result,
                      Variadic<R1_FloatTensor>:$updated_caches);
  let assemblyFormat = [{
    $q_nope `,` $q_rope `,` $kv_latent `,` $k_rope `,` $kv_b_weight
    (`cache` `(` $latent_cache^ `,` $rope_cache `,` $position `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def R1_LshAttentionOp : R1_InferOp<"lsh_attention"> {
  let summary = "Reformer LSH sparse attention on shared query/keys";
  let description = [{
    For each of `num_hashes` rounds, hashes `qk[S, H, D]` with a random
    rotation (seeded by `seed`) into `num_buckets` buckets, sorts positions by
    (bucket, position), and attends within chunks of `chunk_length` plus
    `chunks_before`/`chunks_after` neighbouring chunks; rounds are merged by
    logsumexp. A position does not attend to itself unless it has nothing
    else. Cost O(S log S) instead of O(S²).
  }];
  let arguments = (ins R1_FloatTensor:$qk, R1_FloatTensor:$value,
                       I64Attr:$num_hashes, I64Attr:$num_buckets,
                       I64Attr:$chunk_length,
                       DefaultValuedAttr<I64Attr, "1">:$chunks_before,
                       DefaultValuedAttr<I64Attr, "0">:$chunks_after,
                       UnitAttr:$causal, DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $qk `,` $value attr-dict `:` functional-type(operands, results)
  }];
}

def R1_LshHashOp : R1_InferOp<"lsh_hash"> {
  let summary = "LSH bucket of every position, per hash round";
  let description = [{
    `bucket = argmax([x·R, -x·R])` with `R[D, num_buckets/2]` a seeded random
    rotation per round and head; result `[num_hashes, H, S]` i32.
  }];
  let arguments = (ins R1_FloatTensor:$qk, I64Attr:$num_hashes,
                       I64Attr:$num_buckets, DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs R1_I32Tensor:$buckets);
  let assemblyFormat = [{
    $qk attr-dict `:` functional-type(operands, results)
  }];
}

def R1_BucketSortOp : R1_InferOp<"bucket_sort"> {
  let summary = "stable sort of positions by bucket";
  let description = [{
    For buckets `[R, H, S]`, the permutation of positions `[R, H, S]` sorted by
    (bucket, position).
  }];
  let arguments = (ins R1_I32Tensor:$buckets);
  let results = (outs R1_I32Tensor:$permutation);
  let assemblyFormat = [{
    $buckets attr-dict `:` functional-type(operands, results)
  }];
}

def R1_ChunkedAttentionOp : R1_InferOp<"chunked_attention"> {
  let summary = "attention within sorted chunks, one result per hash round";
  let description = [{
    Gathers `qk[S, H, D]` and `value[S, H, Dv]` in `permutation[R, H, S]`
    order, attends within chunks of `chunk_length` and their neighbours, and
    scatters back: `result[R, S, H, Dv]` and the logsumexp of each row
    `logsumexp[R, S, H]` (f32) for merging the rounds.
  }];
  let arguments = (ins R1_FloatTensor:$qk, R1_FloatTensor:$value,
                       R1_I32Tensor:$permutation, I64Attr:$chunk_length,
                       DefaultValuedAttr<I64Attr, "1">:$chunks_before,
                       DefaultValuedAttr<I64Attr, "0">:$chunks_after,
                       UnitAttr:$causal);
  let results = (outs R1_FloatTensor:$result, R1_F32Tensor:$logsumexp);
  let assemblyFormat = [{
    $qk `,` $value `,` $permutation attr-dict `:` functional-type(operands, results)
  }];
}

def R1_MergeRoundsOp : R1_InferOp<"merge_rounds"> {
  let summary = "merge per-round attention results by their logsumexp";
  let description = [{
    `result[s,h] = sum_r softmax_r(logsumexp[r,s,h]) · rounds[r,s,h]`.
  }];
  let arguments = (ins R1_FloatTensor:$rounds, R1_F32Tensor:$logsumexp);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $rounds `,` $logsumexp attr-dict `:` functional-type(operands, results)
  }];
}

def R1_CrossAttentionOp : R1_InferOp<"cross_attention"> {
  let summary = "attention from decoder queries to an encoder context";
  let description = [{
    Non-causal attention of `q[S, Hq, D]` over keys `k[T, Hkv, D]` and values
    `v[T, Hkv, Dv]` computed from an encoder's output (image patches, audio
    frames); GQA as in `r1.attention`.
  }];
  let arguments = (ins R1_FloatTensor:$query, R1_FloatTensor:$key,
                       R1_FloatTensor:$value, F32Attr:$scale);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Multimodal encoders' inputs
//===----------------------------------------------------------------------===//

def R1_PatchEmbedOp : R1_InferOp<"patch_embed"> {
  let summary = "split an image into patches and project each";
  let description = [{
    `image[C, Hi, Wi]` is cut into non-overlapping `patch_size`² patches in
    row-major order; each is projected by `weight[E, C, p, p]` (+ `bias[E]`),
    giving `[(Hi/p)·(Wi/p), E]` (a stride-p convolution).
  }];
  let arguments = (ins R1_FloatTensor:$image, R1_FloatTensor:$weight,
                       Optional<R1_FloatTensor>:$bias, I64Attr:$patch_size);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $image `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def R1_FrameEmbedOp : R1_InferOp<"frame_embed"> {
  let summary = "split audio into frames and project each";
  let description = [{
    `audio[N]` samples are cut into frames of `frame_length` every
    `hop_length` samples (`(N - L) / hop + 1` frames, the tail dropped); each
    is projected by `weight[E, L]` (+ `bias[E]`), giving `[frames, E]`.
  }];
  let arguments = (ins R1_FloatTensor:$audio, R1_FloatTensor:$weight,
                       Optional<R1_FloatTensor>:$bias, I64Attr:$frame_length,
                       I64Attr:$hop_length);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $audio `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Memory unit
//===----------------------------------------------------------------------===//

def R1_MemoryReadOp : R1_InferOp<"memory_read"> {
  let summary = "gated top-k retrieval from the memory slots";
  let description = [{
    For each hidden vector `h` of `hidden[..., E]`, scores the memory keys
    `keys[M, E]` by `keys·h / sqrt(E)`, keeps the `top_k` best, reads
    `softmax(scores)·values` from `values[M, E]`, and adds it through a
    gate: `h + sigmoid(h·gate_weightᵀ) ⊙ read` with `gate_weight[E, E]`.
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_FloatTensor:$keys,
                       R1_FloatTensor:$values, R1_FloatTensor:$gate_weight,
                       I64Attr:$top_k);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $hidden `,` $keys `,` $values `,` $gate_weight attr-dict `:` functional-type(operands, results)
  }];
}

def R1_MemoryUpdateOp : R1_InferOp<"memory_update"> {
  let summary = "exponential-decay write of hidden states into memory slots";
  let description = [{
    For each hidden vector `h` in order, the slot whose key has the largest
    dot product with it (the first on ties) moves towards it:
    `key = decay·key + (1 - decay)·h`, and likewise `value`. Returns the new
    `keys` and `values`. The runtime applies it at the end of each call over
    the positions that call processed; the session keeps the state across
    calls until reset.
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_FloatTensor:$keys,
                       R1_FloatTensor:$values, F32Attr:$decay);
  let results = (outs R1_FloatTensor:$new_keys, R1_FloatTensor:$new_values);
  let assemblyFormat = [{
    $hidden `,` $keys `,` $values attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Routing
//===----------------------------------------------------------------------===//

def R1_RouterOp : R1_InferOp<"router"> {
  let summary = "MoE gate: choose top-k experts per token with their weights";
  let description = [{
    `scores = scoring(hidden·gate_weightᵀ)` over `E` experts. Selection uses
    `scores + correction_bias` (DeepSeek-V3's `e_score_correction_bias`):
    experts are split into `n_group` groups, a group scores the sum of its
    top-2 (sigmoid) or its max (softmax), the best `topk_group` groups stay,
    and the `top_k` best experts among them are chosen. The weights are the
    unbiased scores of the chosen experts, normalised to sum 1 when
    `norm_topk_prob` and `top_k > 1`, times `routed_scaling`. Experts outside
    the kept groups are never chosen (masked with -inf). Results: `weights[..., k]` f32
    and `indices[..., k]` i32.
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_FloatTensor:$gate_weight,
                       Optional<R1_F32Tensor>:$correction_bias,
                       I64Attr:$top_k, R1_ScoringFuncAttr:$scoring,
                       DefaultValuedAttr<I64Attr, "1">:$n_group,
                       DefaultValuedAttr<I64Attr, "1">:$topk_group,
                       UnitAttr:$norm_topk_prob,
                       DefaultValuedAttr<F32Attr, "1.0f">:$routed_scaling);
  let results = (outs R1_F32Tensor:$weights, R1_I32Tensor:$indices);
  let assemblyFormat = [{
    $hidden `,` $gate_weight (`,` $correction_bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def R1_MoeOp : R1_InferOp<"moe", [AttrSizedOperandSegments]> {
  let summary = "mixture of SwiGLU experts, routed plus shared";
  let description = [{
    `sum_j weights[t, j] · expert[indices[t, j]](h_t)` plus the shared expert
    when given, where an expert is `down·(silu(gate·h) ⊙ up·h)`. Routed
    weights are stacked: `gate[E, I, H]`, `up[E, I, H]`, `down[E, H, I]`;
    shared ones are `[Is, H]`, `[Is, H]`, `[H, Is]`.
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_F32Tensor:$weights,
                       R1_I32Tensor:$indices, R1_FloatTensor:$gate_weight,
                       R1_FloatTensor:$up_weight, R1_FloatTensor:$down_weight,
                       Optional<R1_FloatTensor>:$shared_gate_weight,
                       Optional<R1_FloatTensor>:$shared_up_weight,
                       Optional<R1_FloatTensor>:$shared_down_weight);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $hidden `,` $weights `,` $indices `experts` `(` $gate_weight `,` $up_weight `,` $down_weight `)`
    (`shared` `(` $shared_gate_weight^ `,` $shared_up_weight `,` $shared_down_weight `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def R1_ExpertFfnOp : R1_InferOp<"expert_ffn"> {
  let summary = "each token's chosen experts applied to it, grouped by expert";
  let description = [{
    `result[..., j, :] = expert[indices[..., j]](hidden[...])` where an expert
    is `down·(silu(gate·h) ⊙ up·h)` with stacked weights gate/up `[E, I, H]`
    and down `[E, H, I]`. Its kernels group the (token, choice) rows by
    expert (a counting sort), run each chosen expert once as GEMMs over its
    rows and put the rows back in place: experts no token chose are never
    read, so decoding one token touches `k` experts, not `E`.
    r1-specialize-routing makes it from `r1.moe`.
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_I32Tensor:$indices,
                       R1_FloatTensor:$gate_weight, R1_FloatTensor:$up_weight,
                       R1_FloatTensor:$down_weight);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $hidden `,` $indices `experts` `(` $gate_weight `,` $up_weight `,` $down_weight `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def R1_ExpertCombineOp : R1_InferOp<"expert_combine"> {
  let summary = "weighted sum of each token's expert outputs";
  let description = [{
    `result[...] = base[...] + sum_j weights[..., j] · outputs[..., j, :]`;
    without `base` (the shared experts' output) the sum starts at zero.
  }];
  let arguments = (ins R1_FloatTensor:$outputs, R1_F32Tensor:$weights,
                       Optional<R1_FloatTensor>:$base);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $outputs `,` $weights (`base` $base^)? attr-dict `:` functional-type(operands, results)
  }];
}

def R1_LayerGateOp : R1_Op<"layer_gate", [
    RecursiveMemoryEffects, SingleBlock,
    DeclareOpInterfaceMethods<RegionBranchOpInterface,
                              ["getEntrySuccessorOperands"]>]> {
  let summary = "layer-skip gate around a layer";
  let description = [{
    Per position `t`: `score_t = sigmoid(hidden_t · gate_weight)` with
    `gate_weight[H]`. The body runs on all of `hidden`; rows with
    `score_t >= threshold` take the body's yield, the others keep their input
    (the layer is skipped for them). Attention inside the body still sees
    every position's keys and values, so the decision of one token never
    changes another token's result, and prefill agrees with decode.

    With `branch` (set by r1-specialize-routing) the gate is a real branch:
    the body runs only when some row takes it. Everything the body's caches
    are filled from (attention keys and values, MLA latents, LSH rows) is
    then computed before the gate, outside the body, since skipped rows must
    still be cached.

    ```mlir
    %out = r1.layer_gate %h, %w {threshold = 0.5 : f32}
        : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32> {
    ^bb0(%x: tensor<?x64xf32>):
      ...
      r1.yield %y : tensor<?x64xf32>
    }
    ```
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_FloatTensor:$gate_weight,
                       F32Attr:$threshold, UnitAttr:$branch);
  let results = (outs R1_FloatTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $hidden `,` $gate_weight attr-dict `:` functional-type(operands, results) $body
  }];
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$hidden, "::mlir::Value":$gateWeight,
                   "float":$threshold)>
  ];
}

def R1_YieldOp : R1_Op<"yield", [Pure, Terminator, ReturnLike,
                                 HasParent<"LayerGateOp">]> {
  let summary = "yields the result of a gated layer";
  let arguments = (ins Variadic<R1_FloatTensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

//===----------------------------------------------------------------------===//
// Output heads
//===----------------------------------------------------------------------===//

def R1_LmHeadOp : R1_InferOp<"lm_head"> {
  let summary = "vocabulary logits";
  let description = [{
    `hidden[..., H]·weight[V, H]ᵀ` as f32 logits `[..., V]` (the weight may
    be the tied embedding table).
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_FloatTensor:$weight);
  let results = (outs R1_F32Tensor:$logits);
  let assemblyFormat = [{
    $hidden `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

def R1_ClassifyOp : R1_InferOp<"classify"> {
  let summary = "sequence classification head";
  let description = [{
    Pools `hidden[..., S, H]` over the sequence (`last` position or `mean`)
    and projects by `weight[L, H]` (+ `bias[L]`) to f32 logits `[..., L]`.
  }];
  let arguments = (ins R1_FloatTensor:$hidden, R1_FloatTensor:$weight,
                       Optional<R1_FloatTensor>:$bias,
                       DefaultValuedAttr<R1_PoolingAttr, "Pooling::last">:$pooling);
  let results = (outs R1_F32Tensor:$logits);
  let assemblyFormat = [{
    $hidden `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def R1_SampleOp : R1_InferOp<"sample"> {
  let summary = "choose the next token from logits";
  let description = [{
    `greedy` takes the argmax. `temperature` divides the logits by
    `temperature`, keeps the `top_k` largest (0: all) and the smallest set
    whose probability reaches `top_p`, and picks with the uniform draw
    `uniform` in [0, 1) (one per row, supplied by the runtime's seeded RNG,
    so sampling is reproducible). `logits[..., V]` gives `tokens[...]` i32.
  }];
  let arguments = (ins R1_F32Tensor:$logits, Optional<R1_F32Tensor>:$uniform,
                       R1_SampleStrategyAttr:$strategy,
                       DefaultValuedAttr<F32Attr, "1.0f">:$temperature,
                       DefaultValuedAttr<I64Attr, "0">:$top_k,
                       DefaultValuedAttr<F32Attr, "1.0f">:$top_p);
  let results = (outs R1_I32Tensor:$tokens);
  let assemblyFormat = [{
    $logits (`,` $uniform^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def R1_QuantizeOp : R1_InferOp<"quantize"> {
  let summary = "quantize a weight matrix";
  let description = [{
    `input[N, K]` to the storage type of `quant` plus its f32 scales (see
    `#r1.quant`): `q = round(x / scale)` with `scale = absmax / qmax` per row,
    group or block.
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_QuantAttr:$quant);
  let results = (outs R1_QuantizedTensor:$result, R1_F32Tensor:$scales);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
}

def R1_DequantizeOp : R1_Op<"dequantize", [Pure]> {
  let summary = "expand a quantized weight to floats";
  let description = [{
    `result = input · scale` of its row, group or block; leading dims beyond
    the last two stack matrices (MoE experts).
  }];
  let arguments = (ins R1_QuantizedTensor:$input, R1_F32Tensor:$scales,
                       R1_QuantAttr:$quant);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scales attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def R1_QLinearOp : R1_InferOp<"qlinear"> {
  let summary = "x·Wᵀ + b with a quantized weight";
  let description = [{
    As `r1.linear`, with `weight[N, K]` stored as `quant` says and its
    `scales`; accumulates in f32 and returns the input's element type.
  }];
  let arguments = (ins R1_FloatTensor:$input, R1_QuantizedTensor:$weight,
                       R1_F32Tensor:$scales, Optional<R1_FloatTensor>:$bias,
                       R1_QuantAttr:$quant);
  let results = (outs R1_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scales (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

#endif // R1_IR_R1OPS_TD
