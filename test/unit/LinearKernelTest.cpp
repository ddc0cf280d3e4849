//===- LinearKernelTest.cpp - the x86 linear kernel's numerics ------------===//
//
// The Halide linear kernel against a plain double-precision x·Wᵀ, on sizes
// that exercise the ragged edges: rows not a multiple of the 6-row tile,
// outputs not a multiple of the 16-lane panel.
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/LinearKernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir::r1::x86;

namespace {

struct Shape {
  int m, n, k;
};

class LinearKernelTest : public ::testing::TestWithParam<Shape> {};

TEST_P(LinearKernelTest, MatchesReference) {
  auto [m, n, k] = GetParam();
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(size_t(m) * k), w(size_t(n) * k);
  for (float &v : x)
    v = normal(rng);
  for (float &v : w)
    v = normal(rng) / std::sqrt(float(k));

  LinearKernel kernel = defineLinear(n, k);
  scheduleLinear(kernel);
  std::vector<float> packed = packLinearWeights(w.data(), n, k);
  Halide::Buffer<float> in(x.data(), k, m);
  Halide::Buffer<float> weights(packed.data(), int(kPanelWidth), k,
                                int(packed.size() / (kPanelWidth * k)));
  kernel.input.set(in);
  kernel.packedWeight.set(weights);
  Halide::Buffer<float> out = kernel.output.realize({n, m});

  double worst = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double ref = 0;
      for (int t = 0; t < k; ++t)
        ref += double(x[size_t(i) * k + t]) * w[size_t(j) * k + t];
      worst = std::max(worst, std::abs(ref - out(j, i)));
    }
  // f32 accumulation over k terms of unit size: error grows like sqrt(k)·ε.
  EXPECT_LT(worst, 1e-4) << m << "x" << n << "x" << k;
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearKernelTest,
                         ::testing::Values(Shape{1, 16, 8}, Shape{7, 33, 64},
                                           Shape{13, 100, 77},
                                           Shape{128, 96, 256}));

} // namespace
