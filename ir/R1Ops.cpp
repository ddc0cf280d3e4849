//===- R1Ops.cpp - r1 ops ---------------------------------------*- C++ -*-===//
//
// This file holds the shape rules of the r1 ops. Ops with inferred result
// types check their operands in `inferReturnTypes`, which MLIR also runs to
// verify them; the rest have a `verify`. Both report through `ShapeDiag` so
// every message reads "'r1.op' op expects ...".
//
//===----------------------------------------------------------------------===//

#include "ir/R1Dialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::r1;

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

/// Reports a broken shape rule. Type inference runs without an op (builders
/// call it too), so the op name is carried here to keep messages uniform.
class ShapeDiag {
public:
  ShapeDiag(std::optional<Location> loc, StringRef opName)
      : loc(loc), opName(opName) {}
  explicit ShapeDiag(Operation *op)
      : loc(op->getLoc()), opName(op->getName().getStringRef()) {}

  template <typename... Args> LogicalResult fail(Args &&...args) const {
    return emitOptionalError(loc, "'", opName, "' op ",
                             std::forward<Args>(args)...);
  }

  /// The ranked tensor type of `value`; fails (once) when it is not one.
  FailureOr<RankedTensorType> ranked(Value value, StringRef what) const {
    if (auto type = dyn_cast_or_null<RankedTensorType>(
            value ? value.getType() : Type()))
      return type;
    return ((void)fail("expects ", what, " to be a ranked tensor"), failure());
  }

  LogicalResult rank(RankedTensorType type, int64_t rank,
                     StringRef what) const {
    if (type.getRank() == rank)
      return success();
    return fail("expects ", what, " of rank ", rank, ", got ", type);
  }

  LogicalResult minRank(RankedTensorType type, int64_t rank,
                        StringRef what) const {
    if (type.getRank() >= rank)
      return success();
    return fail("expects ", what, " of rank >= ", rank, ", got ", type);
  }

  /// Dims agree unless one of them is dynamic.
  LogicalResult sameDim(int64_t a, int64_t b, StringRef whatA,
                        StringRef whatB) const {
    if (a == kDynamic || b == kDynamic || a == b)
      return success();
    return fail("expects ", whatA, " (", a, ") to equal ", whatB, " (", b,
                ")");
  }

  LogicalResult sameElementType(Type a, Type b, StringRef whatA,
                                StringRef whatB) const {
    if (getElementTypeOrSelf(a) == getElementTypeOrSelf(b))
      return success();
    return fail("expects ", whatA, " and ", whatB,
                " to have the same element type, got ",
                getElementTypeOrSelf(a), " and ", getElementTypeOrSelf(b));
  }

  LogicalResult positive(int64_t value, StringRef what) const {
    if (value > 0)
      return success();
    return fail("expects ", what, " to be positive, got ", value);
  }

  /// A dim index in [-rank, rank), normalised to [0, rank).
  FailureOr<int64_t> axis(int64_t axis, int64_t rank) const {
    if (axis >= -rank && axis < rank)
      return axis < 0 ? axis + rank : axis;
    return ((void)fail("expects axis in [", -rank, ", ", rank, "), got ", axis),
            failure());
  }

private:
  std::optional<Location> loc;
  StringRef opName;
};

/// The static one of two compatible dims.
int64_t mergeDim(int64_t a, int64_t b) { return a == kDynamic ? b : a; }

/// Two dims that cannot agree: both static and different.
bool conflictingDims(int64_t a, int64_t b) {
  return a != kDynamic && b != kDynamic && a != b;
}

/// A dim as messages print it: `?` when dynamic.
std::string dimString(int64_t dim) {
  return dim == kDynamic ? "?" : std::to_string(dim);
}

/// Leading dims of `type` followed by `trailing`.
SmallVector<int64_t> withTrailing(RankedTensorType type, int64_t drop,
                                  ArrayRef<int64_t> trailing) {
  SmallVector<int64_t> shape(type.getShape().drop_back(drop));
  shape.append(trailing.begin(), trailing.end());
  return shape;
}

/// Checks `weight` and `scales` against `quant` (see #r1.quant).
LogicalResult checkQuantizedWeight(const ShapeDiag &diag, QuantAttr quant,
                                   RankedTensorType weight,
                                   RankedTensorType scales) {
  if (failed(diag.minRank(weight, 2, "a quantized weight")))
    return failure();
  if (weight.getElementType() != quant.getStorageType())
    return diag.fail("expects ", stringifyQuantScheme(quant.getScheme()),
                     " weights stored as ", quant.getStorageType(), ", got ",
                     weight.getElementType());
  int64_t k = weight.getShape().back();
  if (quant.getScheme() == QuantScheme::int4 && k != kDynamic &&
      k % quant.getGroup() != 0)
    return diag.fail("expects the int4 group size ", quant.getGroup(),
                     " to divide the row length ", k);
  if (!scales)
    return success();
  SmallVector<int64_t> expected = quant.getScaleShape(weight.getShape());
  if (failed(verifyCompatibleShape(scales.getShape(), expected)))
    return diag.fail("expects scales of shape ",
                     RankedTensorType::get(expected, scales.getElementType()),
                     " for a ", stringifyQuantScheme(quant.getScheme()),
                     " weight ", weight, ", got ", scales);
  return success();
}

/// Shared rules of dense and cross attention: q[S, Hq, D], k[T, Hkv, D],
/// v[T, Hkv, Dv]; returns [S, Hq, Dv].
FailureOr<RankedTensorType> inferAttention(const ShapeDiag &diag, Value query,
                                           Value key, Value value,
                                           float scale) {
  auto q = diag.ranked(query, "query");
  auto k = diag.ranked(key, "key");
  auto v = diag.ranked(value, "value");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  if (failed(diag.rank(*q, 3, "query [seq, heads, head_dim]")) ||
      failed(diag.rank(*k, 3, "key [seq, kv_heads, head_dim]")) ||
      failed(diag.rank(*v, 3, "value [seq, kv_heads, v_head_dim]")) ||
      failed(diag.sameElementType(*q, *k, "query", "key")) ||
      failed(diag.sameElementType(*q, *v, "query", "value")) ||
      failed(diag.sameDim(q->getDimSize(2), k->getDimSize(2),
                          "the query head dim", "the key head dim")) ||
      failed(diag.sameDim(k->getDimSize(0), v->getDimSize(0),
                          "the key length", "the value length")) ||
      failed(diag.sameDim(k->getDimSize(1), v->getDimSize(1),
                          "the key heads", "the value heads")))
    return failure();
  int64_t heads = q->getDimSize(1), kvHeads = k->getDimSize(1);
  if (heads != kDynamic && kvHeads != kDynamic &&
      (kvHeads == 0 || heads % kvHeads != 0))
    return ((void)diag.fail("expects kv heads to divide query heads, got ", heads,
                      " and ", kvHeads),
            failure());
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return ((void)diag.fail("expects a positive finite scale, got ", scale),
            failure());
  return RankedTensorType::get(
      {q->getDimSize(0), heads, v->getDimSize(2)}, q->getElementType());
}

/// An optional KV cache: all of `caches` and `position` given, or none.
LogicalResult checkCacheOperands(const ShapeDiag &diag, ValueRange caches,
                                 Value position) {
  bool any = position || llvm::any_of(caches, [](Value v) { return !!v; });
  bool all = position && llvm::all_of(caches, [](Value v) { return !!v; });
  if (any && !all)
    return diag.fail("expects both caches and the position together");
  return success();
}

} // namespace

