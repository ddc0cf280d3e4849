//===- verify.cpp - how fast the runtime checks a file's digest -----------===//
//
// r1-bench-verify FILE [--threads N]: maps FILE as r1rt_open maps
// weights.bin (MAP_POPULATE) and times its digest (runtime/Digest.h) on
// every core, as r1rt_open checks it, and on one; beside them the peer, one
// XXH3-128 over the whole file on one thread (what an unchunked digest
// costs), and the read-bandwidth roofline. The first pass warms the page
// cache and is reported apart; the others are best of 5.
//
//===----------------------------------------------------------------------===//

#include "Roofline.h"

#include "runtime/Digest.h"
#include "runtime/MappedFile.h"

#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Best of `reps` timings of `work`, in seconds.
template <typename F> double best(int reps, F work) {
  double seconds = 1e30;
  for (int i = 0; i < reps; ++i) {
    auto start = Clock::now();
    work();
    seconds = std::min(seconds, since(start));
  }
  return seconds;
}

} // namespace

int main(int argc, char **argv) {
  std::string path;
  unsigned threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = unsigned(std::atoi(argv[++i]));
    else if (path.empty() && arg[0] != '-')
      path = arg;
    else {
      std::fprintf(stderr, "usage: r1-bench-verify FILE [--threads N]\n");
      return 2;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: r1-bench-verify FILE [--threads N]\n");
    return 2;
  }
  if (threads == 0)
    threads = r1::bench::benchThreads();

  r1rt::MappedFile file;
  std::string error;
  auto start = Clock::now();
  if (!file.open(path, error, /*populate=*/true)) {
    std::fprintf(stderr, "r1-bench-verify: %s\n", error.c_str());
    return 1;
  }
  double map = since(start);
  double gb = double(file.size) / 1e9;
  std::string digest;
  start = Clock::now();
  digest = r1rt::digestBytes(file.data, file.size, threads);
  double first = since(start);
  double all = best(5, [&] {
    if (r1rt::digestBytes(file.data, file.size, threads) != digest)
      std::abort(); // the same bytes must give the same digest
  });
  double one =
      best(5, [&] { (void)r1rt::digestBytes(file.data, file.size, 1); });
  volatile uint64_t sink = 0;
  double whole =
      best(5, [&] { sink = XXH3_128bits(file.data, file.size).low64; });
  (void)sink;
  double bandwidth = r1::bench::measureReadBandwidthGBps();

  std::printf("r1-bench-verify: %s, %.2f GB, digest %s\n", path.c_str(), gb,
              digest.c_str());
  std::printf("  map (MAP_POPULATE, as r1rt_open)   %7.3f s\n", map);
  std::printf("  digest, first pass, %2u threads     %7.3f s %6.1f GB/s\n",
              threads, first, gb / first);
  std::printf("  digest, %2u threads (r1rt_open)     %7.3f s %6.1f GB/s\n",
              threads, all, gb / all);
  std::printf("  digest, 1 thread                   %7.3f s %6.1f GB/s\n", one,
              gb / one);
  std::printf("  peer: XXH3-128 unchunked, 1 thread %7.3f s %6.1f GB/s\n",
              whole, gb / whole);
  std::printf("  roofline: read bandwidth, %2u cores          %6.1f GB/s "
              "(digest at %.0f%%)\n",
              r1::bench::benchThreads(), bandwidth,
              100.0 * (gb / all) / bandwidth);
  return 0;
}
