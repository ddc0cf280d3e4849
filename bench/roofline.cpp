//===- roofline.cpp - print this machine's roofline -----------------------===//
//
// Prints the FMA peak and read bandwidth (see Roofline.h).
//
//===----------------------------------------------------------------------===//

#include "bench/Roofline.h"

#include <cstdio>

int main() {
  using namespace r1::bench;
  std::printf("isa                 %s\n", hasAvx512() ? "avx512" : "avx2+fma");
  std::printf("threads             %u\n", benchThreads());
  std::printf("fma_peak_gflops     %.1f\n", measureFmaPeakGflops());
  std::printf("read_bandwidth_gbps %.1f\n", measureReadBandwidthGBps());
  return 0;
}
