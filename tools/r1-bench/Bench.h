//===- Bench.h - r1-bench's lists, statistics and bounds -------*- C++ -*-===//
//
// The arithmetic of r1-bench, apart from the runtime so that it can be
// tested alone: the comma-separated lists of its options, the mean and
// sample standard deviation of a row's repetitions, the token ids a test
// runs, and what an artifact's manifest.json says a token costs (the FLOPs
// of a prefill token and the bytes a decode step reads), which the
// --roofline bounds divide the measured FMA peak and read bandwidth by.
//
//===----------------------------------------------------------------------===//

#ifndef R1_TOOLS_BENCH_BENCH_H
#define R1_TOOLS_BENCH_BENCH_H

#include "runtime/tokenizer/Expected.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1::bench {

using r1::tokenizer::Expected;

/// "128,512" as {128, 512}: whole numbers in [min, max] separated by single
/// commas, in the order given (repeats kept). Errors name `flag`.
Expected<std::vector<uint64_t>> parseCountList(std::string_view flag,
                                               std::string_view text,
                                               uint64_t min, uint64_t max);

/// One whole number in [min, max].
Expected<uint64_t> parseCount(std::string_view flag, std::string_view text,
                              uint64_t min, uint64_t max);

/// A row's repetitions: their mean and sample standard deviation
/// (√(Σ(xᵢ − mean)² / (n − 1)); 0 for a single sample), as llama-bench
/// reports its t/s.
struct Summary {
  size_t samples = 0;
  double mean = 0;
  double stddev = 0;
};
Summary summarize(const std::vector<double> &samples);

/// The seed of benchTokens: every r1-bench run feeds the same ids.
constexpr uint64_t kTokenSeed = 1234;

/// `n` pseudo-random ids in [0, vocab): the outputs of std::mt19937_64
/// seeded with `seed`, each taken mod vocab (the standard fixes that
/// generator's sequence, so the ids are the same on every platform).
std::vector<int32_t> benchTokens(size_t n, int64_t vocab,
                                 uint64_t seed = kTokenSeed);

/// What a token costs, from the weight table of an artifact's manifest.json
/// (every tensor r1c wrote to weights.bin, as stored: norm weights folded
/// into the linears that follow them are no tensors of their own).
struct ArtifactCost {
  /// Σ elements of every tensor in the table.
  uint64_t params = 0;
  /// Σ `bytes` of every tensor (weights.bin less its alignment padding).
  uint64_t tensorBytes = 0;
  /// The embedding table (the plain-layout tensor named
  /// `*embed_tokens.weight`): a token reads one row of it, a gather.
  uint64_t embeddingParams = 0, embeddingBytes = 0;
  /// The output head (`lm_head.weight`, or a tied head's packed copy of
  /// the embedding, a non-plain `*embed_tokens.weight`): a prefill through
  /// r1rt_prefill_last runs it on the last row only.
  uint64_t headParams = 0;
  /// kv_cache.bytes_per_token: what each cached token adds to a step's
  /// reads (every layer's k and v rows).
  uint64_t kvBytesPerToken = 0;
};

/// The cost of the artifact whose manifest.json holds `manifest`; errors
/// name `path`.
Expected<ArtifactCost> parseArtifactCost(std::string_view manifest,
                                         const std::string &path);

/// FLOPs per token of a prefill of `tokens` tokens: 2 per weight of every
/// tensor but the embedding (a gather) and the head, plus the head's once
/// per prompt: 2·(params − embedding − head) + 2·head / tokens. Attention's
/// own FLOPs (scores and values) are left out, so the bound stays an upper
/// one.
double prefillFlopsPerToken(const ArtifactCost &cost, uint64_t tokens);

/// Bytes a decode step reads, averaged over `steps` steps after `prompt`
/// cached tokens: every tensor's bytes but the embedding table's, plus the
/// KV cache the step attends over (step i, from 0, reads prompt + i + 1
/// rows: on average prompt + (steps + 1) / 2).
double decodeBytesPerToken(const ArtifactCost &cost, uint64_t prompt,
                           uint64_t steps);

} // namespace r1::bench

#endif // R1_TOOLS_BENCH_BENCH_H
