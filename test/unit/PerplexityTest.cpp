//===- PerplexityTest.cpp - r1-perplexity's arithmetic and logits file ----===//
//
// The windows a run scores, the log-sum-exp, NLL and KL divergence at
// logits where a float computation would overflow, the mean and standard
// error, the quantiles, and the logits file's reader on well-formed and
// broken files.
//
//===----------------------------------------------------------------------===//

#include "Perplexity.h"
#include "LogitsFile.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

using namespace r1::perplexity;

namespace {

TEST(PerplexityWindows, FollowLlamaPerplexity) {
  // Non-overlapping windows of 64: each scores rows 32..62, tokens 33..63.
  auto plan = planWindows(1500, 64, 64, 0);
  ASSERT_TRUE(plan) << plan.message();
  EXPECT_EQ(plan->windows, 23u); // (1500 - 64) / 64 + 1
  EXPECT_EQ(plan->firstScoredRow, 32u);
  EXPECT_EQ(plan->scoredPerWindow, 31u);
  EXPECT_EQ(plan->scoredTotal, 23u * 31u);
  EXPECT_EQ(plan->windowStart(22), 22u * 64u);

  // An odd window, overlapping windows, and --chunks.
  plan = planWindows(1500, 41, 17, 9);
  ASSERT_TRUE(plan) << plan.message();
  EXPECT_EQ(plan->windows, 9u);
  EXPECT_EQ(plan->firstScoredRow, 20u);
  EXPECT_EQ(plan->scoredPerWindow, 20u);
  EXPECT_EQ(planWindows(1500, 41, 17, 1000)->windows, 86u);

  // Exactly one window; the smallest window that scores a token.
  EXPECT_EQ(planWindows(64, 64, 1, 0)->windows, 1u);
  EXPECT_EQ(planWindows(3, 3, 1, 0)->scoredPerWindow, 1u);
}

TEST(PerplexityWindows, RefuseWhatScoresNothing) {
  EXPECT_EQ(planWindows(100, 2, 1, 0).message(),
            "--ctx 2 scores no token: a window of N tokens scores its last "
            "N - 1 - N/2, so --ctx must be at least 3");
  EXPECT_EQ(planWindows(100, 10, 0, 0).message(),
            "--stride must be at least 1");
  EXPECT_EQ(planWindows(63, 64, 64, 0).message(),
            "63 tokens are fewer than one window of 64 (--ctx)");
}

TEST(PerplexityScores, LogSumExpDoesNotOverflow) {
  // exp(1000) overflows double and exp(-1000) underflows it.
  std::vector<float> high = {1000, 1000, 1000, 1000};
  EXPECT_DOUBLE_EQ(logSumExp(high.data(), 4), 1000 + std::log(4.0));
  std::vector<float> low = {-1000, -1001};
  EXPECT_NEAR(logSumExp(low.data(), 2), -1000 + std::log1p(std::exp(-1.0)),
              1e-12);
  // A row with -inf (a masked token) is fine; NaN or +inf is not finite.
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> masked = {0, -inf};
  EXPECT_DOUBLE_EQ(logSumExp(masked.data(), 2), 0);
  std::vector<float> bad = {0, std::nanf("")};
  EXPECT_TRUE(std::isnan(logSumExp(bad.data(), 2)));
  bad[1] = inf;
  EXPECT_FALSE(std::isfinite(logSumExp(bad.data(), 2)));
}

TEST(PerplexityScores, NegativeLogLikelihood) {
  // Uniform over 256 tokens: log 256 whatever the offset.
  std::vector<float> uniform(256, 3000.0f);
  EXPECT_NEAR(negativeLogLikelihood(uniform.data(), 256, 17), std::log(256.0),
              1e-9);
  std::vector<float> row = {2, 0, -1};
  double lse = std::log(std::exp(2.0) + 1 + std::exp(-1.0));
  EXPECT_NEAR(negativeLogLikelihood(row.data(), 3, 0), lse - 2, 1e-12);
  EXPECT_NEAR(negativeLogLikelihood(row.data(), 3, 2), lse + 1, 1e-12);
  EXPECT_EQ(argmax(row.data(), 3), 0u);
  std::vector<float> tie = {1, 5, 5};
  EXPECT_EQ(argmax(tie.data(), 3), 1u);
}

TEST(PerplexityScores, KlDivergence) {
  // p = (0.9, 0.1), q = (0.5, 0.5) as logits with unrelated offsets.
  std::vector<float> p = {float(5 + std::log(0.9)), float(5 + std::log(0.1))};
  std::vector<float> q = {-7, -7};
  double want = 0.9 * std::log(0.9 / 0.5) + 0.1 * std::log(0.1 / 0.5);
  EXPECT_NEAR(klDivergence(p.data(), q.data(), 2), want, 1e-5);
  // KL(p || q) is not KL(q || p).
  double reverse = 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1);
  EXPECT_NEAR(klDivergence(q.data(), p.data(), 2), reverse, 1e-5);
  // Identical rows: exactly 0, not a rounding residue.
  std::vector<float> row = {0.25f, -3.5f, 7.0f, 1e-3f};
  EXPECT_EQ(klDivergence(row.data(), row.data(), 4), 0.0);
  // A base probability of 0 contributes nothing; NaN logits give NaN.
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> masked = {0, -inf}, other = {0, 0};
  EXPECT_NEAR(klDivergence(masked.data(), other.data(), 2), std::log(2.0),
              1e-12);
  std::vector<float> nan = {0, std::nanf("")};
  EXPECT_TRUE(std::isnan(klDivergence(nan.data(), other.data(), 2)));
}

