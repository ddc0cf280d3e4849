//===- KernelModule.cpp - a kernel program as an r1k module ---------------===//
//
// This file implements buildKernelModule. Buffers are named by kind and
// index (@s3 slot, @c1 cache, @w7 weight, @m0 state), kernels by their
// symbol. The flat step list's "skip the next N steps" branches become
// regions: a layer-skip's body is the N steps after it; a fresh-prefill
// branch's N steps end in the jump over the other form, which the N steps
// after the jump are.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelModule.h"

#include "ir/R1Dialect.h"
#include "ir/r1k/R1kDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::r1;
namespace k = mlir::r1k;

namespace {

using Kind = KernelSpec::Kind;

class KernelModuleBuilder {
public:
  KernelModuleBuilder(ModuleOp graph, const KernelProgram &program)
      : graph(graph), program(program), b(graph.getContext()),
        loc(graph.getLoc()) {}

  FailureOr<OwningOpRef<ModuleOp>> run() {
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    // What the model is (manifest.json's architecture).
    if (Attribute model = graph->getAttr("r1.model"))
      (*module)->setAttr("r1.model", model);
    b.setInsertionPointToEnd(module->getBody());
    buffers();
    if (failed(weights()))
      return failure();
    for (size_t i = 0; i < program.states.size(); ++i) {
      const ProgramState &s = program.states[i];
      b.create<k::StateOp>(loc, name("m", i), b.getI64IntegerAttr(s.rows),
                           b.getI64IntegerAttr(s.width),
                           ref("w", s.initial));
    }
    for (const KernelSpec &spec : program.kernels)
      if (failed(kernel(spec)))
        return failure();
    if (program.classifier.labels > 0) {
      const auto &c = program.classifier;
      b.create<k::ClassifyOp>(
          loc, ref("s", c.hidden), ref("w", c.weight),
          c.bias >= 0 ? ref("w", c.bias) : FlatSymbolRefAttr(),
          b.getI64IntegerAttr(c.labels), b.getBoolAttr(c.mean));
    }
    auto forward = b.create<k::ForwardOp>(
        loc, ref("s", program.idsSlot), ref("s", program.positionsSlot),
        ref("s", program.logitsSlot), b.getI64IntegerAttr(program.vocab),
        b.getI64IntegerAttr(program.contextLength),
        program.replay ? b.getUnitAttr() : UnitAttr(),
        b.getI64IntegerAttr(0));
    Block *body = b.createBlock(&forward.getBody());
    int64_t rowwiseFrom = -1;
    if (failed(steps(0, program.steps.size(), body, &rowwiseFrom)))
      return failure();
    forward.setRowwiseFrom(rowwiseFrom >= 0 ? rowwiseFrom
                                            : int64_t(body->getOperations().size()));
    if (failed(verify(*module)))
      return graph.emitError() << "the kernel program is not a valid r1k "
                                  "module";
    return module;
  }

private:
  StringAttr name(StringRef prefix, size_t i) {
    return b.getStringAttr(prefix + Twine(i));
  }
  FlatSymbolRefAttr ref(StringRef prefix, int64_t i) {
    return FlatSymbolRefAttr::get(name(prefix, size_t(i)));
  }
  FlatSymbolRefAttr kernelRef(int64_t i) {
    return FlatSymbolRefAttr::get(b.getContext(),
                                  program.kernels[size_t(i)].symbol());
  }
  /// A kernel call's argument, or a runtime step's (r1rt::Arg).
  template <typename Arg> k::ViewAttr view(const Arg &arg) {
    static const char *const prefixes[] = {"s", "w", "c"};
    return k::ViewAttr::get(b.getContext(),
                            ref(prefixes[int(arg.source)], arg.index),
                            arg.dims);
  }
  ArrayAttr strings(ArrayRef<std::string> items) {
    SmallVector<StringRef> refs(items.begin(), items.end());
    return b.getStrArrayAttr(refs);
  }
  Type element(bool isInt) {
    return isInt ? Type(b.getI32Type()) : Type(b.getF32Type());
  }

