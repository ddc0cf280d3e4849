//===- KernelProgram.cpp - r1 graph lowered to kernel calls ----------------===//
//
// This file implements lowerToKernels: one walk over @forward (calls are
// followed into their callees) that emits a kernel call per graph op, then a
// linear-scan assignment of values to slots so that a dead value's buffer is
// reused by the next value of the same width.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelProgram.h"

#include "ir/R1Dialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

using namespace mlir;
using namespace mlir::r1;

std::string KernelSpec::symbol() const {
  static const char *const names[] = {
      "embed", "rms_norm", "linear", "rope",  "attention",  "add",
      "mul",   "silu",     "swiglu", "slice", "head_matmul", "mla_attention",
      "gate_score", "gate_select", "expert_combine", "concat", "repeat",
      "lsh_hash", "l2_normalize", "lsh_attention", "merge_rounds",
      "expert_accumulate", "swap_outer", "repeat_outer", "batch_matmul",
      "scale", "causal_mask", "softmax"};
  std::string name = std::string("r1k_") + names[int(kind)];
  for (size_t i = 0; i < dims.size(); ++i)
    name += (i ? "x" : "_") + std::to_string(dims[i]);
  // Doubles hash by their bits.
  std::vector<uint64_t> bits{uint64_t(flag) | uint64_t(bf16Weights) << 1};
  auto add = [&](double d) {
    uint64_t b;
    std::memcpy(&b, &d, sizeof(b));
    bits.push_back(b);
  };
  llvm::for_each(params, add);
  bits.push_back(~uint64_t(0)); // separates params from table
  llvm::for_each(table, add);
  // A stable hash: symbols are written into artifacts and key the kernel
  // cache (llvm::hash_code may be seeded per process).
  uint64_t hash = llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(bits.data()),
      bits.size() * sizeof(uint64_t)));
  return name + llvm::formatv("_{0:x16}", hash).str();
}

namespace {

using Kind = KernelSpec::Kind;

/// splitmix64's finalizer (all arithmetic mod 2^64).
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// LSH rotations as r1.lsh_hash defines them: counter-based Box-Muller,
/// value i from splitmix64(s + 2i) and splitmix64(s + 2i + 1) with
/// s = splitmix64(seed), evaluated in f64 and rounded to f32.
std::vector<double> lshRotations(uint64_t seed, uint64_t count) {
  std::vector<double> r(count);
  uint64_t s = splitmix64(seed);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t a = splitmix64(s + 2 * i), b = splitmix64(s + 2 * i + 1);
    double u1 = double((a >> 11) + 1) * 0x1p-53, u2 = double(b >> 11) * 0x1p-53;
    r[i] = double(float(std::sqrt(-2.0 * std::log(u1)) *
                        std::cos(2.0 * M_PI * u2)));
  }
  return r;
}

/// Builds the program with one virtual slot per distinct buffer, then maps
/// virtual slots onto reused physical ones.
class Lowering {
public:
  explicit Lowering(ModuleOp module) : module(module) {}

  FailureOr<KernelProgram> run() {
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal())
      return module.emitError() << "the module has no @forward to compile";
    if (forward.getNumArguments() < 2 || forward.getNumResults() < 1)
      return forward.emitOpError() << "must take (ids, positions) and return "
                                      "logits to compile";
    // Further arguments are state the session keeps (the memory unit), or
    // inputs the x86 target cannot take yet (image, audio).
    for (BlockArgument arg : forward.getArguments().drop_front(2)) {
      auto name =
          forward.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "r1.name");
      if (name && (name.getValue() == "image" || name.getValue() == "audio")) {
        inputOf[arg] = name.getValue().str();
        continue;
      }
      auto initial = forward.getArgAttrOfType<FlatSymbolRefAttr>(
          arg.getArgNumber(), "r1.initial_state");
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      auto decl = initial ? module.lookupSymbol<WeightDeclOp>(initial.getAttr())
                          : WeightDeclOp();
      if (!decl || !type || type.getRank() != 2 || !type.hasStaticShape() ||
          decl.getTensorType() != type)
        return forward.emitOpError()
               << "has an input beyond (ids, positions) that is neither memory "
                  "state nor an image or audio input";
      FailureOr<int64_t> w = declWeight(decl);
      if (failed(w))
        return failure();
      stateOf[arg] = int64_t(program.states.size());
      program.states.push_back({*w, type.getDimSize(0), type.getDimSize(1)});
    }
    program.idsSlot = newSlot(1, /*isInt=*/true);
    program.positionsSlot = newSlot(1, /*isInt=*/true);
    slotOf[forward.getArgument(0)] = program.idsSlot;
    slotOf[forward.getArgument(1)] = program.positionsSlot;
    positionsValue = forward.getArgument(1);
    SmallVector<Value> results;
    if (failed(lowerBody(forward, results)))
      return failure();
    // State results are r1.memory_update's: the runtime applies them.
    for (Value result : ArrayRef<Value>(results).drop_front())
      if (!result.getDefiningOp<MemoryUpdateOp>() &&
          !result.getDefiningOp<func::CallOp>())
        return forward.emitOpError()
               << "returns a value besides logits that is not memory state";
    auto logitsType = dyn_cast<RankedTensorType>(results[0].getType());
    if (!logitsType || logitsType.getRank() != 2 ||
        ShapedType::isDynamic(logitsType.getDimSize(1)))
      return forward.emitOpError() << "must return logits [tokens, vocab]";
    FailureOr<int64_t> logits = slot(forward, results[0]);
    if (failed(logits))
      return failure();
    program.logitsSlot = *logits;
    program.vocab = logitsType.getDimSize(1);
    auto maxPositions = module->getAttrOfType<IntegerAttr>("r1.max_positions");
    if (!maxPositions || maxPositions.getInt() <= 0)
      return module.emitOpError()
             << "needs a positive r1.max_positions (the context limit)";
    program.contextLength = maxPositions.getInt();
    // LSH defines each row by the sequence ending at it; a replay would
    // redo earlier rows over a longer one.
    if (program.replay && llvm::any_of(program.kernels, [](const KernelSpec &k) {
          return k.kind == Kind::LshHash;
        }))
      return forward.emitOpError()
             << "has plain attention, which replays the sequence each call, "
                "and LSH attention, whose rows must not be recomputed: "
                "compile with r1-fuse-attention";
    if (failed(lowerClassifier(forward)))
      return failure();
    program.rowwiseTail = int64_t(program.steps.size());
    while (program.rowwiseTail > 0 &&
           isRowwise(program.steps[program.rowwiseTail - 1]))
      --program.rowwiseTail;
    return std::move(program);
  }