TEST(PerplexityStatistics, MeanAndStandardError) {
  MeanEstimate m;
  EXPECT_EQ(m.standardError(), 0.0);
  m.add(5);
  EXPECT_EQ(m.mean(), 5.0);
  EXPECT_EQ(m.standardError(), 0.0); // undefined for one value
  MeanEstimate four;
  for (double x : {1.0, 2.0, 3.0, 4.0})
    four.add(x);
  EXPECT_DOUBLE_EQ(four.mean(), 2.5);
  // Sample variance 5/3, over n = 4.
  EXPECT_NEAR(four.standardError(), std::sqrt(5.0 / 3.0 / 4.0), 1e-15);
  // A large offset does not swallow the spread (E[x²] - E[x]² would).
  MeanEstimate shifted;
  for (double x : {1.0, 2.0, 3.0, 4.0})
    shifted.add(1e9 + x);
  EXPECT_NEAR(shifted.standardError(), four.standardError(), 1e-9);
}

TEST(PerplexityStatistics, QuantilesInterpolateLinearly) {
  std::vector<double> v = {0, 1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile(v, 0.9), 3.6); // numpy.percentile(v, 90)
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), 2);
  EXPECT_DOUBLE_EQ(quantile(v, 1), 4);
  EXPECT_DOUBLE_EQ(quantile(v, 0), 0);
  EXPECT_DOUBLE_EQ(quantile({7}, 0.99), 7);
  EXPECT_DOUBLE_EQ(quantile({}, 0.5), 0);
  EXPECT_DOUBLE_EQ(quantile({1, 3}, 0.99), 2.98);
}

// --- The logits file -------------------------------------------------------

