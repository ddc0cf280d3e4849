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

} // namespace mlir::r1

#endif // R1_PASSES_PASSES_H
