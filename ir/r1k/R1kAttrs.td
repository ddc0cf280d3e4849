//===- R1kAttrs.td - r1k attributes -------------------------*- tablegen -*-===//

#ifndef R1_IR_R1K_R1KATTRS_TD
#define R1_IR_R1K_R1KATTRS_TD

include "ir/r1k/R1kDialect.td"

def R1k_RowsTokens : I32EnumAttrCase<"tokens", 0>;
def R1k_RowsContext : I32EnumAttrCase<"context", 1>;
def R1k_RowsSquare : I32EnumAttrCase<"square", 2>;
def R1k_RowsCross : I32EnumAttrCase<"cross", 3>;
def R1k_Rows : I32EnumAttr<"Rows", "what a slot's rows are",
    [R1k_RowsTokens, R1k_RowsContext, R1k_RowsSquare, R1k_RowsCross]> {
  let cppNamespace = "::mlir::r1k";
  let genSpecializedAttr = 0;
}
def R1k_RowsAttr : EnumAttr<R1k_Dialect, R1k_Rows, "rows"> {
  let summary = "rows of a slot: per token, per encoder-context row, per "
                "(token, token) pair or per (token, context row) pair";
}

def R1k_LayoutPlain : I32EnumAttrCase<"plain", 0>;
def R1k_LayoutPanels16 : I32EnumAttrCase<"panels16", 1>;
def R1k_LayoutMatrix : I32EnumAttrCase<"matrix", 2>;
def R1k_Layout : I32EnumAttr<"Layout", "how weights.bin holds a weight",
    [R1k_LayoutPlain, R1k_LayoutPanels16, R1k_LayoutMatrix]> {
  let cppNamespace = "::mlir::r1k";
  let genSpecializedAttr = 0;
}
def R1k_LayoutAttr : EnumAttr<R1k_Dialect, R1k_Layout, "layout"> {
  let summary = "a weight's layout in weights.bin";
  let description = [{
    `plain`: the derived shape, row-major. `matrix`: a [N, K] matrix (a
    stack [E, N, K]: E of them) that linear-like kernels read as x·Wᵀ,
    viewed as [K, N]; the target chooses how weights.bin holds it and
    rewrites the weight and its views before its kernels are compiled.
    `panels16`, the x86 target's choice: [ceil(N/16)][K][16] (zero-padded),
    a stack as E such blocks, viewed as [16, K, ceil(N/16)].
  }];
}

def R1k_ViewAttr : R1k_Attr<"View", "view"> {
  let summary = "a kernel argument: a buffer seen with static and row dims";
  let description = [{
    `#r1k.view<@buffer, [d0, d1, ...]>`, dims innermost first, as a Halide
    buffer sees them: a positive dim is static; `-r` is r × the buffer's
    rows (the call's tokens, or the encoder context's rows for a context
    slot); for a cache `-1` is its filled length; -2^40 is the context's
    rows in a cross slot's view.
  }];
  let parameters = (ins "FlatSymbolRefAttr":$buffer,
                        ArrayRefParameter<"int64_t">:$dims);
  let assemblyFormat = "`<` $buffer `,` `[` $dims `]` `>`";
  let genVerifyDecl = 1;
}

// Derivations of a weight from its checkpoint tensors, applied in order.
def R1k_DequantizeBlocksAttr : R1k_Attr<"DequantizeBlocks", "dequantize_blocks"> {
  let summary = "multiplies each [rows, cols] block by its scale";
  let description = [{
    FP8 block quantization as DeepSeek-V3 ships it: element (i, j) of
    source s's [N, K] matrix times `scales`[s][i / rows][j / cols], where
    `scales` names one f32 checkpoint tensor per source, in the sources'
    order (`..._scale_inv`, [ceil(N / rows), ceil(K / cols)]).
  }];
  let parameters = (ins "ArrayAttr":$scales, "int64_t":$rows, "int64_t":$cols);
  let assemblyFormat = "`<` $scales `,` $rows `x` $cols `>`";
  let genVerifyDecl = 1;
}
def R1k_ScaleColumnsAttr : R1k_Attr<"ScaleColumns", "scale_columns"> {
  let summary = "multiplies column j by element j of a [K] tensor";
  let description = [{
    An RMSNorm's gain (`by`, a checkpoint tensor) folded into the linear
    that reads the norm's output.
  }];
  let parameters = (ins StringRefParameter<"gain tensor">:$by);
  let assemblyFormat = "`<` $by `>`";
}
def R1k_SplitHeadsAttr : R1k_Attr<"SplitHeads", "split_heads"> {
  let summary = "MLA's kv_b_proj split into per-head W_uk or W_uv";
  let description = [{
    kv_b [H·(nope+v), r]: part "keys" gives W_uk as [H][nope][r], "values"
    W_uv as [H][r][v] (the absorbed form's head matmuls read them).
  }];
  let parameters = (ins StringRefParameter<"keys or values">:$part,
                        "int64_t":$heads, "int64_t":$nope, "int64_t":$v);
  let assemblyFormat = "`<` $part `,` $heads `,` $nope `,` $v `>`";
  let genVerifyDecl = 1;
}
def R1k_SelectExpertAttr : R1k_Attr<"SelectExpert", "select_expert"> {
  let summary = "the one matrix `expert` of a stacked [E, N, K] weight";
  let parameters = (ins "int64_t":$expert);
  let assemblyFormat = "`<` $expert `>`";
}

def R1k_ImageEncoderAttr : R1k_Attr<"ImageEncoder", "image_encoder"> {
  let summary = "image [channels, height, width] → patch rows of the context";
  let description = [{
    Stride-`patch` patches (row-major) · `embed` + `bias` + `position`, then
    LayerNorm (`norm_weight`, `norm_bias`, `eps`).
  }];
  let parameters = (ins "int64_t":$channels, "int64_t":$height,
      "int64_t":$width, "int64_t":$patch, "FlatSymbolRefAttr":$embed,
      "FlatSymbolRefAttr":$bias, "FlatSymbolRefAttr":$position,
      "FlatSymbolRefAttr":$norm_weight, "FlatSymbolRefAttr":$norm_bias,
      "FloatAttr":$eps);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}
def R1k_AudioEncoderAttr : R1k_Attr<"AudioEncoder", "audio_encoder"> {
  let summary = "audio samples → frame rows of the context";
  let description = [{
    Frames of `length` samples every `hop` · `embed` + `bias`, then
    LayerNorm (`norm_weight`, `norm_bias`, `eps`).
  }];
  let parameters = (ins "int64_t":$length, "int64_t":$hop,
      "FlatSymbolRefAttr":$embed, "FlatSymbolRefAttr":$bias,
      "FlatSymbolRefAttr":$norm_weight, "FlatSymbolRefAttr":$norm_bias,
      "FloatAttr":$eps);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // R1_IR_R1K_R1KATTRS_TD
