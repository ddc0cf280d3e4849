//===- R1kOps.cpp - r1k op verifiers --------------------------------------===//
//
// This file implements what ODS cannot say about r1k ops: kernel parameters
// in range, and symbol references that name a buffer, weight or kernel of
// the right kind (SymbolUserOpInterface, checked once the module is built).
//
//===----------------------------------------------------------------------===//

#include "ir/r1k/R1kDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace mlir;
using namespace mlir::r1k;

#include "ir/r1k/R1kInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "ir/r1k/R1kOps.cpp.inc"

namespace {

/// The kinds of symbol a reference may name.
enum Want : unsigned {
  Slot = 1,
  Cache = 2,
  Weight = 4,
  State = 8,
  Kernel = 16,
  Buffer = Slot | Cache | Weight,
};

const char *wantName(unsigned want) {
  switch (want) {
  case Slot:
    return "a slot";
  case Cache:
    return "a cache";
  case Weight:
    return "a weight";
  case State:
    return "a state";
  case Kernel:
    return "a kernel declaration";
  case Buffer:
    return "a slot, cache or weight";
  default:
    return "a symbol";
  }
}

bool isKind(Operation *op, unsigned want) {
  return ((want & Slot) && isa<SlotOp>(op)) ||
         ((want & Cache) && isa<CacheOp>(op)) ||
         ((want & Weight) && isa<WeightOp>(op)) ||
         ((want & State) && isa<StateOp>(op)) ||
         ((want & Kernel) && isa<KernelInterface>(op));
}

/// Checks that `ref` (when present) names a symbol of kind `want`.
LogicalResult checkRef(Operation *op, SymbolTableCollection &tables,
                       FlatSymbolRefAttr ref, unsigned want,
                       StringRef field) {
  if (!ref)
    return success();
  Operation *target = tables.lookupNearestSymbolFrom(op, ref);
  if (!target)
    return op->emitOpError() << "'" << field << "' names @" << ref.getValue()
                             << ", which does not exist";
  if (!isKind(target, want))
    return op->emitOpError() << "'" << field << "' names @" << ref.getValue()
                             << ", which is not " << wantName(want);
  return success();
}

/// Elements a weight holds in weights.bin: its shape's, with a panels16
/// matrix's rows padded to a multiple of 16.
std::optional<int64_t> storedElements(WeightOp weight) {
  ArrayRef<int64_t> shape = weight.getShape();
  int64_t elements = 1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    int64_t extent = d;
    if (weight.getLayout() == Layout::panels16 && i + 2 == shape.size())
      extent = llvm::alignTo(d, 16);
    if (llvm::MulOverflow(elements, extent, elements))
      return std::nullopt;
  }
  return elements;
}

