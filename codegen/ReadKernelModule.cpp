//===- ReadKernelModule.cpp - an r1k module as a kernel program -----------===//
//
// This file implements readKernelModule, the inverse of buildKernelModule:
// buffers, weights, states and kernels are numbered in module order, each
// kernel declaration's named attributes become its spec (two equal
// declarations are one kernel), and the forward region's branches become
// the flat step list's "skip the next N steps" records the host program
// compiles.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelModule.h"

#include "ir/r1k/R1kDialect.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::r1;
namespace k = mlir::r1k;

namespace {

using Kind = KernelSpec::Kind;

class KernelModuleReader {
public:
  explicit KernelModuleReader(ModuleOp module) : module(module) {}

  KernelModuleIndex takeIndex() {
    return {std::move(buffers), std::move(kernels), std::move(states)};
  }

  FailureOr<KernelProgram> run() {
    k::ForwardOp forward;
    for (Operation &op : module.getBody()->getOperations()) {
      LogicalResult result =
          llvm::TypeSwitch<Operation *, LogicalResult>(&op)
              .Case([&](k::SlotOp slot) { return readSlot(slot); })
              .Case([&](k::CacheOp cache) {
                number(cache, KernelArg::Source::Cache, program.caches.size());
                program.caches.push_back({int64_t(cache.getWidth()),
                                          cache.getElement().isInteger(32)});
                return success();
              })
              .Case([&](k::WeightOp weight) { return readWeight(weight); })
              .Case([&](k::StateOp) { return success(); }) // after weights
              .Case([&](k::ClassifyOp) { return success(); })
              .Case([&](k::ForwardOp op) -> LogicalResult {
                if (forward)
                  return op.emitOpError() << "is the module's second forward";
                forward = op;
                return success();
              })
              .Default([&](Operation *op) { return readKernel(op); });
      if (failed(result))
        return failure();
    }
    if (!forward)
      return module.emitError() << "the r1k module has no r1k.forward";
    for (auto state : module.getOps<k::StateOp>()) {
      states[state.getSymName()] = int64_t(program.states.size());
      program.states.push_back(
          {index(state.getInitialAttr()), int64_t(state.getRows()),
           int64_t(state.getWidth())});
    }
    for (auto classify : module.getOps<k::ClassifyOp>()) {
      if (program.classifier.labels > 0)
        return classify.emitOpError() << "is the module's second classifier";
      auto &c = program.classifier;
      c.hidden = index(classify.getHiddenAttr());
      c.weight = index(classify.getWeightAttr());
      c.bias = classify.getBiasAttr() ? index(classify.getBiasAttr()) : -1;
      c.labels = classify.getLabels();
      c.mean = classify.getMeanPooling();
    }
    program.idsSlot = index(forward.getIdsAttr());
    program.positionsSlot = index(forward.getPositionsAttr());
    program.logitsSlot = index(forward.getLogitsAttr());
    program.vocab = forward.getVocab();
    program.contextLength = forward.getContextLength();
    program.replay = forward.getReplay();
    Block &body = forward.getBody().front();
    program.rowwiseTail = -1;
    int64_t top = 0;
    for (Operation &op : body) {
      if (top++ == forward.getRowwiseFromAttr().getInt())
        program.rowwiseTail = int64_t(program.steps.size());
      if (failed(readStep(&op)))
        return failure();
    }
    if (program.rowwiseTail < 0)
      program.rowwiseTail = int64_t(program.steps.size());
    return std::move(program);
  }

private:
  void number(Operation *op, KernelArg::Source source, size_t i) {
    auto name = op->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    buffers[name.getValue()] = {source, int64_t(i)};
  }
  /// The index of the slot, cache, weight or state `ref` names (the
  /// verifier has checked that it names one of the kind its field takes).
  int64_t index(FlatSymbolRefAttr ref) {
    if (auto it = buffers.find(ref.getValue()); it != buffers.end())
      return it->second.second;
    return states.lookup(ref.getValue());
  }
  KernelArg arg(k::ViewAttr view) {
    auto [source, i] = buffers.lookup(view.getBuffer().getValue());
    return {source, i, SmallVector<int64_t, 4>(view.getDims())};
  }
  /// A runtime step's argument (runtime/Program.h's Arg).
  r1rt::Arg stepArg(k::ViewAttr view) {
    auto [source, i] = buffers.lookup(view.getBuffer().getValue());
    return {source, i, std::vector<int64_t>(view.getDims().begin(),
                                            view.getDims().end())};
  }
  int64_t kernelIndex(FlatSymbolRefAttr ref) {
    return kernels.lookup(ref.getValue());
  }

