//===- ArtifactWriter.h - the NAME.r1 artifact folder -----------*- C++ -*-===//
//
// This file declares writeArtifact: take an r1k module's kernels, compile
// them for a target, pack the weights they read into weights.bin (f32, FP8
// expanded, in the layout each kernel reads, 64-byte aligned), and write the
// folder with its manifest atomically (a temporary folder renamed into
// place, so a failed or interrupted write never leaves half an artifact).
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_ARTIFACTWRITER_H
#define R1_CODEGEN_ARTIFACTWRITER_H

#include "codegen/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::r1 {

/// Every tensor in weights.bin starts at a multiple of this.
inline constexpr uint64_t kWeightAlignment = 64;
/// manifest.json's format_version and program.txt's version, which the
/// runtime checks (runtime/Program.h: kProgramVersion). 5: file digests are
/// XXH3-128 of 64 MiB chunks (runtime/Digest.h), no longer SHA-256.
inline constexpr int64_t kArtifactFormatVersion = 5;

/// Called as each stage starts: ("weights"|"kernels"|"link", i, n), where
/// i of n counts kernels.
using ProgressFn = llvm::function_ref<void(llvm::StringRef, size_t, size_t)>;

/// Compiles the kernel-level (r1k) `module` for `target` into the artifact
/// folder `outDir`; its weights come from the checkpoint folder
/// `checkpointDir`, `graph` is the r1 module it was lowered from (null for
/// an r1k input). The folder holds
/// model.so (the kernels and the compiled host program), weights.bin
/// (packed for them), program.txt (buffers, weights, kernels and runtime
/// steps, runtime/Program.h), host.mlir (the host program), kernels.mlir
/// (`module`), model.mlir (`graph`, when there is one),
/// tokenizer.json when the checkpoint has one, and manifest.json (format version, model, target,
/// kernels, inputs/outputs, weight table, every file's size and digest). Errors are
/// reported on the module and leave any previous `outDir` untouched.
struct ArtifactSummary {
  uint64_t bytes = 0;               // all files together
  int64_t kvCacheBytesPerToken = 0; // every layer's cache
  uint64_t weightBytes = 0;         // weights.bin
  double weightSeconds = 0;         // materializing it
};
/// With `executable`, the artifact is also linked with r1-run into that
/// self-contained executable (its files embedded; `r1-run` options, no
/// folder argument); an empty `outDir` then keeps no folder.
FailureOr<ArtifactSummary> writeArtifact(ModuleOp module, ModuleOp graph,
                                         llvm::StringRef checkpointDir,
                                         llvm::StringRef outDir,
                                         Target &target, ProgressFn report,
                                         llvm::StringRef executable = {});

} // namespace mlir::r1

#endif // R1_CODEGEN_ARTIFACTWRITER_H