/// A file path in a fresh folder, both removed when the test ends.
struct TempFile {
  std::string folder, path;
  TempFile() {
    char name[] = "/tmp/r1-perplexity-test-XXXXXX";
    folder = mkdtemp(name) ? name : "";
    EXPECT_FALSE(folder.empty());
    path = folder + "/run.logits";
  }
  ~TempFile() {
    std::remove(path.c_str());
    rmdir(folder.c_str());
  }
  std::string bytes() const {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void setBytes(const std::string &bytes) const {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
};

/// Writes a file of `count` records over a vocabulary of 3.
void writeFile(const TempFile &file, uint64_t count) {
  LogitsHeader header;
  header.vocab = 3;
  header.count = count;
  header.ctx = 8;
  header.stride = 4;
  std::string error;
  ASSERT_TRUE(r1rt::writeFileAtomically(
      file.path,
      [&](const r1rt::ByteSink &sink) {
        if (!writeLogitsHeader(sink, header))
          return false;
        for (uint64_t i = 0; i < count; ++i) {
          float row[3] = {float(i), -1.5f, 2.25f};
          if (!writeLogitsRecord(sink, int32_t(i % 3), row, 3))
            return false;
        }
        return true;
      },
      error))
      << error;
}

TEST(PerplexityLogitsFile, RoundTrips) {
  TempFile file;
  writeFile(file, 5);
  EXPECT_EQ(file.bytes().size(), 48u + 5u * 16u);
  EXPECT_EQ(file.bytes().substr(0, 8), "R1LOGITS");
  auto reader = LogitsReader::open(file.path);
  ASSERT_TRUE(reader) << reader.message();
  EXPECT_EQ(reader->header().vocab, 3u);
  EXPECT_EQ(reader->header().count, 5u);
  EXPECT_EQ(reader->header().ctx, 8u);
  EXPECT_EQ(reader->header().stride, 4u);
  for (int i = 0; i < 5; ++i) {
    int32_t token;
    float row[3];
    auto read = reader->next(token, row);
    ASSERT_TRUE(read) << read.message();
    EXPECT_EQ(token, i % 3);
    EXPECT_EQ(row[0], float(i));
    EXPECT_EQ(row[2], 2.25f);
  }
  int32_t token;
  float row[3];
  EXPECT_FALSE(reader->next(token, row)); // no sixth record
}

TEST(PerplexityLogitsFile, RefusesBrokenFiles) {
  TempFile file;
  writeFile(file, 2);
  std::string good = file.bytes();
  auto openError = [&](const std::string &bytes) {
    file.setBytes(bytes);
    auto reader = LogitsReader::open(file.path);
    return reader ? std::string("opened") : reader.message();
  };
  std::string p = file.path + ": ";
  EXPECT_EQ(openError(good), "opened");
  EXPECT_EQ(openError(good.substr(0, 47)),
            p + "not an r1-perplexity logits file (47 bytes, less than its "
                "48-byte header)");
  std::string magic = good;
  magic[0] = 'X';
  EXPECT_EQ(openError(magic),
            p + "not an r1-perplexity logits file (no R1LOGITS magic)");
  std::string version = good;
  version[8] = 2;
  EXPECT_EQ(openError(version),
            p + "logits file version 2; this r1-perplexity reads version 1");
  std::string reserved = good;
  reserved[13] = 1;
  EXPECT_EQ(openError(reserved), p + "the header's reserved field is not 0");
  std::string none = good.substr(0, 48);
  std::memset(&none[24], 0, 8);
  EXPECT_EQ(openError(none), p + "holds no scored token");
  std::string wide = good;
  wide[16 + 3] = char(0x80); // vocab 2^31 + 3
  EXPECT_EQ(openError(wide), p + "a vocabulary of 2147483651 logits per row "
                                 "is outside [1, 2^31)");
  EXPECT_EQ(openError(good.substr(0, good.size() - 1)),
            p + "holds 79 bytes; its header's 2 records of 3 logits need 80 "
                "(truncated or not written by r1-perplexity?)");
  EXPECT_EQ(openError(good + "x"),
            p + "holds 81 bytes; its header's 2 records of 3 logits need 80 "
                "(truncated or not written by r1-perplexity?)");
  // A count whose size overflows 64 bits is refused before any allocation.
  std::string huge = good;
  std::memset(&huge[24], 0xff, 8);
  EXPECT_EQ(openError(huge),
            p + "holds 80 bytes; its header's 18446744073709551615 records "
                "of 3 logits need more than 2^64 (truncated or not written "
                "by r1-perplexity?)");
  // A record's id outside the vocabulary.
  std::string id = good;
  id[48] = 3;
  file.setBytes(id);
  auto reader = LogitsReader::open(file.path);
  ASSERT_TRUE(reader) << reader.message();
  int32_t token;
  float row[3];
  EXPECT_EQ(reader->next(token, row).message(),
            p + "record 0 has token id 3, outside its vocabulary [0, 3)");
  EXPECT_EQ(LogitsReader::open(file.folder + "/missing").message(),
            "cannot open " + file.folder +
                "/missing: No such file or directory");
}

} // namespace
