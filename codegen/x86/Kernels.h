//===- Kernels.h - x86 Halide pipelines for kernel specs --------*- C++ -*-===//
//
// This file declares definePipeline: the Halide algorithm and schedule of
// one KernelSpec. The pipeline's arguments are the spec's inputs in the order
// KernelProgram passes them; the output buffer comes last.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_X86_KERNELS_H
#define R1_CODEGEN_X86_KERNELS_H

#include "codegen/KernelProgram.h"

#include "Halide.h"

#include <vector>

namespace mlir::r1::x86 {

struct KernelPipeline {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;
};

/// `avx512`: the target has 32 zmm registers (else 16 ymm), which sizes
/// the linear kernel's register tiles.
KernelPipeline definePipeline(const KernelSpec &spec, bool avx512 = true);

} // namespace mlir::r1::x86

#endif // R1_CODEGEN_X86_KERNELS_H
