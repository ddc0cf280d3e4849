//===- Perplexity.h - windows, scores and statistics ------------*- C++ -*-===//
//
// The arithmetic of r1-perplexity, apart from the runtime so that it can be
// tested alone: which tokens a window scores, the negative log-likelihood
// of a token and the KL divergence between two rows of logits (in double,
// through a log-sum-exp taken around the row's maximum), and the running
// mean with its standard error that the figures are printed with.
//
// Windows follow llama.cpp's llama-perplexity: window k holds the tokens
// [k * stride, k * stride + ctx); the logits at window rows first .. ctx-2,
// first = ctx / 2, are scored against the token that follows each, so a
// window scores ctx - 1 - ctx/2 tokens, each with at least ctx/2 tokens of
// context before it.
//
//===----------------------------------------------------------------------===//

#ifndef R1_TOOLS_PERPLEXITY_PERPLEXITY_H
#define R1_TOOLS_PERPLEXITY_PERPLEXITY_H

#include "runtime/tokenizer/Expected.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace r1::perplexity {

using r1::tokenizer::Expected;

/// The windows over a sequence of tokens and the positions each scores.
struct WindowPlan {
  size_t ctx = 0;     // tokens per window
  size_t stride = 0;  // tokens from one window's start to the next's
  size_t windows = 0; // how many windows are run
  /// The first window row whose logits are scored (ctx / 2).
  size_t firstScoredRow = 0;
  /// Tokens each window scores: ctx - 1 - ctx / 2.
  size_t scoredPerWindow = 0;
  /// windows * scoredPerWindow.
  uint64_t scoredTotal = 0;

  size_t windowStart(size_t window) const { return window * stride; }
};

/// The windows of `ctx` tokens, `stride` apart, that fit in `tokens`; at
/// most `maxWindows` of them (0: every one that fits). An error when ctx
/// scores no token (below 3), stride is 0, or the tokens do not fill one
/// window.
Expected<WindowPlan> planWindows(size_t tokens, size_t ctx, size_t stride,
                                 size_t maxWindows);

/// The largest of `vocab` logits' index (the first such, on a tie).
size_t argmax(const float *logits, size_t vocab);

/// log Σ exp(logits[i]), in double around the row's maximum so that no
/// term overflows: exact for any finite logits. Not finite when a logit is
/// NaN or +inf, or every one is -inf.
double logSumExp(const float *logits, size_t vocab);

/// -log softmax(logits)[target] in double; not finite when the row's
/// log-sum-exp or the target's logit is not.
double negativeLogLikelihood(const float *logits, size_t vocab, size_t target);

/// KL(base || ours) = Σ p_base(i) (log p_base(i) - log p_ours(i)) over the
/// softmaxes of two rows of `vocab` logits, in double. Terms whose base
/// probability is 0 contribute 0 (the convention 0 log 0 = 0). Identical
/// rows give exactly 0. NaN when either row's log-sum-exp is not finite.
double klDivergence(const float *base, const float *ours, size_t vocab);

/// The mean of a stream of values and the standard error of that mean,
/// sqrt(Σ (x - mean)² / (n (n - 1))): the sample standard deviation over
/// sqrt(n), as llama-perplexity prints it. Welford's update keeps it exact
/// to rounding over millions of values.
class MeanEstimate {
public:
  void add(double value);
  uint64_t count() const { return n; }
  double mean() const { return n ? runningMean : 0; }
  /// 0 below two values.
  double standardError() const;

private:
  uint64_t n = 0;
  double runningMean = 0, sumSquares = 0;
};

/// The `fraction` (in [0, 1]) quantile of ascending `sorted` values,
/// interpolated linearly between the two nearest ranks: with h = (n - 1) *
/// fraction, sorted[⌊h⌋] + (h - ⌊h⌋) (sorted[⌊h⌋ + 1] - sorted[⌊h⌋]) (numpy's
/// default percentile). 0 for no values.
double quantile(const std::vector<double> &sorted, double fraction);

} // namespace r1::perplexity

#endif // R1_TOOLS_PERPLEXITY_PERPLEXITY_H
