//===- Panels.h - the x86 linear kernels' weight panels ---------*- C++ -*-===//
//
// This file declares the panel layout the x86 linear kernels read: a [N, K]
// matrix as [ceil(N/16)][K][16], zero-padded, so the kernel's inner loop is
// one broadcast and one FMA per 16 output channels (one zmm of f32). The
// materializer's packer writes it (createPanelPacker); the kernel and its
// tests read it (LinearKernel.h).
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_X86_PANELS_H
#define R1_CODEGEN_X86_PANELS_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>

namespace mlir::r1 {
struct PackedWeightType;
class WeightPacker;
} // namespace mlir::r1

namespace mlir::r1::x86 {

/// Output channels per weight panel: one 512-bit vector of f32.
inline constexpr int64_t kPanelWidth = 16;

/// The packer of r1k's `panels16` layout for a weight of `type` (a matrix
/// or a stack of them, f32 or bf16).
llvm::Expected<std::unique_ptr<WeightPacker>>
createPanelPacker(const PackedWeightType &type);

} // namespace mlir::r1::x86

#endif // R1_CODEGEN_X86_PANELS_H
