//===- ModelImporter.h - checkpoint folder to r1 module ---------*- C++ -*-===//
//
// This file declares the entry point of the frontend: read a HuggingFace
// checkpoint folder (config.json + safetensors) and build its r1 module.
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_MODELIMPORTER_H
#define R1_FRONTEND_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::r1 {

struct ImportOptions {
  /// The element type activations and float weights are computed in:
  /// "f32", "bf16", "f16", or empty for the checkpoint's own dtype.
  std::string computeType;
};

/// Reads the checkpoint folder `dir` and returns its r1 module: weight
/// declarations, a private `@decoder` (final hidden states), `@forward`
/// (logits of every position) and, for models with labels, `@classify`.
/// Problems are reported through the context's diagnostics (naming the file,
/// tensor or config key) and give failure.
FailureOr<OwningOpRef<ModuleOp>> importModel(MLIRContext *context,
                                             llvm::StringRef dir,
                                             const ImportOptions &options = {});

} // namespace mlir::r1

#endif // R1_FRONTEND_MODELIMPORTER_H
