//===- Passes.h - r1 passes -------------------------------------*- C++ -*-===//
//
// This file declares every r1 pass and the registration r1-opt and r1c call.
//
//===----------------------------------------------------------------------===//

#ifndef R1_PASSES_PASSES_H
#define R1_PASSES_PASSES_H

#include "ir/R1Dialect.h"

#include "mlir/Pass/Pass.h"

namespace mlir::r1 {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Adds the default graph pipeline (what r1c runs before codegen) to `pm`,
/// leaving out the passes named in `disabled` (by flag, e.g.
/// "r1-absorb-mla") and giving the ones in `options` theirs
/// ("r1-absorb-mla{naive-prefill-rows=0}"); fails on a name that is not in
/// the pipeline or options the pass does not take.
LogicalResult buildDefaultPipeline(OpPassManager &pm,
                                   ArrayRef<std::string> disabled,
                                   ArrayRef<std::string> options,
                                   function_ref<void(const Twine &)> onError);

/// The flags of the default pipeline's passes, in order.
SmallVector<StringRef> defaultPipelinePasses();

/// Registers the default pipeline as `--r1-pipeline` (option `disable`).
void registerDefaultPipeline();

} // namespace mlir::r1

#endif // R1_PASSES_PASSES_H
