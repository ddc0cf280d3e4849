//===- FuseAttention.cpp - plain attention to r1.attention ------*- C++ -*-===//
//
// This file implements r1-fuse-attention: the transpose/matmul/scale/mask/
// softmax/matmul chain the importers emit becomes one r1.attention.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::r1 {
#define GEN_PASS_DEF_FUSEATTENTION
#include "passes/Passes.h.inc"
} // namespace mlir::r1

using namespace mlir;
using namespace mlir::r1;

namespace {

/// `value` defined by an OpT whose result has no other user, or null.
template <typename OpT> OpT singleUseDef(Value value) {
  auto op = value.getDefiningOp<OpT>();
  return op && value.hasOneUse() ? op : OpT();
}

bool isHeadSwap(TransposeOp op) {
  return op && op.getPermutation() == ArrayRef<int64_t>{1, 0, 2};
}

/// The [T, Hkv, D] tensor behind `value` = repeat(transpose(x)) broadcast to
/// `heads` query heads, or null.
Value matchKeyOrValue(Value value, int64_t heads) {
  int64_t repeats = 1;
  if (auto repeat = singleUseDef<RepeatOp>(value)) {
    if (repeat.getAxis() != 0)
      return {};
    repeats = static_cast<int64_t>(repeat.getCount());
    value = repeat.getInput();
  }
  auto transpose = singleUseDef<TransposeOp>(value);
  if (!isHeadSwap(transpose))
    return {};
  Value source = transpose.getInput();
  int64_t kvHeads = cast<RankedTensorType>(source.getType()).getDimSize(1);
  if (ShapedType::isDynamic(kvHeads) || kvHeads * repeats != heads)
    return {};
  return source;
}

/// Root: the head swap back after `probs · v'`.
struct FuseAttentionPattern : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp root,
                                PatternRewriter &rewriter) const override {
    if (!isHeadSwap(root))
      return rewriter.notifyMatchFailure(root, "not a [1, 0, 2] transpose");
    auto output = singleUseDef<MatmulOp>(root.getInput());
    if (!output || output.getTransposeRhs())
      return rewriter.notifyMatchFailure(root, "not fed by probs · v");
    auto softmax = singleUseDef<SoftmaxOp>(output.getLhs());
    if (!softmax || (static_cast<int64_t>(softmax.getAxis()) != -1 &&
                     static_cast<int64_t>(softmax.getAxis()) != 2))
      return rewriter.notifyMatchFailure(root, "no softmax over the keys");
    Value scores = softmax.getInput();
    bool causal = false;
    if (auto mask = singleUseDef<CausalMaskOp>(scores)) {
      causal = true;
      scores = mask.getInput();
    }
    auto scale = singleUseDef<ScaleOp>(scores);
    if (!scale)
      return rewriter.notifyMatchFailure(root, "no scale of the scores");
    auto product = singleUseDef<MatmulOp>(scale.getInput());
    if (!product || !product.getTransposeRhs())
      return rewriter.notifyMatchFailure(root, "no q · kᵀ");
    auto queryT = singleUseDef<TransposeOp>(product.getLhs());
    if (!isHeadSwap(queryT))
      return rewriter.notifyMatchFailure(root, "query is not [S, H, D]");
    Value query = queryT.getInput();
    int64_t heads = cast<RankedTensorType>(query.getType()).getDimSize(1);
    Value key = matchKeyOrValue(product.getRhs(), heads);
    Value value = matchKeyOrValue(output.getRhs(), heads);
    if (!key || !value)
      return rewriter.notifyMatchFailure(root, "k or v is not a GQA head "
                                               "broadcast of [T, Hkv, D]");
    float factor = scale.getFactor().convertToFloat();
    if (!(factor > 0.0f))
      return rewriter.notifyMatchFailure(root, "scale is not positive");

    // r1.attention gives [S, H, Dv]; the chain's type must be that one.
    auto queryType = cast<RankedTensorType>(query.getType());
    auto valueType = cast<RankedTensorType>(value.getType());
    auto fusedType = RankedTensorType::get(
        {queryType.getDimSize(0), heads, valueType.getDimSize(2)},
        queryType.getElementType());
    if (fusedType != root.getType())
      return rewriter.notifyMatchFailure(root, "result type differs");
    Value result = rewriter.create<AttentionOp>(
        root.getLoc(), query, key, value, Value(), Value(), Value(),
        llvm::APFloat(factor), causal).getResult();
    rewriter.replaceOp(root, result);
    return success();
  }
};

struct FuseAttentionPass
    : public r1::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