private:
  /// Whether a step computes each token's row from that row alone.
  bool isRowwise(const ProgramStep &step) const {
    if (step.kind != ProgramStep::Kind::Call)
      return false;
    switch (program.kernels[step.kernel].kind) {
    case Kind::RmsNorm:
    case Kind::Linear:
    case Kind::Add:
    case Kind::Mul:
    case Kind::Silu:
    case Kind::SwiGlu:
      return true;
    default:
      return false;
    }
  }

  /// @classify as a head on the hidden @forward computes: it must call the
  /// same decoder and pool its first result.
  LogicalResult lowerClassifier(func::FuncOp forward) {
    auto classify = module.lookupSymbol<func::FuncOp>("classify");
    if (!classify || classify.isExternal())
      return success();
    ClassifyOp head;
    classify.walk([&](ClassifyOp op) { head = op; });
    auto decoderCall = head ? head.getHidden().getDefiningOp<func::CallOp>()
                            : func::CallOp();
    func::CallOp forwardCall;
    forward.walk([&](func::CallOp call) {
      if (decoderCall && call.getCallee() == decoderCall.getCallee())
        forwardCall = call;
    });
    if (!forwardCall || cast<OpResult>(head.getHidden()).getResultNumber() != 0)
      return classify.emitOpError()
             << "is not a head on @forward's decoder; the x86 target cannot "
                "compile it";
    auto it = slotOf.find(forwardCall.getResult(0));
    auto w = cast<RankedTensorType>(head.getWeight().getType());
    FailureOr<int64_t> weightIndex =
        weight(head, head.getWeight(), WeightLayout::Plain);
    if (it == slotOf.end() || failed(weightIndex))
      return failure();
    auto &c = program.classifier;
    c.hidden = it->second;
    c.weight = *weightIndex;
    c.labels = w.getDimSize(0);
    c.mean = head.getPooling() == Pooling::mean;
    if (Value bias = head.getBias()) {
      FailureOr<int64_t> b = weight(head, bias, WeightLayout::Plain);
      if (failed(b))
        return failure();
      c.bias = *b;
    }
    return success();
  }

  // --- values and slots ------------------------------------------------------

  int64_t newSlot(int64_t width, bool isInt, bool context = false) {
    program.slots.push_back({width, isInt, context});
    return int64_t(program.slots.size()) - 1;
  }

  /// Elements per token of a [tokens, ...] tensor, or failure.
  FailureOr<int64_t> widthOf(Operation *op, Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || type.getRank() < 1)
      return op->emitOpError() << "has a value of type " << value.getType()
                               << " that is not a [tokens, ...] tensor";
    int64_t width = 1;
    for (int64_t d : type.getShape().drop_front()) {
      if (ShapedType::isDynamic(d))
        return op->emitOpError()
               << "has a value of type " << type
               << " whose inner dims are not static; the kernels need them";
      width *= d;
    }
    return width;
  }

  FailureOr<int64_t> slot(Operation *user, Value value) {
    auto it = slotOf.find(value);
    if (it == slotOf.end())
      return user->emitOpError() << "uses a value the kernels cannot produce";
    return it->second;
  }

  FailureOr<int64_t> define(Operation *op, Value value, bool isInt = false,
                            bool context = false) {
    FailureOr<int64_t> width = widthOf(op, value);
    if (failed(width))
      return failure();
    int64_t s = newSlot(*width, isInt, context);
    slotOf[value] = s;
    return s;
  }

  /// A declaration as a plain f32 weight.
  FailureOr<int64_t> declWeight(WeightDeclOp decl) {
    auto key = std::make_tuple(decl.getSymName().str(),
                               int(WeightLayout::Plain), std::vector<int64_t>(),
                               std::string(), false);
    auto it = weightIndex.find(key);
    if (it != weightIndex.end())
      return it->second;
    ProgramWeight weight;
    weight.decl = std::get<0>(key);
    weight.layout = WeightLayout::Plain;
    weight.shape.assign(decl.getTensorType().getShape().begin(),
                        decl.getTensorType().getShape().end());
    weight.sources = sourcesOf(weight.decl);
    weight.loc = decl.getLoc();
    program.weights.push_back(std::move(weight));
    weightIndex[key] = int64_t(program.weights.size()) - 1;
    return weightIndex[key];
  }

  /// The checkpoint tensors declaration `name` reads: those it stacks, or
  /// its own.
  std::vector<std::string> sourcesOf(StringRef name) {
    std::vector<std::string> sources;
    auto decl = module.lookupSymbol<WeightDeclOp>(name);
    if (ArrayAttr stack = decl ? decl.getStackAttr() : ArrayAttr()) {
      for (auto source : stack.getAsValueRange<StringAttr>())
        sources.push_back(source.str());
    } else {
      sources.push_back(name.str());
    }
    return sources;
  }

  FailureOr<int64_t> state(Operation *user, Value value) {
    auto it = stateOf.find(value);
    if (it == stateOf.end())
      return user->emitOpError() << "reads memory that is not session state";
    return it->second;
  }

  /// Whether `value` is a bf16 weight (the module's compute type: a bf16
  /// checkpoint's, or r1c --dtype bf16): a matrix of it stays bf16, the
  /// checkpoint's values exactly or, from a wider source, rounded.
  bool storedBf16(Value value) {
    auto ref = value.getDefiningOp<WeightOp>();
    auto decl = ref ? module.lookupSymbol<WeightDeclOp>(ref.getName())
                    : WeightDeclOp();
    return decl && decl.getTensorType().getElementType().isBF16();
  }

  /// A Linear kernel spec on weights `ws`: bf16 when they all are (the
  /// kernel reads one type).
  FailureOr<KernelSpec> linearSpec(Operation *op, ArrayRef<int64_t> dims,
                                   ArrayRef<int64_t> ws) const {
    KernelSpec spec(Kind::Linear, dims);
    spec.bf16Weights = program.weights[size_t(ws.front())].bf16;
    for (int64_t w : ws)
      if (program.weights[size_t(w)].bf16 != spec.bf16Weights)
        return op->emitOpError()
               << "mixes bf16 and f32 weights in one linear kernel";
    return spec;
  }

  /// The weight declaration a weight operand names, in `layout`.
  FailureOr<int64_t> weight(Operation *user, Value value, WeightLayout layout,
                            ArrayRef<int64_t> params = {},
                            Value columnScale = {}, bool allowBf16 = true) {
    std::string columnScaleDecl;
    if (columnScale) {
      auto ref = columnScale.getDefiningOp<WeightOp>();
      if (!ref)
        return user->emitOpError()
               << "takes a computed norm weight; the x86 target folds only "
                  "weights straight from r1.weight";
      columnScaleDecl = ref.getName().str();
    }
    // An FP8 weight is dequantized when weights.bin is written.
    std::string scaleDecl;
    SmallVector<int64_t, 2> block;
    if (auto dequantize = value.getDefiningOp<DequantizeOp>()) {
      auto scales = dequantize.getScales().getDefiningOp<WeightOp>();
      if (dequantize.getQuant().getScheme() != QuantScheme::fp8_e4m3 ||
          !scales)
        return user->emitOpError()
               << "takes a dequantized weight the x86 target cannot expand "
                  "at compile time (only FP8 block scales)";
      scaleDecl = scales.getName().str();
      block.assign(dequantize.getQuant().getBlock().begin(),
                   dequantize.getQuant().getBlock().end());
      value = dequantize.getInput();
    }
    auto ref = value.getDefiningOp<WeightOp>();
    if (!ref)
      return user->emitOpError()
             << "takes a computed weight; the x86 target needs weights "
                "straight from r1.weight";
    std::string name = ref.getName().str();
    bool bf16 = allowBf16 && layout == WeightLayout::Matrix &&
                scaleDecl.empty() && columnScaleDecl.empty() && storedBf16(value);
    auto key = std::make_tuple(name, int(layout),
                               std::vector<int64_t>(params.begin(), params.end()),
                               columnScaleDecl, bf16);
    auto it = weightIndex.find(key);
    if (it != weightIndex.end())
      return it->second;
    auto type = cast<RankedTensorType>(ref.getType());
    bool fp8 = !scaleDecl.empty() && type.getElementType().isFloat8E4M3FN();
    if (!isa<FloatType>(type.getElementType()) ||
        (type.getElementType().getIntOrFloatBitWidth() < 16 && !fp8))
      return user->emitOpError()
             << "reads weight @" << name << " of type " << type
             << "; the x86 target packs f32, bf16, f16 and FP8 weights";
    ProgramWeight weight;
    weight.decl = name;
    weight.layout = layout;
    weight.shape.assign(type.getShape().begin(), type.getShape().end());
    weight.params.assign(params.begin(), params.end());
    weight.sources = sourcesOf(name);
    if (auto decl = module.lookupSymbol<WeightDeclOp>(name))
      weight.loc = decl.getLoc();
    if (!scaleDecl.empty())
      weight.scales = sourcesOf(scaleDecl);
    weight.block = block;
    weight.columnScale = columnScaleDecl;
    weight.bf16 = bf16;
    program.weights.push_back(std::move(weight));
    int64_t index = int64_t(program.weights.size()) - 1;
    weightIndex[key] = index;
    return index;
  }

  int64_t kernel(KernelSpec spec) {
    for (size_t i = 0; i < program.kernels.size(); ++i)
      if (program.kernels[i] == spec)
        return int64_t(i);
    program.kernels.push_back(std::move(spec));
    return int64_t(program.kernels.size()) - 1;
  }

  /// A matrix weight [N, K] as a linear-like kernel reads it: [K, N]
  /// (the target's layout choice rewrites the view with the weight).
  static KernelArg matrixArg(int64_t w, int64_t k, int64_t n) {
    return {KernelArg::Source::Weight, w, {k, n}};
  }
  static KernelArg slotArg(int64_t s, ArrayRef<int64_t> dims) {
    return {KernelArg::Source::Slot, s, SmallVector<int64_t, 4>(dims)};
  }

  void push(ProgramStep step) { program.steps.push_back(std::move(step)); }

  /// A new cache of `width` per token, with the step appending `slot`'s
  /// rows; returns its index.
  int64_t appendToNewCache(int64_t slot, int64_t width, bool isInt = false) {
    int64_t cache = int64_t(program.caches.size());
    program.caches.push_back({width, isInt});
    ProgramStep append(ProgramStep::Kind::CacheAppend);
    append.cache = cache;
    append.slot = slot;
    push(std::move(append));
    return cache;
  }

  /// Two new caches (keys and values, or their MLA counterparts) of these
  /// widths, with the steps appending `first`'s and `second`'s rows;
  /// returns the first cache's index.
  int64_t appendToNewCaches(int64_t first, int64_t firstWidth, int64_t second,
                            int64_t secondWidth) {
    int64_t cache = appendToNewCache(first, firstWidth);
    appendToNewCache(second, secondWidth);
    return cache;
  }

  /// The slots a step reads and the ones it defines.
  static SmallVector<int64_t *> reads(ProgramStep &step) {
    SmallVector<int64_t *> slots;
    switch (step.kind) {
    case ProgramStep::Kind::Call:
      for (KernelArg &arg : step.inputs)
        if (arg.source == KernelArg::Source::Slot)
          slots.push_back(&arg.index);
      break;
    case ProgramStep::Kind::CacheAppend:
      slots.push_back(&step.slot);
      break;
    case ProgramStep::Kind::Encode:
      break;
    case ProgramStep::Kind::Route:
      slots.push_back(&step.route.logits);
      break;
    case ProgramStep::Kind::Experts:
      slots.append({&step.experts.input, &step.experts.indices});
      break;
    case ProgramStep::Kind::Skip:
      slots.push_back(&step.skip.score);
      break;
    case ProgramStep::Kind::MemoryRead:
      slots.append({&step.memory.input, &step.memory.gate});
      break;
    case ProgramStep::Kind::MemoryRecord:
      slots.push_back(&step.memory.input);
      break;
    case ProgramStep::Kind::LshSort:
      break; // caches only
    case ProgramStep::Kind::Prefill:
    case ProgramStep::Kind::Jump:
      break;
    }
    return slots;
  }
  static SmallVector<int64_t *> writes(ProgramStep &step) {
    switch (step.kind) {
    case ProgramStep::Kind::Call:
      return {&step.output.index};
    case ProgramStep::Kind::CacheAppend:
      return {};
    case ProgramStep::Kind::Encode:
      return {&step.slot};
    case ProgramStep::Kind::Route:
      return {&step.route.weights, &step.route.indices};
    case ProgramStep::Kind::Experts:
      return {&step.experts.output};
    case ProgramStep::Kind::Skip:
      return {};
    case ProgramStep::Kind::MemoryRead:
      return {&step.memory.output};
    case ProgramStep::Kind::MemoryRecord:
      return {};
    case ProgramStep::Kind::LshSort:
    case ProgramStep::Kind::Prefill:
    case ProgramStep::Kind::Jump:
      return {};
    }
    return {};
  }

  void call(KernelSpec spec, SmallVector<KernelArg, 4> inputs,
            KernelArg output) {
    ProgramStep step(ProgramStep::Kind::Call);
    step.kernel = kernel(std::move(spec));
    step.inputs = std::move(inputs);
    step.output = std::move(output);
    push(std::move(step));
  }

  // --- ops ---------------------------------------------------------------

  LogicalResult lowerBody(func::FuncOp func, SmallVectorImpl<Value> &results) {
    for (Operation &op : func.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        results.assign(ret.getOperands().begin(), ret.getOperands().end());
        return success();
      }
      if (failed(lowerOp(&op)))
        return failure();
    }
    return func.emitOpError() << "has no return";
  }

  LogicalResult lowerCall(func::CallOp call) {
    auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
    if (!callee || callee.isExternal())
      return call.emitOpError() << "calls a function without a body";
    for (auto [arg, operand] :
         llvm::zip(callee.getArguments(), call.getOperands())) {
      if (auto st = stateOf.find(operand); st != stateOf.end()) {
        stateOf[arg] = st->second;
        continue;
      }
      if (auto in = inputOf.find(operand); in != inputOf.end()) {
        inputOf[arg] = in->second;
        continue;
      }
      auto it = slotOf.find(operand);
      if (it == slotOf.end())
        return call.emitOpError() << "passes a value the kernels cannot hold";
      slotOf[arg] = it->second;
      if (operand == positionsValue)
        calleePositions.push_back(arg);
    }
    SmallVector<Value> results;
    if (failed(lowerBody(callee, results)))
      return failure();
    for (auto [result, value] : llvm::zip(call.getResults(), results)) {
      if (value.getDefiningOp<MemoryUpdateOp>())
        continue; // new state: applied by the runtime
      FailureOr<int64_t> s = slot(call, value);
      if (failed(s))
        return failure();
      slotOf[result] = *s;
    }
    return success();
  }

  bool isPositions(Value v) {
    return v == positionsValue || llvm::is_contained(calleePositions, v);
  }

  LogicalResult lowerOp(Operation *op) {
    if (isa<WeightOp, DequantizeOp>(op))
      return success(); // read (and expanded) by the op that uses it
    if (auto call = dyn_cast<func::CallOp>(op))
      return lowerCall(call);
    if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      auto in = cast<RankedTensorType>(reshape.getInput().getType());
      auto out = cast<RankedTensorType>(reshape.getType());
      if (!in.isDynamicDim(0) || !out.isDynamicDim(0))
        return op->emitOpError() << "must keep the token dim first to compile";
      FailureOr<int64_t> s = slot(op, reshape.getInput());
      if (failed(s))
        return failure();
      slotOf[reshape.getResult()] = *s; // same buffer, same row-major order
      return success();
    }
    if (auto embed = dyn_cast<EmbeddingOp>(op)) {
      auto table = cast<RankedTensorType>(embed.getTable().getType());
      int64_t v = table.getDimSize(0), c = table.getDimSize(1);
      FailureOr<int64_t> ids = slot(op, embed.getIds());
      FailureOr<int64_t> w = weight(op, embed.getTable(), WeightLayout::Plain);
      if (failed(ids) || failed(w))
        return failure();
      FailureOr<int64_t> out = define(op, embed.getResult());
      if (failed(out))
        return failure();
      call({Kind::Embed, {c, v}},
           {slotArg(*ids, {KernelArg::kTokens}),
            {KernelArg::Source::Weight, *w, {c, v}}},
           slotArg(*out, {c, KernelArg::kTokens}));
      return success();
    }
    if (auto norm = dyn_cast<RMSNormOp>(op)) {
      auto type = cast<RankedTensorType>(norm.getInput().getType());
      int64_t c = type.getShape().back();
      FailureOr<int64_t> width = widthOf(op, norm.getInput());
      FailureOr<int64_t> in = slot(op, norm.getInput());
      FailureOr<int64_t> w = weight(op, norm.getWeight(), WeightLayout::Plain);
      if (failed(width) || failed(in) || failed(w))
        return failure();
      FailureOr<int64_t> out = define(op, norm.getResult());
      if (failed(out))
        return failure();
      int64_t rows = -(*width / c); // rows per token × tokens
      callRmsNorm(*in, *w, norm.getEpsilon().convertToDouble(), c, rows, *out);
      return success();
    }
    if (auto linear = dyn_cast<LinearOp>(op))
      return lowerLinear(op, linear.getInput(), linear.getWeight(),
                         linear.getBias(), linear.getResult());
    if (auto fused = dyn_cast<FusedLinearOp>(op)) {
      std::optional<double> epsilon;
      if (auto eps = fused.getNormEpsilon())
        epsilon = eps->convertToDouble();
      return lowerLinear(op, fused.getInput(), fused.getWeight(),
                         fused.getBias(), fused.getResult(), fused.getNorm(),
                         epsilon, fused.getResidual(), fused.getUp());
    }
    if (auto head = dyn_cast<LmHeadOp>(op))
      return lowerLinear(op, head.getHidden(), head.getWeight(), Value(),
                         head.getResult());
    if (auto rope = dyn_cast<RopeOp>(op))
      return lowerRope(rope);
    if (auto attention = dyn_cast<AttentionOp>(op))
      return lowerAttention(attention);
    if (isa<PatchEmbedOp, FrameEmbedOp>(op))
      return success(); // part of an encoder, run by the encode step
    if (auto add = dyn_cast<AddOp>(op);
        add && (add.getLhs().getDefiningOp<PatchEmbedOp>() ||
                add.getRhs().getDefiningOp<PatchEmbedOp>()))
      return success();
    if (auto norm = dyn_cast<LayerNormOp>(op)) {
      if (failed(matchEncoder(norm.getResult())))
        return op->emitOpError() << "has no x86 kernel outside an encoder";
      // Concatenated with other parts, or the whole context by itself.
      bool concatenated = llvm::all_of(norm->getUsers(), [](Operation *user) {
        return isa<ConcatOp>(user);
      });
      return concatenated ? success() : lowerEncode(op, {norm.getResult()});
    }
    if (auto concat = dyn_cast<ConcatOp>(op);
        concat && normalAxis(concat.getType(), concat.getAxis()) == 0 &&
        llvm::all_of(concat.getInputs(), [&](Value part) {
          return succeeded(matchEncoder(part));
        }))
      return lowerEncode(op, SmallVector<Value>(concat.getInputs()));
    if (auto silu = dyn_cast<SiluOp>(op); silu && fusesIntoSwiGlu(silu))
      return success(); // computed by the mul's SwiGLU kernel
    if (auto mul = dyn_cast<MulOp>(op))
      for (auto [gate, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                                 std::pair(mul.getRhs(), mul.getLhs())})
        if (auto silu = gate.getDefiningOp<SiluOp>();
            silu && fusesIntoSwiGlu(silu))
          return lowerSwiGlu(mul, silu.getInput(), other);
    if (isa<AddOp, MulOp>(op))
      return lowerElementwise(op, isa<AddOp>(op) ? Kind::Add : Kind::Mul);
    if (isa<SiluOp>(op))
      return lowerElementwise(op, Kind::Silu);
    if (auto slice = dyn_cast<SliceOp>(op))
      return lowerSlice(slice);
    if (auto concat = dyn_cast<ConcatOp>(op))
      return lowerConcat(concat);
    if (auto repeat = dyn_cast<RepeatOp>(op))
      return repeat.getAxis() == 0 ? lowerPlain(op, Kind::RepeatOuter)
                                   : lowerRepeat(repeat);
    if (isa<TransposeOp>(op))
      return lowerPlain(op, Kind::SwapOuter);
    if (isa<MatmulOp>(op))
      return lowerPlain(op, Kind::BatchMatmul);
    if (isa<ScaleOp>(op))
      return lowerPlain(op, Kind::Scale);
    if (isa<CausalMaskOp>(op))
      return lowerPlain(op, Kind::CausalMask);
    if (isa<SoftmaxOp>(op))
      return lowerPlain(op, Kind::Softmax);
    if (auto mla = dyn_cast<MlaAttentionOp>(op))
      return lowerMla(mla);
    if (auto router = dyn_cast<RouterOp>(op))
      return lowerRouter(router);
    if (auto moe = dyn_cast<MoeOp>(op))
      return lowerDenseMoe(moe);
    if (auto experts = dyn_cast<ExpertFfnOp>(op))
      return lowerExperts(experts);
    if (auto combine = dyn_cast<ExpertCombineOp>(op))
      return lowerCombine(combine);
    if (auto gate = dyn_cast<LayerGateOp>(op))
      return lowerLayerGate(gate);
    if (auto read = dyn_cast<MemoryReadOp>(op))
      return lowerMemoryRead(read);
    if (auto hash = dyn_cast<LshHashOp>(op))
      return lowerLshHash(hash);
    if (auto sort = dyn_cast<BucketSortOp>(op))
      return lowerBucketSort(sort);
    if (auto chunked = dyn_cast<ChunkedAttentionOp>(op))
      return lowerChunkedAttention(chunked);
    if (auto merge = dyn_cast<MergeRoundsOp>(op))
      return lowerMergeRounds(merge);
    if (auto lsh = dyn_cast<LshAttentionOp>(op))
      return lowerLsh(lsh);
    if (auto update = dyn_cast<MemoryUpdateOp>(op))
      return lowerMemoryUpdate(update);
    return op->emitOpError() << "has no x86 kernel yet";
  }


  /// layer_norm(patch_embed(image) + position) or layer_norm(frame_embed(
  /// audio)), as the r1 importer builds an encoder.
  FailureOr<EncoderPart> matchEncoder(Value value) {
    auto norm = value.getDefiningOp<LayerNormOp>();
    if (!norm || !norm.getBias())
      return failure();
    EncoderPart part;
    part.eps = norm.getEpsilon().convertToFloat();
    Value inner = norm.getInput();
    Operation *op = norm;
    FailureOr<int64_t> nw = weight(op, norm.getWeight(), WeightLayout::Plain);
    FailureOr<int64_t> nb = weight(op, norm.getBias(), WeightLayout::Plain);
    if (failed(nw) || failed(nb))
      return failure();
    part.normWeight = *nw;
    part.normBias = *nb;
    if (auto frames = inner.getDefiningOp<FrameEmbedOp>()) {
      auto it = inputOf.find(frames.getAudio());
      if (it == inputOf.end() || it->second != "audio" || !frames.getBias())
        return failure();
      part.image = false;
      part.length = frames.getFrameLength();
      part.hop = frames.getHopLength();
      FailureOr<int64_t> w = weight(op, frames.getWeight(), WeightLayout::Plain);
      FailureOr<int64_t> b = weight(op, frames.getBias(), WeightLayout::Plain);
      if (failed(w) || failed(b))
        return failure();
      part.embed = *w;
      part.bias = *b;
      return part;
    }
    auto add = inner.getDefiningOp<AddOp>();
    if (!add)
      return failure();
    auto patches = add.getLhs().getDefiningOp<PatchEmbedOp>();
    Value position = add.getRhs();
    if (!patches) {
      patches = add.getRhs().getDefiningOp<PatchEmbedOp>();
      position = add.getLhs();
    }
    if (!patches || !patches.getBias())
      return failure();
    auto it = inputOf.find(patches.getImage());
    auto image = cast<RankedTensorType>(patches.getImage().getType());
    if (it == inputOf.end() || it->second != "image" || image.getRank() != 3 ||
        !image.hasStaticShape())
      return failure();
    part.image = true;
    part.channels = image.getDimSize(0);
    part.height = image.getDimSize(1);
    part.width = image.getDimSize(2);
    part.patch = patches.getPatchSize();
    FailureOr<int64_t> w = weight(op, patches.getWeight(), WeightLayout::Plain);
    FailureOr<int64_t> b = weight(op, patches.getBias(), WeightLayout::Plain);
    FailureOr<int64_t> pos = weight(op, position, WeightLayout::Plain);
    if (failed(w) || failed(b) || failed(pos))
      return failure();
    part.embed = *w;
    part.bias = *b;
    part.position = *pos;
    return part;
  }

  /// The encoders, run by the runtime, write the context rows of `result`.
  LogicalResult lowerEncode(Operation *op, ArrayRef<Value> parts) {
    if (!program.encoders.empty())
      return op->emitOpError() << "makes a second encoder context";
    for (Value part : parts)
      program.encoders.push_back(*matchEncoder(part));
    FailureOr<int64_t> out =
        define(op, op->getResult(0), /*isInt=*/false, /*context=*/true);
    if (failed(out))
      return failure();
    ProgramStep step(ProgramStep::Kind::Encode);
    step.slot = *out;
    push(std::move(step));
    return success();
  }

  /// x·Wᵀ (+ bias), with `norm` the input RMS-normalized first (the gain
  /// folded into f32 packed weights; bf16 ones take their input from an
  /// rms_norm kernel), with `residual` added after, and with `up` SwiGLU's
  /// silu(x·Wᵀ) ⊙ x·upᵀ.
  LogicalResult lowerLinear(Operation *op, Value input, Value weightValue,
                            Value bias, Value result, Value norm = {},
                            std::optional<double> epsilon = {},
                            Value residual = {}, Value up = {}) {
    auto wType = cast<RankedTensorType>(weightValue.getType());
    if (wType.getRank() != 2)
      return op->emitOpError() << "has a weight of rank " << wType.getRank()
                               << "; the linear kernel takes a matrix";
    int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
    FailureOr<int64_t> width = widthOf(op, input);
    FailureOr<int64_t> in = slot(op, input);
    if (failed(width) || failed(in))
      return failure();
    int64_t rows = -(*width / k);
    // bf16 weights stay exact: the norm's gain is not folded into them but
    // applied by an rms_norm kernel first, once for all its linears.
    // Gate and up share one kernel, so one element type: bf16 when both are.
    bool bf16 = storedBf16(weightValue) && (!up || storedBf16(up));
    if (norm && bf16) {
      FailureOr<int64_t> normed = normalized(op, *in, norm, *epsilon, k, rows);
      if (failed(normed))
        return failure();
      in = normed;
      norm = {};
    }
    FailureOr<int64_t> w =
        weight(op, weightValue, WeightLayout::Matrix, {}, norm, bf16);
    if (failed(w))
      return failure();
    SmallVector<KernelArg, 4> inputs{
        slotArg(*in, {k, rows}),
        matrixArg(*w, k, n)};
    SmallVector<int64_t, 2> packedWeights{*w};
    SmallVector<int64_t, 3> dims{n, k};
    if (up) {
      FailureOr<int64_t> u =
          weight(op, up, WeightLayout::Matrix, {}, norm, bf16);
      if (failed(u))
        return failure();
      inputs.push_back(matrixArg(*u, k, n));
      packedWeights.push_back(*u);
      dims.push_back(2);
    }
    FailureOr<KernelSpec> linear = linearSpec(op, dims, packedWeights);
    if (failed(linear))
      return failure();
    KernelSpec spec = *linear;
    if (bias) {
      FailureOr<int64_t> b = weight(op, bias, WeightLayout::Plain);
      if (failed(b))
        return failure();
      inputs.push_back({KernelArg::Source::Weight, *b, {n}});
    }
    spec.flag = bool(bias);
    if (norm)
      spec.params.push_back(*epsilon);
    if (residual) {
      FailureOr<int64_t> r = slot(op, residual);
      if (failed(r))
        return failure();
      if (program.slots[*r].context != program.slots[*in].context)
        return op->emitOpError() << "adds context rows to token rows";
      inputs.push_back(slotArg(*r, {n, rows}));
      spec.dims.push_back(1);
    }
    // A linear on the encoder context (cross-attention's k and v) has
    // context rows.
    FailureOr<int64_t> out =
        define(op, result, false, program.slots[*in].context);
    if (failed(out))
      return failure();
    call(std::move(spec), std::move(inputs), slotArg(*out, {n, rows}));
    return success();
  }

  /// Slot `in` ([rows, k]) RMS-normalized with `gain`, by an
  /// rms_norm kernel into a slot shared by every linear that asks again.
  FailureOr<int64_t> normalized(Operation *op, int64_t in, Value gain,
                                double epsilon, int64_t k, int64_t rows) {
    FailureOr<int64_t> g = weight(op, gain, WeightLayout::Plain);
    if (failed(g))
      return failure();
    auto key = std::make_tuple(in, *g, epsilon);
    if (auto it = normalizedSlots.find(key); it != normalizedSlots.end())
      return it->second;
    int64_t out = newSlot(program.slots[size_t(in)].width, /*isInt=*/false,
                          program.slots[size_t(in)].context);
    callRmsNorm(in, *g, epsilon, k, rows, out);
    normalizedSlots[key] = out;
    return out;
  }

  /// Slot `in`'s rows of `c` (`rows` as a KernelArg dim) RMS-normalized
  /// with gain weight `gain` into slot `out`.
  void callRmsNorm(int64_t in, int64_t gain, double epsilon, int64_t c,
                   int64_t rows, int64_t out) {
    call({Kind::RmsNorm, {c}, {epsilon}},
         {slotArg(in, {c, rows}), {KernelArg::Source::Weight, gain, {c}}},
         slotArg(out, {c, rows}));
  }

  LogicalResult lowerRope(RopeOp rope) {
    if (!isPositions(rope.getPositions()))
      return rope.emitOpError()
             << "must rotate by the model's positions input to compile";
    auto type = cast<RankedTensorType>(rope.getInput().getType());
    if (type.getRank() != 3)
      return rope.emitOpError() << "must rotate a [tokens, heads, dim] tensor";
    int64_t h = type.getDimSize(1), d = type.getDimSize(2);
    int64_t r = rope.getRotaryDim();
    KernelSpec spec{Kind::Rope, {h, d, r}};
    spec.flag = rope.getStyle() == RopeStyle::interleaved;
    double mscale = 1.0;
    spec.table = ropeFrequencies(rope, mscale);
    spec.params = {mscale};
    FailureOr<int64_t> in = slot(rope, rope.getInput());
    FailureOr<int64_t> pos = slot(rope, rope.getPositions());
    if (failed(in) || failed(pos))
      return failure();
    FailureOr<int64_t> out = define(rope, rope.getResult());
    if (failed(out))
      return failure();
    call(std::move(spec),
         {slotArg(*in, {d, h, KernelArg::kTokens}),
          slotArg(*pos, {KernelArg::kTokens})},
         slotArg(*out, {d, h, KernelArg::kTokens}));
    return success();
  }

  /// inv_freq[i] for i < rotary_dim/2 with the op's scaling, in f64 as the
  /// reference computes it; `mscale` multiplies cos and sin (YaRN).
  static std::vector<double> ropeFrequencies(RopeOp rope, double &mscale) {
    int64_t dim = rope.getRotaryDim();
    double theta = rope.getTheta().convertToDouble();
    std::vector<double> inv(size_t(dim / 2));
    for (int64_t i = 0; i < dim / 2; ++i)
      inv[size_t(i)] = 1.0 / std::pow(theta, double(2 * i) / double(dim));
    mscale = 1.0;
    Attribute scaling = rope.getScalingAttr();
    if (!scaling)
      return inv;
    if (auto linear = dyn_cast<LinearScalingAttr>(scaling)) {
      for (double &f : inv)
        f /= linear.getFactor().convertToDouble();
    } else if (auto llama = dyn_cast<Llama3ScalingAttr>(scaling)) {
      double factor = llama.getFactor().convertToDouble();
      double low = llama.getLowFreqFactor().convertToDouble();
      double high = llama.getHighFreqFactor().convertToDouble();
      double old = double(llama.getOriginalMaxPosition());
      double lowWavelen = old / low, highWavelen = old / high;
      for (double &f : inv) {
        double wavelen = 2 * M_PI / f;
        double scaled = wavelen > lowWavelen ? f / factor : f;
        double smooth = (old / wavelen - low) / (high - low);
        double smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
        bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
        f = medium ? smoothed : scaled;
      }
    } else if (auto yarn = dyn_cast<YarnAttr>(scaling)) {
      double factor = yarn.getFactor().convertToDouble();
      double old = double(yarn.getOriginalMaxPosition());
      auto correction = [&](double rotations) {
        return double(dim) * std::log(old / (rotations * 2 * M_PI)) /
               (2 * std::log(theta));
      };
      double low = std::max(
          std::floor(correction(yarn.getBetaFast().convertToDouble())), 0.0);
      double high =
          std::min(std::ceil(correction(yarn.getBetaSlow().convertToDouble())),
                   double(dim - 1));
      if (low == high)
        high += 0.001;
      for (int64_t i = 0; i < dim / 2; ++i) {
        double ramp = std::clamp((double(i) - low) / (high - low), 0.0, 1.0);
        double extrapolated = inv[size_t(i)];
        inv[size_t(i)] = extrapolated / factor * ramp + extrapolated * (1 - ramp);
      }
      auto yarnMscale = [&](double m) {
        return factor <= 1 ? 1.0 : 0.1 * m * std::log(factor) + 1.0;
      };
      mscale = yarnMscale(yarn.getMscale().convertToDouble()) /
               yarnMscale(yarn.getMscaleAllDim().convertToDouble());
    }
    return inv;
  }

  LogicalResult lowerAttention(AttentionOp attention) {
    if (attention.getKeyCache())
      return attention.emitOpError()
             << "already has an explicit cache; the runtime owns the cache";
    auto q = cast<RankedTensorType>(attention.getQuery().getType());
    auto k = cast<RankedTensorType>(attention.getKey().getType());
    auto v = cast<RankedTensorType>(attention.getValue().getType());
    int64_t h = q.getDimSize(1), d = q.getDimSize(2), kv = k.getDimSize(1),
            dv = v.getDimSize(2);
    FailureOr<int64_t> qs = slot(attention, attention.getQuery());
    FailureOr<int64_t> ks = slot(attention, attention.getKey());
    FailureOr<int64_t> vs = slot(attention, attention.getValue());
    if (failed(qs) || failed(ks) || failed(vs))
      return failure();
    if (program.slots[*ks].context) {
      // Cross-attention: keys and values are the encoder context's rows.
      if (attention.getCausal() || !program.slots[*vs].context)
        return attention.emitOpError()
               << "mixes context and token rows in a way the x86 target "
                  "cannot compile";
      FailureOr<int64_t> out = define(attention, attention.getResult());
      if (failed(out))
        return failure();
      KernelSpec spec{Kind::Attention, {h, kv, d, dv}};
      spec.params = {attention.getScale().convertToDouble()};
      call(std::move(spec),
           {slotArg(*qs, {d, h, KernelArg::kTokens}),
            slotArg(*ks, {d, kv, KernelArg::kTokens}),
            slotArg(*vs, {dv, kv, KernelArg::kTokens})},
           slotArg(*out, {dv, h, KernelArg::kTokens}));
      return success();
    }
    // Keys and values go into the session's cache first; the kernel then
    // attends over every cached row.
    int64_t kc = appendToNewCaches(*ks, kv * d, *vs, kv * dv);
    FailureOr<int64_t> out = define(attention, attention.getResult());
    if (failed(out))
      return failure();
    KernelSpec spec{Kind::Attention, {h, kv, d, dv}};
    spec.params = {attention.getScale().convertToDouble()};
    spec.flag = attention.getCausal();
    call(std::move(spec),
         {slotArg(*qs, {d, h, KernelArg::kTokens}),
          {KernelArg::Source::Cache, kc, {d, kv, KernelArg::kTokens}},
          {KernelArg::Source::Cache, kc + 1, {dv, kv, KernelArg::kTokens}}},
         slotArg(*out, {dv, h, KernelArg::kTokens}));
    return success();
  }


  // LSH attention. Every step keeps what later calls need in caches: each
  // row's buckets (hashed once, when new), its unit-norm key and its value;
  // the sort is redone over every cached row per call, since a new row can
  // land in any chunk.

  /// lsh_hash: the new rows' buckets, appended to an i32 cache that stands
  /// for the op's [R, H, S] result.
  FailureOr<int64_t> hashRows(Operation *op, Value qk, int64_t hashes,
                              int64_t buckets, int64_t seed) {
    auto type = cast<RankedTensorType>(qk.getType());
    FailureOr<int64_t> q = slot(op, qk);
    if (failed(q))
      return failure();
    if (type.getRank() != 3)
      return op->emitOpError() << "needs qk of [tokens, heads, dim]";
    int64_t h = type.getDimSize(1), d = type.getDimSize(2);
    uint64_t count = uint64_t(hashes) * uint64_t(h) * uint64_t(d) *
                     uint64_t(buckets / 2);
    if (count > (uint64_t(1) << 24))
      return op->emitOpError() << "needs " << count
                               << " rotation values; at most 2^24 are compiled";
    KernelSpec spec(Kind::LshHash, {h, d, hashes, buckets});
    spec.table = lshRotations(uint64_t(seed), count);
    int64_t rows = newSlot(hashes * h, true);
    call(std::move(spec), {slotArg(*q, {d, h, KernelArg::kTokens})},
         slotArg(rows, {h, hashes, KernelArg::kTokens}));
    return appendToNewCache(rows, hashes * h, true);
  }

  /// bucket_sort of a bucket cache: the sorted and rank caches (in that
  /// order); the op's permutation stands for both.
  int64_t sortBuckets(int64_t bucketCache, int64_t buckets) {
    int64_t width = program.caches[bucketCache].width;
    int64_t sorted = int64_t(program.caches.size());
    program.caches.push_back({width, true});
    program.caches.push_back({width, true});
    ProgramStep step(ProgramStep::Kind::LshSort);
    step.lshSort = {bucketCache, sorted, sorted + 1, buckets};
    push(std::move(step));
    return sorted;
  }

  /// chunked_attention over the sorted caches: one slot of D + 1 values per
  /// (round, head) row holds both results, the mix then its logsumexp.
  FailureOr<int64_t> attendInChunks(Operation *op, Value qk, Value value,
                                    Value result, int64_t sorted,
                                    int64_t hashes, int64_t chunk,
                                    int64_t before, int64_t after,
                                    bool causal) {
    auto type = cast<RankedTensorType>(qk.getType());
    if (type.getRank() != 3 || value.getType() != qk.getType())
      return op->emitOpError()
             << "needs shared qk and values of one [tokens, heads, dim] shape";
    int64_t h = type.getDimSize(1), d = type.getDimSize(2);
    FailureOr<int64_t> q = slot(op, qk);
    FailureOr<int64_t> v = slot(op, value);
    if (failed(q) || failed(v))
      return failure();
    // Keys are the rows made unit length (shared-QK attention), queries
    // the rows themselves.
    int64_t unit = newSlot(h * d, false);
    call(KernelSpec(Kind::L2Normalize, {h, d}),
         {slotArg(*q, {d, h, KernelArg::kTokens})},
         slotArg(unit, {d, h, KernelArg::kTokens}));
    int64_t kv = appendToNewCaches(unit, h * d, *v, h * d);
    int64_t out = newSlot(hashes * h * (d + 1), false);
    if (result)
      slotOf[result] = out;
    KernelSpec spec(Kind::LshAttention, {h, d, hashes, chunk, before, after},
                    {1.0 / std::sqrt(double(d))});
    spec.flag = causal;
    call(std::move(spec),
         {slotArg(*q, {d, h, KernelArg::kTokens}),
          {KernelArg::Source::Cache, kv, {d, h, KernelArg::kTokens}},
          {KernelArg::Source::Cache, kv + 1, {d, h, KernelArg::kTokens}},
          {KernelArg::Source::Cache, sorted, {h, hashes, KernelArg::kTokens}},
          {KernelArg::Source::Cache, sorted + 1,
           {h, hashes, KernelArg::kTokens}}},
         slotArg(out, {d + 1, h, hashes, KernelArg::kTokens}));
    return out;
  }

  /// merge_rounds of an attendInChunks slot.
  LogicalResult mergeRounds(Operation *op, int64_t rounds, Value result,
                            int64_t heads, int64_t dim, int64_t hashes) {
    FailureOr<int64_t> out = define(op, result);
    if (failed(out))
      return failure();
    call(KernelSpec(Kind::MergeRounds, {heads, dim, hashes}),
         {slotArg(rounds, {dim + 1, heads, hashes, KernelArg::kTokens})},
         slotArg(*out, {dim, heads, KernelArg::kTokens}));
    return success();
  }

  LogicalResult lowerLshHash(LshHashOp hash) {
    FailureOr<int64_t> cache = hashRows(hash, hash.getQk(), hash.getNumHashes(),
                                        hash.getNumBuckets(), hash.getSeed());
    if (failed(cache))
      return failure();
    lshCaches[hash.getBuckets()] = {*cache, int64_t(hash.getNumBuckets())};
    return success();
  }

  LogicalResult lowerBucketSort(BucketSortOp sort) {
    auto it = lshCaches.find(sort.getBuckets());
    if (it == lshCaches.end())
      return sort.emitOpError() << "sorts buckets that are not an lsh_hash's; "
                                   "the x86 target cannot compile it";
    lshCaches[sort.getPermutation()] = {
        sortBuckets(it->second.first, it->second.second), 0};
    return success();
  }

  LogicalResult lowerChunkedAttention(ChunkedAttentionOp chunked) {
    auto it = lshCaches.find(chunked.getPermutation());
    if (it == lshCaches.end())
      return chunked.emitOpError() << "attends in an order that is not a "
                                      "bucket_sort's; the x86 target cannot "
                                      "compile it";
    // Both results share one slot (the mix, then the logsumexp, per row),
    // which only merge_rounds reads.
    if (llvm::any_of(chunked->getUsers(),
                     [](Operation *user) { return !isa<MergeRoundsOp>(user); }))
      return chunked.emitOpError() << "has users other than merge_rounds; the "
                                      "x86 target cannot compile it";
    int64_t hashes =
        cast<RankedTensorType>(chunked.getPermutation().getType()).getDimSize(0);
    return attendInChunks(chunked, chunked.getQk(), chunked.getValue(),
                          chunked.getResult(), it->second.first, hashes,
                          chunked.getChunkLength(), chunked.getChunksBefore(),
                          chunked.getChunksAfter(), chunked.getCausal());
  }

  LogicalResult lowerMergeRounds(MergeRoundsOp merge) {
    auto chunked = merge.getRounds().getDefiningOp<ChunkedAttentionOp>();
    if (!chunked || merge.getLogsumexp() != chunked.getLogsumexp())
      return merge.emitOpError()
             << "merges rounds that are not one chunked_attention's result "
                "and logsumexp; the x86 target cannot compile it";
    FailureOr<int64_t> rounds = slot(merge, merge.getRounds());
    auto type = cast<RankedTensorType>(chunked.getQk().getType());
    if (failed(rounds))
      return failure();
    return mergeRounds(merge, *rounds, merge.getResult(), type.getDimSize(1),
                       type.getDimSize(2),
                       cast<RankedTensorType>(merge.getRounds().getType())
                           .getDimSize(0));
  }

  /// r1.lsh_attention as r1-specialize-lsh would split it.
  LogicalResult lowerLsh(LshAttentionOp lsh) {
    FailureOr<int64_t> buckets =
        hashRows(lsh, lsh.getQk(), lsh.getNumHashes(), lsh.getNumBuckets(),
                 lsh.getSeed());
    if (failed(buckets))
      return failure();
    int64_t sorted = sortBuckets(*buckets, lsh.getNumBuckets());
    // The rounds' slot is the op's until the merge redefines its result.
    FailureOr<int64_t> rounds = attendInChunks(
        lsh, lsh.getQk(), lsh.getValue(), Value(), sorted, lsh.getNumHashes(),
        lsh.getChunkLength(), lsh.getChunksBefore(), lsh.getChunksAfter(),
        lsh.getCausal());
    if (failed(rounds))
      return failure();
    auto type = cast<RankedTensorType>(lsh.getQk().getType());
    return mergeRounds(lsh, *rounds, lsh.getResult(), type.getDimSize(1),
                       type.getDimSize(2), lsh.getNumHashes());
  }

  LogicalResult lowerMemoryRead(MemoryReadOp read) {
    FailureOr<int64_t> width = widthOf(read, read.getHidden());
    FailureOr<int64_t> in = slot(read, read.getHidden());
    FailureOr<int64_t> keys = state(read, read.getKeys());
    FailureOr<int64_t> values = state(read, read.getValues());
    FailureOr<int64_t> w =
        weight(read, read.getGateWeight(), WeightLayout::Matrix);
    if (failed(width) || failed(in) || failed(keys) || failed(values) ||
        failed(w))
      return failure();
    int64_t e = *width, gate = newSlot(e, false);
    FailureOr<KernelSpec> spec = linearSpec(read, {e, e}, {*w});
    if (failed(spec))
      return failure();
    call(*spec,
         {slotArg(*in, {e, KernelArg::kTokens}),
          matrixArg(*w, e, e)},
         slotArg(gate, {e, KernelArg::kTokens}));
    FailureOr<int64_t> out = define(read, read.getResult());
    if (failed(out))
      return failure();
    ProgramStep step(ProgramStep::Kind::MemoryRead);
    MemoryStep &m = step.memory;
    m.input = *in;
    m.gate = gate;
    m.output = *out;
    m.keys = *keys;
    m.values = *values;
    m.topK = int64_t(read.getTopK());
    push(std::move(step));
    return success();
  }

  LogicalResult lowerMemoryUpdate(MemoryUpdateOp update) {
    FailureOr<int64_t> in = slot(update, update.getHidden());
    FailureOr<int64_t> keys = state(update, update.getKeys());
    FailureOr<int64_t> values = state(update, update.getValues());
    if (failed(in) || failed(keys) || failed(values))
      return failure();
    ProgramStep step(ProgramStep::Kind::MemoryRecord);
    MemoryStep &m = step.memory;
    m.input = *in;
    m.keys = *keys;
    m.values = *values;
    m.decay = update.getDecay().convertToFloat();
    push(std::move(step));
    return success();
  }

  /// The rows are scored, the body runs on every row, then a kernel picks
  /// per row the body's output or the input. A branch (r1-specialize-
  /// routing) skips the body when no row takes it; its cache appends (of
  /// rows r1-specialize-routing computes before the gate) run regardless.
  LogicalResult lowerLayerGate(LayerGateOp gate) {
    FailureOr<int64_t> in = slot(gate, gate.getHidden());
    FailureOr<int64_t> w = weight(gate, gate.getGateWeight(), WeightLayout::Plain);
    FailureOr<int64_t> width = widthOf(gate, gate.getHidden());
    if (failed(in) || failed(w) || failed(width))
      return failure();
    int64_t h = *width;
    KernelArg rows = slotArg(*in, {h, KernelArg::kTokens});
    KernelArg gateWeight{KernelArg::Source::Weight, *w, {h}};
    int64_t score = newSlot(1, false);
    call(KernelSpec(Kind::GateScore, {h}), {rows, gateWeight},
         slotArg(score, {KernelArg::kTokens}));
    size_t bodyStart = program.steps.size();
    Block &body = gate.getBody().front();
    slotOf[body.getArgument(0)] = *in;
    Value yielded;
    for (Operation &op : body) {
      if (auto yield = dyn_cast<YieldOp>(op)) {
        yielded = yield->getOperand(0);
        break;
      }
      if (failed(lowerOp(&op)))
        return failure();
    }
    FailureOr<int64_t> layer = slot(gate, yielded);
    if (failed(layer))
      return failure();
    if (gate.getBranch()) {
      // Later tokens attend to every row, so what the caches take must be
      // ready before the skip: the appends move there with the body's steps
      // that make what they append (LSH's bucket and unit-key kernels; the
      // rows those read, like attention's keys and values, are computed
      // outside the body, which the verifier checks). None of those steps
      // sits inside a prefill branch, whose counts would change.
      std::vector<ProgramStep> early, late;
      llvm::DenseSet<int64_t> needed;
      std::vector<bool> moves(program.steps.size() - bodyStart);
      for (size_t i = program.steps.size(); i-- > bodyStart;) {
        ProgramStep &step = program.steps[i];
        bool makesNeeded = llvm::any_of(
            writes(step), [&](int64_t *slot) { return needed.contains(*slot); });
        if (step.kind != ProgramStep::Kind::CacheAppend && !makesNeeded)
          continue;
        moves[i - bodyStart] = true;
        for (int64_t *slot : reads(step))
          needed.insert(*slot);
      }
      for (size_t i = bodyStart; i < program.steps.size(); ++i)
        (moves[i - bodyStart] ? early : late)
            .push_back(std::move(program.steps[i]));
      program.steps.erase(program.steps.begin() + ptrdiff_t(bodyStart),
                          program.steps.end());
      for (ProgramStep &step : early)
        program.steps.push_back(std::move(step));
      ProgramStep skip(ProgramStep::Kind::Skip);
      skip.skip = {score, gate.getThreshold().convertToDouble(),
                   int64_t(late.size())};
      program.steps.push_back(std::move(skip));
      for (ProgramStep &step : late)
        program.steps.push_back(std::move(step));
    }
    FailureOr<int64_t> out = define(gate, gate.getResult());
    if (failed(out))
      return failure();
    call(KernelSpec(Kind::GateSelect, {h},
                    {gate.getThreshold().convertToDouble()}),
         {rows, slotArg(*layer, {h, KernelArg::kTokens}),
          slotArg(score, {KernelArg::kTokens})},
         slotArg(*out, {h, KernelArg::kTokens}));
    return success();
  }

  /// A token tensor seen around one of its (non-token) axes: the products
  /// of the dims inside it and of those between it and the token dim.
  struct AxisView {
    int64_t inner = 1, length, outer = 1;
  };
  /// `axis` of `type` in [0, rank); the verifiers accept [-rank, rank).
  static int64_t normalAxis(Type type, int64_t axis) {
    return axis < 0 ? axis + cast<RankedTensorType>(type).getRank() : axis;
  }

  static FailureOr<AxisView> axisView(Operation *op, Type type, int64_t axis) {
    auto tensor = cast<RankedTensorType>(type);
    axis = normalAxis(type, axis);
    if (axis == 0)
      return op->emitOpError() << "works along the token dim; the kernels "
                                  "cannot";
    AxisView view;
    view.length = tensor.getDimSize(axis);
    for (int64_t i = 1; i < axis; ++i)
      view.outer *= tensor.getDimSize(i);
    for (int64_t i = axis + 1; i < tensor.getRank(); ++i)
      view.inner *= tensor.getDimSize(i);
    return view;
  }

  LogicalResult lowerConcat(ConcatOp concat) {
    FailureOr<AxisView> out =
        axisView(concat, concat.getType(), concat.getAxis());
    if (failed(out))
      return failure();
    if (concat.getInputs().size() > 7)
      return concat.emitOpError() << "joins more than 7 tensors";
    SmallVector<int64_t, 4> dims = {out->inner, out->outer};
    SmallVector<KernelArg, 4> inputs;
    for (Value input : concat.getInputs()) {
      FailureOr<AxisView> part =
          axisView(concat, input.getType(), concat.getAxis());
      FailureOr<int64_t> in = slot(concat, input);
      if (failed(part) || failed(in))
        return failure();
      dims.push_back(part->length);
      inputs.push_back(slotArg(
          *in, {out->inner, part->length, out->outer, KernelArg::kTokens}));
    }
    FailureOr<int64_t> result = define(concat, concat.getResult());
    if (failed(result))
      return failure();
    call(KernelSpec(Kind::Concat, dims), std::move(inputs),
         slotArg(*result,
                 {out->inner, out->length, out->outer, KernelArg::kTokens}));
    return success();
  }

  /// Whose rows each dynamic dim of a plain-attention value counts, in
  /// shape order: false for the tokens, true for the encoder context.
  using RowKinds = SmallVector<bool, 2>;

  RowKinds rowKinds(Value value) {
    auto it = plainRows.find(value);
    if (it != plainRows.end())
      return it->second;
    auto s = slotOf.find(value);
    return {s != slotOf.end() && program.slots[size_t(s->second)].context};
  }

  /// `value` as a 3-d row-major buffer, innermost dim first: a dynamic dim
  /// is the call's rows (kTokens; a context slot's are the context's), or
  /// in a cross slot the context's (kContext); outer dims of extent 1 pad
  /// it.
  FailureOr<SmallVector<int64_t, 4>> view3d(Operation *op, Value value,
                                           const RowKinds &kinds) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() > 3)
      return op->emitOpError() << "has a value of rank above 3, which plain "
                                  "attention's kernels do not take";
    bool cross = kinds.size() == 2 && kinds[1];
    SmallVector<int64_t, 4> dims;
    size_t dynamic = 0;
    for (int64_t d : type.getShape()) {
      if (!ShapedType::isDynamic(d)) {
        dims.push_back(d);
        continue;
      }
      bool context = dynamic < kinds.size() && kinds[dynamic];
      ++dynamic;
      dims.push_back(cross && context ? KernelArg::kContext
                                      : KernelArg::kTokens);
    }
    std::reverse(dims.begin(), dims.end());
    dims.resize(3, 1);
    return dims;
  }

  /// A slot for `value` of plain attention: its static elements per row
  /// (of the tokens or the context), per (token, token) pair (square) or
  /// per (token, context row) pair (cross). Such a model attends over each
  /// call's own rows, so the runtime replays the sequence.
  FailureOr<int64_t> definePlain(Operation *op, Value value,
                                 const RowKinds &kinds) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t width = 1;
    size_t dynamic = 0;
    for (int64_t d : type.getShape())
      ShapedType::isDynamic(d) ? void(++dynamic) : void(width *= d);
    if (dynamic != kinds.size() || dynamic == 0 || dynamic > 2 ||
        (dynamic == 2 && kinds[0]))
      return op->emitOpError() << "has a value of type " << type
                               << " whose rows the kernels cannot lay out";
    int64_t s = newSlot(width, /*isInt=*/false, /*context=*/dynamic == 1 &&
                                                             kinds[0]);
    program.slots[size_t(s)].square = dynamic == 2 && !kinds[1];
    program.slots[size_t(s)].cross = dynamic == 2 && kinds[1];
    slotOf[value] = s;
    plainRows[value] = kinds;
    program.replay |= dynamic == 2;
    return s;
  }

  /// Plain attention's ops, each a kernel on 3-d views of its operands
  /// (see the plain-attention kinds of KernelSpec).
  LogicalResult lowerPlain(Operation *op, Kind kind) {
    KernelSpec spec(kind, {});
    RowKinds kinds = rowKinds(op->getOperand(0));
    if (auto transpose = dyn_cast<TransposeOp>(op)) {
      if (transpose.getPermutation() != ArrayRef<int64_t>{1, 0, 2})
        return op->emitOpError() << "permutes other than [1, 0, 2], which "
                                    "the kernels do not";
    } else if (auto repeat = dyn_cast<RepeatOp>(op)) {
      spec.dims = {int64_t(repeat.getCount())};
    } else if (auto matmul = dyn_cast<MatmulOp>(op)) {
      spec.flag = matmul.getTransposeRhs();
      // [B, M, K]·[B, K, N]: M's rows, then N's (the rhs's last dynamic
      // dim when transposed, its only one otherwise).
      RowKinds lhs = kinds, rhs = rowKinds(matmul.getRhs());
      kinds = {lhs.front()};
      auto rhsType = cast<RankedTensorType>(matmul.getRhs().getType());
      int64_t nDim = spec.flag ? rhsType.getRank() - 2 : rhsType.getRank() - 1;
      if (ShapedType::isDynamic(rhsType.getDimSize(nDim)))
        kinds.push_back(rhs.back());
    } else if (auto scale = dyn_cast<ScaleOp>(op)) {
      spec.params = {double(scale.getFactor().convertToFloat())};
    } else if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
      if (normalAxis(softmax.getType(), softmax.getAxis()) !=
          softmax.getType().getRank() - 1)
        return op->emitOpError() << "is not along the last axis";
    }
    SmallVector<KernelArg, 4> inputs;
    for (Value operand : op->getOperands()) {
      auto dims = view3d(op, operand, rowKinds(operand));
      FailureOr<int64_t> in = slot(op, operand);
      if (failed(dims) || failed(in))
        return failure();
      inputs.push_back(slotArg(*in, *dims));
    }
    auto dims = view3d(op, op->getResult(0), kinds);
    if (failed(dims))
      return failure();
    FailureOr<int64_t> out = definePlain(op, op->getResult(0), kinds);
    if (failed(out))
      return failure();
    call(std::move(spec), std::move(inputs), slotArg(*out, *dims));
    return success();
  }

  LogicalResult lowerRepeat(RepeatOp repeat) {
    FailureOr<AxisView> in =
        axisView(repeat, repeat.getInput().getType(), repeat.getAxis());
    FailureOr<int64_t> input = slot(repeat, repeat.getInput());
    if (failed(in) || failed(input))
      return failure();
    FailureOr<int64_t> result = define(repeat, repeat.getResult());
    if (failed(result))
      return failure();
    int64_t count = repeat.getCount();
    call(KernelSpec(Kind::Repeat, {in->inner, in->length, in->outer, count}),
         {slotArg(*input, {in->inner, in->length, in->outer,
                           KernelArg::kTokens})},
         slotArg(*result, {in->inner, in->length * count, in->outer,
                           KernelArg::kTokens}));
    return success();
  }

  LogicalResult lowerSlice(SliceOp slice) {
    FailureOr<AxisView> view =
        axisView(slice, slice.getInput().getType(), slice.getAxis());
    if (failed(view))
      return failure();
    int64_t inner = view->inner, length = view->length, outer = view->outer,
            start = slice.getStart(), size = slice.getSize();
    FailureOr<int64_t> in = slot(slice, slice.getInput());
    if (failed(in))
      return failure();
    FailureOr<int64_t> out = define(slice, slice.getResult());
    if (failed(out))
      return failure();
    call(KernelSpec(Kind::Slice, {inner, length, outer, start, size}),
         {slotArg(*in, {inner, length, outer, KernelArg::kTokens})},
         slotArg(*out, {inner, size, outer, KernelArg::kTokens}));
    return success();
  }

  /// MLA. The absorbed form serves every call: q_lat = q_nope·W_uk per
  /// head, attention over the cached latent and rope key (r + dr floats per
  /// token), output o_lat·W_uvᵀ per head. A call that starts the sequence
  /// with at least `naive_prefill_rows` rows branches to the naive form over
  /// its own rows instead (naiveMla).
  LogicalResult lowerMla(MlaAttentionOp mla) {
    if (mla.getLatentCache())
      return mla.emitOpError()
             << "already has an explicit cache; the runtime owns the cache";
    int64_t h = mla.getNumHeads(), dn = mla.getQkNopeHeadDim(),
            dr = mla.getQkRopeHeadDim(), dv = mla.getVHeadDim(),
            r = mla.getKvLoraRank();
    FailureOr<int64_t> qNope = slot(mla, mla.getQNope());
    FailureOr<int64_t> qRope = slot(mla, mla.getQRope());
    FailureOr<int64_t> latent = slot(mla, mla.getKvLatent());
    FailureOr<int64_t> kRope = slot(mla, mla.getKRope());
    FailureOr<int64_t> uk = weight(mla, mla.getKvBWeight(), WeightLayout::MlaUk,
                                   {h, dn, dv});
    FailureOr<int64_t> uv = weight(mla, mla.getKvBWeight(), WeightLayout::MlaUv,
                                   {h, dn, dv});
    if (failed(qNope) || failed(qRope) || failed(latent) || failed(kRope) ||
        failed(uk) || failed(uv))
      return failure();
    int64_t latentCache = appendToNewCaches(*latent, r, *kRope, dr);
    FailureOr<int64_t> out = define(mla, mla.getResult());
    if (failed(out))
      return failure();
    std::optional<int64_t> naiveRows;
    if (mla.getForm() == MlaForm::naive)
      naiveRows = 1;
    else if (auto rows = mla.getNaivePrefillRows())
      naiveRows = int64_t(*rows);
    size_t jump = 0;
    if (naiveRows) {
      size_t branch = program.steps.size();
      ProgramStep prefill(ProgramStep::Kind::Prefill);
      prefill.branch.minRows = *naiveRows;
      push(std::move(prefill));
      if (failed(naiveMla(mla, *qNope, *qRope, *latent, *kRope, *out)))
        return failure();
      jump = program.steps.size();
      push(ProgramStep(ProgramStep::Kind::Jump));
      program.steps[branch].branch.count = int64_t(jump - branch);
    }
    int64_t qLatent = newSlot(h * r, false);
    call(KernelSpec(Kind::HeadMatmul, {h, dn, r}),
         {slotArg(*qNope, {dn, h, KernelArg::kTokens}),
          {KernelArg::Source::Weight, *uk, {r, dn, h}}},
         slotArg(qLatent, {r, h, KernelArg::kTokens}));
    int64_t oLatent = newSlot(h * r, false);
    KernelSpec attention(Kind::MlaAttention, {h, r, dr},
                         {mla.getScale().convertToDouble()});
    attention.flag = mla.getCausal();
    call(std::move(attention),
         {slotArg(qLatent, {r, h, KernelArg::kTokens}),
          slotArg(*qRope, {dr, h, KernelArg::kTokens}),
          {KernelArg::Source::Cache, latentCache, {r, KernelArg::kTokens}},
          {KernelArg::Source::Cache, latentCache + 1, {dr, KernelArg::kTokens}}},
         slotArg(oLatent, {r, h, KernelArg::kTokens}));
    call(KernelSpec(Kind::HeadMatmul, {h, r, dv}),
         {slotArg(oLatent, {r, h, KernelArg::kTokens}),
          {KernelArg::Source::Weight, *uv, {dv, r, h}}},
         slotArg(*out, {dv, h, KernelArg::kTokens}));
    if (naiveRows)
      program.steps[jump].branch.count =
          int64_t(program.steps.size() - jump - 1);
    return success();
  }

  /// Naive MLA over the call's own rows (the whole sequence so far): kv =
  /// latent·W_kv_bᵀ gives per head k_nope and v; k = [k_nope, k_rope] with
  /// the rope key shared by every head, q = [q_nope, q_rope]; then plain
  /// causal attention into `out`.
  LogicalResult naiveMla(MlaAttentionOp mla, int64_t qNope, int64_t qRope,
                         int64_t latent, int64_t kRope, int64_t out) {
    int64_t h = mla.getNumHeads(), dn = mla.getQkNopeHeadDim(),
            dr = mla.getQkRopeHeadDim(), dv = mla.getVHeadDim(),
            r = mla.getKvLoraRank();
    FailureOr<int64_t> kvB =
        weight(mla, mla.getKvBWeight(), WeightLayout::Matrix);
    if (failed(kvB))
      return failure();
    const int64_t rows = KernelArg::kTokens;
    int64_t width = h * (dn + dv), kv = newSlot(width, false);
    FailureOr<KernelSpec> spec = linearSpec(mla, {width, r}, {*kvB});
    if (failed(spec))
      return failure();
    call(*spec,
         {slotArg(latent, {r, rows}),
          matrixArg(*kvB, r, width)},
         slotArg(kv, {width, rows}));
    int64_t kNope = newSlot(h * dn, false), v = newSlot(h * dv, false);
    call(KernelSpec(Kind::Slice, {1, dn + dv, h, 0, dn}),
         {slotArg(kv, {1, dn + dv, h, rows})}, slotArg(kNope, {1, dn, h, rows}));
    call(KernelSpec(Kind::Slice, {1, dn + dv, h, dn, dv}),
         {slotArg(kv, {1, dn + dv, h, rows})}, slotArg(v, {1, dv, h, rows}));
    int64_t kRopes = newSlot(h * dr, false);
    call(KernelSpec(Kind::Repeat, {dr, 1, 1, h}),
         {slotArg(kRope, {dr, 1, 1, rows})}, slotArg(kRopes, {dr, h, 1, rows}));
    int64_t d = dn + dr, k = newSlot(h * d, false), q = newSlot(h * d, false);
    for (auto [nope, rope, joined] :
         {std::tuple(kNope, kRopes, k), std::tuple(qNope, qRope, q)})
      call(KernelSpec(Kind::Concat, {1, h, dn, dr}),
           {slotArg(nope, {1, dn, h, rows}), slotArg(rope, {1, dr, h, rows})},
           slotArg(joined, {1, d, h, rows}));
    KernelSpec attention(Kind::Attention, {h, h, d, dv},
                         {mla.getScale().convertToDouble()});
    attention.flag = mla.getCausal();
    call(std::move(attention),
         {slotArg(q, {d, h, rows}), slotArg(k, {d, h, rows}),
          slotArg(v, {dv, h, rows})},
         slotArg(out, {dv, h, rows}));
    return success();
  }

  LogicalResult lowerRouter(RouterOp router) {
    auto gate = cast<RankedTensorType>(router.getGateWeight().getType());
    int64_t experts = gate.getDimSize(0), hidden = gate.getDimSize(1);
    FailureOr<int64_t> in = slot(router, router.getHidden());
    FailureOr<int64_t> w =
        weight(router, router.getGateWeight(), WeightLayout::Matrix);
    if (failed(in) || failed(w))
      return failure();
    int64_t logits = newSlot(experts, false);
    FailureOr<KernelSpec> spec = linearSpec(router, {experts, hidden}, {*w});
    if (failed(spec))
      return failure();
    call(*spec,
         {slotArg(*in, {hidden, KernelArg::kTokens}),
          matrixArg(*w, hidden, experts)},
         slotArg(logits, {experts, KernelArg::kTokens}));
    ProgramStep step(ProgramStep::Kind::Route);
    RouteStep &route = step.route;
    route.logits = logits;
    if (Value bias = router.getCorrectionBias()) {
      FailureOr<int64_t> b = weight(router, bias, WeightLayout::Plain);
      if (failed(b))
        return failure();
      route.bias = *b;
    }
    FailureOr<int64_t> weights = define(router, router.getWeights());
    FailureOr<int64_t> indices = define(router, router.getIndices(), true);
    if (failed(weights) || failed(indices))
      return failure();
    route.weights = *weights;
    route.indices = *indices;
    route.sigmoid = router.getScoring() == ScoringFunc::sigmoid;
    route.experts = experts;
    route.groups = int64_t(router.getNGroup());
    route.topkGroups = int64_t(router.getTopkGroup());
    route.topK = router.getTopK();
    route.normalize = router.getNormTopkProb();
    route.scaling = router.getRoutedScaling().convertToFloat();
    push(std::move(step));
    return success();
  }

  LogicalResult lowerExperts(ExpertFfnOp ffn) {
    auto gate = cast<RankedTensorType>(ffn.getGateWeight().getType());
    int64_t experts = gate.getDimSize(0), inter = gate.getDimSize(1),
            hidden = gate.getDimSize(2);
    auto indicesType = cast<RankedTensorType>(ffn.getIndices().getType());
    if (indicesType.getRank() != 2)
      return ffn.emitOpError() << "must route [tokens, k] to compile";
    FailureOr<int64_t> in = slot(ffn, ffn.getHidden());
    FailureOr<int64_t> indices = slot(ffn, ffn.getIndices());
    FailureOr<int64_t> g =
        weight(ffn, ffn.getGateWeight(), WeightLayout::Matrix);
    FailureOr<int64_t> u = weight(ffn, ffn.getUpWeight(), WeightLayout::Matrix);
    FailureOr<int64_t> d =
        weight(ffn, ffn.getDownWeight(), WeightLayout::Matrix);
    if (failed(in) || failed(indices) || failed(g) || failed(u) || failed(d))
      return failure();
    FailureOr<int64_t> out = define(ffn, ffn.getResult());
    if (failed(out))
      return failure();
    ProgramStep step(ProgramStep::Kind::Experts);
    ExpertsStep &e = step.experts;
    e.experts = experts;
    e.topK = indicesType.getDimSize(1);
    e.intermediate = inter;
    e.hidden = hidden;
    e.input = *in;
    e.indices = *indices;
    e.output = *out;
    FailureOr<KernelSpec> gated = linearSpec(ffn, {inter, hidden, 2}, {*g, *u});
    FailureOr<KernelSpec> downSpec = linearSpec(ffn, {hidden, inter}, {*d});
    if (failed(gated) || failed(downSpec))
      return failure();
    e.gatedKernel = kernel(*gated);
    e.downKernel = kernel(*downSpec);
    // One expert's matrices, viewed [K, N] as matrixArg views them.
    e.gate = {KernelArg::Source::Weight, *g, {hidden, inter}};
    e.up = {KernelArg::Source::Weight, *u, {hidden, inter}};
    e.down = {KernelArg::Source::Weight, *d, {inter, hidden}};
    push(std::move(step));
    return success();
  }

  /// down·(silu(gate·x) ⊙ up·x) of slot `in` (rows of `hidden`) with
  /// panel-packed weights, into a new slot: the gated linear kernel, then
  /// the down projection.
  FailureOr<int64_t> swigluFfn(Operation *op, int64_t in, int64_t hidden,
                               int64_t inter, int64_t gate, int64_t up,
                               int64_t down) {
    FailureOr<KernelSpec> gated = linearSpec(op, {inter, hidden, 2}, {gate, up});
    FailureOr<KernelSpec> downSpec = linearSpec(op, {hidden, inter}, {down});
    if (failed(gated) || failed(downSpec))
      return failure();
    int64_t act = newSlot(inter, false), out = newSlot(hidden, false);
    call(*gated,
         {slotArg(in, {hidden, KernelArg::kTokens}),
          matrixArg(gate, hidden, inter), matrixArg(up, hidden, inter)},
         slotArg(act, {inter, KernelArg::kTokens}));
    call(*downSpec,
         {slotArg(act, {inter, KernelArg::kTokens}),
          matrixArg(down, inter, hidden)},
         slotArg(out, {hidden, KernelArg::kTokens}));
    return out;
  }

  /// r1.moe without r1-specialize-routing, densely: every expert runs on
  /// every row and adds its output with the row's weight for it (zero when
  /// the router did not choose it). Correct at any size, but it reads all
  /// E experts' weights per step where the specialized form reads k.
  LogicalResult lowerDenseMoe(MoeOp moe) {
    auto gate = cast<RankedTensorType>(moe.getGateWeight().getType());
    auto indicesType = cast<RankedTensorType>(moe.getIndices().getType());
    if (gate.getRank() != 3 || indicesType.getRank() != 2)
      return moe.emitOpError()
             << "must route [tokens, k] over stacked [E, I, H] experts to "
                "compile";
    int64_t experts = gate.getDimSize(0), inter = gate.getDimSize(1),
            hidden = gate.getDimSize(2), k = indicesType.getDimSize(1);
    FailureOr<int64_t> in = slot(moe, moe.getHidden());
    FailureOr<int64_t> weights = slot(moe, moe.getWeights());
    FailureOr<int64_t> indices = slot(moe, moe.getIndices());
    if (failed(in) || failed(weights) || failed(indices))
      return failure();
    int64_t sum = -1;
    if (Value sharedGate = moe.getSharedGateWeight()) {
      int64_t sharedInter =
          cast<RankedTensorType>(sharedGate.getType()).getDimSize(0);
      FailureOr<int64_t> g = weight(moe, sharedGate, WeightLayout::Matrix);
      FailureOr<int64_t> u =
          weight(moe, moe.getSharedUpWeight(), WeightLayout::Matrix);
      FailureOr<int64_t> d =
          weight(moe, moe.getSharedDownWeight(), WeightLayout::Matrix);
      if (failed(g) || failed(u) || failed(d))
        return failure();
      FailureOr<int64_t> shared =
          swigluFfn(moe, *in, hidden, sharedInter, *g, *u, *d);
      if (failed(shared))
        return failure();
      sum = *shared;
    }
    for (int64_t e = 0; e < experts; ++e) {
      FailureOr<int64_t> g =
          weight(moe, moe.getGateWeight(), WeightLayout::Matrix, {e});
      FailureOr<int64_t> u =
          weight(moe, moe.getUpWeight(), WeightLayout::Matrix, {e});
      FailureOr<int64_t> d =
          weight(moe, moe.getDownWeight(), WeightLayout::Matrix, {e});
      if (failed(g) || failed(u) || failed(d))
        return failure();
      FailureOr<int64_t> expert = swigluFfn(moe, *in, hidden, inter, *g, *u, *d);
      if (failed(expert))
        return failure();
      int64_t y = *expert;
      FailureOr<int64_t> next = e + 1 < experts
                                    ? FailureOr<int64_t>(newSlot(hidden, false))
                                    : define(moe, moe.getResult());
      if (failed(next))
        return failure();
      SmallVector<KernelArg, 4> inputs{
          slotArg(y, {hidden, KernelArg::kTokens}),
          slotArg(*weights, {k, KernelArg::kTokens}),
          slotArg(*indices, {k, KernelArg::kTokens})};
      if (sum >= 0)
        inputs.push_back(slotArg(sum, {hidden, KernelArg::kTokens}));
      KernelSpec spec(Kind::ExpertAccumulate, {k, hidden, e});
      spec.flag = sum >= 0;
      call(std::move(spec), std::move(inputs),
           slotArg(*next, {hidden, KernelArg::kTokens}));
      sum = *next;
    }
    return success();
  }

  LogicalResult lowerCombine(ExpertCombineOp combine) {
    auto type = cast<RankedTensorType>(combine.getOutputs().getType());
    if (type.getRank() != 3)
      return combine.emitOpError() << "must combine [tokens, k, hidden]";
    int64_t k = type.getDimSize(1), h = type.getDimSize(2);
    FailureOr<int64_t> y = slot(combine, combine.getOutputs());
    FailureOr<int64_t> w = slot(combine, combine.getWeights());
    if (failed(y) || failed(w))
      return failure();
    SmallVector<KernelArg, 4> inputs = {
        slotArg(*y, {h, k, KernelArg::kTokens}),
        slotArg(*w, {k, KernelArg::kTokens})};
    if (Value base = combine.getBase()) {
      FailureOr<int64_t> b = slot(combine, base);
      if (failed(b))
        return failure();
      inputs.push_back(slotArg(*b, {h, KernelArg::kTokens}));
    }
    FailureOr<int64_t> out = define(combine, combine.getResult());
    if (failed(out))
      return failure();
    KernelSpec spec(Kind::ExpertCombine, {k, h});
    spec.flag = bool(combine.getBase());
    call(std::move(spec), std::move(inputs),
         slotArg(*out, {h, KernelArg::kTokens}));
    return success();
  }

  /// silu(g) · u with silu's only use the mul is one SwiGLU kernel: g and u
  /// are read once and the activation never stored.
  static bool fusesIntoSwiGlu(SiluOp silu) {
    if (!silu->hasOneUse())
      return false;
    auto mul = dyn_cast<MulOp>(*silu->getUsers().begin());
    return mul && mul.getLhs().getType() == mul.getRhs().getType() &&
           mul.getLhs() != mul.getRhs();
  }

  LogicalResult lowerSwiGlu(MulOp mul, Value gate, Value up) {
    FailureOr<int64_t> width = widthOf(mul, mul.getResult());
    FailureOr<int64_t> g = slot(mul, gate);
    FailureOr<int64_t> u = slot(mul, up);
    if (failed(width) || failed(g) || failed(u))
      return failure();
    FailureOr<int64_t> out = define(mul, mul.getResult());
    if (failed(out))
      return failure();
    call(KernelSpec(Kind::SwiGlu, {}),
         {slotArg(*g, {-*width}), slotArg(*u, {-*width})},
         slotArg(*out, {-*width}));
    return success();
  }

  LogicalResult lowerElementwise(Operation *op, Kind kind) {
    FailureOr<int64_t> width = widthOf(op, op->getResult(0));
    if (failed(width))
      return failure();
    SmallVector<KernelArg, 4> inputs;
    for (Value operand : op->getOperands()) {
      if (operand.getType() != op->getResult(0).getType())
        return op->emitOpError()
               << "broadcasts; the elementwise kernels take equal shapes";
      FailureOr<int64_t> in = slot(op, operand);
      if (failed(in))
        return failure();
      inputs.push_back(slotArg(*in, {-*width}));
    }
    FailureOr<int64_t> out = define(op, op->getResult(0));
    if (failed(out))
      return failure();
    call(KernelSpec(kind, {}), std::move(inputs), slotArg(*out, {-*width}));
    return success();
  }

  ModuleOp module;
  KernelProgram program;
  llvm::DenseMap<Value, int64_t> slotOf;
  /// (declaration, layout, layout params, column scale, bf16) → weights
  /// index.
  std::map<std::tuple<std::string, int, std::vector<int64_t>, std::string, bool>,
           int64_t>
      weightIndex;
  llvm::DenseMap<Value, int64_t> stateOf; // memory state → states index
  /// LSH buckets → (bucket cache, bucket count); permutations → (sorted
  /// cache, 0).
  llvm::DenseMap<Value, std::pair<int64_t, int64_t>> lshCaches;
  llvm::DenseMap<Value, std::string> inputOf; // image / audio inputs
  llvm::DenseMap<Value, RowKinds> plainRows; // plain attention's values
  /// (input slot, gain weight, epsilon) → the slot an rms_norm kernel
  /// wrote for bf16 linears.
  std::map<std::tuple<int64_t, int64_t, double>, int64_t> normalizedSlots;
  Value positionsValue;
  SmallVector<Value> calleePositions;
};

} // namespace

