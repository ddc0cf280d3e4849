//===- LinearKernelTest.cpp - the x86 linear kernel's numerics ------------===//
//
// The Halide linear kernel against a plain double-precision x·Wᵀ, on sizes
// that exercise the ragged edges: rows not a multiple of the 6-row tile,
// outputs not a multiple of the 16-lane panel, one row (the decode
// schedule) with panels not a multiple of its tile; plain, with a folded
// RMSNorm and a residual, and gated (SwiGLU of two weights); with f32 and
// with bf16 weights (widened as the kernel reads them).
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/LinearKernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir::r1::x86;

namespace {

enum class Variant { Plain, NormResidual, Gated };

struct Shape {
  int m, n, k;
  Variant variant = Variant::Plain;
  bool bf16 = false;
};

/// `v` cut to bf16 (its f32's high half), so a bf16 weight holds it exactly.
void toBf16(std::vector<float> &v) {
  for (float &e : v) {
    uint32_t bits;
    std::memcpy(&bits, &e, 4);
    bits &= 0xffff0000u;
    std::memcpy(&e, &bits, 4);
  }
}

class LinearKernelTest : public ::testing::TestWithParam<Shape> {};

TEST_P(LinearKernelTest, MatchesReference) {
  auto [m, n, k, variant, bf16] = GetParam();
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto randoms = [&](size_t count, float scale) {
    std::vector<float> v(count);
    for (float &e : v)
      e = normal(rng) * scale;
    return v;
  };
  std::vector<float> x = randoms(size_t(m) * k, 1.0f);
  std::vector<float> w = randoms(size_t(n) * k, 1.0f / std::sqrt(float(k)));
  std::vector<float> up = randoms(size_t(n) * k, 1.0f / std::sqrt(float(k)));
  std::vector<float> gain = randoms(size_t(k), 1.0f);
  std::vector<float> residual = randoms(size_t(m) * n, 1.0f);
  // bf16 weights never have a gain folded in: r1c normalizes first.
  bool norm = variant != Variant::Plain && !bf16,
       gated = variant == Variant::Gated;
  const float eps = 1e-5f;
  if (bf16) {
    toBf16(w);
    toBf16(up);
  }

  LinearKernel kernel =
      defineLinear(n, k, false, variant == Variant::NormResidual,
                   norm ? std::optional<float>(eps) : std::nullopt, gated,
                   bf16);
  scheduleLinear(kernel);
  // The norm's gain is folded into the weights' columns before packing.
  auto pack = [&](std::vector<float> weight) {
    if (norm)
      for (size_t i = 0; i < weight.size(); ++i)
        weight[i] *= gain[i % size_t(k)];
    return packLinearWeights(weight.data(), n, k);
  };
  std::vector<float> packed = pack(w), packedUp = pack(up);
  int panels = int(packed.size() / (kPanelWidth * k));
  std::vector<uint16_t> half = packLinearWeightsBf16(w.data(), n, k),
                        halfUp = packLinearWeightsBf16(up.data(), n, k);
  Halide::Buffer<float> in(x.data(), k, m);
  Halide::Buffer<> weights =
      bf16 ? Halide::Buffer<>(Halide::Buffer<uint16_t>(
                 half.data(), int(kPanelWidth), k, panels))
           : Halide::Buffer<>(Halide::Buffer<float>(packed.data(),
                                                    int(kPanelWidth), k, panels));
  Halide::Buffer<> upWeights =
      bf16 ? Halide::Buffer<>(Halide::Buffer<uint16_t>(
                 halfUp.data(), int(kPanelWidth), k, panels))
           : Halide::Buffer<>(Halide::Buffer<float>(
                 packedUp.data(), int(kPanelWidth), k, panels));
  Halide::Buffer<float> residuals(residual.data(), n, m);
  kernel.input.set(in);
  kernel.packedWeight.set(weights);
  if (kernel.packedUp)
    kernel.packedUp->set(upWeights);
  if (kernel.residual)
    kernel.residual->set(residuals);
  Halide::Buffer<float> out = kernel.output.realize({n, m});

  double worst = 0;
  for (int i = 0; i < m; ++i) {
    double inverse = 1;
    if (norm) {
      double squares = 0;
      for (int t = 0; t < k; ++t)
        squares += double(x[size_t(i) * k + t]) * x[size_t(i) * k + t];
      inverse = 1 / std::sqrt(squares / k + eps);
    }
    for (int j = 0; j < n; ++j) {
      double dot = 0, upDot = 0;
      for (int t = 0; t < k; ++t) {
        double in = x[size_t(i) * k + t] * inverse * (norm ? gain[t] : 1.0f);
        dot += in * w[size_t(j) * k + t];
        upDot += in * up[size_t(j) * k + t];
      }
      double ref = gated ? dot / (1 + std::exp(-dot)) * upDot : dot;
      if (variant == Variant::NormResidual)
        ref += residual[size_t(i) * n + j];
      worst = std::max(worst, std::abs(ref - out(j, i)));
    }
  }
  // f32 accumulation over k terms of unit size: error grows like sqrt(k)·ε.
  EXPECT_LT(worst, 1e-4) << m << "x" << n << "x" << k;
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearKernelTest,
                         ::testing::Values(
                             Shape{1, 16, 8}, Shape{1, 100, 77},
                             Shape{7, 33, 64}, Shape{13, 100, 77},
                             Shape{128, 96, 256},
                             Shape{1, 100, 77, Variant::NormResidual},
                             Shape{13, 100, 77, Variant::NormResidual},
                             Shape{1, 100, 77, Variant::Gated},
                             Shape{13, 100, 77, Variant::Gated},
                             // K > 4096: the reduction walks K in chunks
                             // around the row tiles.
                             Shape{13, 40, 5000},
                             Shape{13, 40, 4500, Variant::NormResidual},
                             Shape{7, 33, 4500, Variant::Gated},
                             Shape{1, 100, 77, Variant::Plain, true},
                             Shape{13, 100, 77, Variant::Plain, true},
                             Shape{1, 100, 77, Variant::Gated, true},
                             Shape{13, 100, 77, Variant::Gated, true}));

} // namespace
