//===- GraphBuilder.cpp - build r1 graphs from checkpoint tensors ---------===//
//
// This file implements GraphBuilder: weight declarations checked against the
// checkpoint, and the plain r1 forms of the common transformer pieces.
//
//===----------------------------------------------------------------------===//

#include "frontend/GraphBuilder.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::r1;
using ::r1::checkpoint::DType;
using ::r1::checkpoint::TensorInfo;

namespace {
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}
} // namespace

GraphBuilder::GraphBuilder(ModuleOp module,
                           const ::r1::checkpoint::Checkpoint &checkpoint,
                           Type computeType)
    : module(module), checkpoint(checkpoint), b(module.getContext()),
      compute(computeType), currentLoc(module.getLoc()) {}

bool GraphBuilder::has(StringRef name) const {
  return checkpoint.find(name) != nullptr;
}

Type GraphBuilder::elementTypeOf(DType dtype) {
  switch (dtype) {
  case DType::F8_E4M3:
    return FloatType::getFloat8E4M3FN(b.getContext());
  case DType::I8:
  case DType::U8:
    return b.getIntegerType(8);
  case DType::I32:
    return b.getIntegerType(32);
  case DType::I64:
    return b.getIntegerType(64);
  default:
    return compute;
  }
}

LogicalResult GraphBuilder::checkTensor(StringRef name,
                                        ArrayRef<int64_t> shape) {
  const TensorInfo *info = checkpoint.find(name);
  Location where = NameLoc::get(b.getStringAttr(name));
  if (!info)
    return emitError(where) << "checkpoint has no tensor '" << name
                            << "' (expected shape " << shapeString(shape)
                            << ")";
  if (ArrayRef<int64_t>(info->shape) != shape)
    return emitError(where)
           << "tensor '" << name << "' has shape " << shapeString(info->shape)
           << ", but the config implies " << shapeString(shape);
  used.insert(name);
  return success();
}

Value GraphBuilder::declare(StringRef declName, RankedTensorType type,
                           DType source,
                           ArrayRef<std::pair<StringRef, Attribute>> attrs) {
  if (declared.insert(declName).second) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(module.getBody(), module.getBody()->end());
    // Declarations go before the first function, in first-use order.
    if (auto first = module.getOps<func::FuncOp>(); !first.empty())
      b.setInsertionPoint(*first.begin());
    auto decl = b.create<WeightDeclOp>(NameLoc::get(b.getStringAttr(declName)),
                                       declName, type, QuantAttr(),
                                       ArrayAttr());
    for (auto [key, value] : attrs)
      decl->setAttr(key, value);
    // The artifact writer converts weights whose stored type differs.
    if (storedTypeOf(source) != type.getElementType())
      decl->setAttr("source_dtype",
                    b.getStringAttr(::r1::checkpoint::dtypeName(source)));
  }
  return b.create<WeightOp>(currentLoc, type, FlatSymbolRefAttr::get(
                                                  b.getContext(), declName));
}

Type GraphBuilder::storedTypeOf(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return b.getF32Type();
  case DType::F16:
    return b.getF16Type();
  case DType::BF16:
    return b.getBF16Type();
  default:
    return elementTypeOf(dtype);
  }
}

FailureOr<Value> GraphBuilder::weight(StringRef name,
                                      ArrayRef<int64_t> shape) {
  // A missing tensor is reported by weightAs.
  const TensorInfo *info = checkpoint.find(name);
  return weightAs(name, shape, info ? elementTypeOf(info->dtype) : compute);
}

FailureOr<Value> GraphBuilder::weightAs(StringRef name,
                                        ArrayRef<int64_t> shape,
                                        Type element) {
  if (failed(checkTensor(name, shape)))
    return failure();
  DType dtype = checkpoint.find(name)->dtype;
  if (!::r1::checkpoint::isFloat(dtype))
    return emitError(NameLoc::get(b.getStringAttr(name)))
           << "tensor '" << name << "' is " << ::r1::checkpoint::dtypeName(dtype)
           << "; a float tensor (F32, F16 or BF16) is expected here";
  return declare(name, RankedTensorType::get(shape, element), dtype, {});
}