  LogicalResult readSlot(k::SlotOp slot) {
    number(slot, KernelArg::Source::Slot, program.slots.size());
    ProgramSlot s{int64_t(slot.getWidth()), slot.getElement().isInteger(32)};
    s.context = slot.getRows() == k::Rows::context;
    s.square = slot.getRows() == k::Rows::square;
    s.cross = slot.getRows() == k::Rows::cross;
    program.slots.push_back(s);
    return success();
  }

  LogicalResult readWeight(k::WeightOp op) {
    number(op, KernelArg::Source::Weight, program.weights.size());
    ProgramWeight w;
    w.decl = op.getName().str();
    w.loc = op.getLoc();
    w.shape.assign(op.getShape().begin(), op.getShape().end());
    for (auto source : op.getSources().getAsValueRange<StringAttr>())
      w.sources.push_back(source.str());
    w.bf16 = op.getStorage().isBF16();
    if (op.getLayout() == k::Layout::matrix)
      return op.emitOpError()
             << "is still a `matrix`: the target chooses its layout "
                "(Target::chooseLayouts) before its kernels are compiled";
    w.layout = op.getLayout() == k::Layout::panels16 ? WeightLayout::Panels16
                                                     : WeightLayout::Plain;
    for (Attribute d : op.getDerive()) {
      if (auto dq = dyn_cast<k::DequantizeBlocksAttr>(d)) {
        for (auto scale : dq.getScales().getAsValueRange<StringAttr>())
          w.scales.push_back(scale.str());
        w.block = {dq.getRows(), dq.getCols()};
      } else if (auto columns = dyn_cast<k::ScaleColumnsAttr>(d)) {
        w.columnScale = columns.getBy().str();
      } else if (auto split = dyn_cast<k::SplitHeadsAttr>(d)) {
        if (w.layout != WeightLayout::Plain || w.shape.size() != 2)
          return op.emitOpError() << "splits heads of a plain matrix only";
        w.layout = split.getPart() == "keys" ? WeightLayout::MlaUk
                                             : WeightLayout::MlaUv;
        w.params = {split.getHeads(), split.getNope(), split.getV()};
      } else if (auto expert = dyn_cast<k::SelectExpertAttr>(d)) {
        if (w.layout != WeightLayout::Panels16 || w.shape.size() != 3 ||
            expert.getExpert() >= w.shape[0])
          return op.emitOpError()
                 << "selects expert " << expert.getExpert()
                 << ", which its panels16 stack does not have";
        w.params = {expert.getExpert()};
      }
    }
    // The derivations a target applies in this order; others are not built.
    if (w.layout == WeightLayout::MlaUk || w.layout == WeightLayout::MlaUv) {
      int64_t h = w.params[0], dn = w.params[1], dv = w.params[2];
      if (w.shape[0] != h * (dn + dv))
        return op.emitOpError() << "splits " << w.shape[0] << " rows into "
                                << h << " heads of " << dn << " + " << dv;
    }
    if (w.bf16 && (!w.scales.empty() || !w.columnScale.empty()))
      return op.emitOpError()
             << "stores bf16 from a derivation that rounds: keep bf16 for "
                "a checkpoint's values as they are";
    program.weights.push_back(std::move(w));
    return success();
  }

  /// A kernel declaration's spec; equal specs are one kernel.
  LogicalResult readKernel(Operation *op) {
    FailureOr<KernelSpec> spec = specOf(op);
    if (failed(spec))
      return failure();
    auto existing = llvm::find(program.kernels, *spec);
    int64_t i = existing - program.kernels.begin();
    if (existing == program.kernels.end())
      program.kernels.push_back(std::move(*spec));
    kernels[SymbolTable::getSymbolName(op).getValue()] = i;
    return success();
  }

