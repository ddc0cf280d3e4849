//===- SpecializeLsh.cpp - r1.lsh_attention to its steps --------*- C++ -*-===//
//
// This file implements r1-specialize-lsh: LSH attention becomes hash →
// bucket sort → chunked attention → merge of rounds, the O(n log n)
// structure the kernels implement.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::r1 {
#define GEN_PASS_DEF_SPECIALIZELSH
#include "passes/Passes.h.inc"
} // namespace mlir::r1

using namespace mlir;
using namespace mlir::r1;

namespace {

struct LshPattern : public OpRewritePattern<LshAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LshAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto hash = rewriter.create<LshHashOp>(loc, op.getQk(), op.getNumHashes(),
                                           op.getNumBuckets(), op.getSeed());
    auto sort = rewriter.create<BucketSortOp>(loc, hash.getBuckets());
    auto chunks = rewriter.create<ChunkedAttentionOp>(
        loc, op.getQk(), op.getValue(), sort.getPermutation(),
        op.getChunkLength(), op.getChunksBefore(), op.getChunksAfter(),
        op.getCausal());
    rewriter.replaceOpWithNewOp<MergeRoundsOp>(op, chunks.getResult(),
                                               chunks.getLogsumexp());
    return success();
  }
};

struct SpecializeLshPass
    : public r1::impl::SpecializeLshBase<SpecializeLshPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LshPattern>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