/// Checks that `view` names a buffer and fits it: its row dims are the
/// buffer's (one per token for a token slot or a cache, one per context
/// row for a context slot, two for a square slot, one of each for a cross
/// slot, none for a weight) and its static dims hold at most the buffer's
/// elements per row, so no kernel reads or writes past a buffer.
LogicalResult checkView(Operation *op, SymbolTableCollection &tables,
                        ViewAttr view, StringRef field) {
  if (failed(checkRef(op, tables, view.getBuffer(), Buffer, field)))
    return failure();
  Operation *buffer = tables.lookupNearestSymbolFrom(op, view.getBuffer());
  int64_t elements = 1, rowDims = 0, contextDims = 0;
  bool unitRows = true;
  for (int64_t d : view.getDims()) {
    int64_t factor = d;
    if (d == -(int64_t(1) << 40)) {
      ++contextDims;
      factor = 1;
    } else if (d < 0) {
      ++rowDims;
      factor = -d;
      unitRows &= d == -1;
    }
    if (llvm::MulOverflow(elements, factor, elements))
      return op->emitOpError() << "'" << field << "' views @"
                               << view.getBuffer().getValue()
                               << " with dims whose product overflows";
  }
  int64_t capacity = 0, wantRows = 0, wantContext = 0;
  if (auto slot = dyn_cast<SlotOp>(buffer)) {
    capacity = int64_t(slot.getWidth());
    switch (slot.getRows()) {
    case Rows::tokens:
      wantRows = 1;
      break;
    case Rows::context: // its rows are the context's: -r dims count them
      wantRows = 1;
      break;
    case Rows::square:
      wantRows = 2;
      break;
    case Rows::cross:
      wantRows = 1;
      wantContext = 1;
      break;
    }
  } else if (auto cache = dyn_cast<CacheOp>(buffer)) {
    capacity = int64_t(cache.getWidth());
    wantRows = 1;
    if (!unitRows)
      return op->emitOpError() << "'" << field << "' views cache @"
                               << cache.getSymName()
                               << " with a row dim other than -1 (its length)";
  } else {
    std::optional<int64_t> stored = storedElements(cast<WeightOp>(buffer));
    capacity = stored ? *stored : std::numeric_limits<int64_t>::max();
  }
  if (rowDims != wantRows || contextDims != wantContext)
    return op->emitOpError()
           << "'" << field << "' views @" << view.getBuffer().getValue()
           << " with " << rowDims << " row and " << contextDims
           << " context dims; it has " << wantRows << " and " << wantContext;
  if (elements > capacity)
    return op->emitOpError()
           << "'" << field << "' views " << elements << " elements"
           << (wantRows ? " per row" : "") << " of @"
           << view.getBuffer().getValue() << ", which holds " << capacity;
  return success();
}

/// Every integer attribute of a kernel declaration is ≥ 0, those in
/// `positive` > 0, and every float is finite.
LogicalResult verifyKernel(Operation *op, ArrayRef<StringRef> positive) {
  for (NamedAttribute attr : op->getAttrs()) {
    if (auto i = dyn_cast<IntegerAttr>(attr.getValue());
        i && i.getType().isInteger(64)) {
      int64_t v = i.getInt();
      if (v < 0 || (v == 0 && llvm::is_contained(positive,
                                                 attr.getName().getValue())))
        return op->emitOpError()
               << "'" << attr.getName().getValue() << "' must be "
               << (v < 0 ? "non-negative" : "positive") << ", got " << v;
    }
    if (auto f = dyn_cast<FloatAttr>(attr.getValue());
        f && !std::isfinite(f.getValueAsDouble()))
      return op->emitOpError()
             << "'" << attr.getName().getValue() << "' must be finite";
  }
  return success();
}

bool isFloatOrI32(Type t) { return t.isF32() || t.isInteger(32); }

} // namespace

//===----------------------------------------------------------------------===//
// Buffers and weights
//===----------------------------------------------------------------------===//

LogicalResult SlotOp::verify() {
  if (getWidth() <= 0)
    return emitOpError() << "width must be positive";
  if (!isFloatOrI32(getElement()))
    return emitOpError() << "element must be f32 or i32";
  return success();
}

LogicalResult CacheOp::verify() {
  if (getWidth() <= 0)
    return emitOpError() << "width must be positive";
  if (!isFloatOrI32(getElement()))
    return emitOpError() << "element must be f32 or i32";
  return success();
}

LogicalResult StateOp::verify() {
  if (getRows() <= 0 || getWidth() <= 0)
    return emitOpError() << "rows and width must be positive";
  return success();
}

LogicalResult StateOp::verifySymbolUses(SymbolTableCollection &tables) {
  return checkRef(*this, tables, getInitialAttr(), Weight, "initial");
}

