//===- OutputGuard.h - what r1c may overwrite --------------------*- C++ -*-===//
//
// This file declares checkOutput: r1c replaces only its own earlier output
// (an artifact folder holding only r1c's files, an --emit=exe executable),
// and never writes into or over the checkpoint it reads.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_OUTPUTGUARD_H
#define R1_CODEGEN_OUTPUTGUARD_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir::r1 {

enum class OutputKind {
  Text,       // a printed module: may replace any file outside the input
  Artifact,   // an artifact folder NAME.r1
  Executable, // a self-contained --emit=exe executable
};

/// The names of the files an artifact folder holds (and nothing else).
llvm::ArrayRef<llvm::StringRef> artifactFileNames();

/// Fails, with a one-line message, when writing `output` (of `kind`) would
/// lose data: `output` is `input` or inside it, or it exists and is not an
/// earlier output of the same kind.
llvm::Error checkOutput(llvm::StringRef input, llvm::StringRef output,
                        OutputKind kind);

} // namespace mlir::r1

#endif // R1_CODEGEN_OUTPUTGUARD_H
