//===- AbsorbMla.cpp - naive MLA to r1.mla_attention ------------*- C++ -*-===//
//
// This file implements r1-absorb-mla: the attention over expanded MLA keys
// and values becomes r1.mla_attention over the compressed latent, which is
// what makes the small (latent + rope key) KV cache possible.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::r1 {
#define GEN_PASS_DEF_ABSORBMLA
#include "passes/Passes.h.inc"
} // namespace mlir::r1

using namespace mlir;
using namespace mlir::r1;

namespace {

/// `value` = slice(x, axis 2 (or -1), start, size) of a rank-3 x; null if not.
SliceOp matchHeadDimSlice(Value value) {
  auto slice = value.getDefiningOp<SliceOp>();
  if (!slice || slice.getInput().getType().getRank() != 3)
    return {};
  int64_t axis = static_cast<int64_t>(slice.getAxis());
  return axis == 2 || axis == -1 ? slice : SliceOp();
}

struct MlaPattern : public OpRewritePattern<AttentionOp> {
  MlaPattern(MLIRContext *context, MlaForm form, int64_t naivePrefillRows)
      : OpRewritePattern(context), form(form),
        naivePrefillRows(naivePrefillRows) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPosition())
      return rewriter.notifyMatchFailure(op, "already has a cache");
    // Queries: [q_nope, q_rope].
    auto queryConcat = op.getQuery().getDefiningOp<ConcatOp>();
    auto keyConcat = op.getKey().getDefiningOp<ConcatOp>();
    if (!queryConcat || !keyConcat || queryConcat.getInputs().size() != 2 ||
        keyConcat.getInputs().size() != 2)
      return rewriter.notifyMatchFailure(op, "q or k is not [nope, rope]");
    Value qNope = queryConcat.getInputs()[0], qRope = queryConcat.getInputs()[1];

    // Keys: [slice(kv, 0, dn), repeat(k_rope[T, 1, dr], heads)].
    SliceOp kNope = matchHeadDimSlice(keyConcat.getInputs()[0]);
    auto repeat = keyConcat.getInputs()[1].getDefiningOp<RepeatOp>();
    SliceOp v = matchHeadDimSlice(op.getValue());
    if (!kNope || !repeat || !v || kNope.getInput() != v.getInput() ||
        kNope.getStart() != 0 || v.getStart() != kNope.getSize() ||
        static_cast<int64_t>(repeat.getAxis()) != 1)
      return rewriter.notifyMatchFailure(op, "k/v are not slices of kv_b");
    Value kRope3 = repeat.getInput();
    auto kRopeType = cast<RankedTensorType>(kRope3.getType());
    if (kRopeType.getRank() != 3 || kRopeType.getDimSize(1) != 1)
      return rewriter.notifyMatchFailure(op, "rope key is not shared");

    // kv = reshape(linear(latent, W_kv_b)) : [T, H, dn + dv].
    auto kvReshape = kNope.getInput().getDefiningOp<ReshapeOp>();
    auto kvLinear =
        kvReshape ? kvReshape.getInput().getDefiningOp<LinearOp>() : LinearOp();
    if (!kvLinear || kvLinear.getBias())
      return rewriter.notifyMatchFailure(op, "kv is not kv_b_proj(latent)");
    Value latent = kvLinear.getInput();
    Value weight = kvLinear.getWeight();
    auto latentType = cast<RankedTensorType>(latent.getType());
    auto qType = cast<RankedTensorType>(qNope.getType());
    auto qRopeType = cast<RankedTensorType>(qRope.getType());
    if (latentType.getRank() != 2 || qType.getRank() != 3 ||
        qRopeType.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "unexpected ranks");
    int64_t heads = qType.getDimSize(1);
    int64_t dn = static_cast<int64_t>(kNope.getSize());
    int64_t dv = static_cast<int64_t>(v.getSize());
    int64_t dr = kRopeType.getDimSize(2);
    int64_t rank = latentType.getDimSize(1);
    if (qType.getDimSize(2) != dn || qRopeType.getDimSize(2) != dr ||
        static_cast<int64_t>(repeat.getCount()) != heads)
      return rewriter.notifyMatchFailure(op, "head dims do not line up");

    auto fusedType = RankedTensorType::get({qType.getDimSize(0), heads, dv},
                                           qType.getElementType());
    if (fusedType != op.getResult().getType())
      return rewriter.notifyMatchFailure(op, "result type differs");

    Location loc = op.getLoc();
    auto kRopeFlat = RankedTensorType::get({kRopeType.getDimSize(0), dr},
                                           kRopeType.getElementType());
    Value kRope = rewriter.create<ReshapeOp>(loc, kRopeFlat, kRope3);
    // Expanding k and v costs rank·(dn + dv) per key and head; the
    // absorbed form costs (2·rank + dr) per query and key where the naive
    // one costs (dn + dr + dv).
    int64_t rows = naivePrefillRows;
    if (rows < 0) {
      int64_t extra = 2 * rank - dn - dv;
      rows = extra > 0 ? (rank * (dn + dv) + extra - 1) / extra : 0;
    }
    auto mla = rewriter.create<MlaAttentionOp>(
        loc, qNope, qRope, latent, kRope, weight, Value(), Value(), Value(),
        heads, rank, dn, dr, dv, op.getScale(), op.getCausal(), form,
        rows > 0 ? rewriter.getI64IntegerAttr(rows) : IntegerAttr());
    rewriter.replaceOp(op, mla.getResult());
    return success();
  }

  MlaForm form;
  int64_t naivePrefillRows;
};

struct AbsorbMlaPass : public r1::impl::AbsorbMlaBase<AbsorbMlaPass> {
  using AbsorbMlaBase::AbsorbMlaBase;

  void runOnOperation() override {
    std::optional<MlaForm> parsed = symbolizeMlaForm(form);
    if (!parsed) {
      emitError(getOperation()->getLoc())
          << "r1-absorb-mla: form must be 'absorbed' or 'naive', got '"
          << form << "'";
      return signalPassFailure();
    }
    if (naivePrefillRows < -1) {
      emitError(getOperation()->getLoc())
          << "r1-absorb-mla: naive-prefill-rows must be -1 (from the cost "
             "model), 0 (never) or a row count, got "
          << std::to_string(naivePrefillRows);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<MlaPattern>(&getContext(), *parsed, naivePrefillRows);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