FailureOr<KernelProgram> mlir::r1::lowerToKernels(ModuleOp module) {
  return Lowering(module).run();
}

bool mlir::r1::isRuntimeStep(ProgramStep::Kind kind) {
  switch (kind) {
  case ProgramStep::Kind::Encode:
  case ProgramStep::Kind::Route:
  case ProgramStep::Kind::Experts:
  case ProgramStep::Kind::MemoryRead:
  case ProgramStep::Kind::MemoryRecord:
  case ProgramStep::Kind::LshSort:
    return true;
  case ProgramStep::Kind::Call:
  case ProgramStep::Kind::CacheAppend:
  case ProgramStep::Kind::Skip:
  case ProgramStep::Kind::Prefill:
  case ProgramStep::Kind::Jump:
    return false;
  }
  llvm_unreachable("unknown step kind");
}

r1rt::Program mlir::r1::describeProgram(
    const KernelProgram &program,
    llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges) {
  assert(weightRanges.size() == program.weights.size() &&
         "one range per weight");
  r1rt::Program d;
  d.vocab = program.vocab;
  d.context = program.contextLength;
  d.slots = program.slots;
  d.caches = program.caches;
  for (auto [i, range] : llvm::enumerate(weightRanges))
    d.weights.push_back({range.first, range.second, program.weights[i].bf16});
  for (const KernelSpec &kernel : program.kernels)
    d.kernels.push_back(kernel.symbol());
  d.encoders = program.encoders;
  d.states = program.states;
  d.ids = program.idsSlot;
  d.positions = program.positionsSlot;
  d.logits = program.logitsSlot;
  d.replay = program.replay;
  d.classifier = program.classifier;
  for (const ProgramStep &step : program.steps) {
    if (!isRuntimeStep(step.kind))
      continue;
    r1rt::Step out;
    switch (step.kind) {
    case ProgramStep::Kind::Encode:
      out.kind = r1rt::Step::Kind::Encode;
      out.slot = step.slot;
      break;
    case ProgramStep::Kind::Route:
      out.kind = r1rt::Step::Kind::Route;
      out.route = step.route;
      break;
    case ProgramStep::Kind::Experts:
      out.kind = r1rt::Step::Kind::Experts;
      out.experts = step.experts;
      break;
    case ProgramStep::Kind::MemoryRead:
      out.kind = r1rt::Step::Kind::MemoryRead;
      out.memory = step.memory;
      break;
    case ProgramStep::Kind::MemoryRecord:
      out.kind = r1rt::Step::Kind::MemoryRecord;
      out.memory = step.memory;
      break;
    case ProgramStep::Kind::LshSort:
      out.kind = r1rt::Step::Kind::LshSort;
      out.lshSort = step.lshSort;
      break;
    default:
      llvm_unreachable("not a runtime step");
    }
    d.steps.push_back(std::move(out));
  }
  return d;
}
