//===- Perplexity.cpp - windows, token scores and their statistics --------===//

#include "Perplexity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace r1::perplexity {

using r1::tokenizer::makeError;

Expected<WindowPlan> planWindows(size_t tokens, size_t ctx, size_t stride,
                                 size_t maxWindows) {
  if (ctx < 3)
    return makeError("--ctx ", std::to_string(ctx),
                     " scores no token: a window of N tokens scores its last "
                     "N - 1 - N/2, so --ctx must be at least 3");
  if (stride == 0)
    return makeError("--stride must be at least 1");
  if (tokens < ctx)
    return makeError(std::to_string(tokens),
                     " tokens are fewer than one window of ",
                     std::to_string(ctx), " (--ctx)");
  WindowPlan plan;
  plan.ctx = ctx;
  plan.stride = stride;
  plan.windows = (tokens - ctx) / stride + 1;
  if (maxWindows)
    plan.windows = std::min(plan.windows, maxWindows);
  plan.firstScoredRow = ctx / 2;
  plan.scoredPerWindow = ctx - 1 - ctx / 2;
  if (__builtin_mul_overflow(uint64_t(plan.windows),
                             uint64_t(plan.scoredPerWindow), &plan.scoredTotal))
    return makeError(std::to_string(plan.windows), " windows of ",
                     std::to_string(ctx), " tokens score too many tokens");
  return plan;
}

size_t argmax(const float *logits, size_t vocab) {
  return size_t(std::max_element(logits, logits + vocab) - logits);
}

double logSumExp(const float *logits, size_t vocab) {
  double top = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < vocab; ++i) {
    if (std::isnan(logits[i]))
      return logits[i];
    top = std::max(top, double(logits[i]));
  }
  if (!std::isfinite(top))
    return top; // +inf, or every logit -inf
  // Every exp(x - top) is in (0, 1] and one of them is 1: no overflow, and
  // the sum loses nothing that matters to underflow.
  double sum = 0;
  for (size_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) - top);
  return top + std::log(sum);
}

double negativeLogLikelihood(const float *logits, size_t vocab, size_t target) {
  return logSumExp(logits, vocab) - double(logits[target]);
}

double klDivergence(const float *base, const float *ours, size_t vocab) {
  double baseLse = logSumExp(base, vocab), oursLse = logSumExp(ours, vocab);
  if (!std::isfinite(baseLse) || !std::isfinite(oursLse))
    return std::numeric_limits<double>::quiet_NaN();
  double kl = 0;
  for (size_t i = 0; i < vocab; ++i) {
    double logBase = double(base[i]) - baseLse;
    double p = std::exp(logBase);
    if (p == 0)
      continue;
    kl += p * (logBase - (double(ours[i]) - oursLse));
  }
  return kl;
}

void MeanEstimate::add(double value) {
  ++n;
  double delta = value - runningMean;
  runningMean += delta / double(n);
  sumSquares += delta * (value - runningMean);
}

double MeanEstimate::standardError() const {
  if (n < 2)
    return 0;
  return std::sqrt(sumSquares / (double(n) * double(n - 1)));
}

double quantile(const std::vector<double> &sorted, double fraction) {
  if (sorted.empty())
    return 0;
  double h = double(sorted.size() - 1) * std::clamp(fraction, 0.0, 1.0);
  size_t low = size_t(std::floor(h));
  size_t high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (h - double(low)) * (sorted[high] - sorted[low]);
}

} // namespace r1::perplexity