bool mlir::r1::areCompatibleTensorTypes(TypeRange inferred,
                                        TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, actual)) {
    auto ta = dyn_cast<RankedTensorType>(a);
    auto tb = dyn_cast<RankedTensorType>(b);
    if (!ta || !tb) {
      if (a != b)
        return false;
      continue;
    }
    if (ta.getElementType() != tb.getElementType() ||
        failed(verifyCompatibleShape(ta.getShape(), tb.getShape())))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

LogicalResult WeightDeclOp::verify() {
  ShapeDiag diag(getOperation());
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape())
    return diag.fail("expects a static weight shape, got ", type);
  if (auto stack = getStackAttr())
    if (stack.empty() || type.getRank() == 0 ||
        type.getDimSize(0) != int64_t(stack.size()))
      return diag.fail("expects one stacked tensor per slice of the leading "
                       "dim, got ", stack.size(), " for ", type);
  if (auto quant = getQuantAttr())
    return checkQuantizedWeight(diag, quant, type, nullptr);
  return success();
}

LogicalResult WeightOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto decl =
      symbolTable.lookupNearestSymbolFrom<WeightDeclOp>(*this, getNameAttr());
  if (!decl)
    return emitOpError() << "refers to " << getNameAttr()
                         << ", which is not a declared weight";
  if (decl.getType() != getType())
    return emitOpError() << "has type " << getType() << " but " << getNameAttr()
                         << " is declared as " << decl.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Embedding, norms, projections, elementwise
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto ids = diag.ranked(adaptor.getIds(), "ids");
  auto table = diag.ranked(adaptor.getTable(), "table");
  if (failed(ids) || failed(table) ||
      failed(diag.rank(*table, 2, "a table [vocab, hidden]")))
    return failure();
  results.push_back(RankedTensorType::get(
      withTrailing(*ids, 0, {table->getDimSize(1)}), table->getElementType()));
  return success();
}

/// Norms: input[..., H] with weight[H] (and bias[H]).
static LogicalResult inferNorm(const ShapeDiag &diag, Value inputValue,
                               Value weightValue, Value biasValue,
                               float epsilon, SmallVectorImpl<Type> &results) {
  auto input = diag.ranked(inputValue, "input");
  auto weight = diag.ranked(weightValue, "weight");
  if (failed(input) || failed(weight) ||
      failed(diag.minRank(*input, 1, "input")) ||
      failed(diag.rank(*weight, 1, "weight")) ||
      failed(diag.sameElementType(*input, *weight, "input", "weight")) ||
      failed(diag.sameDim(weight->getDimSize(0), input->getShape().back(),
                          "the weight size", "the hidden size")))
    return failure();
  if (biasValue) {
    auto bias = diag.ranked(biasValue, "bias");
    if (failed(bias) || failed(diag.rank(*bias, 1, "bias")) ||
        failed(diag.sameElementType(*input, *bias, "input", "bias")) ||
        failed(diag.sameDim(bias->getDimSize(0), input->getShape().back(),
                            "the bias size", "the hidden size")))
      return failure();
  }
  if (!(epsilon > 0.0f) || !(epsilon < 1.0f))
    return diag.fail("expects epsilon in (0, 1), got ", epsilon);
  results.push_back(*input);
  return success();
}

LogicalResult RMSNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  return inferNorm(ShapeDiag(loc, getOperationName()), adaptor.getInput(),
                   adaptor.getWeight(), nullptr,
                   adaptor.getEpsilon().convertToFloat(), results);
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferNorm(ShapeDiag(loc, getOperationName()), adaptor.getInput(),
                   adaptor.getWeight(), adaptor.getBias(),
                   adaptor.getEpsilon().convertToFloat(), results);
}

/// input[..., K] · weight[N, K]ᵀ (+ bias[N]) -> [..., N] of `resultElement`.
static LogicalResult inferProjection(const ShapeDiag &diag, Value inputValue,
                                     RankedTensorType weight, Value biasValue,
                                     Type resultElement,
                                     SmallVectorImpl<Type> &results) {
  auto input = diag.ranked(inputValue, "input");
  if (failed(input) || failed(diag.minRank(*input, 1, "input")) ||
      failed(diag.rank(weight, 2, "weight [out, in]")) ||
      failed(diag.sameDim(weight.getDimSize(1), input->getShape().back(),
                          "the weight's input size", "the input's last dim")))
    return failure();
  if (biasValue) {
    auto bias = diag.ranked(biasValue, "bias");
    if (failed(bias) || failed(diag.rank(*bias, 1, "bias")) ||
        failed(diag.sameElementType(*input, *bias, "input", "bias")) ||
        failed(diag.sameDim(bias->getDimSize(0), weight.getDimSize(0),
                            "the bias size", "the weight's output size")))
      return failure();
  }
  results.push_back(RankedTensorType::get(
      withTrailing(*input, 1, {weight.getDimSize(0)}), resultElement));
  return success();
}

/// x·Wᵀ (+ b) of one element type: the weight, or failure.
static FailureOr<RankedTensorType>
inferLinear(const ShapeDiag &diag, Value input, Value weightValue, Value bias,
            SmallVectorImpl<Type> &results) {
  auto weight = diag.ranked(weightValue, "weight");
  if (failed(weight) ||
      failed(diag.sameElementType(input.getType(), *weight, "input",
                                  "weight")) ||
      failed(inferProjection(diag, input, *weight, bias,
                             weight->getElementType(), results)))
    return failure();
  return *weight;
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  return inferLinear(diag, adaptor.getInput(), adaptor.getWeight(),
                     adaptor.getBias(), results);
}

LogicalResult FusedLinearOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  FailureOr<RankedTensorType> weight =
      inferLinear(diag, adaptor.getInput(), adaptor.getWeight(),
                  adaptor.getBias(), results);
  if (failed(weight))
    return failure();
  if (Value up = adaptor.getUp();
      up && up.getType() != adaptor.getWeight().getType())
    return diag.fail("expects up of the weight's type ", *weight, ", got ",
                     up.getType());
  if (Value normValue = adaptor.getNorm()) {
    auto norm = diag.ranked(normValue, "norm");
    if (failed(norm) || failed(diag.rank(*norm, 1, "norm")) ||
        failed(diag.sameDim(norm->getDimSize(0), weight->getDimSize(1),
                            "the norm size", "the weight's input size")))
      return failure();
  }
  if (Value residual = adaptor.getResidual()) {
    auto type = cast<RankedTensorType>(results.back());
    if (!areCompatibleTensorTypes(TypeRange{residual.getType()},
                                  TypeRange{type}))
      return diag.fail("expects a residual of the result's type ", type,
                       ", got ", residual.getType());
  }
  return success();
}

LogicalResult FusedLinearOp::verify() {
  if (bool(getNorm()) != bool(getNormEpsilon()))
    return emitOpError() << "takes norm_epsilon exactly when it has a norm";
  if (getUp() && (getBias() || getResidual()))
    return emitOpError() << "is gated (up): it takes no bias or residual";
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto lhs = diag.ranked(adaptor.getLhs(), "lhs");
  auto rhs = diag.ranked(adaptor.getRhs(), "rhs");
  if (failed(lhs) || failed(rhs) || failed(diag.minRank(*lhs, 2, "lhs")) ||
      failed(diag.sameElementType(*lhs, *rhs, "lhs", "rhs")))
    return failure();
  int64_t rank = lhs->getRank();
  if (rhs->getRank() != rank)
    return diag.fail("expects operands of equal rank, got ", *lhs, " and ",
                     *rhs);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank - 2; ++i) {
    if (failed(diag.sameDim(lhs->getDimSize(i), rhs->getDimSize(i),
                            "a batch dim of lhs", "that of rhs")))
      return failure();
    shape.push_back(mergeDim(lhs->getDimSize(i), rhs->getDimSize(i)));
  }
  bool transposed = adaptor.getTransposeRhs();
  int64_t k = rhs->getDimSize(transposed ? rank - 1 : rank - 2);
  int64_t n = rhs->getDimSize(transposed ? rank - 2 : rank - 1);
  if (failed(diag.sameDim(lhs->getDimSize(rank - 1), k,
                          "the contraction dim of lhs", "that of rhs")))
    return failure();
  shape.push_back(lhs->getDimSize(rank - 2));
  shape.push_back(n);
  results.push_back(RankedTensorType::get(shape, lhs->getElementType()));
  return success();
}

