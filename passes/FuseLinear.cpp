//===- FuseLinear.cpp - norm → linear → residual add as one op --*- C++ -*-===//
//
// This file implements r1-fuse-linear: an r1.rms_norm feeding an r1.linear,
// an r1.add of the linear's result, and SwiGLU's gate and up projections
// become r1.fused_linear ops, so the normalised input, the product before
// the add and the gate and up products never go through memory.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::r1 {
#define GEN_PASS_DEF_FUSELINEAR
#include "passes/Passes.h.inc"
} // namespace mlir::r1

using namespace mlir;
using namespace mlir::r1;

namespace {

/// The operands of a linear or fused linear, to rebuild it with more fused.
struct LinearParts {
  Value input, weight, up, bias, norm, residual;
  FloatAttr epsilon;

  static std::optional<LinearParts> of(Operation *op) {
    if (auto linear = dyn_cast_or_null<LinearOp>(op))
      return LinearParts{linear.getInput(), linear.getWeight(), {},
                         linear.getBias(), {}, {}, {}};
    if (auto fused = dyn_cast_or_null<FusedLinearOp>(op))
      return LinearParts{fused.getInput(),    fused.getWeight(),
                         fused.getUp(),       fused.getBias(),
                         fused.getNorm(),     fused.getResidual(),
                         fused.getNormEpsilonAttr()};
    return std::nullopt;
  }

  Value build(PatternRewriter &rewriter, Location loc, Type type) const {
    return rewriter.create<FusedLinearOp>(loc, type, input, weight, up, bias,
                                          norm, residual, epsilon);
  }
};

/// linear(rms_norm(x, g)) → fused_linear(x) with norm g. The norm stays for
/// its other users (each fused linear recomputes the cheap inverse RMS).
template <typename OpT> struct FuseNorm : public OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    std::optional<LinearParts> parts = LinearParts::of(op);
    if (parts->norm)
      return rewriter.notifyMatchFailure(op, "already normalises its input");
    auto norm = parts->input.template getDefiningOp<RMSNormOp>();
    if (!norm)
      return rewriter.notifyMatchFailure(op, "input is not an rms_norm");
    parts->input = norm.getInput();
    parts->norm = norm.getWeight();
    parts->epsilon = norm.getEpsilonAttr();
    rewriter.replaceOp(op,
                       parts->build(rewriter, op.getLoc(), op.getType()));
    return success();
  }
};

/// add(linear(x), r) → fused_linear(x) with residual r, when the add is the
/// linear's only user and nothing broadcasts.
struct FuseResidual : public OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (auto [product, residual] : {std::pair(add.getLhs(), add.getRhs()),
                                     std::pair(add.getRhs(), add.getLhs())}) {
      std::optional<LinearParts> parts =
          LinearParts::of(product.getDefiningOp());
      if (!parts || parts->residual || parts->up || !product.hasOneUse() ||
          product.getType() != add.getType() ||
          residual.getType() != add.getType())
        continue;
      parts->residual = residual;
      // Built at the add, where the residual is defined too.
      rewriter.replaceOp(add, parts->build(rewriter, add.getLoc(),
                                           add.getType()));
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no single-use linear operand");
  }
};

/// mul(silu(linear(x, Wg)), linear(x, Wu)) → fused_linear(x, Wg, up Wu):
/// one GEMM over both weights with SwiGLU in its epilogue, when both
/// projections read the same (normalised) input and feed only this.
struct FuseGate : public OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    for (auto [gated, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                                std::pair(mul.getRhs(), mul.getLhs())}) {
      auto silu = gated.getDefiningOp<SiluOp>();
      if (!silu || !gated.hasOneUse() || !silu.getInput().hasOneUse() ||
          !other.hasOneUse())
        continue;
      std::optional<LinearParts> gate =
          LinearParts::of(silu.getInput().getDefiningOp());
      std::optional<LinearParts> up = LinearParts::of(other.getDefiningOp());
      auto plain = [](const LinearParts &p) {
        return !p.up && !p.bias && !p.residual;
      };
      if (!gate || !up || !plain(*gate) || !plain(*up) ||
          gate->input != up->input || gate->norm != up->norm ||
          gate->epsilon != up->epsilon ||
          gate->weight.getType() != up->weight.getType() ||
          silu.getType() != mul.getType() || other.getType() != mul.getType())
        continue;
      gate->up = up->weight;
      rewriter.replaceOp(mul, gate->build(rewriter, mul.getLoc(),
                                          mul.getType()));
      return success();
    }
    return rewriter.notifyMatchFailure(mul, "not silu(x·Wgᵀ) ⊙ x·Wuᵀ");
  }
};

struct FuseLinearPass : public r1::impl::FuseLinearBase<FuseLinearPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseNorm<LinearOp>, FuseNorm<FusedLinearOp>, FuseResidual,
                 FuseGate>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
