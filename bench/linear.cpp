//===- linear.cpp - prefill GEMM: r1c's x86 kernel vs PyTorch -------------===//
//
// The linear layers of the two Llama-style benchmark models (small:
// hidden 512, ffn 1408; large: hidden 1536, ffn 8960; 2 kv heads; vocab
// 32000): prefill on a 128-token prompt against PyTorch eager
// (torch.nn.functional.linear, best of 1 and 2 threads) and the measured FMA
// peak, and decode (1 token) against the measured read bandwidth, in one run.
//
//===----------------------------------------------------------------------===//

#include "bench/Roofline.h"
#include "codegen/x86/LinearKernel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace mlir::r1::x86;

namespace {

struct Shape {
  const char *what;
  int n, k;
};

constexpr int kPromptTokens = 128;

/// Best seconds of one x·Wᵀ with `tokens` rows. With `coldWeights`, the
/// weight rotates among copies that together exceed the caches, so every
/// call reads it from memory as decode over a whole model does.
double oursSeconds(const Shape &s, int tokens, bool coldWeights = false) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(size_t(tokens) * s.k), w(size_t(s.n) * s.k);
  for (float &v : x)
    v = u(rng);
  for (float &v : w)
    v = u(rng);
  std::vector<float> packed = packLinearWeights(w.data(), s.n, s.k);
  size_t weightBytes = packed.size() * sizeof(float);
  int copies = coldWeights ? int(std::max<size_t>(2, (size_t(512) << 20) /
                                                         weightBytes))
                           : 1;
  std::vector<std::vector<float>> weightCopies(copies, packed);
  LinearKernel kernel = defineLinear(s.n, s.k);
  scheduleLinear(kernel);
  kernel.output.compile_jit(Halide::get_host_target());
  Halide::Buffer<float> in(x.data(), s.k, tokens);
  Halide::Buffer<float> out(s.n, tokens);
  kernel.input.set(in);
  // Buffers are wrapped before timing: only the kernel is measured.
  std::vector<Halide::Buffer<float>> weights;
  for (std::vector<float> &copy : weightCopies)
    weights.emplace_back(copy.data(), int(kPanelWidth), int(s.k),
                         int(packed.size() / (kPanelWidth * s.k)));
  kernel.packedWeight.set(weights[0]);
  kernel.output.realize(out);
  double best = 1e30;
  for (int rep = 0; rep < std::max(10, copies); ++rep) {
    kernel.packedWeight.set(weights[rep % copies]);
    auto a = std::chrono::steady_clock::now();
    kernel.output.realize(out);
    auto b = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(b - a).count());
  }
  return best;
}

/// PyTorch's GFLOP/s per "n,k", best of 1 and 2 threads, from one python run.
std::map<std::string, double> torchGflops(const std::vector<Shape> &shapes) {
  std::string list;
  for (const Shape &s : shapes)
    list += "(" + std::to_string(s.n) + "," + std::to_string(s.k) + "),";
  std::string script =
      "import time, torch\n"
      "for n, k in [" + list + "]:\n"
      "    best = 1e30\n"
      "    for th in (1, 2):\n"
      "        torch.set_num_threads(th)\n"
      "        x = torch.randn(" + std::to_string(kPromptTokens) + ", k)\n"
      "        w = torch.randn(n, k)\n"
      "        torch.nn.functional.linear(x, w)\n"
      "        for _ in range(5):\n"
      "            a = time.perf_counter()\n"
      "            torch.nn.functional.linear(x, w)\n"
      "            best = min(best, time.perf_counter() - a)\n"
      "    print(n, k, 2 * " + std::to_string(kPromptTokens) +
      " * n * k / best / 1e9)\n";
  std::map<std::string, double> result;
  FILE *pipe = popen(("/usr/bin/python3 -c '" + script + "'").c_str(), "r");
  if (!pipe)
    return result;
  int n, k;
  double g;
  while (std::fscanf(pipe, "%d %d %lf", &n, &k, &g) == 3)
    result[std::to_string(n) + "," + std::to_string(k)] = g;
  pclose(pipe);
  return result;
}

} // namespace

int main() {
  std::vector<Shape> shapes = {
      {"small q/o_proj", 512, 512},      {"small k/v_proj", 128, 512},
      {"small gate/up_proj", 1408, 512}, {"small down_proj", 512, 1408},
      {"small lm_head", 32000, 512},     {"large q/o_proj", 1536, 1536},
      {"large k/v_proj", 256, 1536},     {"large gate/up_proj", 8960, 1536},
      {"large down_proj", 1536, 8960},   {"large lm_head", 32000, 1536}};
  double peak = r1::bench::measureFmaPeakGflops();
  double bandwidth = r1::bench::measureReadBandwidthGBps();
  std::map<std::string, double> torch = torchGflops(shapes);
  std::printf("prefill linear, %d tokens, f32, %u threads; FMA peak %.1f "
              "GFLOP/s (%s)\n",
              kPromptTokens, r1::bench::benchThreads(), peak,
              r1::bench::hasAvx512() ? "avx512" : "avx2+fma");
  std::printf("%-20s %6s %6s %12s %8s %12s\n", "layer", "N", "K",
              "r1c GFLOP/s", "% peak", "torch GFLOP/s");
  for (const Shape &s : shapes) {
    double ours =
        2.0 * kPromptTokens * s.n * s.k / oursSeconds(s, kPromptTokens) / 1e9;
    auto it = torch.find(std::to_string(s.n) + "," + std::to_string(s.k));
    std::printf("%-20s %6d %6d %12.1f %7.0f%% %12.1f\n", s.what, s.n, s.k,
                ours, 100 * ours / peak,
                it == torch.end() ? 0.0 : it->second);
  }
  // Decode reads every weight once per token: bandwidth-bound.
  std::printf("\ndecode linear, 1 token, f32; read bandwidth %.1f GB/s\n",
              bandwidth);
  std::printf("%-20s %6s %6s %12s %8s\n", "layer", "N", "K",
              "r1c GB/s", "% bw");
  for (const Shape &s : shapes) {
    double gbps = 4.0 * s.n * s.k / oursSeconds(s, 1, /*coldWeights=*/true) / 1e9;
    std::printf("%-20s %6d %6d %12.1f %7.0f%%\n", s.what, s.n, s.k, gbps,
                100 * gbps / bandwidth);
  }
  return 0;
}