static LogicalResult inferBroadcast(const ShapeDiag &diag, Value lhsValue,
                                    Value rhsValue,
                                    SmallVectorImpl<Type> &results) {
  auto lhs = diag.ranked(lhsValue, "lhs");
  auto rhs = diag.ranked(rhsValue, "rhs");
  if (failed(lhs) || failed(rhs) ||
      failed(diag.sameElementType(*lhs, *rhs, "lhs", "rhs")))
    return failure();
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(lhs->getShape(), rhs->getShape(),
                                          shape))
    return diag.fail("expects broadcastable shapes, got ", *lhs, " and ",
                     *rhs);
  results.push_back(RankedTensorType::get(shape, lhs->getElementType()));
  return success();
}

LogicalResult AddOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  return inferBroadcast(ShapeDiag(loc, getOperationName()), adaptor.getLhs(),
                        adaptor.getRhs(), results);
}

LogicalResult MulOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  return inferBroadcast(ShapeDiag(loc, getOperationName()), adaptor.getLhs(),
                        adaptor.getRhs(), results);
}

LogicalResult SoftmaxOp::verify() {
  ShapeDiag diag(getOperation());
  return diag.axis(static_cast<int64_t>(getAxis()), getType().getRank());
}

LogicalResult CausalMaskOp::verify() {
  ShapeDiag diag(getOperation());
  RankedTensorType type = getType();
  if (failed(diag.minRank(type, 2, "scores [..., queries, keys]")))
    return failure();
  int64_t queries = type.getDimSize(type.getRank() - 2);
  int64_t keys = type.getDimSize(type.getRank() - 1);
  if (queries != kDynamic && keys != kDynamic && queries > keys)
    return diag.fail("expects no more queries than keys, got ", queries,
                     " and ", keys);
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto input = diag.ranked(adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  int64_t rank = input->getRank();
  llvm::SmallSet<int64_t, 8> seen;
  bool valid = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t p : perm)
    valid = valid && p >= 0 && p < rank && seen.insert(p).second;
  if (!valid)
    return diag.fail("expects a permutation of the ", rank,
                     " dims of the input");
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(input->getDimSize(p));
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

/// The product of the static dims of `type`.
static int64_t staticElements(RankedTensorType type) {
  int64_t known = 1;
  for (int64_t dim : type.getShape())
    if (dim != kDynamic)
      known *= dim;
  return known;
}

LogicalResult ReshapeOp::verify() {
  ShapeDiag diag(getOperation());
  RankedTensorType in = getInput().getType(), out = getType();
  if (failed(diag.sameElementType(in, out, "input", "result")))
    return failure();
  if (out.getNumDynamicDims() > 1)
    return diag.fail("expects at most one dynamic dim in the result, got ",
                     out);
  if (!in.hasStaticShape()) {
    if (out.hasStaticShape())
      return diag.fail("expects a dynamic result dim for a dynamic input, got ",
                       out);
    return success();
  }
  int64_t count = in.getNumElements(), known = staticElements(out);
  if (out.hasStaticShape() ? known != count : (known == 0 || count % known))
    return diag.fail("cannot reshape ", in, " (", count, " elements) to ",
                     out);
  return success();
}

RankedTensorType ReshapeOp::getRefinedType() {
  RankedTensorType in = getInput().getType(), out = getType();
  int64_t known = staticElements(out);
  if (!in.hasStaticShape() || out.getNumDynamicDims() != 1 || known == 0 ||
      in.getNumElements() % known != 0)
    return out; // nothing to resolve, or the verifier reports it
  SmallVector<int64_t> shape(out.getShape());
  for (int64_t &dim : shape)
    if (dim == kDynamic)
      dim = in.getNumElements() / known;
  return RankedTensorType::get(shape, out.getElementType());
}

LogicalResult RepeatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto input = diag.ranked(adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  auto axis = diag.axis(static_cast<int64_t>(adaptor.getAxis()),
                        input->getRank());
  int64_t count = static_cast<int64_t>(adaptor.getCount());
  if (failed(axis) || failed(diag.positive(count, "count")))
    return failure();
  SmallVector<int64_t> shape(input->getShape());
  if (shape[*axis] != kDynamic)
    shape[*axis] *= count;
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return diag.fail("expects at least one input");
  auto first = diag.ranked(inputs.front(), "inputs");
  if (failed(first))
    return failure();
  auto axis = diag.axis(static_cast<int64_t>(adaptor.getAxis()),
                        first->getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first->getShape());
  for (Value value : inputs.drop_front()) {
    auto type = diag.ranked(value, "inputs");
    if (failed(type) ||
        failed(diag.sameElementType(*first, *type, "inputs", "inputs")))
      return failure();
    if (type->getRank() != first->getRank())
      return diag.fail("expects inputs of equal rank, got ", *first, " and ",
                       *type);
    for (int64_t i = 0, e = first->getRank(); i < e; ++i) {
      int64_t dim = type->getDimSize(i);
      if (i == *axis) {
        shape[i] =
            shape[i] == kDynamic || dim == kDynamic ? kDynamic : shape[i] + dim;
        continue;
      }
      if (failed(diag.sameDim(dim, shape[i], "a non-concatenated dim",
                              "that of the first input")))
        return failure();
      shape[i] = mergeDim(shape[i], dim);
    }
  }
  results.push_back(RankedTensorType::get(shape, first->getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto input = diag.ranked(adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  auto axis = diag.axis(static_cast<int64_t>(adaptor.getAxis()),
                        input->getRank());
  int64_t start = static_cast<int64_t>(adaptor.getStart());
  int64_t size = static_cast<int64_t>(adaptor.getSize());
  if (failed(axis) || failed(diag.positive(size, "size")))
    return failure();
  int64_t dim = input->getDimSize(*axis);
  if (start < 0 || (dim != kDynamic && (start > dim || size > dim - start)))
    return diag.fail("expects the slice [", start, ", ", start, " + ", size,
                     ") inside the dim of size ", dimString(dim));
  SmallVector<int64_t> shape(input->getShape());
  shape[*axis] = size;
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Rotary embedding and attention
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto positions = diag.ranked(adaptor.getPositions(), "positions");
  if (failed(input) || failed(positions) ||
      failed(diag.rank(*input, 3, "input [seq, heads, head_dim]")) ||
      failed(diag.rank(*positions, 1, "positions [seq]")) ||
      failed(diag.sameDim(positions->getDimSize(0), input->getDimSize(0),
                          "the number of positions", "the sequence length")))
    return failure();
  int64_t rotary = static_cast<int64_t>(adaptor.getRotaryDim());
  int64_t headDim = input->getDimSize(2);
  if (rotary <= 0 || rotary % 2 != 0)
    return diag.fail("expects an even positive rotary_dim, got ", rotary);
  if (headDim != kDynamic && rotary > headDim)
    return diag.fail("expects rotary_dim (", rotary,
                     ") to be at most the head dim (", headDim, ")");
  double theta = adaptor.getTheta().convertToDouble();
  if (!(theta > 0.0) || !std::isfinite(theta))
    return diag.fail("expects a positive finite theta, got ", theta);
  results.push_back(*input);
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto out = inferAttention(diag, adaptor.getQuery(), adaptor.getKey(),
                            adaptor.getValue(),
                            adaptor.getScale().convertToFloat());
  if (failed(out) ||
      failed(checkCacheOperands(
          diag, {adaptor.getKeyCache(), adaptor.getValueCache()},
          adaptor.getPosition())))
    return failure();
  results.push_back(*out);
  if (!adaptor.getPosition())
    return success();
  auto k = cast<RankedTensorType>(adaptor.getKey().getType());
  auto v = cast<RankedTensorType>(adaptor.getValue().getType());
  auto kc = diag.ranked(adaptor.getKeyCache(), "key_cache");
  auto vc = diag.ranked(adaptor.getValueCache(), "value_cache");
  if (failed(kc) || failed(vc) ||
      failed(diag.rank(*kc, 3, "key_cache [capacity, kv_heads, head_dim]")) ||
      failed(diag.rank(*vc, 3, "value_cache [capacity, kv_heads, v_head_dim]")))
    return failure();
  for (int64_t i = 1; i < 3; ++i)
    if (failed(diag.sameDim(kc->getDimSize(i), k.getDimSize(i),
                            "a key_cache dim", "that of the key")) ||
        failed(diag.sameDim(vc->getDimSize(i), v.getDimSize(i),
                            "a value_cache dim", "that of the value")))
      return failure();
  if (failed(diag.sameDim(kc->getDimSize(0), vc->getDimSize(0),
                          "the key_cache capacity",
                          "the value_cache capacity")) ||
      failed(diag.sameElementType(*kc, *out, "key_cache", "query")) ||
      failed(diag.sameElementType(*vc, *out, "value_cache", "query")))
    return failure();
  results.push_back(*kc);
  results.push_back(*vc);
  return success();
}

LogicalResult MlaAttentionOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  int64_t heads = static_cast<int64_t>(adaptor.getNumHeads());
  int64_t rank = static_cast<int64_t>(adaptor.getKvLoraRank());
  int64_t dn = static_cast<int64_t>(adaptor.getQkNopeHeadDim());
  int64_t dr = static_cast<int64_t>(adaptor.getQkRopeHeadDim());
  int64_t dv = static_cast<int64_t>(adaptor.getVHeadDim());
  if (failed(diag.positive(heads, "num_heads")) ||
      failed(diag.positive(rank, "kv_lora_rank")) ||
      failed(diag.positive(dn, "qk_nope_head_dim")) ||
      failed(diag.positive(dr, "qk_rope_head_dim")) ||
      failed(diag.positive(dv, "v_head_dim")))
    return failure();
  float scale = adaptor.getScale().convertToFloat();
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return diag.fail("expects a positive finite scale, got ", scale);

  // Each operand against the shape the attributes imply (-1: any length).
  struct Expect {
    Value value;
    StringRef name;
    SmallVector<int64_t> shape;
  };
  SmallVector<Expect> expects = {
      {adaptor.getQNope(), "q_nope", {-1, heads, dn}},
      {adaptor.getQRope(), "q_rope", {-1, heads, dr}},
      {adaptor.getKvLatent(), "kv_latent", {-1, rank}},
      {adaptor.getKRope(), "k_rope", {-1, dr}},
      {adaptor.getKvBWeight(), "kv_b_weight", {heads * (dn + dv), rank}}};
  if (failed(checkCacheOperands(
          diag, {adaptor.getLatentCache(), adaptor.getRopeCache()},
          adaptor.getPosition())))
    return failure();
  if (adaptor.getPosition()) {
    expects.push_back({adaptor.getLatentCache(), "latent_cache", {-1, rank}});
    expects.push_back({adaptor.getRopeCache(), "rope_cache", {-1, dr}});
  }
  Type element;
  for (const Expect &e : expects) {
    auto type = diag.ranked(e.value, e.name);
    if (failed(type))
      return failure();
    if (!element)
      element = type->getElementType();
    if (failed(diag.sameElementType(*type, element, e.name, "q_nope")))
      return failure();
    bool ok = type->getRank() == static_cast<int64_t>(e.shape.size());
    for (size_t i = 0; ok && i < e.shape.size(); ++i)
      ok = e.shape[i] < 0 || type->getDimSize(i) == kDynamic ||
           type->getDimSize(i) == e.shape[i];
    if (!ok) {
      std::string want;
      llvm::raw_string_ostream os(want);
      os << '[';
      llvm::interleaveComma(e.shape, os, [&](int64_t d) {
        if (d < 0)
          os << '?';
        else
          os << d;
      });
      os << ']';
      return diag.fail("expects ", e.name, " of shape ", want,
                       " for the MLA dims, got ", *type);
    }
  }
  auto q = cast<RankedTensorType>(adaptor.getQNope().getType());
  auto qr = cast<RankedTensorType>(adaptor.getQRope().getType());
  auto latent = cast<RankedTensorType>(adaptor.getKvLatent().getType());
  auto kr = cast<RankedTensorType>(adaptor.getKRope().getType());
  if (failed(diag.sameDim(q.getDimSize(0), qr.getDimSize(0),
                          "the q_nope length", "the q_rope length")) ||
      failed(diag.sameDim(latent.getDimSize(0), kr.getDimSize(0),
                          "the kv_latent length", "the k_rope length")))
    return failure();
  results.push_back(
      RankedTensorType::get({q.getDimSize(0), heads, dv}, element));
  if (adaptor.getPosition()) {
    auto lc = cast<RankedTensorType>(adaptor.getLatentCache().getType());
    auto rc = cast<RankedTensorType>(adaptor.getRopeCache().getType());
    if (failed(diag.sameDim(lc.getDimSize(0), rc.getDimSize(0),
                            "the latent_cache capacity",
                            "the rope_cache capacity")))
      return failure();
    results.push_back(lc);
    results.push_back(rc);
  }
  return success();
}

/// Attributes shared by the LSH ops.
static LogicalResult checkLshHashing(const ShapeDiag &diag, int64_t numHashes,
                                     int64_t numBuckets) {
  if (failed(diag.positive(numHashes, "num_hashes")))
    return failure();
  if (numBuckets < 2 || numBuckets % 2 != 0)
    return diag.fail("expects an even num_buckets >= 2 (buckets come in "
                     "rotation/negation pairs), got ",
                     numBuckets);
  return success();
}

static LogicalResult checkLshChunks(const ShapeDiag &diag, int64_t length,
                                    int64_t before, int64_t after,
                                    bool causal) {
  if (failed(diag.positive(length, "chunk_length")))
    return failure();
  if (before < 0 || after < 0)
    return diag.fail("expects non-negative chunks_before and chunks_after, "
                     "got ",
                     before, " and ", after);
  if (causal && after != 0)
    return diag.fail("expects chunks_after = 0 for causal attention, got ",
                     after);
  return success();
}

/// qk[S, H, D] and value[S, H, Dv].
static LogicalResult checkSharedQK(const ShapeDiag &diag, Value qkValue,
                                   Value valueValue, RankedTensorType &qk,
                                   RankedTensorType &value) {
  auto q = diag.ranked(qkValue, "qk");
  auto v = diag.ranked(valueValue, "value");
  if (failed(q) || failed(v) ||
      failed(diag.rank(*q, 3, "qk [seq, heads, head_dim]")) ||
      failed(diag.rank(*v, 3, "value [seq, heads, v_head_dim]")) ||
      failed(diag.sameElementType(*q, *v, "qk", "value")) ||
      failed(diag.sameDim(q->getDimSize(0), v->getDimSize(0),
                          "the qk length", "the value length")) ||
      failed(diag.sameDim(q->getDimSize(1), v->getDimSize(1), "the qk heads",
                          "the value heads")))
    return failure();
  qk = *q;
  value = *v;
  return success();
}

LogicalResult LshAttentionOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  RankedTensorType qk, value;
  if (failed(checkSharedQK(diag, adaptor.getQk(), adaptor.getValue(), qk,
                           value)) ||
      failed(checkLshHashing(diag, static_cast<int64_t>(adaptor.getNumHashes()),
                             static_cast<int64_t>(adaptor.getNumBuckets()))) ||
      failed(checkLshChunks(diag, static_cast<int64_t>(adaptor.getChunkLength()),
                            static_cast<int64_t>(adaptor.getChunksBefore()),
                            static_cast<int64_t>(adaptor.getChunksAfter()),
                            adaptor.getCausal())))
    return failure();
  results.push_back(RankedTensorType::get(
      {qk.getDimSize(0), qk.getDimSize(1), value.getDimSize(2)},
      qk.getElementType()));
  return success();
}

LogicalResult LshHashOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto qk = diag.ranked(adaptor.getQk(), "qk");
  int64_t rounds = static_cast<int64_t>(adaptor.getNumHashes());
  if (failed(qk) || failed(diag.rank(*qk, 3, "qk [seq, heads, head_dim]")) ||
      failed(checkLshHashing(diag, rounds,
                             static_cast<int64_t>(adaptor.getNumBuckets()))))
    return failure();
  results.push_back(RankedTensorType::get(
      {rounds, qk->getDimSize(1), qk->getDimSize(0)},
      IntegerType::get(context, 32)));
  return success();
}

LogicalResult BucketSortOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto buckets = diag.ranked(adaptor.getBuckets(), "buckets");
  if (failed(buckets) ||
      failed(diag.rank(*buckets, 3, "buckets [rounds, heads, seq]")))
    return failure();
  results.push_back(*buckets);
  return success();
}

