//===- InferShapes.cpp - refine dynamic result dims -------------*- C++ -*-===//
//
// This file implements r1-infer-shapes: results of r1 ops take the most
// static type their operands imply, and functions return what they compute.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::r1 {
#define GEN_PASS_DEF_INFERSHAPES
#include "passes/Passes.h.inc"
} // namespace mlir::r1

using namespace mlir;
using namespace mlir::r1;

namespace {

/// `refined` if it is a more static version of `current`, else `current`.
Type narrower(Type current, Type refined) {
  auto cur = dyn_cast<RankedTensorType>(current);
  auto ref = dyn_cast<RankedTensorType>(refined);
  if (!cur || !ref || cur.getElementType() != ref.getElementType() ||
      cur.getRank() != ref.getRank())
    return current;
  SmallVector<int64_t> shape(cur.getShape());
  for (auto [dim, refinedDim] : llvm::zip(shape, ref.getShape()))
    if (ShapedType::isDynamic(dim))
      dim = refinedDim;
  return RankedTensorType::get(shape, cur.getElementType(), cur.getEncoding());
}

struct InferShapesPass : public r1::impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    // Operands are visited before their users, so one walk propagates.
    WalkResult result = getOperation().walk([](Operation *op) {
      if (auto reshape = dyn_cast<ReshapeOp>(op)) {
        reshape.getResult().setType(reshape.getRefinedType());
        return WalkResult::advance();
      }
      auto infer = dyn_cast<InferTypeOpInterface>(op);
      if (!infer || !isa<R1Dialect>(op->getDialect()))
        return WalkResult::advance();
      SmallVector<Type> inferred;
      if (failed(infer.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
              op->getRegions(), inferred)))
        return WalkResult::interrupt();
      for (auto [value, type] : llvm::zip(op->getResults(), inferred))
        value.setType(narrower(value.getType(), type));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();

    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      auto ret = dyn_cast<func::ReturnOp>(func.getBody().back().getTerminator());
      if (!ret)
        continue;
      auto type = FunctionType::get(&getContext(),
                                    func.getArgumentTypes(),
                                    ret.getOperandTypes());
      func.setFunctionType(type);
    }
  }
};

} // namespace