  void buffers() {
    for (size_t i = 0; i < program.slots.size(); ++i) {
      const ProgramSlot &s = program.slots[i];
      k::Rows rows = s.context  ? k::Rows::context
                     : s.square ? k::Rows::square
                     : s.cross  ? k::Rows::cross
                                : k::Rows::tokens;
      b.create<k::SlotOp>(loc, name("s", i), b.getI64IntegerAttr(s.width),
                          TypeAttr::get(element(s.isInt)),
                          k::RowsAttr::get(b.getContext(), rows));
    }
    for (size_t i = 0; i < program.caches.size(); ++i)
      b.create<k::CacheOp>(loc, name("c", i),
                           b.getI64IntegerAttr(program.caches[i].width),
                           TypeAttr::get(element(program.caches[i].isInt)));
  }

  LogicalResult weights() {
    for (size_t i = 0; i < program.weights.size(); ++i) {
      const ProgramWeight &w = program.weights[i];
      SmallVector<Attribute> derive;
      if (!w.scales.empty())
        derive.push_back(k::DequantizeBlocksAttr::get(
            b.getContext(), strings(w.scales), w.block[0], w.block[1]));
      if (!w.columnScale.empty())
        derive.push_back(
            k::ScaleColumnsAttr::get(b.getContext(), w.columnScale));
      k::Layout layout = k::Layout::plain;
      switch (w.layout) {
      case WeightLayout::Plain:
        break;
      case WeightLayout::Panels16:
      case WeightLayout::Matrix:
        layout = w.layout == WeightLayout::Matrix ? k::Layout::matrix
                                                  : k::Layout::panels16;
        if (!w.params.empty())
          derive.push_back(
              k::SelectExpertAttr::get(b.getContext(), w.params[0]));
        break;
      case WeightLayout::MlaUk:
      case WeightLayout::MlaUv:
        derive.push_back(k::SplitHeadsAttr::get(
            b.getContext(), w.layout == WeightLayout::MlaUk ? "keys" : "values",
            w.params[0], w.params[1], w.params[2]));
        break;
      }
      b.create<k::WeightOp>(
          w.loc ? Location(w.loc) : loc, name("w", i), b.getStringAttr(w.decl), strings(w.sources),
          b.getDenseI64ArrayAttr(w.shape), b.getArrayAttr(derive),
          TypeAttr::get(w.bf16 ? Type(b.getBF16Type()) : Type(b.getF32Type())),
          k::LayoutAttr::get(b.getContext(), layout));
    }
    return success();
  }

