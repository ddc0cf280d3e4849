//===- BenchTest.cpp - r1-bench's lists, statistics and bounds ------------===//
//
// The option lists and their errors, the mean and sample standard
// deviation, the token ids, and the per-token costs read from a manifest's
// weight table (with a separate head, a tied one, and broken tables).
//
//===----------------------------------------------------------------------===//

#include "Bench.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace r1::bench;

namespace {

TEST(BenchLists, ParseInOrder) {
  auto list = parseCountList("-p", "128,512,128", 0, 1000);
  ASSERT_TRUE(list) << list.message();
  EXPECT_EQ(*list, (std::vector<uint64_t>{128, 512, 128}));
  EXPECT_EQ(*parseCountList("-t", "1", 1, 4096), std::vector<uint64_t>{1});
  EXPECT_EQ(*parseCountList("-t", "4096", 1, 4096),
            std::vector<uint64_t>{4096});
  EXPECT_EQ(*parseCountList("-p", "0", 0, 10), std::vector<uint64_t>{0});
  EXPECT_EQ(*parseCount("-r", "5", 1, 1000000), 5u);
}

TEST(BenchLists, RefuseWhatIsNotAList) {
  EXPECT_EQ(parseCountList("-p", "128,,512", 0, 1000).message(),
            "-p takes comma-separated whole numbers in [0, 1000], got "
            "'128,,512' (an empty item)");
  EXPECT_EQ(parseCountList("-p", "", 0, 1000).message(),
            "-p takes comma-separated whole numbers in [0, 1000], got '' "
            "(an empty item)");
  EXPECT_EQ(parseCountList("-p", "128,", 0, 1000).message(),
            "-p takes comma-separated whole numbers in [0, 1000], got "
            "'128,' (an empty item)");
  EXPECT_EQ(parseCountList("-t", "1,x", 1, 4096).message(),
            "-t takes comma-separated whole numbers in [1, 4096], got '1,x' "
            "('x' is not a whole number)");
  EXPECT_EQ(parseCountList("-t", "-1", 1, 4096).message(),
            "-t takes comma-separated whole numbers in [1, 4096], got '-1' "
            "('-1' is not a whole number)");
  EXPECT_EQ(parseCountList("-t", "1, 2", 1, 4096).message(),
            "-t takes comma-separated whole numbers in [1, 4096], got '1, 2' "
            "(' 2' is not a whole number)");
  EXPECT_EQ(parseCountList("-t", "0", 1, 4096).message(),
            "-t takes comma-separated whole numbers in [1, 4096], got '0' "
            "(0 is too small)");
  EXPECT_EQ(parseCountList("-t", "4097", 1, 4096).message(),
            "-t takes comma-separated whole numbers in [1, 4096], got '4097' "
            "(4097 is too large)");
  // Past 2^64 is "too large", not a wrapped value.
  EXPECT_FALSE(parseCountList("-p", "99999999999999999999999", 0, UINT64_MAX));
  EXPECT_EQ(*parseCountList("-p", "18446744073709551615", 0, UINT64_MAX),
            std::vector<uint64_t>{UINT64_MAX});
  EXPECT_FALSE(parseCountList("-p", "18446744073709551616", 0, UINT64_MAX));
  EXPECT_FALSE(parseCountList("-p", "9", 0, 5));
  EXPECT_EQ(parseCount("-r", "0", 1, 1000000).message(),
            "-r takes one whole number in [1, 1000000], got '0'");
  EXPECT_EQ(parseCount("-r", "2,3", 1, 1000000).message(),
            "-r takes one whole number in [1, 1000000], got '2,3'");
}

TEST(BenchStatistics, MeanAndSampleDeviation) {
  Summary s = summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.samples, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  // Σ(x - 5)² = 32 over n - 1 = 7 (the population deviation would be 2).
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(32.0 / 7.0));
  Summary one = summarize({3.5});
  EXPECT_DOUBLE_EQ(one.mean, 3.5);
  EXPECT_EQ(one.stddev, 0);
  Summary same = summarize({1e6, 1e6, 1e6});
  EXPECT_EQ(same.stddev, 0);
  EXPECT_EQ(summarize({}).samples, 0u);
}

TEST(BenchTokens, SeededAndInTheVocabulary) {
  std::vector<int32_t> ids = benchTokens(1000, 256);
  ASSERT_EQ(ids.size(), 1000u);
  for (int32_t id : ids) {
    EXPECT_GE(id, 0);
    EXPECT_LT(id, 256);
  }
  // The same on every call, and a prefix of a longer run's.
  EXPECT_EQ(ids, benchTokens(1000, 256));
  std::vector<int32_t> longer = benchTokens(1016, 256);
  EXPECT_EQ(ids, std::vector<int32_t>(longer.begin(), longer.begin() + 1000));
  // What the header says: mt19937_64 with the seed, mod vocab.
  std::mt19937_64 rng(kTokenSeed);
  EXPECT_EQ(uint64_t(benchTokens(1, 32000)[0]), rng() % 32000);
  EXPECT_NE(benchTokens(16, 32000), benchTokens(16, 32000, kTokenSeed + 1));
}

