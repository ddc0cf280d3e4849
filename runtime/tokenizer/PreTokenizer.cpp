//===- PreTokenizer.cpp - regex splits as hand-written scanners -----------===//
//
// Each scanner mirrors its regex alternative by alternative, in order, as
// Oniguruma tries them; the comments quote the alternative being matched.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/PreTokenizer.h"

#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace r1::tokenizer {
namespace {

// The patterns exactly as tokenizer.json spells them (after JSON unescaping),
// with literal CR and LF written as the escapes \r and \n; see
// canonicalPattern.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Later Llama 3 releases make the optional prefix possessive (`?+`). That
// cannot change a match: the prefix excludes letters, so dropping it never
// lets \p{L}+ match where it failed.
constexpr std::string_view kLlama3PossessivePattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kDeepSeekDigitsPattern = R"(\p{N}{1,3})";
constexpr std::string_view kDeepSeekCjkPattern =
    "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+";
constexpr std::string_view kDeepSeekWordsPattern =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

/// The pattern with literal CR and LF characters replaced by their escapes:
/// DeepSeek's file writes some as characters and some as escapes, and both
/// mean the same to Oniguruma.
std::string canonicalPattern(std::string_view regex) {
  std::string out;
  for (char c : regex) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

bool isLetter(char32_t c) { return generalCategory(c) == Category::Letter; }
bool isNumber(char32_t c) { return generalCategory(c) == Category::Number; }
bool isLineBreak(char32_t c) { return c == '\r' || c == '\n'; }
bool isPunctOrSymbol(char32_t c) {
  Category cat = generalCategory(c);
  return cat == Category::Punctuation || cat == Category::Symbol;
}
bool isLetterOrMark(char32_t c) {
  Category cat = generalCategory(c);
  return cat == Category::Letter || cat == Category::Mark;
}
/// [^\s\p{L}\p{N}]
bool isOtherThanSpaceLetterNumber(char32_t c) {
  Category cat = generalCategory(c);
  return cat != Category::Letter && cat != Category::Number && !isWhiteSpace(c);
}
bool isAsciiLetter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isAsciiPunct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
         (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}
bool isDeepSeekCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x30FF);
}

/// The end of the run of `pred` code points that starts at `pos`, taking at
/// most `limit` of them. A bounded quantifier such as \p{N}{1,3} must pass
/// its bound: scanning the whole run to keep three would make a run of n
/// digits cost n^2/2 steps.
template <typename Pred>
size_t runEnd(const char32_t *cps, size_t n, size_t pos, Pred pred,
              size_t limit = SIZE_MAX) {
  size_t end = n - pos > limit ? pos + limit : n;
  while (pos < end && pred(cps[pos]))
    ++pos;
  return pos;
}

