//===- PreTokenizer.h - regex splits as hand-written scanners ----*- C++
//-*-===//
//
// This file declares the pre-tokenizer: the `Split` steps of a tokenizer.json
// `pre_tokenizer` and the GPT-2 split of `ByteLevel` with `use_regex`.
// HuggingFace runs these patterns through Oniguruma; std::regex has neither
// \p{..} nor lookahead, so each pattern r1 supports is recognised by its exact
// text and implemented as a scanner over code points that reproduces the
// regex's leftmost-first match, backtracking included. Any other pattern is
// an "unsupported pattern" error rather than a silently different split.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define R1_RUNTIME_TOKENIZER_PRETOKENIZER_H

#include "runtime/tokenizer/Expected.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace r1::tokenizer {

/// One `Split` step with behaviour `Isolated`: every match becomes a piece,
/// and so does every run of text between matches.
class SplitRule {
public:
  enum class Pattern {
    Gpt2,           // ByteLevel's use_regex pattern
    Qwen2,          // Qwen2 / R1-Distill-Qwen: single digits
    Llama3,         // Llama 3 / R1-Distill-Llama: digits in runs of 1-3
    DeepSeekDigits, // DeepSeek-V3/R1 step 1: \p{N}{1,3}
    DeepSeekCjk,    // DeepSeek-V3/R1 step 2: runs of CJK ideographs and kana
    DeepSeekWords,  // DeepSeek-V3/R1 step 3: words, punctuation, whitespace
    Literal,        // a `String` pattern
  };

  /// The rule for a `Regex` pattern, or an error if it is not one we know.
  static Expected<SplitRule> fromRegex(std::string_view regex);
  static SplitRule fromLiteral(std::u32string literal);
  static SplitRule gpt2() { return SplitRule(Pattern::Gpt2); }

  Pattern pattern() const { return kind; }

  /// The length in code points of the match that starts at `cps[pos]`
  /// (`pos < n`), or 0 if the pattern does not match there.
  size_t matchAt(const char32_t *cps, size_t n, size_t pos) const;

  struct Match {
    size_t begin, length; // begin == n when there is no match
  };
  /// The leftmost match at or after `from`. Splitting a text calls this from
  /// the end of each match, and the whole split is linear in the text: the
  /// regex scanners look at each code point a bounded number of times, and
  /// a literal is searched with Knuth-Morris-Pratt rather than compared at
  /// every position.
  Match findFrom(const char32_t *cps, size_t n, size_t from) const;

private:
  explicit SplitRule(Pattern kind) : kind(kind) {}
  Pattern kind;
  std::u32string literal;
  /// KMP's failure function of `literal`: border[i] is the length of the
  /// longest proper prefix of literal[0..i] that is also its suffix.
  std::vector<size_t> border;
};

/// The splitting part of a pre-tokenizer: its Split rules applied in order,
/// each to every piece the previous one produced, then ByteLevel's part.
class PreTokenizer {
public:
  std::vector<SplitRule> rules;
  /// ByteLevel's add_prefix_space: each piece the rules made that does not
  /// start with a space gets one.
  bool addPrefixSpace = false;
  /// ByteLevel's use_regex: after the prefix, the GPT-2 split.
  bool byteLevelRegex = false;

  /// Appends the pieces of `text` (valid UTF-8) to `pieces`.
  void split(std::string_view text, std::vector<std::string> &pieces) const;
};

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_PRETOKENIZER_H