// A two-layer Llama's table as r1c writes it (norms folded into the
// linears): embedding 256×64, per layer q,k,v,o and the MLP, the final
// norm and the head.
std::string manifest(bool tied) {
  std::string tensors =
      R"({"name": "model.embed_tokens.weight", "dtype": "f32", "layout": "plain", "shape": [256, 64], "bytes": 65536})";
  for (int layer = 0; layer < 2; ++layer) {
    std::string p = "model.layers." + std::to_string(layer) + ".";
    auto linear = [&](const char *name, int rows, int cols) {
      tensors += R"(, {"name": ")" + p + name +
                 R"(", "dtype": "f32", "layout": "panels16", "shape": [)" +
                 std::to_string(rows) + ", " + std::to_string(cols) +
                 R"(], "bytes": )" + std::to_string(4 * rows * cols) + "}";
    };
    linear("self_attn.q_proj.weight", 64, 64);
    linear("self_attn.k_proj.weight", 32, 64);
    linear("self_attn.v_proj.weight", 32, 64);
    linear("self_attn.o_proj.weight", 64, 64);
    linear("mlp.gate_proj.weight", 128, 64);
    linear("mlp.up_proj.weight", 128, 64);
    linear("mlp.down_proj.weight", 64, 128);
  }
  tensors +=
      R"(, {"name": "model.norm.weight", "dtype": "f32", "layout": "plain", "shape": [64], "bytes": 256})";
  tensors +=
      std::string(R"(, {"name": ")") +
      (tied ? "model.embed_tokens.weight" : "lm_head.weight") +
      R"(", "dtype": "f32", "layout": "panels16", "shape": [256, 64], "bytes": 65536})";
  return R"({"kv_cache": {"bytes_per_token": 512}, "weights": {"tensors": [)" +
         tensors + "]}}";
}

TEST(BenchCost, FromTheWeightTable) {
  // Per layer 4096 + 2048 + 2048 + 4096 + 3 * 8192 = 36864 weights.
  const uint64_t layers = 2 * 36864, table = 256 * 64;
  for (bool tied : {false, true}) {
    auto cost = parseArtifactCost(manifest(tied), "m.r1/manifest.json");
    ASSERT_TRUE(cost) << cost.message();
    EXPECT_EQ(cost->params, table + layers + 64 + table);
    EXPECT_EQ(cost->tensorBytes, 4 * cost->params);
    EXPECT_EQ(cost->embeddingParams, table);
    EXPECT_EQ(cost->embeddingBytes, 4 * table);
    EXPECT_EQ(cost->headParams, table);
    EXPECT_EQ(cost->kvBytesPerToken, 512u);
    // pp64: the layers and the norm at 2 FLOPs a weight, the head once.
    EXPECT_DOUBLE_EQ(prefillFlopsPerToken(*cost, 64),
                     2.0 * (layers + 64) + 2.0 * table / 64);
    // tg16 after 16 tokens: the steps read 17 .. 32 cached rows, 24.5 on
    // average, and every weight but the embedding table.
    EXPECT_DOUBLE_EQ(decodeBytesPerToken(*cost, 16, 16),
                     4.0 * (layers + 64 + table) + 512 * 24.5);
  }
}

TEST(BenchCost, RefuseBrokenTables) {
  EXPECT_EQ(parseArtifactCost("{}", "m/manifest.json").message(),
            "m/manifest.json: has no weights.tensors table");
  EXPECT_EQ(parseArtifactCost(R"({"weights": {"tensors": [{"name": "w"}]}})",
                              "m/manifest.json")
                .message(),
            "m/manifest.json: weights.tensors[0] needs a name, a shape and a "
            "byte count");
  EXPECT_EQ(
      parseArtifactCost(
          R"({"weights": {"tensors": [{"name": "w", "shape": [2, -1], "bytes": 8}]}})",
          "m/manifest.json")
          .message(),
      "m/manifest.json: w: the shape is not a list of whole numbers");
  EXPECT_EQ(
      parseArtifactCost(
          R"({"weights": {"tensors": [{"name": "w", "shape": [4294967296, 4294967296], "bytes": 8}]}})",
          "m/manifest.json")
          .message(),
      "m/manifest.json: w: the shape is too large");
  auto truncated = parseArtifactCost(R"({"weights": )", "m/manifest.json");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.message().rfind("m/manifest.json: ", 0), 0u);
}

} // namespace