  LogicalResult kernel(const KernelSpec &s) {
    auto i64 = [&](size_t i) { return b.getI64IntegerAttr(s.dims[i]); };
    auto f64 = [&](size_t i) { return b.getF64FloatAttr(s.params[i]); };
    auto flag = [&] { return b.getBoolAttr(s.flag); };
    auto need = [&](size_t dims, size_t params) {
      return s.dims.size() >= dims && s.params.size() >= params;
    };
    StringAttr sym = b.getStringAttr(s.symbol());
    auto bad = [&] {
      return graph.emitError() << "kernel " << s.symbol()
                               << " has parameters its kind does not take";
    };
    switch (s.kind) {
    case Kind::Embed:
      if (!need(2, 0))
        return bad();
      b.create<k::EmbedKernelOp>(loc, sym, i64(0), i64(1));
      break;
    case Kind::RmsNorm:
      if (!need(1, 1))
        return bad();
      b.create<k::RmsNormKernelOp>(loc, sym, i64(0), f64(0));
      break;
    case Kind::Linear: {
      if (!need(2, 0))
        return bad();
      k::LinearEpilogue epilogue =
          s.dims.size() < 3      ? k::LinearEpilogue::none
          : s.dims[2] == 2       ? k::LinearEpilogue::gated
                                 : k::LinearEpilogue::residual;
      b.create<k::LinearKernelOp>(
          loc, sym, i64(0), i64(1),
          k::LinearEpilogueAttr::get(b.getContext(), epilogue), flag(),
          s.params.empty() ? FloatAttr() : f64(0),
          b.getBoolAttr(s.bf16Weights));
      break;
    }
    case Kind::Rope:
      if (!need(3, 1))
        return bad();
      b.create<k::RopeKernelOp>(loc, sym, i64(0), i64(1), i64(2), flag(),
                                f64(0), b.getDenseF64ArrayAttr(s.table));
      break;
    case Kind::Attention:
      if (!need(4, 1))
        return bad();
      b.create<k::AttentionKernelOp>(loc, sym, i64(0), i64(1), i64(2), i64(3),
                                     flag(), f64(0));
      break;
    case Kind::Add:
      b.create<k::AddKernelOp>(loc, sym);
      break;
    case Kind::Mul:
      b.create<k::MulKernelOp>(loc, sym);
      break;
    case Kind::Silu:
      b.create<k::SiluKernelOp>(loc, sym);
      break;
    case Kind::SwiGlu:
      b.create<k::SwiGluKernelOp>(loc, sym);
      break;
    case Kind::Slice:
      if (!need(5, 0))
        return bad();
      b.create<k::SliceKernelOp>(loc, sym, i64(0), i64(1), i64(2), i64(3),
                                 i64(4));
      break;
    case Kind::HeadMatmul:
      if (!need(3, 0))
        return bad();
      b.create<k::HeadMatmulKernelOp>(loc, sym, i64(0), i64(1), i64(2));
      break;
    case Kind::MlaAttention:
      if (!need(3, 1))
        return bad();
      b.create<k::MlaAttentionKernelOp>(loc, sym, i64(0), i64(1), i64(2),
                                        flag(), f64(0));
      break;
    case Kind::GateScore:
      if (!need(1, 0))
        return bad();
      b.create<k::GateScoreKernelOp>(loc, sym, i64(0));
      break;
    case Kind::GateSelect:
      if (!need(1, 1))
        return bad();
      b.create<k::GateSelectKernelOp>(loc, sym, i64(0), f64(0));
      break;
    case Kind::ExpertCombine:
      if (!need(2, 0))
        return bad();
      b.create<k::ExpertCombineKernelOp>(loc, sym, i64(0), i64(1), flag());
      break;
    case Kind::Concat:
      if (!need(2, 0))
        return bad();
      b.create<k::ConcatKernelOp>(
          loc, sym, i64(0), i64(1),
          b.getDenseI64ArrayAttr(ArrayRef<int64_t>(s.dims).drop_front(2)));
      break;
    case Kind::Repeat:
      if (!need(4, 0))
        return bad();
      b.create<k::RepeatKernelOp>(loc, sym, i64(0), i64(1), i64(2), i64(3));
      break;
    case Kind::LshHash:
      if (!need(4, 0))
        return bad();
      b.create<k::LshHashKernelOp>(loc, sym, i64(0), i64(1), i64(2), i64(3),
                                   b.getDenseF64ArrayAttr(s.table));
      break;
    case Kind::L2Normalize:
      if (!need(2, 0))
        return bad();
      b.create<k::L2NormalizeKernelOp>(loc, sym, i64(0), i64(1));
      break;
    case Kind::LshAttention:
      if (!need(6, 1))
        return bad();
      b.create<k::LshAttentionKernelOp>(loc, sym, i64(0), i64(1), i64(2),
                                        i64(3), i64(4), i64(5), flag(), f64(0));
      break;
    case Kind::MergeRounds:
      if (!need(3, 0))
        return bad();
      b.create<k::MergeRoundsKernelOp>(loc, sym, i64(0), i64(1), i64(2));
      break;
    case Kind::ExpertAccumulate:
      if (!need(3, 0))
        return bad();
      b.create<k::ExpertAccumulateKernelOp>(loc, sym, i64(0), i64(1), i64(2),
                                            flag());
      break;
    case Kind::SwapOuter:
      b.create<k::SwapOuterKernelOp>(loc, sym);
      break;
    case Kind::RepeatOuter:
      if (!need(1, 0))
        return bad();
      b.create<k::RepeatOuterKernelOp>(loc, sym, i64(0));
      break;
    case Kind::BatchMatmul:
      b.create<k::BatchMatmulKernelOp>(loc, sym, flag());
      break;
    case Kind::Scale:
      if (!need(0, 1))
        return bad();
      b.create<k::ScaleKernelOp>(loc, sym, f64(0));
      break;
    case Kind::CausalMask:
      b.create<k::CausalMaskKernelOp>(loc, sym);
      break;
    case Kind::Softmax:
      b.create<k::SoftmaxKernelOp>(loc, sym);
      break;
    }
    return success();
  }

