//===- X86Target.h - the x86 AVX-512 / AVX2 target --------------*- C++ -*-===//
//
// This file declares the x86 target: every kernel a Halide pipeline compiled
// ahead of time with compile_to_object for the chosen CPU features, one
// Halide runtime for all of them, linked by the system C++ driver.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_X86_X86TARGET_H
#define R1_CODEGEN_X86_X86TARGET_H

#include "codegen/Target.h"

namespace mlir::r1::x86 {

/// The target for `name`: "host" (this CPU's features), "x86-64-avx512" or
/// "x86-64-avx2"; null when the host is not x86-64.
std::unique_ptr<Target> createX86Target(llvm::StringRef name);

} // namespace mlir::r1::x86

#endif // R1_CODEGEN_X86_X86TARGET_H