/// 's|'t|'re|'ve|'m|'ll|'d, case-insensitively inside (?i:...). Under
/// Unicode case folding U+017F LATIN SMALL LETTER LONG S matches `s`.
size_t matchContraction(const char32_t *cps, size_t n, size_t pos,
                        bool ignoreCase) {
  if (cps[pos] != '\'' || pos + 1 >= n)
    return 0;
  auto fold = [&](char32_t c) -> char32_t {
    if (!ignoreCase)
      return c;
    if (c >= 'A' && c <= 'Z')
      return c - 'A' + 'a';
    return c == 0x17F ? 's' : c;
  };
  char32_t a = fold(cps[pos + 1]);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (pos + 2 >= n)
    return 0;
  char32_t b = fold(cps[pos + 2]);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/// \s*[\r\n]+|\s+(?!\S)|\s+ (or without the first alternative).
size_t matchWhitespace(const char32_t *cps, size_t n, size_t pos,
                       bool lineBreakRun) {
  if (!isWhiteSpace(cps[pos]))
    return 0;
  size_t end = runEnd(cps, n, pos, isWhiteSpace);
  if (lineBreakRun) {
    // \s*[\r\n]+: \s* backs off until [\r\n]+ can match, which first
    // happens at the last line break of the run; [\r\n]+ then takes only it.
    for (size_t k = end; k > pos; --k)
      if (isLineBreak(cps[k - 1]))
        return k - pos;
  }
  // \s+(?!\S): all of the run at the end of the text, else all but its last
  // character, so that the next piece starts with a space.
  if (end == n)
    return end - pos;
  if (end - pos >= 2)
    return end - pos - 1;
  return end - pos; // \s+
}

size_t matchGpt2(const char32_t *cps, size_t n, size_t pos) {
  if (size_t len = matchContraction(cps, n, pos, /*ignoreCase=*/false))
    return len;
  // ` ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+`: after an optional space, the
  // first class that matches takes its whole run.
  size_t p = pos + (cps[pos] == ' ' ? 1 : 0);
  if (p < n) {
    if (isLetter(cps[p]))
      return runEnd(cps, n, p, isLetter) - pos;
    if (isNumber(cps[p]))
      return runEnd(cps, n, p, isNumber) - pos;
    if (isOtherThanSpaceLetterNumber(cps[p]))
      return runEnd(cps, n, p, isOtherThanSpaceLetterNumber) - pos;
  }
  return matchWhitespace(cps, n, pos, /*lineBreakRun=*/false);
}

size_t matchQwenFamily(const char32_t *cps, size_t n, size_t pos,
                       size_t maxDigits) {
  if (size_t len = matchContraction(cps, n, pos, /*ignoreCase=*/true))
    return len;
  char32_t c = cps[pos];
  // [^\r\n\p{L}\p{N}]?\p{L}+
  size_t p = pos;
  if (!isLineBreak(c) && !isLetter(c) && !isNumber(c) && pos + 1 < n &&
      isLetter(cps[pos + 1]))
    ++p;
  if (isLetter(cps[p]))
    return runEnd(cps, n, p, isLetter) - pos;
  // \p{N} or \p{N}{1,3}
  if (isNumber(c))
    return runEnd(cps, n, pos, isNumber, maxDigits) - pos;
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  p = pos + (c == ' ' ? 1 : 0);
  if (p < n && isOtherThanSpaceLetterNumber(cps[p])) {
    p = runEnd(cps, n, p, isOtherThanSpaceLetterNumber);
    return runEnd(cps, n, p, isLineBreak) - pos;
  }
  return matchWhitespace(cps, n, pos, /*lineBreakRun=*/true);
}

size_t matchDeepSeekWords(const char32_t *cps, size_t n, size_t pos) {
  char32_t c = cps[pos];
  // [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+
  if (isAsciiPunct(c) && pos + 1 < n && isAsciiLetter(cps[pos + 1]))
    return runEnd(cps, n, pos + 1, isAsciiLetter) - pos;
  // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
  size_t p = pos;
  if (!isLineBreak(c) && !isLetter(c) && !isPunctOrSymbol(c) && pos + 1 < n &&
      isLetterOrMark(cps[pos + 1]))
    ++p;
  if (isLetterOrMark(cps[p]))
    return runEnd(cps, n, p, isLetterOrMark) - pos;
  // ` ?[\p{P}\p{S}]+[\r\n]*`
  p = pos + (c == ' ' ? 1 : 0);
  if (p < n && isPunctOrSymbol(cps[p])) {
    p = runEnd(cps, n, p, isPunctOrSymbol);
    return runEnd(cps, n, p, isLineBreak) - pos;
  }
  return matchWhitespace(cps, n, pos, /*lineBreakRun=*/true);
}

} // namespace

Expected<SplitRule> SplitRule::fromRegex(std::string_view regex) {
  std::string canonical = canonicalPattern(regex);
  std::pair<std::string_view, Pattern> known[] = {
      {kGpt2Pattern, Pattern::Gpt2},
      {kQwen2Pattern, Pattern::Qwen2},
      {kLlama3Pattern, Pattern::Llama3},
      {kLlama3PossessivePattern, Pattern::Llama3},
      {kDeepSeekDigitsPattern, Pattern::DeepSeekDigits},
      {kDeepSeekCjkPattern, Pattern::DeepSeekCjk},
      {kDeepSeekWordsPattern, Pattern::DeepSeekWords},
  };
  for (const auto &[text, pattern] : known)
    if (canonical == text)
      return SplitRule(pattern);
  return makeError("unsupported pre-tokenizer split pattern '",
                   toPrintable(canonical, 60),
                   "' (r1 implements the GPT-2, Qwen2, Llama 3 and DeepSeek-V3 "
                   "patterns)");
}

SplitRule SplitRule::fromLiteral(std::u32string literal) {
  SplitRule rule(Pattern::Literal);
  rule.literal = std::move(literal);
  const std::u32string &p = rule.literal;
  rule.border.assign(p.size(), 0);
  for (size_t i = 1, k = 0; i < p.size(); ++i) {
    while (k > 0 && p[i] != p[k])
      k = rule.border[k - 1];
    if (p[i] == p[k])
      ++k;
    rule.border[i] = k;
  }
  return rule;
}

