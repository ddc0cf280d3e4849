//===- LinearKernel.h - x·Wᵀ on x86 through Halide --------------*- C++ -*-===//
//
// This file declares the x86 linear (GEMM) kernel: its algorithm, its
// schedule (kept apart, as Halide's apps do) and the weight packing it
// reads fastest. The weight is packed once, at compile time, into panels of
// 16 output channels (one zmm) so the inner loop is one broadcast and one
// FMA per panel.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_X86_LINEARKERNEL_H
#define R1_CODEGEN_X86_LINEARKERNEL_H

#include "codegen/x86/Panels.h"

#include "Halide.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::r1::x86 {

/// The kernel's inputs and output: `input` is x as a Halide buffer (k, m),
/// `packedWeight` the panels (lane, k, panel); `output` is y (n, m).
struct LinearKernel {
  Halide::ImageParam input;
  Halide::ImageParam packedWeight;
  std::optional<Halide::ImageParam> bias; // (n), added to each row
  std::optional<Halide::ImageParam> residual; // (n, m), added after
  /// Gated (SwiGLU): a second packed weight; y = silu(x·Wᵀ) ⊙ (x·Upᵀ), and
  /// `accumulate` is (lane, which, panel, m) with which 0 for W, 1 for Up.
  std::optional<Halide::ImageParam> packedUp;
  Halide::Expr gateUp; // the up product, when gated
  std::optional<Halide::Func> inverseRms;     // (m), with a folded norm
  Halide::RDom reduction;  // over k
  Halide::Func accumulate; // per-panel dot products (lane, panel, m)
  Halide::Func accumulateOneRow; // the same for row 0 alone (lane, panel)
  Halide::Expr oneRow; // the call has one row: the output uses the latter
  Halide::Func output;
  int64_t outFeatures = 0, inFeatures = 0;
};

/// The algorithm: y[m, n] = Σ_k x[m, k] · W[n, k] (+ bias[n]) (+
/// residual[m, n]). With `normEpsilon` the input is RMS-normalized first:
/// the sum is scaled by x's inverse RMS per row (the norm's gain is folded
/// into W when it is packed).
LinearKernel defineLinear(int64_t outFeatures, int64_t inFeatures,
                          bool withBias = false, bool withResidual = false,
                          std::optional<float> normEpsilon = std::nullopt,
                          bool gated = false, bool bf16Weights = false);

/// The schedule: register tiles of 6 rows × 4 panels (24 of the 32 zmm
/// registers as accumulators; a gated kernel's tile holds 2 output panels'
/// gate and up accumulators), the reduction looping around each register
/// tile; each core takes whole panel blocks and walks every row block
/// through one, so its weight panels stay in L2 and a parallel task is a
/// block's worth of tiles, not one tile (the thread pool's per-task cost
/// was 25-45% of a small GEMM's time). Without AVX-512 (16 ymm registers)
/// the tiles shrink to 6 × 1 panels (3 × 1 gated).
void scheduleLinear(LinearKernel &kernel, bool avx512 = true);

/// W[N, K] (row-major) as panels [ceil(N/16)][K][16], zero-padded: what
/// the materializer's panel packer writes, whole, for the kernel tests and
/// benchmarks.
std::vector<float> packLinearWeights(const float *weight, int64_t outFeatures,
                                     int64_t inFeatures);
/// The same panels in bf16 (a kernel with bf16Weights reads them), for
/// weights whose values are bf16: each is its f32's high half, exactly.
std::vector<uint16_t> packLinearWeightsBf16(const float *weight,
                                            int64_t outFeatures,
                                            int64_t inFeatures);

} // namespace mlir::r1::x86

#endif // R1_CODEGEN_X86_LINEARKERNEL_H