LogicalResult ChunkedAttentionOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  RankedTensorType qk, value;
  if (failed(checkSharedQK(diag, adaptor.getQk(), adaptor.getValue(), qk,
                           value)) ||
      failed(checkLshChunks(diag, static_cast<int64_t>(adaptor.getChunkLength()),
                            static_cast<int64_t>(adaptor.getChunksBefore()),
                            static_cast<int64_t>(adaptor.getChunksAfter()),
                            adaptor.getCausal())))
    return failure();
  auto perm = diag.ranked(adaptor.getPermutation(), "permutation");
  if (failed(perm) ||
      failed(diag.rank(*perm, 3, "permutation [rounds, heads, seq]")) ||
      failed(diag.sameDim(perm->getDimSize(1), qk.getDimSize(1),
                          "the permutation heads", "the qk heads")) ||
      failed(diag.sameDim(perm->getDimSize(2), qk.getDimSize(0),
                          "the permutation length", "the qk length")))
    return failure();
  int64_t rounds = perm->getDimSize(0), seq = qk.getDimSize(0),
          heads = qk.getDimSize(1);
  results.push_back(RankedTensorType::get(
      {rounds, seq, heads, value.getDimSize(2)}, qk.getElementType()));
  results.push_back(RankedTensorType::get({rounds, seq, heads},
                                          Float32Type::get(context)));
  return success();
}

