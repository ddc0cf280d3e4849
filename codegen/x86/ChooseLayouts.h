//===- ChooseLayouts.h - x86's layout for r1k matrix weights ----*- C++ -*-===//

#ifndef R1_CODEGEN_X86_CHOOSELAYOUTS_H
#define R1_CODEGEN_X86_CHOOSELAYOUTS_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::r1::x86 {

/// Makes every `matrix` weight of the r1k `module` `panels16`, and each of
/// its [K, N] views [16, K, ceil(N/16)]; an error for a view of another
/// shape.
LogicalResult choosePanelLayouts(ModuleOp module);

} // namespace mlir::r1::x86

#endif // R1_CODEGEN_X86_CHOOSELAYOUTS_H