  static FailureOr<KernelSpec> specOf(Operation *op) {
    // Integer attributes are unsigned in ODS; the verifier has checked that
    // each fits int64_t.
    auto spec = [](Kind kind, ArrayRef<uint64_t> dims,
                   ArrayRef<double> params = {}, bool flag = false) {
      SmallVector<int64_t, 6> signedDims(dims.begin(), dims.end());
      KernelSpec s(kind, signedDims, params);
      s.flag = flag;
      return s;
    };
    auto f = [](APFloat v) { return v.convertToDouble(); };
    return llvm::TypeSwitch<Operation *, FailureOr<KernelSpec>>(op)
        .Case([&](k::EmbedKernelOp o) {
          return spec(Kind::Embed, {o.getChannels(), o.getVocab()});
        })
        .Case([&](k::RmsNormKernelOp o) {
          return spec(Kind::RmsNorm, {o.getChannels()}, {f(o.getEps())});
        })
        .Case([&](k::LinearKernelOp o) {
          SmallVector<uint64_t, 3> dims{o.getN(), o.getK()};
          if (o.getEpilogue() != k::LinearEpilogue::none)
            dims.push_back(o.getEpilogue() == k::LinearEpilogue::gated ? 2 : 1);
          SmallVector<double, 1> params;
          if (auto eps = o.getRmsEps())
            params.push_back(f(*eps));
          KernelSpec s = spec(Kind::Linear, dims, params, o.getBias());
          s.bf16Weights = o.getBf16Weights();
          return s;
        })
        .Case([&](k::RopeKernelOp o) {
          KernelSpec s =
              spec(Kind::Rope, {o.getHeads(), o.getHeadDim(), o.getRotaryDim()},
                   {f(o.getMscale())}, o.getInterleaved());
          s.table.assign(o.getInvFreq().begin(), o.getInvFreq().end());
          return s;
        })
        .Case([&](k::AttentionKernelOp o) {
          return spec(Kind::Attention,
                      {o.getHeads(), o.getKvHeads(), o.getHeadDim(),
                       o.getVHeadDim()},
                      {f(o.getScale())}, o.getCausal());
        })
        .Case([&](k::AddKernelOp) { return spec(Kind::Add, {}); })
        .Case([&](k::MulKernelOp) { return spec(Kind::Mul, {}); })
        .Case([&](k::SiluKernelOp) { return spec(Kind::Silu, {}); })
        .Case([&](k::SwiGluKernelOp) { return spec(Kind::SwiGlu, {}); })
        .Case([&](k::SliceKernelOp o) {
          return spec(Kind::Slice, {o.getInner(), o.getAxis(), o.getOuter(),
                                    o.getStart(), o.getSize()});
        })
        .Case([&](k::HeadMatmulKernelOp o) {
          return spec(Kind::HeadMatmul,
                      {o.getHeads(), o.getInDim(), o.getOutDim()});
        })
        .Case([&](k::MlaAttentionKernelOp o) {
          return spec(Kind::MlaAttention,
                      {o.getHeads(), o.getKvLoraRank(), o.getRopeDim()},
                      {f(o.getScale())}, o.getCausal());
        })
        .Case([&](k::GateScoreKernelOp o) {
          return spec(Kind::GateScore, {o.getHidden()});
        })
        .Case([&](k::GateSelectKernelOp o) {
          return spec(Kind::GateSelect, {o.getHidden()},
                      {f(o.getThreshold())});
        })
        .Case([&](k::ExpertCombineKernelOp o) {
          return spec(Kind::ExpertCombine, {o.getTopK(), o.getHidden()}, {},
                      o.getHasBase());
        })
        .Case([&](k::ConcatKernelOp o) {
          SmallVector<uint64_t> dims{o.getInner(), o.getOuter()};
          dims.append(o.getAxes().begin(), o.getAxes().end());
          return spec(Kind::Concat, dims);
        })
        .Case([&](k::RepeatKernelOp o) {
          return spec(Kind::Repeat,
                      {o.getInner(), o.getAxis(), o.getOuter(), o.getCount()});
        })
        .Case([&](k::LshHashKernelOp o) {
          KernelSpec s = spec(Kind::LshHash, {o.getHeads(), o.getHeadDim(),
                                              o.getRounds(), o.getBuckets()});
          s.table.assign(o.getRotations().begin(), o.getRotations().end());
          return s;
        })
        .Case([&](k::L2NormalizeKernelOp o) {
          return spec(Kind::L2Normalize, {o.getHeads(), o.getHeadDim()});
        })
        .Case([&](k::LshAttentionKernelOp o) {
          return spec(Kind::LshAttention,
                      {o.getHeads(), o.getHeadDim(), o.getRounds(),
                       o.getChunk(), o.getBefore(), o.getAfter()},
                      {f(o.getScale())}, o.getCausal());
        })
        .Case([&](k::MergeRoundsKernelOp o) {
          return spec(Kind::MergeRounds,
                      {o.getHeads(), o.getHeadDim(), o.getRounds()});
        })
        .Case([&](k::ExpertAccumulateKernelOp o) {
          return spec(Kind::ExpertAccumulate,
                      {o.getTopK(), o.getHidden(), o.getExpert()}, {},
                      o.getHasBase());
        })
        .Case([&](k::SwapOuterKernelOp) { return spec(Kind::SwapOuter, {}); })
        .Case([&](k::RepeatOuterKernelOp o) {
          return spec(Kind::RepeatOuter, {o.getCount()});
        })
        .Case([&](k::BatchMatmulKernelOp o) {
          return spec(Kind::BatchMatmul, {}, {}, o.getTransposeRhs());
        })
        .Case([&](k::ScaleKernelOp o) {
          return spec(Kind::Scale, {}, {f(o.getFactor())});
        })
        .Case([&](k::CausalMaskKernelOp) { return spec(Kind::CausalMask, {}); })
        .Case([&](k::SoftmaxKernelOp) { return spec(Kind::Softmax, {}); })
        .Default([&](Operation *op) -> FailureOr<KernelSpec> {
          return op->emitOpError() << "is not an r1k module-level op";
        });
  }