LogicalResult MergeRoundsOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto rounds = diag.ranked(adaptor.getRounds(), "rounds");
  auto lse = diag.ranked(adaptor.getLogsumexp(), "logsumexp");
  if (failed(rounds) || failed(lse) ||
      failed(diag.rank(*rounds, 4, "rounds [rounds, seq, heads, v_head_dim]")) ||
      failed(diag.rank(*lse, 3, "logsumexp [rounds, seq, heads]")))
    return failure();
  for (int64_t i = 0; i < 3; ++i)
    if (failed(diag.sameDim(lse->getDimSize(i), rounds->getDimSize(i),
                            "a logsumexp dim", "that of the rounds")))
      return failure();
  results.push_back(RankedTensorType::get(rounds->getShape().drop_front(),
                                          rounds->getElementType()));
  return success();
}

LogicalResult CrossAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  auto out = inferAttention(ShapeDiag(loc, getOperationName()),
                            adaptor.getQuery(), adaptor.getKey(),
                            adaptor.getValue(),
                            adaptor.getScale().convertToFloat());
  if (failed(out))
    return failure();
  results.push_back(*out);
  return success();
}

//===----------------------------------------------------------------------===//
// Multimodal encoders' inputs
//===----------------------------------------------------------------------===//

/// An optional bias[E] matching the projection's output size.
static LogicalResult checkBias(const ShapeDiag &diag, Value biasValue,
                               RankedTensorType input, int64_t outputs) {
  if (!biasValue)
    return success();
  auto bias = diag.ranked(biasValue, "bias");
  if (failed(bias) || failed(diag.rank(*bias, 1, "bias")) ||
      failed(diag.sameElementType(*bias, input, "bias", "input")))
    return failure();
  return diag.sameDim(bias->getDimSize(0), outputs, "the bias size",
                      "the output size");
}

LogicalResult PatchEmbedOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto image = diag.ranked(adaptor.getImage(), "image");
  auto weight = diag.ranked(adaptor.getWeight(), "weight");
  int64_t patch = static_cast<int64_t>(adaptor.getPatchSize());
  if (failed(image) || failed(weight) ||
      failed(diag.rank(*image, 3, "image [channels, height, width]")) ||
      failed(diag.rank(*weight, 4,
                       "weight [embed, channels, patch, patch]")) ||
      failed(diag.sameElementType(*image, *weight, "image", "weight")) ||
      failed(diag.positive(patch, "patch_size")) ||
      failed(diag.sameDim(weight->getDimSize(1), image->getDimSize(0),
                          "the weight channels", "the image channels")) ||
      failed(diag.sameDim(weight->getDimSize(2), patch, "the weight height",
                          "patch_size")) ||
      failed(diag.sameDim(weight->getDimSize(3), patch, "the weight width",
                          "patch_size")) ||
      failed(checkBias(diag, adaptor.getBias(), *image,
                       weight->getDimSize(0))))
    return failure();
  int64_t patches = 1;
  for (int64_t i : {1, 2}) {
    int64_t dim = image->getDimSize(i);
    if (dim == kDynamic) {
      patches = kDynamic;
      continue;
    }
    if (dim % patch != 0)
      return diag.fail("expects patch_size ", patch,
                       " to divide the image size ", dim);
    if (patches != kDynamic)
      patches *= dim / patch;
  }
  results.push_back(RankedTensorType::get({patches, weight->getDimSize(0)},
                                          image->getElementType()));
  return success();
}

