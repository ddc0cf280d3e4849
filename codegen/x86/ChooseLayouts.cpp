//===- ChooseLayouts.cpp - x86's layout for r1k matrix weights ------------===//
//
// The x86 linear kernels read a [N, K] matrix as 16-wide panels
// ([ceil(N/16)][K][16], Panels.h): each `matrix` weight of an r1k module
// becomes `panels16`, and each [K, N] view of it [16, K, ceil(N/16)].
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/ChooseLayouts.h"

#include "codegen/x86/Panels.h"
#include "ir/r1k/R1kDialect.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
namespace k = mlir::r1k;

LogicalResult mlir::r1::x86::choosePanelLayouts(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  llvm::StringSet<> matrices;
  for (auto weight : module.getOps<k::WeightOp>()) {
    if (weight.getLayout() != k::Layout::matrix)
      continue;
    matrices.insert(weight.getSymName());
    weight.setLayoutAttr(k::LayoutAttr::get(ctx, k::Layout::panels16));
  }
  if (matrices.empty())
    return success();
  LogicalResult result = success();
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](k::ViewAttr view) -> std::optional<Attribute> {
    if (!matrices.contains(view.getBuffer().getValue()))
      return std::nullopt;
    ArrayRef<int64_t> dims = view.getDims();
    if (dims.size() != 2 || dims[0] <= 0 || dims[1] <= 0) {
      result = module.emitError()
               << "a view of matrix @" << view.getBuffer().getValue()
               << " is not [K, N]";
      return std::nullopt;
    }
    int64_t panels = (dims[1] + kPanelWidth - 1) / kPanelWidth;
    return k::ViewAttr::get(ctx, view.getBuffer(),
                            {kPanelWidth, dims[0], panels});
  });
  for (Operation &op : module.getBody()->getOperations())
    replacer.recursivelyReplaceElementsIn(&op, /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/false);
  return result;
}