  /// The steps `op` stands for, appended to program.steps.
  LogicalResult readStep(Operation *op) {
    auto add = [&](ProgramStep::Kind kind) -> ProgramStep & {
      program.steps.emplace_back(kind);
      return program.steps.back();
    };
    auto block = [&](Region &region) -> FailureOr<int64_t> {
      size_t begin = program.steps.size();
      if (!region.empty())
        for (Operation &inner : region.front())
          if (failed(readStep(&inner)))
            return failure();
      return int64_t(program.steps.size() - begin);
    };
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](k::CallOp call) -> LogicalResult {
          ProgramStep &step = add(ProgramStep::Kind::Call);
          step.kernel = kernelIndex(call.getKernelAttr());
          for (Attribute view : call.getInputs())
            step.inputs.push_back(arg(cast<k::ViewAttr>(view)));
          step.output = arg(call.getOutput());
          return success();
        })
        .Case([&](k::AppendOp append) {
          ProgramStep &step = add(ProgramStep::Kind::CacheAppend);
          step.slot = index(append.getSlotAttr());
          step.cache = index(append.getCacheAttr());
          return success();
        })
        .Case([&](k::EncodeOp encode) { return readEncode(encode); })
        .Case([&](k::RouteOp r) {
          RouteStep &route = add(ProgramStep::Kind::Route).route;
          route.logits = index(r.getLogitsAttr());
          route.bias = r.getBiasAttr() ? index(r.getBiasAttr()) : -1;
          route.weights = index(r.getWeightsAttr());
          route.indices = index(r.getIndicesAttr());
          route.sigmoid = r.getScoring() == "sigmoid";
          route.experts = r.getExperts();
          route.groups = r.getGroups();
          route.topkGroups = r.getTopkGroups();
          route.topK = r.getTopK();
          route.normalize = r.getNormalize();
          // The runtime's floats are f32 (r1k's f64 attributes hold them
          // widened, so this is exact for a module r1c wrote).
          route.scaling = float(r.getScaling().convertToDouble());
          return success();
        })
        .Case([&](k::ExpertsOp e) {
          ExpertsStep &experts = add(ProgramStep::Kind::Experts).experts;
          experts.experts = e.getExperts();
          experts.topK = e.getTopK();
          experts.intermediate = e.getIntermediate();
          experts.hidden = e.getHidden();
          experts.input = index(e.getInputAttr());
          experts.indices = index(e.getIndicesAttr());
          experts.output = index(e.getOutputAttr());
          experts.gatedKernel = kernelIndex(e.getGatedKernelAttr());
          experts.downKernel = kernelIndex(e.getDownKernelAttr());
          experts.gate = stepArg(e.getGate());
          experts.up = stepArg(e.getUp());
          experts.down = stepArg(e.getDown());
          return success();
        })
        .Case([&](k::MemoryReadOp m) {
          MemoryStep &memory = add(ProgramStep::Kind::MemoryRead).memory;
          memory.input = index(m.getInputAttr());
          memory.gate = index(m.getGateAttr());
          memory.output = index(m.getOutputAttr());
          memory.keys = index(m.getKeysAttr());
          memory.values = index(m.getValuesAttr());
          memory.topK = m.getTopK();
          return success();
        })
        .Case([&](k::MemoryRecordOp m) {
          MemoryStep &memory = add(ProgramStep::Kind::MemoryRecord).memory;
          memory.input = index(m.getInputAttr());
          memory.keys = index(m.getKeysAttr());
          memory.values = index(m.getValuesAttr());
          memory.decay = float(m.getDecay().convertToDouble());
          return success();
        })
        .Case([&](k::LshSortOp l) {
          LshSortStep &sort = add(ProgramStep::Kind::LshSort).lshSort;
          sort.buckets = index(l.getBucketsAttr());
          sort.sorted = index(l.getSortedAttr());
          sort.rank = index(l.getRankAttr());
          sort.count = l.getCount();
          return success();
        })
        .Case([&](k::LayerSkipOp skip) -> LogicalResult {
          size_t at = program.steps.size();
          add(ProgramStep::Kind::Skip);
          FailureOr<int64_t> count = block(skip.getBody());
          if (failed(count))
            return failure();
          program.steps[at].skip = {index(skip.getScoreAttr()),
                                    skip.getThreshold().convertToDouble(),
                                    *count};
          return success();
        })
        .Case([&](k::FreshPrefillOp branch) -> LogicalResult {
          // [prefill, fresh form..., jump, other form...]
          size_t at = program.steps.size();
          add(ProgramStep::Kind::Prefill);
          FailureOr<int64_t> fresh = block(branch.getFresh());
          if (failed(fresh))
            return failure();
          size_t jump = program.steps.size();
          add(ProgramStep::Kind::Jump);
          FailureOr<int64_t> other = block(branch.getOtherwise());
          if (failed(other))
            return failure();
          program.steps[at].branch = {int64_t(branch.getMinRows()), *fresh + 1};
          program.steps[jump].branch = {0, *other};
          return success();
        })
        .Default([&](Operation *op) {
          return op->emitOpError() << "is not a step of r1k.forward";
        });
  }

  LogicalResult readEncode(k::EncodeOp encode) {
    if (!program.encoders.empty())
      return encode.emitOpError() << "is the forward's second encode";
    for (Attribute part : encode.getParts()) {
      EncoderPart e{};
      if (auto image = dyn_cast<k::ImageEncoderAttr>(part)) {
        e.image = true;
        e.channels = image.getChannels();
        e.height = image.getHeight();
        e.width = image.getWidth();
        e.patch = image.getPatch();
        e.embed = index(image.getEmbed());
        e.bias = index(image.getBias());
        e.position = index(image.getPosition());
        e.normWeight = index(image.getNormWeight());
        e.normBias = index(image.getNormBias());
        e.eps = float(image.getEps().getValueAsDouble());
      } else {
        auto audio = cast<k::AudioEncoderAttr>(part);
        e.image = false;
        e.length = audio.getLength();
        e.hop = audio.getHop();
        e.embed = index(audio.getEmbed());
        e.bias = index(audio.getBias());
        e.normWeight = index(audio.getNormWeight());
        e.normBias = index(audio.getNormBias());
        e.eps = float(audio.getEps().getValueAsDouble());
      }
      program.encoders.push_back(e);
    }
    ProgramStep &step = program.steps.emplace_back(ProgramStep::Kind::Encode);
    step.slot = index(encode.getSlotAttr());
    return success();
  }

  ModuleOp module;
  KernelProgram program;
  llvm::StringMap<std::pair<KernelArg::Source, int64_t>> buffers;
  llvm::StringMap<int64_t> states, kernels;
};

} // namespace

FailureOr<KernelProgram>
mlir::r1::readKernelModule(ModuleOp module, KernelModuleIndex *index) {
  if (failed(verify(module)))
    return failure();
  KernelModuleReader reader(module);
  FailureOr<KernelProgram> program = reader.run();
  if (succeeded(program) && index)
    *index = reader.takeIndex();
  return program;
}