LogicalResult FrameEmbedOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto audio = diag.ranked(adaptor.getAudio(), "audio");
  auto weight = diag.ranked(adaptor.getWeight(), "weight");
  int64_t length = static_cast<int64_t>(adaptor.getFrameLength());
  int64_t hop = static_cast<int64_t>(adaptor.getHopLength());
  if (failed(audio) || failed(weight) ||
      failed(diag.rank(*audio, 1, "audio [samples]")) ||
      failed(diag.rank(*weight, 2, "weight [embed, frame_length]")) ||
      failed(diag.sameElementType(*audio, *weight, "audio", "weight")) ||
      failed(diag.positive(length, "frame_length")) ||
      failed(diag.positive(hop, "hop_length")) ||
      failed(diag.sameDim(weight->getDimSize(1), length,
                          "the weight's input size", "frame_length")) ||
      failed(checkBias(diag, adaptor.getBias(), *audio,
                       weight->getDimSize(0))))
    return failure();
  int64_t samples = audio->getDimSize(0), frames = kDynamic;
  if (samples != kDynamic) {
    if (samples < length)
      return diag.fail("expects at least one frame: ", samples,
                       " samples are fewer than frame_length ", length);
    frames = (samples - length) / hop + 1;
  }
  results.push_back(RankedTensorType::get({frames, weight->getDimSize(0)},
                                          audio->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Memory unit
//===----------------------------------------------------------------------===//

/// hidden[..., E] with keys[M, E] and values[M, E].
static LogicalResult checkMemory(const ShapeDiag &diag, Value hiddenValue,
                                 Value keysValue, Value valuesValue,
                                 RankedTensorType &hidden,
                                 RankedTensorType &keys) {
  auto h = diag.ranked(hiddenValue, "hidden");
  auto k = diag.ranked(keysValue, "keys");
  auto v = diag.ranked(valuesValue, "values");
  if (failed(h) || failed(k) || failed(v) ||
      failed(diag.minRank(*h, 1, "hidden")) ||
      failed(diag.rank(*k, 2, "keys [slots, hidden]")) ||
      failed(diag.rank(*v, 2, "values [slots, hidden]")) ||
      failed(diag.sameElementType(*h, *k, "hidden", "keys")) ||
      failed(diag.sameElementType(*h, *v, "hidden", "values")) ||
      failed(diag.sameDim(k->getDimSize(0), v->getDimSize(0),
                          "the number of key slots",
                          "the number of value slots")) ||
      failed(diag.sameDim(k->getDimSize(1), h->getShape().back(),
                          "the key size", "the hidden size")) ||
      failed(diag.sameDim(v->getDimSize(1), h->getShape().back(),
                          "the value size", "the hidden size")))
    return failure();
  hidden = *h;
  keys = *k;
  return success();
}

LogicalResult MemoryReadOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  RankedTensorType hidden, keys;
  if (failed(checkMemory(diag, adaptor.getHidden(), adaptor.getKeys(),
                         adaptor.getValues(), hidden, keys)))
    return failure();
  auto gate = diag.ranked(adaptor.getGateWeight(), "gate_weight");
  int64_t size = hidden.getShape().back();
  if (failed(gate) ||
      failed(diag.rank(*gate, 2, "gate_weight [hidden, hidden]")) ||
      failed(diag.sameElementType(*gate, hidden, "gate_weight", "hidden")) ||
      failed(diag.sameDim(gate->getDimSize(0), size, "the gate outputs",
                          "the hidden size")) ||
      failed(diag.sameDim(gate->getDimSize(1), size, "the gate inputs",
                          "the hidden size")))
    return failure();
  int64_t topK = static_cast<int64_t>(adaptor.getTopK());
  int64_t slots = keys.getDimSize(0);
  if (topK <= 0 || (slots != kDynamic && topK > slots))
    return diag.fail("expects top_k in [1, slots = ", dimString(slots),
                     "], got ", topK);
  results.push_back(hidden);
  return success();
}

LogicalResult MemoryUpdateOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  RankedTensorType hidden, keys;
  if (failed(checkMemory(diag, adaptor.getHidden(), adaptor.getKeys(),
                         adaptor.getValues(), hidden, keys)))
    return failure();
  float decay = adaptor.getDecay().convertToFloat();
  if (!(decay > 0.0f && decay < 1.0f))
    return diag.fail("expects decay in (0, 1), got ", decay);
  results.push_back(keys);
  results.push_back(adaptor.getValues().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Routing
//===----------------------------------------------------------------------===//

LogicalResult RouterOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto hidden = diag.ranked(adaptor.getHidden(), "hidden");
  auto gate = diag.ranked(adaptor.getGateWeight(), "gate_weight");
  if (failed(hidden) || failed(gate) ||
      failed(diag.minRank(*hidden, 1, "hidden")) ||
      failed(diag.rank(*gate, 2, "gate_weight [experts, hidden]")) ||
      failed(diag.sameDim(gate->getDimSize(1), hidden->getShape().back(),
                          "the gate's input size", "the hidden size")))
    return failure();
  int64_t experts = gate->getDimSize(0);
  if (experts == kDynamic)
    return diag.fail("expects a static number of experts");
  if (Value biasValue = adaptor.getCorrectionBias()) {
    auto bias = diag.ranked(biasValue, "correction_bias");
    if (failed(bias) || failed(diag.rank(*bias, 1, "correction_bias")) ||
        failed(diag.sameDim(bias->getDimSize(0), experts,
                            "the correction_bias size",
                            "the number of experts")))
      return failure();
  }
  int64_t topK = static_cast<int64_t>(adaptor.getTopK());
  int64_t groups = static_cast<int64_t>(adaptor.getNGroup());
  int64_t topkGroup = static_cast<int64_t>(adaptor.getTopkGroup());
  if (topK <= 0 || topK > experts)
    return diag.fail("expects top_k in [1, ", experts, "], got ", topK);
  if (groups <= 0 || experts % groups != 0)
    return diag.fail("expects n_group to divide the ", experts,
                     " experts, got ", groups);
  if (topkGroup <= 0 || topkGroup > groups)
    return diag.fail("expects topk_group in [1, n_group = ", groups, "], got ",
                     topkGroup);
  if (topK > topkGroup * (experts / groups))
    return diag.fail("expects top_k (", topK, ") to fit in the ", topkGroup,
                     " selected groups of ", experts / groups, " experts");
  float scaling = adaptor.getRoutedScaling().convertToFloat();
  if (!(scaling > 0.0f) || !std::isfinite(scaling))
    return diag.fail("expects a positive routed_scaling, got ", scaling);
  SmallVector<int64_t> shape = withTrailing(*hidden, 1, {topK});
  results.push_back(RankedTensorType::get(shape, Float32Type::get(context)));
  results.push_back(
      RankedTensorType::get(shape, IntegerType::get(context, 32)));
  return success();
}

/// Stacked SwiGLU experts: gate/up [E, I, H] and down [E, H, I] with H the
/// hidden size, in the hidden's element type.
static LogicalResult verifyStackedExperts(ShapeDiag &diag,
                                          RankedTensorType hidden,
                                          Value gateValue, Value upValue,
                                          Value downValue) {
  int64_t size = hidden.getShape().back();
  auto gate = diag.ranked(gateValue, "gate_weight");
  auto up = diag.ranked(upValue, "up_weight");
  auto down = diag.ranked(downValue, "down_weight");
  if (failed(gate) || failed(up) || failed(down) ||
      failed(diag.rank(*gate, 3, "gate_weight [experts, inter, hidden]")) ||
      failed(diag.rank(*up, 3, "up_weight [experts, inter, hidden]")) ||
      failed(diag.rank(*down, 3, "down_weight [experts, hidden, inter]")))
    return failure();
  if (failed(verifyCompatibleShape(gate->getShape(), up->getShape())) ||
      conflictingDims(gate->getDimSize(0), down->getDimSize(0)) ||
      conflictingDims(gate->getDimSize(1), down->getDimSize(2)) ||
      conflictingDims(gate->getDimSize(2), size) ||
      conflictingDims(down->getDimSize(1), size))
    return diag.fail("expects expert weights gate/up [E, I, H] and down "
                     "[E, H, I] with H = ",
                     size, ", got ", *gate, ", ", *up, " and ", *down);
  for (auto type : {*gate, *up, *down})
    if (failed(diag.sameElementType(type, hidden, "expert weights", "hidden")))
      return failure();
  return success();
}

LogicalResult MoeOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto hidden = diag.ranked(adaptor.getHidden(), "hidden");
  auto weights = diag.ranked(adaptor.getWeights(), "weights");
  auto indices = diag.ranked(adaptor.getIndices(), "indices");
  if (failed(hidden) || failed(weights) || failed(indices) ||
      failed(diag.minRank(*hidden, 1, "hidden")))
    return failure();
  if (failed(verifyCompatibleShape(weights->getShape(), indices->getShape())))
    return diag.fail("expects routing weights and indices of one shape, got ",
                     *weights, " and ", *indices);
  if (weights->getRank() != hidden->getRank() ||
      failed(verifyCompatibleShape(weights->getShape().drop_back(),
                                   hidden->getShape().drop_back())))
    return diag.fail("expects one routing row per token: weights ", *weights,
                     " for hidden ", *hidden);
  int64_t size = hidden->getShape().back();
  if (failed(verifyStackedExperts(diag, *hidden, adaptor.getGateWeight(),
                                  adaptor.getUpWeight(),
                                  adaptor.getDownWeight())))
    return failure();

  SmallVector<Value> shared = {adaptor.getSharedGateWeight(),
                               adaptor.getSharedUpWeight(),
                               adaptor.getSharedDownWeight()};
  if (llvm::any_of(shared, [](Value v) { return !!v; })) {
    if (!llvm::all_of(shared, [](Value v) { return !!v; }))
      return diag.fail("expects all three shared expert weights or none");
    auto sg = diag.ranked(shared[0], "shared_gate_weight");
    auto su = diag.ranked(shared[1], "shared_up_weight");
    auto sd = diag.ranked(shared[2], "shared_down_weight");
    if (failed(sg) || failed(su) || failed(sd) ||
        failed(diag.rank(*sg, 2, "shared_gate_weight [inter, hidden]")) ||
        failed(diag.rank(*su, 2, "shared_up_weight [inter, hidden]")) ||
        failed(diag.rank(*sd, 2, "shared_down_weight [hidden, inter]")))
      return failure();
    if (failed(verifyCompatibleShape(sg->getShape(), su->getShape())) ||
        conflictingDims(sg->getDimSize(0), sd->getDimSize(1)) ||
        conflictingDims(sg->getDimSize(1), size) ||
        conflictingDims(sd->getDimSize(0), size))
      return diag.fail("expects shared weights gate/up [I, H] and down "
                       "[H, I] with H = ",
                       size, ", got ", *sg, ", ", *su, " and ", *sd);
  }
  results.push_back(*hidden);
  return success();
}