FailureOr<DType> GraphBuilder::commonDType(ArrayRef<std::string> names,
                                           ArrayRef<int64_t> shape) {
  std::optional<DType> dtype;
  for (const std::string &name : names) {
    if (failed(checkTensor(name, shape)))
      return failure();
    DType d = checkpoint.find(name)->dtype;
    if (!::r1::checkpoint::isFloat(d) && d != DType::F8_E4M3)
      return emitError(NameLoc::get(b.getStringAttr(name)))
             << "tensor '" << name << "' is " << ::r1::checkpoint::dtypeName(d)
             << "; a float tensor (F32, F16, BF16 or F8_E4M3) is expected here";
    if (dtype && *dtype != d)
      return emitError(NameLoc::get(b.getStringAttr(name)))
             << "tensor '" << name << "' is " << ::r1::checkpoint::dtypeName(d)
             << " but the tensors stacked with it are "
             << ::r1::checkpoint::dtypeName(*dtype);
    dtype = d;
  }
  return *dtype;
}

QuantAttr GraphBuilder::fp8Quant() {
  return QuantAttr::get(b.getContext(), QuantScheme::fp8_e4m3, 0, fp8Block);
}

Value GraphBuilder::dequantize(Value q, Value scales, QuantAttr quant) {
  auto type = cast<RankedTensorType>(q.getType()).clone(compute);
  return b.create<DequantizeOp>(currentLoc, type, q, scales, quant);
}

FailureOr<Value> GraphBuilder::stackedProjection(StringRef declName,
                                                 ArrayRef<std::string> names,
                                                 int64_t rows, int64_t cols) {
  FailureOr<DType> dtype = commonDType(names, {rows, cols});
  if (failed(dtype))
    return failure();
  auto namesAttr = [&](StringRef suffix) {
    SmallVector<Attribute> sources;
    for (const std::string &name : names)
      sources.push_back(b.getStringAttr(name + suffix.str()));
    return b.getArrayAttr(sources);
  };
  int64_t count = static_cast<int64_t>(names.size());
  auto type =
      RankedTensorType::get({count, rows, cols}, elementTypeOf(*dtype));
  if (*dtype != DType::F8_E4M3)
    return declare(declName, type, *dtype, {{"stack", namesAttr("")}});
  QuantAttr quant = fp8Quant();
  SmallVector<int64_t> scaleShape = quant.getScaleShape({rows, cols});
  SmallVector<std::string> scaleNames;
  for (const std::string &name : names)
    scaleNames.push_back(name + "_scale_inv");
  if (failed(commonDType(scaleNames, scaleShape)))
    return failure();
  Value q = declare(declName, type, *dtype,
                    {{"quant", quant}, {"stack", namesAttr("")}});
  SmallVector<int64_t> stackedScales = {count};
  stackedScales.append(scaleShape.begin(), scaleShape.end());
  Value scales = declare((declName + "_scale_inv").str(),
                         RankedTensorType::get(stackedScales, b.getF32Type()),
                         DType::F32, {{"stack", namesAttr("_scale_inv")}});
  return dequantize(q, scales, quant);
}

FailureOr<Value> GraphBuilder::projectionWeight(StringRef name, int64_t out,
                                                int64_t in) {
  const TensorInfo *info = checkpoint.find(name);
  if (!info || info->dtype != DType::F8_E4M3)
    return weight(name, {out, in});
  // DeepSeek-V3 FP8: e4m3 weight plus f32 `weight_scale_inv` per block,
  // loaded as shipped and expanded by r1.dequantize (a pass may fuse it).
  QuantAttr quant = fp8Quant();
  std::string scaleName = (name + "_scale_inv").str();
  if (failed(checkTensor(name, {out, in})))
    return failure();
  Value q = declare(name,
                    RankedTensorType::get({out, in}, elementTypeOf(info->dtype)),
                    info->dtype, {{"quant", quant}});
  FailureOr<Value> scales =
      weightAs(scaleName, quant.getScaleShape({out, in}), b.getF32Type());
  if (failed(scales))
    return failure();
  return dequantize(q, *scales, quant);
}

FailureOr<Value> GraphBuilder::linear(Value x, StringRef prefix, int64_t out,
                                      int64_t in, bool bias) {
  FailureOr<Value> w = projectionWeight((prefix + ".weight").str(), out, in);
  if (failed(w))
    return failure();
  Value biasValue;
  if (bias) {
    FailureOr<Value> bv = weight((prefix + ".bias").str(), {out});
    if (failed(bv))
      return failure();
    biasValue = *bv;
  }
  return b.create<LinearOp>(currentLoc, x, *w, biasValue).getResult();
}