  /// Steps [begin, end) into `block`; `rowwiseFrom` (top level only) gets
  /// the index of the op that program.rowwiseTail's step became.
  LogicalResult steps(size_t begin, size_t end, Block *block,
                      int64_t *rowwiseFrom = nullptr) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(block);
    for (size_t i = begin; i < end; ++i) {
      if (rowwiseFrom && int64_t(i) == program.rowwiseTail)
        *rowwiseFrom = int64_t(block->getOperations().size());
      const ProgramStep &step = program.steps[i];
      switch (step.kind) {
      case ProgramStep::Kind::Call: {
        SmallVector<Attribute> inputs;
        for (const KernelArg &arg : step.inputs)
          inputs.push_back(view(arg));
        b.create<k::CallOp>(loc, kernelRef(step.kernel),
                            b.getArrayAttr(inputs), view(step.output));
        break;
      }
      case ProgramStep::Kind::CacheAppend:
        b.create<k::AppendOp>(loc, ref("s", step.slot), ref("c", step.cache));
        break;
      case ProgramStep::Kind::Encode: {
        SmallVector<Attribute> parts;
        for (const EncoderPart &e : program.encoders) {
          auto w = [&](int64_t i) { return ref("w", i); };
          auto eps = b.getF64FloatAttr(e.eps);
          if (e.image)
            parts.push_back(k::ImageEncoderAttr::get(
                b.getContext(), e.channels, e.height, e.width, e.patch,
                w(e.embed), w(e.bias), w(e.position), w(e.normWeight),
                w(e.normBias), eps));
          else
            parts.push_back(k::AudioEncoderAttr::get(
                b.getContext(), e.length, e.hop, w(e.embed), w(e.bias),
                w(e.normWeight), w(e.normBias), eps));
        }
        b.create<k::EncodeOp>(loc, ref("s", step.slot), b.getArrayAttr(parts));
        break;
      }
      case ProgramStep::Kind::Route: {
        const RouteStep &r = step.route;
        b.create<k::RouteOp>(
            loc, ref("s", r.logits),
            r.bias >= 0 ? ref("w", r.bias) : FlatSymbolRefAttr(),
            ref("s", r.weights), ref("s", r.indices),
            b.getStringAttr(r.sigmoid ? "sigmoid" : "softmax"),
            b.getI64IntegerAttr(r.experts), b.getI64IntegerAttr(r.groups),
            b.getI64IntegerAttr(r.topkGroups), b.getI64IntegerAttr(r.topK),
            b.getBoolAttr(r.normalize), b.getF64FloatAttr(r.scaling));
        break;
      }
      case ProgramStep::Kind::Experts: {
        const ExpertsStep &e = step.experts;
        b.create<k::ExpertsOp>(
            loc, b.getI64IntegerAttr(e.experts), b.getI64IntegerAttr(e.topK),
            b.getI64IntegerAttr(e.intermediate), b.getI64IntegerAttr(e.hidden),
            ref("s", e.input), ref("s", e.indices), ref("s", e.output),
            kernelRef(e.gatedKernel), kernelRef(e.downKernel), view(e.gate),
            view(e.up), view(e.down));
        break;
      }
      case ProgramStep::Kind::Skip: {
        size_t bodyEnd = i + 1 + size_t(step.skip.count);
        if (bodyEnd > end)
          return graph.emitError() << "a layer-skip branch passes its block";
        auto skip = b.create<k::LayerSkipOp>(
            loc, ref("s", step.skip.score),
            b.getF64FloatAttr(step.skip.threshold));
        if (failed(steps(i + 1, bodyEnd, b.createBlock(&skip.getBody()))))
          return failure();
        b.setInsertionPointAfter(skip);
        i = bodyEnd - 1;
        break;
      }
      case ProgramStep::Kind::Prefill: {
        // [fresh form..., jump] [other form...]
        size_t jump = i + size_t(step.branch.count);
        if (jump >= end || program.steps[jump].kind != ProgramStep::Kind::Jump)
          return graph.emitError()
                 << "a fresh-prefill branch does not end in a jump";
        size_t otherEnd = jump + 1 + size_t(program.steps[jump].branch.count);
        if (otherEnd > end)
          return graph.emitError() << "a fresh-prefill branch passes its block";
        auto branch = b.create<k::FreshPrefillOp>(
            loc, b.getI64IntegerAttr(step.branch.minRows));
        if (failed(steps(i + 1, jump, b.createBlock(&branch.getFresh()))) ||
            failed(steps(jump + 1, otherEnd,
                         b.createBlock(&branch.getOtherwise()))))
          return failure();
        b.setInsertionPointAfter(branch);
        i = otherEnd - 1;
        break;
      }
      case ProgramStep::Kind::Jump:
        return graph.emitError() << "a jump outside a fresh-prefill branch";
      case ProgramStep::Kind::MemoryRead: {
        const MemoryStep &m = step.memory;
        b.create<k::MemoryReadOp>(loc, ref("s", m.input), ref("s", m.gate),
                                  ref("s", m.output), ref("m", m.keys),
                                  ref("m", m.values),
                                  b.getI64IntegerAttr(m.topK));
        break;
      }
      case ProgramStep::Kind::MemoryRecord: {
        const MemoryStep &m = step.memory;
        b.create<k::MemoryRecordOp>(loc, ref("s", m.input), ref("m", m.keys),
                                    ref("m", m.values),
                                    b.getF64FloatAttr(m.decay));
        break;
      }
      case ProgramStep::Kind::LshSort: {
        const LshSortStep &l = step.lshSort;
        b.create<k::LshSortOp>(loc, ref("c", l.buckets), ref("c", l.sorted),
                               ref("c", l.rank), b.getI64IntegerAttr(l.count));
        break;
      }
      }
    }
    if (rowwiseFrom && int64_t(end) == program.rowwiseTail)
      *rowwiseFrom = int64_t(block->getOperations().size());
    return success();
  }

  ModuleOp graph;
  const KernelProgram &program;
  OpBuilder b;
  Location loc;
};

} // namespace

FailureOr<OwningOpRef<ModuleOp>> mlir::r1::lowerToKernelModule(ModuleOp graph) {
  FailureOr<KernelProgram> program = lowerToKernels(graph);
  if (failed(program))
    return failure();
  FailureOr<OwningOpRef<ModuleOp>> kernels = buildKernelModule(graph, *program);
  if (failed(kernels) || failed(planBuffers(**kernels)))
    return failure();
  return kernels;
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::r1::buildKernelModule(ModuleOp graph, const KernelProgram &program) {
  graph.getContext()->getOrLoadDialect<k::R1kDialect>();
  return KernelModuleBuilder(graph, program).run();
}