LogicalResult ExpertFfnOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto hidden = diag.ranked(adaptor.getHidden(), "hidden");
  auto indices = diag.ranked(adaptor.getIndices(), "indices");
  if (failed(hidden) || failed(indices) ||
      failed(diag.minRank(*hidden, 1, "hidden")))
    return failure();
  if (indices->getRank() != hidden->getRank() ||
      failed(verifyCompatibleShape(indices->getShape().drop_back(),
                                   hidden->getShape().drop_back())))
    return diag.fail("expects one row of expert indices per token: indices ",
                     *indices, " for hidden ", *hidden);
  if (failed(verifyStackedExperts(diag, *hidden, adaptor.getGateWeight(),
                                  adaptor.getUpWeight(),
                                  adaptor.getDownWeight())))
    return failure();
  SmallVector<int64_t> shape(indices->getShape());
  shape.push_back(hidden->getShape().back());
  results.push_back(RankedTensorType::get(shape, hidden->getElementType()));
  return success();
}

LogicalResult ExpertCombineOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto outputs = diag.ranked(adaptor.getOutputs(), "outputs");
  auto weights = diag.ranked(adaptor.getWeights(), "weights");
  if (failed(outputs) || failed(weights) ||
      failed(diag.minRank(*outputs, 2, "outputs [..., k, hidden]")))
    return failure();
  if (failed(verifyCompatibleShape(outputs->getShape().drop_back(),
                                   weights->getShape())))
    return diag.fail("expects one weight per expert output: weights ",
                     *weights, " for outputs ", *outputs);
  SmallVector<int64_t> shape(outputs->getShape().drop_back(2));
  shape.push_back(outputs->getShape().back());
  auto result = RankedTensorType::get(shape, outputs->getElementType());
  if (Value baseValue = adaptor.getBase()) {
    auto base = diag.ranked(baseValue, "base");
    if (failed(base))
      return failure();
    if (base->getElementType() != result.getElementType() ||
        failed(verifyCompatibleShape(base->getShape(), shape)))
      return diag.fail("expects the base to be ", result, ", got ", *base);
  }
  results.push_back(result);
  return success();
}

void LayerGateOp::build(OpBuilder &builder, OperationState &state,
                        Value hidden, Value gateWeight, float threshold) {
  state.addOperands({hidden, gateWeight});
  state.addAttribute(getThresholdAttrName(state.name),
                     builder.getF32FloatAttr(threshold));
  state.addTypes(hidden.getType());
  Region *body = state.addRegion();
  Block *block = new Block();
  block->addArgument(hidden.getType(), hidden.getLoc());
  body->push_back(block);
}

