//===- SpecializeRouting.cpp - MoE grouping and layer-skip branches -*- C++ -*-===//
//
// This file implements r1-specialize-routing. An r1.moe becomes its shared
// experts as ordinary linear/SwiGLU ops, r1.expert_ffn (rows grouped by
// expert, one GEMM per chosen expert) and r1.expert_combine (the weighted
// sum). An r1.layer_gate becomes a real branch: what the body's caches are
// filled from moves before the gate, so the body itself can be skipped.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::r1 {
#define GEN_PASS_DEF_SPECIALIZEROUTING
#include "passes/Passes.h.inc"
} // namespace mlir::r1

using namespace mlir;
using namespace mlir::r1;

namespace {

struct MoePattern : public OpRewritePattern<MoeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MoeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value hidden = op.getHidden();
    Value base;
    if (op.getSharedGateWeight()) {
      Value gate = rewriter.create<LinearOp>(loc, hidden,
                                             op.getSharedGateWeight(), Value());
      Value up = rewriter.create<LinearOp>(loc, hidden, op.getSharedUpWeight(),
                                           Value());
      Value act = rewriter.create<MulOp>(
          loc, rewriter.create<SiluOp>(loc, gate).getResult(), up);
      base = rewriter.create<LinearOp>(loc, act, op.getSharedDownWeight(),
                                       Value());
    }
    Value outputs = rewriter.create<ExpertFfnOp>(
        loc, hidden, op.getIndices(), op.getGateWeight(), op.getUpWeight(),
        op.getDownWeight());
    rewriter.replaceOpWithNewOp<ExpertCombineOp>(op, outputs, op.getWeights(),
                                                 base);
    return success();
  }
};

struct LayerGatePattern : public OpRewritePattern<LayerGateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerGateOp gate,
                                PatternRewriter &rewriter) const override {
    if (gate.getBranch())
      return rewriter.notifyMatchFailure(gate, "already a branch");
    Region &body = gate.getBody();
    bool recordsRows = false;
    body.walk([&](Operation *op) {
      recordsRows |= isa<MemoryUpdateOp, LayerGateOp>(op);
    });
    if (recordsRows)
      return rewriter.notifyMatchFailure(
          gate, "the body records every row (memory update or nested gate)");
    // The cached operands defined in the body, and what they are made of.
    BackwardSliceOptions options;
    options.inclusive = true; // the cached operand's own op too
    options.omitBlockArguments = true; // the body's argument is the input
    options.filter = [&](Operation *op) {
      return body.isAncestor(op->getParentRegion());
    };
    SetVector<Operation *> slice;
    body.walk([&](Operation *op) {
      for (Value cached : getCachedOperands(op))
        if (Operation *def = cached.getDefiningOp();
            def && options.filter(def))
          getBackwardSlice(cached, &slice, options);
    });
    if (llvm::any_of(slice, [](Operation *op) {
          return op->getNumRegions() || !isPure(op);
        }))
      return rewriter.notifyMatchFailure(
          gate, "a cached operand comes from an op that cannot move");
    // Hoist in the body's order, so every moved op follows its operands.
    Value arg = body.getArgument(0);
    for (Operation &op : llvm::make_early_inc_range(body.front())) {
      if (!slice.contains(&op))
        continue;
      rewriter.moveOpBefore(&op, gate);
      rewriter.modifyOpInPlace(
          &op, [&] { op.replaceUsesOfWith(arg, gate.getHidden()); });
    }
    rewriter.modifyOpInPlace(gate, [&] { gate.setBranch(true); });
    return success();
  }
};

struct SpecializeRoutingPass
    : public r1::impl::SpecializeRoutingBase<SpecializeRoutingPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MoePattern, LayerGatePattern>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