size_t SplitRule::matchAt(const char32_t *cps, size_t n, size_t pos) const {
  switch (kind) {
  case Pattern::Gpt2:
    return matchGpt2(cps, n, pos);
  case Pattern::Qwen2:
    return matchQwenFamily(cps, n, pos, 1);
  case Pattern::Llama3:
    return matchQwenFamily(cps, n, pos, 3);
  case Pattern::DeepSeekDigits:
    return runEnd(cps, n, pos, isNumber, 3) - pos;
  case Pattern::DeepSeekCjk:
    return runEnd(cps, n, pos, isDeepSeekCjk) - pos;
  case Pattern::DeepSeekWords:
    return matchDeepSeekWords(cps, n, pos);
  case Pattern::Literal:
    if (!literal.empty() && n - pos >= literal.size() &&
        std::equal(literal.begin(), literal.end(), cps + pos))
      return literal.size();
    return 0;
  }
  return 0;
}

SplitRule::Match SplitRule::findFrom(const char32_t *cps, size_t n,
                                     size_t from) const {
  if (kind == Pattern::Literal) {
    if (literal.empty())
      return {n, 0};
    // Matches do not overlap: each search starts afresh at the last end.
    for (size_t i = from, k = 0; i < n; ++i) {
      while (k > 0 && cps[i] != literal[k])
        k = border[k - 1];
      if (cps[i] == literal[k])
        ++k;
      if (k == literal.size())
        return {i + 1 - k, k};
    }
    return {n, 0};
  }
  for (size_t pos = from; pos < n; ++pos)
    if (size_t len = matchAt(cps, n, pos))
      return {pos, len};
  return {n, 0};
}

namespace {

/// A piece of the text: a byte range, after a space ByteLevel's
/// add_prefix_space put before it.
struct Piece {
  size_t begin, end;
  bool prefixed = false;
};

/// Splits each piece of `current` by `rule` into `next`: matches and the
/// gaps between them. A prefixed piece's space is its first code point, and
/// goes with whatever piece starts there.
void applyRule(const SplitRule &rule, std::string_view text,
               const std::vector<Piece> &current, std::vector<Piece> &next) {
  std::vector<char32_t> cps;
  std::vector<size_t> offsets; // byte offset of each code point, plus the end
  next.clear();
  for (const Piece &piece : current) {
    cps.clear();
    offsets.clear();
    if (piece.prefixed) {
      cps.push_back(' ');
      offsets.push_back(piece.begin);
    }
    for (size_t pos = piece.begin; pos < piece.end;) {
      Utf8Step step = decodeUtf8(text, pos);
      cps.push_back(step.status == Utf8Step::Valid ? step.codePoint
                                                   : kReplacementCharacter);
      offsets.push_back(pos);
      pos += step.length;
    }
    offsets.push_back(piece.end);
    auto emit = [&](size_t from, size_t to) {
      next.push_back({offsets[from], offsets[to], piece.prefixed && from == 0});
    };
    size_t n = cps.size(), gap = 0;
    for (SplitRule::Match m = rule.findFrom(cps.data(), n, 0); m.begin < n;
         m = rule.findFrom(cps.data(), n, gap)) {
      if (gap < m.begin)
        emit(gap, m.begin);
      emit(m.begin, m.begin + m.length);
      gap = m.begin + m.length;
    }
    if (gap < n)
      emit(gap, n);
  }
}

} // namespace

void PreTokenizer::split(std::string_view text,
                         std::vector<std::string> &pieces) const {
  std::vector<Piece> current{{0, text.size()}}, next;
  for (const SplitRule &rule : rules) {
    applyRule(rule, text, current, next);
    std::swap(current, next);
  }
  // ByteLevel: a space before each piece that lacks one (as HuggingFace's
  // prepends it to each piece it receives), then its own GPT-2 split.
  if (addPrefixSpace)
    for (Piece &piece : current)
      piece.prefixed = piece.begin == piece.end || text[piece.begin] != ' ';
  if (byteLevelRegex) {
    applyRule(SplitRule::gpt2(), text, current, next);
    std::swap(current, next);
  }
  for (const Piece &piece : current) {
    if (piece.begin == piece.end && !piece.prefixed)
      continue;
    std::string out = piece.prefixed ? " " : "";
    out.append(text.substr(piece.begin, piece.end - piece.begin));
    pieces.push_back(std::move(out));
  }
}

} // namespace r1::tokenizer
