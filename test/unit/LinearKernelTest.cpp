//===- LinearKernelTest.cpp - the x86 linear kernel's numerics ------------===//
//
// The Halide linear kernel against a plain double-precision x·Wᵀ, on sizes
// that exercise the ragged edges: rows not a multiple of the 6-row tile,
// outputs not a multiple of the 16-lane panel, one row (the decode
// schedule) with panels not a multiple of its tile; plain, with a folded
// RMSNorm and a residual, and gated (SwiGLU of two weights).
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/LinearKernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir::r1::x86;

namespace {

enum class Variant { Plain, NormResidual, Gated };

struct Shape {
  int m, n, k;
  Variant variant = Variant::Plain;
};

class LinearKernelTest : public ::testing::TestWithParam<Shape> {};

TEST_P(LinearKernelTest, MatchesReference) {
  auto [m, n, k, variant] = GetParam();
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
  bool norm = variant != Variant::Plain, gated = variant == Variant::Gated;
  const float eps = 1e-5f;

  LinearKernel kernel =
      defineLinear(n, k, false, variant == Variant::NormResidual,
                   norm ? std::optional<float>(eps) : std::nullopt, gated);
  scheduleLinear(kernel, 6, gated ? 1 : 2);
  // The norm's gain is folded into the weights' columns before packing.
  auto pack = [&](std::vector<float> weight) {
    if (norm)
      for (size_t i = 0; i < weight.size(); ++i)
        weight[i] *= gain[i % size_t(k)];
    return packLinearWeights(weight.data(), n, k);
  };
  std::vector<float> packed = pack(w), packedUp = pack(up);
  int panels = int(packed.size() / (kPanelWidth * k));
  Halide::Buffer<float> in(x.data(), k, m);
  Halide::Buffer<float> weights(packed.data(), int(kPanelWidth), k, panels);
  Halide::Buffer<float> upWeights(packedUp.data(), int(kPanelWidth), k, panels);
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
                             Shape{13, 100, 77, Variant::Gated}));

} // namespace