LogicalResult WeightOp::verify() {
  if (getSources().empty())
    return emitOpError() << "needs at least one source tensor";
  if (getShape().empty() || llvm::any_of(getShape(), [](int64_t d) {
        return d <= 0;
      }))
    return emitOpError() << "shape must be non-empty with positive dims";
  if (getSources().size() > 1 &&
      (getShape().size() < 2 ||
       getShape().front() != int64_t(getSources().size())))
    return emitOpError() << "stacks " << getSources().size()
                         << " sources, so its leading dim must be "
                         << getSources().size();
  if (!getStorage().isF32() && !getStorage().isBF16())
    return emitOpError() << "storage must be f32 or bf16";
  bool matrix = getLayout() == Layout::panels16 || getLayout() == Layout::matrix;
  if (getStorage().isBF16() && !matrix)
    return emitOpError() << "bf16 storage is for matrix and panels16 weights";
  for (Attribute d : getDerive()) {
    if (!isa<DequantizeBlocksAttr, ScaleColumnsAttr, SplitHeadsAttr,
             SelectExpertAttr>(d))
      return emitOpError() << "derive lists derivations, got " << d;
    if (auto dq = dyn_cast<DequantizeBlocksAttr>(d);
        dq && dq.getScales().size() != getSources().size())
      return emitOpError() << "dequantize_blocks names "
                           << dq.getScales().size()
                           << " scale tensors for " << getSources().size()
                           << " sources";
  }
  if (matrix && getShape().size() < 2)
    return emitOpError() << stringifyLayout(getLayout()) << " holds matrices";
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel declarations
//===----------------------------------------------------------------------===//

LogicalResult EmbedKernelOp::verify() {
  return verifyKernel(*this, {"channels", "vocab"});
}
LogicalResult RmsNormKernelOp::verify() {
  if (failed(verifyKernel(*this, {"channels"})))
    return failure();
  if (!(getEps().convertToDouble() > 0))
    return emitOpError() << "eps must be positive";
  return success();
}
LogicalResult LinearKernelOp::verify() {
  if (failed(verifyKernel(*this, {"n", "k"})))
    return failure();
  if (auto eps = getRmsEps(); eps && !(eps->convertToDouble() > 0))
    return emitOpError() << "rms_eps must be positive";
  return success();
}
LogicalResult RopeKernelOp::verify() {
  if (failed(verifyKernel(*this, {"heads", "head_dim", "rotary_dim"})))
    return failure();
  if (getRotaryDim() % 2 || getRotaryDim() > getHeadDim())
    return emitOpError() << "rotary_dim must be even and at most head_dim";
  if (getInvFreq().size() != getRotaryDim() / 2)
    return emitOpError() << "inv_freq has " << getInvFreq().size()
                         << " values; rotary_dim " << getRotaryDim()
                         << " needs " << getRotaryDim() / 2;
  return success();
}
LogicalResult AttentionKernelOp::verify() {
  if (failed(verifyKernel(*this,
                          {"heads", "kv_heads", "head_dim", "v_head_dim"})))
    return failure();
  if (getHeads() % getKvHeads())
    return emitOpError() << "kv_heads (" << getKvHeads()
                         << ") must divide heads (" << getHeads() << ")";
  return success();
}
LogicalResult AddKernelOp::verify() { return success(); }
LogicalResult MulKernelOp::verify() { return success(); }
LogicalResult SiluKernelOp::verify() { return success(); }
LogicalResult SwiGluKernelOp::verify() { return success(); }
LogicalResult SliceKernelOp::verify() {
  if (failed(verifyKernel(*this, {"inner", "axis", "outer", "size"})))
    return failure();
  if (getStart() + getSize() > getAxis())
    return emitOpError() << "the window [" << getStart() << ", "
                         << getStart() + getSize()
                         << ") passes the axis of " << getAxis();
  return success();
}
LogicalResult HeadMatmulKernelOp::verify() {
  return verifyKernel(*this, {"heads", "in_dim", "out_dim"});
}
LogicalResult MlaAttentionKernelOp::verify() {
  return verifyKernel(*this, {"heads", "kv_lora_rank", "rope_dim"});
}
LogicalResult GateScoreKernelOp::verify() {
  return verifyKernel(*this, {"hidden"});
}
LogicalResult GateSelectKernelOp::verify() {
  return verifyKernel(*this, {"hidden"});
}
LogicalResult ExpertCombineKernelOp::verify() {
  return verifyKernel(*this, {"top_k", "hidden"});
}
LogicalResult ConcatKernelOp::verify() {
  if (failed(verifyKernel(*this, {"inner", "outer"})))
    return failure();
  if (getAxes().size() < 2 ||
      llvm::any_of(getAxes(), [](int64_t a) { return a <= 0; }))
    return emitOpError() << "concatenates at least two inputs of positive "
                            "axis sizes";
  return success();
}
LogicalResult RepeatKernelOp::verify() {
  return verifyKernel(*this, {"inner", "axis", "outer", "count"});
}
LogicalResult LshHashKernelOp::verify() {
  if (failed(verifyKernel(*this, {"heads", "head_dim", "rounds", "buckets"})))
    return failure();
  if (getBuckets() % 2)
    return emitOpError() << "buckets must be even";
  int64_t want = getRounds() * getHeads() * getHeadDim() * (getBuckets() / 2);
  if (int64_t(getRotations().size()) != want)
    return emitOpError() << "rotations has " << getRotations().size()
                         << " values; [rounds][heads][head_dim][buckets/2] "
                            "needs "
                         << want;
  return success();
}
LogicalResult L2NormalizeKernelOp::verify() {
  return verifyKernel(*this, {"heads", "head_dim"});
}
LogicalResult LshAttentionKernelOp::verify() {
  return verifyKernel(*this, {"heads", "head_dim", "rounds", "chunk"});
}
LogicalResult MergeRoundsKernelOp::verify() {
  return verifyKernel(*this, {"heads", "head_dim", "rounds"});
}
LogicalResult ExpertAccumulateKernelOp::verify() {
  return verifyKernel(*this, {"top_k", "hidden"});
}
LogicalResult SwapOuterKernelOp::verify() { return success(); }
LogicalResult RepeatOuterKernelOp::verify() {
  return verifyKernel(*this, {"count"});
}
LogicalResult BatchMatmulKernelOp::verify() { return success(); }
LogicalResult ScaleKernelOp::verify() { return verifyKernel(*this, {}); }
LogicalResult CausalMaskKernelOp::verify() { return success(); }
LogicalResult SoftmaxKernelOp::verify() { return success(); }

//===----------------------------------------------------------------------===//
// The call sequence
//===----------------------------------------------------------------------===//

LogicalResult ForwardOp::verify() {
  if (getVocab() <= 0 || getContextLength() <= 0)
    return emitOpError() << "vocab and context_length must be positive";
  int64_t rowwiseFrom = getRowwiseFromAttr().getInt();
  if (rowwiseFrom < 0 ||
      rowwiseFrom > int64_t(getBody().front().getOperations().size()))
    return emitOpError() << "rowwise_from must index its steps";
  return success();
}

LogicalResult ForwardOp::verifySymbolUses(SymbolTableCollection &tables) {
  for (auto [ref, field] : {std::pair(getIdsAttr(), "ids"),
                            std::pair(getPositionsAttr(), "positions"),
                            std::pair(getLogitsAttr(), "logits")})
    if (failed(checkRef(*this, tables, ref, Slot, field)))
      return failure();
  auto slot = [&](FlatSymbolRefAttr ref) {
    return tables.lookupNearestSymbolFrom<SlotOp>(*this, ref);
  };
  for (auto ref : {getIdsAttr(), getPositionsAttr()})
    if (SlotOp s = slot(ref); !s.getElement().isInteger(32) || s.getWidth() != 1)
      return emitOpError() << "ids and positions must be i32 slots of width 1";
  if (SlotOp s = slot(getLogitsAttr());
      !s.getElement().isF32() || s.getWidth() != getVocab())
    return emitOpError() << "logits must be an f32 slot of width vocab ("
                         << getVocab() << ")";
  return success();
}

LogicalResult CallOp::verifySymbolUses(SymbolTableCollection &tables) {
  if (failed(checkRef(*this, tables, getKernelAttr(), Kernel, "kernel")))
    return failure();
  for (Attribute view : getInputs())
    if (failed(checkView(*this, tables, cast<ViewAttr>(view), "inputs")))
      return failure();
  if (failed(checkView(*this, tables, getOutput(), "output")))
    return failure();
  if (!tables.lookupNearestSymbolFrom<SlotOp>(*this,
                                              getOutput().getBuffer()))
    return emitOpError() << "writes @" << getOutput().getBuffer().getValue()
                         << ", which is not a slot";
  auto kernel = cast<KernelInterface>(
      tables.lookupNearestSymbolFrom(*this, getKernelAttr()));
  if (int64_t(getInputs().size()) != kernel.getNumInputs())
    return emitOpError() << "passes " << getInputs().size()
                         << " inputs to @" << getKernel() << ", which takes "
                         << kernel.getNumInputs();
  return success();
}

LogicalResult AppendOp::verifySymbolUses(SymbolTableCollection &tables) {
  if (failed(checkRef(*this, tables, getSlotAttr(), Slot, "slot")) ||
      failed(checkRef(*this, tables, getCacheAttr(), Cache, "cache")))
    return failure();
  auto slot = tables.lookupNearestSymbolFrom<SlotOp>(*this, getSlotAttr());
  auto cache = tables.lookupNearestSymbolFrom<CacheOp>(*this, getCacheAttr());
  if (slot.getWidth() != cache.getWidth() ||
      slot.getElement() != cache.getElement())
    return emitOpError() << "appends @" << getSlot() << " (" << slot.getWidth()
                         << " " << slot.getElement() << ") to @" << getCache()
                         << " (" << cache.getWidth() << " "
                         << cache.getElement() << ")";
  return success();
}

LogicalResult LayerSkipOp::verifySymbolUses(SymbolTableCollection &tables) {
  return checkRef(*this, tables, getScoreAttr(), Slot, "score");
}

LogicalResult FreshPrefillOp::verify() {
  if (getMinRows() < 1)
    return emitOpError() << "min_rows must be positive";
  return success();
}

//===----------------------------------------------------------------------===//
// Runtime steps
//===----------------------------------------------------------------------===//

LogicalResult RouteOp::verify() {
  if (getScoring() != "sigmoid" && getScoring() != "softmax")
    return emitOpError() << "scoring must be sigmoid or softmax";
  if (getExperts() <= 0 || getGroups() <= 0 || getTopK() <= 0 ||
      getTopkGroups() <= 0 || getExperts() % getGroups() ||
      getTopkGroups() > getGroups() || getTopK() > getExperts())
    return emitOpError() << "groups, top-k groups and top-k must fit the "
                            "experts";
  return success();
}

LogicalResult RouteOp::verifySymbolUses(SymbolTableCollection &tables) {
  for (auto [ref, field] : {std::pair(getLogitsAttr(), "logits"),
                            std::pair(getWeightsAttr(), "weights"),
                            std::pair(getIndicesAttr(), "indices")})
    if (failed(checkRef(*this, tables, ref, Slot, field)))
      return failure();
  return checkRef(*this, tables, getBiasAttr(), Weight, "bias");
}

LogicalResult ExpertsOp::verifySymbolUses(SymbolTableCollection &tables) {
  for (auto [ref, field] : {std::pair(getInputAttr(), "input"),
                            std::pair(getIndicesAttr(), "indices"),
                            std::pair(getOutputAttr(), "output")})
    if (failed(checkRef(*this, tables, ref, Slot, field)))
      return failure();
  for (auto [ref, field] : {std::pair(getGatedKernelAttr(), "gated_kernel"),
                            std::pair(getDownKernelAttr(), "down_kernel")})
    if (failed(checkRef(*this, tables, ref, Kernel, field)))
      return failure();
  // The runtime calls them as x·(gate, up) and then ·down.
  for (auto [ref, inputs] : {std::pair(getGatedKernelAttr(), int64_t(3)),
                             std::pair(getDownKernelAttr(), int64_t(2))}) {
    auto kernel = cast<KernelInterface>(tables.lookupNearestSymbolFrom(*this, ref));
    if (kernel.getNumInputs() != inputs)
      return emitOpError() << "runs @" << ref.getValue() << " on " << inputs
                           << " inputs; it takes " << kernel.getNumInputs();
  }
  for (auto [view, field] : {std::pair(getGate(), "gate"),
                             std::pair(getUp(), "up"),
                             std::pair(getDown(), "down")})
    if (failed(checkRef(*this, tables, view.getBuffer(), Weight, field)) ||
        failed(checkView(*this, tables, view, field)))
      return failure();
  return success();
}

LogicalResult MemoryReadOp::verifySymbolUses(SymbolTableCollection &tables) {
  for (auto [ref, field] : {std::pair(getInputAttr(), "input"),
                            std::pair(getGateAttr(), "gate"),
                            std::pair(getOutputAttr(), "output")})
    if (failed(checkRef(*this, tables, ref, Slot, field)))
      return failure();
  if (failed(checkRef(*this, tables, getKeysAttr(), State, "keys")) ||
      failed(checkRef(*this, tables, getValuesAttr(), State, "values")))
    return failure();
  return success();
}

LogicalResult MemoryRecordOp::verifySymbolUses(SymbolTableCollection &tables) {
  if (failed(checkRef(*this, tables, getInputAttr(), Slot, "input")) ||
      failed(checkRef(*this, tables, getKeysAttr(), State, "keys")) ||
      failed(checkRef(*this, tables, getValuesAttr(), State, "values")))
    return failure();
  return success();
}

LogicalResult LshSortOp::verifySymbolUses(SymbolTableCollection &tables) {
  for (auto [ref, field] : {std::pair(getBucketsAttr(), "buckets"),
                            std::pair(getSortedAttr(), "sorted"),
                            std::pair(getRankAttr(), "rank")})
    if (failed(checkRef(*this, tables, ref, Cache, field)))
      return failure();
  return success();
}

LogicalResult EncodeOp::verify() {
  if (getParts().empty())
    return emitOpError() << "needs at least one encoder";
  for (Attribute part : getParts())
    if (!isa<ImageEncoderAttr, AudioEncoderAttr>(part))
      return emitOpError() << "parts are image or audio encoders, got "
                           << part;
  return success();
}

LogicalResult EncodeOp::verifySymbolUses(SymbolTableCollection &tables) {
  if (failed(checkRef(*this, tables, getSlotAttr(), Slot, "slot")))
    return failure();
  for (Attribute part : getParts()) {
    SmallVector<FlatSymbolRefAttr> weights;
    if (auto image = dyn_cast<ImageEncoderAttr>(part))
      weights = {image.getEmbed(), image.getBias(), image.getPosition(),
                 image.getNormWeight(), image.getNormBias()};
    else if (auto audio = dyn_cast<AudioEncoderAttr>(part))
      weights = {audio.getEmbed(), audio.getBias(), audio.getNormWeight(),
                 audio.getNormBias()};
    for (FlatSymbolRefAttr weight : weights)
      if (failed(checkRef(*this, tables, weight, Weight, "parts")))
        return failure();
  }
  return success();
}

LogicalResult ClassifyOp::verifySymbolUses(SymbolTableCollection &tables) {
  if (failed(checkRef(*this, tables, getHiddenAttr(), Slot, "hidden")) ||
      failed(checkRef(*this, tables, getWeightAttr(), Weight, "weight")) ||
      failed(checkRef(*this, tables, getBiasAttr(), Weight, "bias")))
    return failure();
  return success();
}
