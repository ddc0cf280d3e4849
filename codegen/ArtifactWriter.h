//===- ArtifactWriter.h - the NAME.r1 artifact folder -----------*- C++ -*-===//
//
// This file declares writeArtifact: pack every declared weight of an r1
// module from its checkpoint into weights.bin (64-byte aligned, in the
// declared element type, MoE stacks laid out expert by expert), and write the
// folder with its manifest atomically (a temporary folder renamed into
// place, so a failed or interrupted write never leaves half an artifact).
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_ARTIFACTWRITER_H
#define R1_CODEGEN_ARTIFACTWRITER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::r1 {

/// Every tensor in weights.bin starts at a multiple of this.
inline constexpr uint64_t kWeightAlignment = 64;
/// manifest.json's format_version; the runtime refuses other versions.
inline constexpr int64_t kArtifactFormatVersion = 1;

/// Writes the artifact folder `outDir` for `module`, whose weights come from
/// the checkpoint folder `checkpointDir`: weights.bin, model.mlir (the
/// module), tokenizer.json when the checkpoint has one, and manifest.json
/// (format version, model, weight table, SHA-256 of every file). Errors are
/// reported on the module and leave any previous `outDir` untouched.
LogicalResult writeArtifact(ModuleOp module, llvm::StringRef checkpointDir,
                            llvm::StringRef outDir);

} // namespace mlir::r1

#endif // R1_CODEGEN_ARTIFACTWRITER_H
