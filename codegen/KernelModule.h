//===- KernelModule.h - a kernel program as an r1k module --------*- C++ -*-===//
//
// This file declares buildKernelModule: the kernel program lowerToKernels
// made, written as an r1k module (ir/r1k) — its buffers, weights with their
// derivations, kernel declarations and the call sequence with its branches
// as regions. `r1c --emit=r1k` prints it, and artifacts are compiled from
// it: readKernelModule reads one back (r1c FILE.mlir takes one edited by
// hand).
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_KERNELMODULE_H
#define R1_CODEGEN_KERNELMODULE_H

#include "codegen/KernelProgram.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::r1 {

/// `program` (lowered from `graph`) as a verified r1k module; a failure is
/// reported on `graph`.
FailureOr<OwningOpRef<ModuleOp>>
buildKernelModule(ModuleOp graph, const KernelProgram &program);

/// `graph`'s @forward (after the graph pipeline) as an r1k module, its
/// buffers planned.
FailureOr<OwningOpRef<ModuleOp>> lowerToKernelModule(ModuleOp graph);

/// r1k-plan-buffers (codegen/PlanBuffers.cpp): maps the r1k module's slots
/// onto as few as their lifetimes allow, renamed @s0, @s1, ...
LogicalResult planBuffers(ModuleOp module);
void registerPlanBuffersPass();

/// Where readKernelModule puts each symbol of an r1k module: a buffer's
/// kind and index, a kernel's index (equal declarations share one), a
/// state's index.
struct KernelModuleIndex {
  llvm::StringMap<std::pair<KernelArg::Source, int64_t>> buffers;
  llvm::StringMap<int64_t> kernels, states;
};

/// The kernel program an r1k module states, which targets compile: the
/// module is verified first, and what the targets cannot build is an error
/// on the op. `index`, when given, gets each symbol's place in it.
FailureOr<KernelProgram> readKernelModule(ModuleOp module,
                                          KernelModuleIndex *index = nullptr);

} // namespace mlir::r1

#endif // R1_CODEGEN_KERNELMODULE_H