LogicalResult LayerGateOp::verify() {
  ShapeDiag diag(getOperation());
  RankedTensorType hidden = getHidden().getType();
  RankedTensorType weight = getGateWeight().getType();
  if (failed(diag.minRank(hidden, 1, "hidden")) ||
      failed(diag.rank(weight, 1, "gate_weight [hidden]")) ||
      failed(diag.sameElementType(weight, hidden, "gate_weight", "hidden")) ||
      failed(diag.sameDim(weight.getDimSize(0), hidden.getShape().back(),
                          "the gate size", "the hidden size")))
    return failure();
  if (getType() != hidden)
    return diag.fail("expects the result type to be the hidden type ", hidden,
                     ", got ", getType());
  float threshold = getThreshold().convertToFloat();
  if (!(threshold >= 0.0f && threshold <= 1.0f))
    return diag.fail("expects threshold in [0, 1], got ", threshold);
  Block &block = getBody().front();
  if (block.getNumArguments() != 1 || block.getArgument(0).getType() != hidden)
    return diag.fail("expects the body to take one argument of type ", hidden);
  auto yield = block.mightHaveTerminator()
                   ? dyn_cast<YieldOp>(block.getTerminator())
                   : YieldOp();
  if (!yield || yield.getValues().size() != 1 ||
      yield.getValues().front().getType() != hidden)
    return diag.fail("expects the body to yield one value of type ", hidden);
  if (!getBranch())
    return success();
  // A branch skips the body, but skipped rows are still cached and
  // recorded: what the caches are filled from must be computed outside.
  WalkResult walk = getBody().walk([&](Operation *op) {
    if (isa<MemoryUpdateOp>(op)) {
      (void)diag.fail("expects no memory_update inside a branch: every "
                      "row's memory input is recorded");
      return WalkResult::interrupt();
    }
    for (Value cached : getCachedOperands(op))
      if (getBody().isAncestor(cached.getParentRegion())) {
        (void)diag.fail("expects the cached operands of '",
                        op->getName().getStringRef(),
                        "' to be computed outside the branch");
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

SmallVector<Value, 2> mlir::r1::getCachedOperands(Operation *op) {
  if (auto attention = dyn_cast<AttentionOp>(op))
    return {attention.getKey(), attention.getValue()};
  if (auto mla = dyn_cast<MlaAttentionOp>(op))
    return {mla.getKvLatent(), mla.getKRope()};
  if (auto lsh = dyn_cast<LshAttentionOp>(op))
    return {lsh.getQk(), lsh.getValue()};
  if (auto chunks = dyn_cast<ChunkedAttentionOp>(op))
    return {chunks.getQk(), chunks.getValue()};
  return {};
}

void LayerGateOp::getSuccessorRegions(
    RegionBranchPoint point, SmallVectorImpl<RegionSuccessor> &regions) {
  // From outside: run the layer or skip it. From the layer: done.
  if (point.isParent())
    regions.push_back(RegionSuccessor(&getBody(), getBody().getArguments()));
  regions.push_back(RegionSuccessor(getOperation()->getResults()));
}

OperandRange LayerGateOp::getEntrySuccessorOperands(RegionBranchPoint) {
  return getOperation()->getOperands().take_front(1);
}

//===----------------------------------------------------------------------===//
// Output heads
//===----------------------------------------------------------------------===//

LogicalResult LmHeadOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto weight = diag.ranked(adaptor.getWeight(), "weight");
  if (failed(weight) ||
      failed(diag.sameElementType(adaptor.getHidden().getType(), *weight,
                                  "hidden", "weight")))
    return failure();
  return inferProjection(diag, adaptor.getHidden(), *weight, nullptr,
                         Float32Type::get(context), results);
}

LogicalResult ClassifyOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto hidden = diag.ranked(adaptor.getHidden(), "hidden");
  auto weight = diag.ranked(adaptor.getWeight(), "weight");
  if (failed(hidden) || failed(weight) ||
      failed(diag.minRank(*hidden, 2, "hidden [..., seq, hidden]")) ||
      failed(diag.rank(*weight, 2, "weight [labels, hidden]")) ||
      failed(diag.sameElementType(*hidden, *weight, "hidden", "weight")) ||
      failed(diag.sameDim(weight->getDimSize(1), hidden->getShape().back(),
                          "the weight's input size", "the hidden size")) ||
      failed(checkBias(diag, adaptor.getBias(), *hidden,
                       weight->getDimSize(0))))
    return failure();
  results.push_back(RankedTensorType::get(
      withTrailing(*hidden, 2, {weight->getDimSize(0)}),
      Float32Type::get(context)));
  return success();
}

LogicalResult SampleOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto logits = diag.ranked(adaptor.getLogits(), "logits");
  if (failed(logits) || failed(diag.minRank(*logits, 1, "logits [..., vocab]")))
    return failure();
  SmallVector<int64_t> rows(logits->getShape().drop_back());
  bool greedy = adaptor.getStrategy() == SampleStrategy::greedy;
  Value uniformValue = adaptor.getUniform();
  if (greedy && uniformValue)
    return diag.fail("expects no uniform draw for greedy sampling");
  if (!greedy) {
    if (!uniformValue)
      return diag.fail("expects a uniform draw per row for temperature "
                       "sampling");
    auto uniform = diag.ranked(uniformValue, "uniform");
    if (failed(uniform))
      return failure();
    if (failed(verifyCompatibleShape(uniform->getShape(), rows)))
      return diag.fail("expects one uniform draw per logits row, got ",
                       *uniform, " for ", *logits);
  }
  float temperature = adaptor.getTemperature().convertToFloat();
  float topP = adaptor.getTopP().convertToFloat();
  int64_t topK = static_cast<int64_t>(adaptor.getTopK());
  if (!(temperature > 0.0f) || !std::isfinite(temperature))
    return diag.fail("expects a positive temperature, got ", temperature);
  if (topK < 0)
    return diag.fail("expects top_k >= 0 (0 keeps all), got ", topK);
  if (!(topP > 0.0f && topP <= 1.0f))
    return diag.fail("expects top_p in (0, 1], got ", topP);
  results.push_back(RankedTensorType::get(rows, IntegerType::get(context, 32)));
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto input = diag.ranked(adaptor.getInput(), "input");
  QuantAttr quant = adaptor.getQuant();
  if (failed(input) || failed(diag.rank(*input, 2, "input [out, in]")))
    return failure();
  auto stored = RankedTensorType::get(input->getShape(), quant.getStorageType());
  if (failed(checkQuantizedWeight(diag, quant, stored, nullptr)))
    return failure();
  results.push_back(stored);
  results.push_back(RankedTensorType::get(
      quant.getScaleShape(input->getShape()), Float32Type::get(context)));
  return success();
}

LogicalResult DequantizeOp::verify() {
  ShapeDiag diag(getOperation());
  if (failed(checkQuantizedWeight(diag, getQuant(), getInput().getType(),
                                  getScales().getType())))
    return failure();
  if (failed(verifyCompatibleShape(getType().getShape(),
                                   getInput().getType().getShape())))
    return diag.fail("expects the result shape of the input ",
                     getInput().getType(), ", got ", getType());
  return success();
}

LogicalResult QLinearOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  ShapeDiag diag(loc, getOperationName());
  auto weight = diag.ranked(adaptor.getWeight(), "weight");
  auto scales = diag.ranked(adaptor.getScales(), "scales");
  auto input = diag.ranked(adaptor.getInput(), "input");
  if (failed(weight) || failed(scales) || failed(input) ||
      failed(checkQuantizedWeight(diag, adaptor.getQuant(), *weight, *scales)))
    return failure();
  return inferProjection(diag, adaptor.getInput(), *weight, adaptor.getBias(),
                         input->getElementType(), results);
}

//===----------------------------------------------------------------------===//
// Folds: identities and merges of layout ops, so canonicalization leaves a
// clean graph. A fold that returns a value keeps the result's exact type.
//===----------------------------------------------------------------------===//

/// `value` when it has exactly `type`, else null (no fold).
static OpFoldResult sameTypeOrNull(Value value, Type type) {
  return value.getType() == type ? OpFoldResult(value) : OpFoldResult();
}

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  if (getFactor().isExactlyValue(1.0))
    return getInput();
  // scale(scale(x, a), b) = scale(x, a·b).
  if (auto inner = getInput().getDefiningOp<ScaleOp>()) {
    float merged =
        inner.getFactor().convertToFloat() * getFactor().convertToFloat();
    getInputMutable().assign(inner.getInput());
    setFactorAttr(FloatAttr::get(Float32Type::get(getContext()), merged));
    return getResult();
  }
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return sameTypeOrNull(getInput(), getType());
  // transpose(transpose(x, inner), outer)[i] = x[inner[outer[i]]].
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPermutation()[p]);
    getInputMutable().assign(inner.getInput());
    setPermutation(composed);
    return getResult();
  }
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // Row-major order is kept by both, so two reshapes are one.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

OpFoldResult RepeatOp::fold(FoldAdaptor) {
  if (getCount() == 1)
    return sameTypeOrNull(getInput(), getType());
  return {};
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return sameTypeOrNull(getInputs().front(), getType());
  return {};
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  auto type = getInput().getType();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += type.getRank();
  if (getStart() == 0 && type.getDimSize(axis) == static_cast<int64_t>(getSize()))
    return sameTypeOrNull(getInput(), getType());
  return {};
}

#define GET_OP_CLASSES
#include "ir/R1Ops.cpp.inc"