FailureOr<Value> GraphBuilder::rmsNorm(Value x, StringRef weightName,
                                       int64_t size, double eps) {
  FailureOr<Value> w = weight(weightName, {size});
  if (failed(w))
    return failure();
  return b
      .create<RMSNormOp>(currentLoc, x, *w, llvm::APFloat(static_cast<float>(eps)))
      .getResult();
}

FailureOr<Value> GraphBuilder::layerNorm(Value x, StringRef prefix,
                                         int64_t size, double eps) {
  FailureOr<Value> w = weight((prefix + ".weight").str(), {size});
  FailureOr<Value> bias = weight((prefix + ".bias").str(), {size});
  if (failed(w) || failed(bias))
    return failure();
  return b
      .create<LayerNormOp>(currentLoc, x, *w, *bias,
                           llvm::APFloat(static_cast<float>(eps)))
      .getResult();
}

Value GraphBuilder::add(Value a, Value c) {
  return b.create<AddOp>(currentLoc, a, c);
}
Value GraphBuilder::mul(Value a, Value c) {
  return b.create<MulOp>(currentLoc, a, c);
}
Value GraphBuilder::silu(Value x) { return b.create<SiluOp>(currentLoc, x); }

Value GraphBuilder::reshape(Value x, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(x.getType()).getElementType());
  return b.create<ReshapeOp>(currentLoc, type, x);
}

Value GraphBuilder::transpose(Value x, ArrayRef<int64_t> permutation) {
  return b.create<TransposeOp>(currentLoc, x, permutation);
}

Value GraphBuilder::slice(Value x, int64_t axis, int64_t start, int64_t size) {
  return b.create<SliceOp>(currentLoc, x, axis, start, size);
}

Value GraphBuilder::rope(Value x, Value positions, double theta,
                         int64_t rotaryDim, RopeStyle style,
                         Attribute scaling) {
  auto op = b.create<RopeOp>(currentLoc, x, positions, llvm::APFloat(theta),
                             rotaryDim, style, scaling);
  return op.getResult();
}

Value GraphBuilder::plainAttention(Value q, Value k, Value v, double scale,
                                   bool causal) {
  auto qType = cast<RankedTensorType>(q.getType());
  auto kType = cast<RankedTensorType>(k.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  int64_t heads = qType.getDimSize(1), kvHeads = kType.getDimSize(1);
  int64_t valueDim = vType.getDimSize(2);
  // [S, H, D] -> [H, S, D]; kv heads repeated to the query heads (GQA).
  Value qt = transpose(q, {1, 0, 2});
  Value kt = transpose(k, {1, 0, 2});
  Value vt = transpose(v, {1, 0, 2});
  if (heads != kvHeads) {
    kt = b.create<RepeatOp>(currentLoc, kt, 0, heads / kvHeads);
    vt = b.create<RepeatOp>(currentLoc, vt, 0, heads / kvHeads);
  }
  Value scores = b.create<MatmulOp>(currentLoc, qt, kt, /*transpose_rhs=*/true);
  scores = b.create<ScaleOp>(currentLoc, scores,
                             b.getF32FloatAttr(static_cast<float>(scale)));
  if (causal)
    scores = b.create<CausalMaskOp>(currentLoc, scores);
  Value probs = b.create<SoftmaxOp>(currentLoc, scores, b.getI64IntegerAttr(-1));
  Value out = b.create<MatmulOp>(currentLoc, probs, vt, false);
  out = transpose(out, {1, 0, 2});
  return reshape(out, {kDyn, heads * valueDim});
}

FailureOr<Value> GraphBuilder::swiglu(Value x, StringRef prefix,
                                      int64_t hidden, int64_t inter) {
  FailureOr<Value> gate = linear(x, (prefix + ".gate_proj").str(), inter, hidden);
  FailureOr<Value> up = linear(x, (prefix + ".up_proj").str(), inter, hidden);
  if (failed(gate) || failed(up))
    return failure();
  return linear(mul(silu(*gate), *up), (prefix + ".down_proj").str(), hidden,
                inter);
}

void GraphBuilder::warnUnused(llvm::function_ref<bool(StringRef)> ignored) {
  for (const TensorInfo &info : checkpoint.tensors()) {
    if (used.contains(info.name) || ignored(info.name))
      continue;
    emitWarning(NameLoc::get(b.getStringAttr(info.name)))
        << "checkpoint tensor '" << info.name << "' is not used by the model";
  }
}
