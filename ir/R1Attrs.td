//===- R1Attrs.td - r1 enums and attributes ----------------*- tablegen -*-===//
//
// Enums and attributes of the r1 dialect: quantization schemes, rotary
// embedding styles and scalings, router scoring, sampling and pooling.
//
//===----------------------------------------------------------------------===//

#ifndef R1_IR_R1ATTRS_TD
#define R1_IR_R1ATTRS_TD

include "ir/R1Dialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

// Printed as `#r1.name<case>`.
class R1_EnumAttr<EnumAttrInfo info, string name>
    : EnumAttr<R1_Dialect, info, name> {
  let assemblyFormat = "`<` $value `>`";
}

def R1_QuantScheme : I32EnumAttr<"QuantScheme", "weight quantization scheme", [
    I32EnumAttrCase<"int8", 0>,      // symmetric, one f32 scale per output row
    I32EnumAttrCase<"int4", 1>,      // symmetric, one f32 scale per row group
    I32EnumAttrCase<"fp8_e4m3", 2>   // e4m3fn with f32 block scales (DeepSeek-V3)
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_QuantSchemeAttr : R1_EnumAttr<R1_QuantScheme, "quant_scheme">;

def R1_RopeStyle : I32EnumAttr<"RopeStyle", "rotary embedding pairing", [
    I32EnumAttrCase<"half", 0>,        // rotate-half: pairs (i, i + d/2), Llama/Qwen2
    I32EnumAttrCase<"interleaved", 1>  // pairs (2i, 2i + 1), DeepSeek-V3 MLA
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_RopeStyleAttr : R1_EnumAttr<R1_RopeStyle, "rope_style">;

def R1_ScoringFunc : I32EnumAttr<"ScoringFunc", "router scoring function", [
    I32EnumAttrCase<"softmax", 0>,
    I32EnumAttrCase<"sigmoid", 1>
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_ScoringFuncAttr : R1_EnumAttr<R1_ScoringFunc, "scoring">;

def R1_SampleStrategy : I32EnumAttr<"SampleStrategy", "token sampling strategy", [
    I32EnumAttrCase<"greedy", 0>,
    I32EnumAttrCase<"temperature", 1>
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_SampleStrategyAttr : R1_EnumAttr<R1_SampleStrategy, "sample">;

def R1_Pooling : I32EnumAttr<"Pooling", "sequence pooling for classification", [
    I32EnumAttrCase<"last", 0>,
    I32EnumAttrCase<"mean", 1>
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_PoolingAttr : R1_EnumAttr<R1_Pooling, "pooling">;

def R1_MlaForm : I32EnumAttr<"MlaForm", "how MLA computes attention", [
    I32EnumAttrCase<"naive", 0>,    // expand k/v from the latent, then attend
    I32EnumAttrCase<"absorbed", 1>  // fold W_uk into q and W_uv into the output
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_MlaFormAttr : R1_EnumAttr<R1_MlaForm, "mla_form">;

def R1_GeluApprox : I32EnumAttr<"GeluApprox", "GELU formula", [
    I32EnumAttrCase<"none", 0>,  // x * Phi(x) with erf
    I32EnumAttrCase<"tanh", 1>   // the tanh approximation
  ]> {
  let cppNamespace = "::mlir::r1";
  let genSpecializedAttr = 0;
}
def R1_GeluApproxAttr : R1_EnumAttr<R1_GeluApprox, "gelu_approx">;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

// A float parameter printed in MLIR's shortest round-trip form.
def R1_F64Param : AttrParameter<"::llvm::APFloat", "a floating-point value"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if ($_parser.parseFloat(value))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer.printFloat($_self) }];
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}

def R1_QuantAttr : R1_Attr<"Quant", "quant"> {
  let summary = "how a weight is quantized";
  let description = [{
    Describes a quantized weight `W[N, K]` (rows are output channels):

    - `#r1.quant<int8>`: symmetric int8 with one f32 scale per row, scales `[N]`;
    - `#r1.quant<int4, group = 32>`: symmetric int4 with one f32 scale per
      `group` consecutive elements of a row, scales `[N, K / group]`;
    - `#r1.quant<fp8_e4m3, block = [128, 128]>`: e4m3fn with one f32 scale per
      block (DeepSeek-V3's `weight_scale_inv`), scales
      `[ceil(N / 128), ceil(K / 128)]`.

    The real value is `q * scale`. A weight with more dims is a stack of
    such matrices (MoE experts) whose scales carry the same leading dims.
  }];
  let parameters = (ins
    EnumParameter<R1_QuantScheme>:$scheme,
    DefaultValuedParameter<"int64_t", "0">:$group,
    OptionalArrayRefParameter<"int64_t">:$block
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The element type of the quantized weight.
    ::mlir::Type getStorageType() const;
    /// The shape of the scales of a weight of shape `weightShape`; dynamic
    /// weight dims give dynamic scale dims.
    ::llvm::SmallVector<int64_t> getScaleShape(
        ::llvm::ArrayRef<int64_t> weightShape) const;
  }];
}

def R1_YarnAttr : R1_Attr<"Yarn", "yarn"> {
  let summary = "YaRN rotary scaling (DeepSeek-V3 `rope_scaling.type = yarn`)";
  let description = [{
    Frequencies between the `beta_fast` and `beta_slow` rotation counts are
    blended between interpolated (divided by `factor`) and extrapolated, and
    cos/sin are multiplied by `mscale(factor, mscale) / mscale(factor,
    mscale_all_dim)` with `mscale(s, m) = 0.1 m ln s + 1` (1 for s <= 1).
    DeepSeek-V3 also multiplies the softmax scale by
    `mscale(factor, mscale_all_dim)²`; the importer folds that into the
    attention's scale.
  }];
  let parameters = (ins
    R1_F64Param:$factor,
    "int64_t":$original_max_position,
    R1_F64Param:$beta_fast,
    R1_F64Param:$beta_slow,
    R1_F64Param:$mscale,
    R1_F64Param:$mscale_all_dim
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def R1_Llama3ScalingAttr : R1_Attr<"Llama3Scaling", "llama3"> {
  let summary = "Llama-3.1 rotary scaling (`rope_scaling.rope_type = llama3`)";
  let description = [{
    Wavelengths longer than `original_max_position / low_freq_factor` are
    divided by `factor`, shorter than `original_max_position /
    high_freq_factor` are kept, and the band between is interpolated.
  }];
  let parameters = (ins
    R1_F64Param:$factor,
    R1_F64Param:$low_freq_factor,
    R1_F64Param:$high_freq_factor,
    "int64_t":$original_max_position
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def R1_LinearScalingAttr : R1_Attr<"LinearScaling", "linear_rope"> {
  let summary = "linear rotary scaling: positions divided by `factor`";
  let parameters = (ins R1_F64Param:$factor);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def R1_RopeScalingAttr : AnyAttrOf<[R1_YarnAttr, R1_Llama3ScalingAttr,
                                    R1_LinearScalingAttr]>;

#endif // R1_IR_R1ATTRS_TD
