//===- Roofline.h - this machine's FMA peak and read bandwidth --*- C++ -*-===//
//
// The two ceilings every r1c benchmark reports against, measured in the
// same run: the FMA peak (16 independent vector FMA chains per thread) and
// the read bandwidth (a vector sum over 1 GiB split between the threads),
// on every core unless told how many threads. AVX-512 when the CPU has it,
// else AVX2+FMA. Header-only (the R1Roofline interface library): r1-roofline
// and r1-bench measure with this code.
//
//===----------------------------------------------------------------------===//

#ifndef R1_BENCH_ROOFLINE_H
#define R1_BENCH_ROOFLINE_H

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace r1::bench {
namespace detail {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// 16 independent chains hide the FMA latency (4 cycles × 2 ports).
inline __attribute__((target("avx512f"))) float fmaChains512(long iterations) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm512_set1_ps(float(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < 16; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

inline __attribute__((target("avx2,fma"))) float fmaChains256(long iterations) {
  __m256 acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm256_set1_ps(float(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float out[8];
  __m256 sum = acc[0];
  for (int i = 1; i < 16; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  _mm256_storeu_ps(out, sum);
  return out[0];
}

inline __attribute__((target("avx512f"))) float sum512(const float *p, size_t n) {
  // Eight independent sums keep enough loads in flight to saturate memory.
  __m512 acc[8];
  for (int j = 0; j < 8; ++j)
    acc[j] = _mm512_setzero_ps();
  for (size_t i = 0; i + 128 <= n; i += 128)
    for (int j = 0; j < 8; ++j)
      acc[j] = _mm512_add_ps(acc[j], _mm512_load_ps(p + i + 16 * j));
  for (int j = 1; j < 8; ++j)
    acc[0] = _mm512_add_ps(acc[0], acc[j]);
  return _mm512_reduce_add_ps(acc[0]);
}

inline __attribute__((target("avx2"))) float sum256(const float *p, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a0, a1),
                                      _mm256_add_ps(a2, a3)));
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

template <typename F> void onAllCores(unsigned threads, F work) {
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back(work, t);
  for (auto &th : pool)
    th.join();
}

} // namespace detail


inline bool hasAvx512() { return __builtin_cpu_supports("avx512f"); }

inline unsigned benchThreads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

/// FMA peak of `threads` threads (default: one per core) in GFLOP/s, best
/// of 5 runs.
inline double measureFmaPeakGflops(unsigned threads = benchThreads()) {
  using namespace detail;
  bool avx512 = hasAvx512();
  threads = std::max(1u, threads);
  int lanes = avx512 ? 16 : 8;
  volatile float sink = 0;
  // FMA peak: best of 5 runs.
  const long iterations = 50'000'000;
  double bestFlops = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = Clock::now();
    onAllCores(threads, [&](unsigned) {
      sink = avx512 ? fmaChains512(iterations) : fmaChains256(iterations);
    });
    double s = seconds(start, Clock::now());
    bestFlops = std::max(bestFlops,
                         2.0 * 16 * lanes * double(iterations) * threads / s);
  }

  (void)sink;
  return bestFlops / 1e9;
}

/// Read bandwidth of `threads` threads (default: one per core) in GB/s over
/// 1 GiB, best of 5; 0 when the buffer cannot be allocated.
inline double measureReadBandwidthGBps(unsigned threads = benchThreads()) {
  using namespace detail;
  bool avx512 = hasAvx512();
  threads = std::max(1u, threads);
  volatile float sink = 0;
  // Read bandwidth over 1 GiB, split between the cores: best of 5.
  const size_t bytes = size_t(1) << 30, n = bytes / sizeof(float);
  float *data = static_cast<float *>(std::aligned_alloc(64, bytes));
  if (!data) {
    return 0;
  }
  onAllCores(threads, [&](unsigned t) { // first touch by the reading core
    size_t per = n / threads;
    std::memset(data + t * per, 0, per * sizeof(float));
  });
  double bestBandwidth = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = Clock::now();
    onAllCores(threads, [&](unsigned t) {
      size_t per = n / threads;
      sink = avx512 ? sum512(data + t * per, per) : sum256(data + t * per, per);
    });
    bestBandwidth = std::max(bestBandwidth, bytes / seconds(start, Clock::now()));
  }
  std::free(data);

  (void)sink;
  return bestBandwidth / 1e9;
}

} // namespace r1::bench

#endif // R1_BENCH_ROOFLINE_H
