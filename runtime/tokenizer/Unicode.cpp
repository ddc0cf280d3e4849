//===- Unicode.cpp - code point properties, UTF-8 and NFC -----------------===//
//
// Property lookups are binary searches over generated range tables; NFC is
// the textbook algorithm of UAX #15: full canonical decomposition, canonical
// ordering of combining marks, then canonical composition.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <vector>

namespace r1::tokenizer {
namespace {

struct CategoryRange {
  char32_t first; // the range runs to the next entry's `first`
  char category;
};
struct CodePointRange {
  char32_t first, last;
};
struct CombiningClassRange {
  char32_t first, last;
  uint8_t combiningClass;
};
struct Decomposition {
  char32_t cp, first, second; // second is 0 for singleton decompositions
};
struct Composition {
  char32_t first, second, composite;
};

#include "runtime/tokenizer/UnicodeTables.inc"

constexpr char32_t kMaxCodePoint = 0x10FFFF;

// Hangul syllables compose and decompose arithmetically (Unicode 3.12).
constexpr char32_t kHangulSBase = 0xAC00, kHangulLBase = 0x1100,
                   kHangulVBase = 0x1161, kHangulTBase = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount;
constexpr char32_t kHangulSCount = kHangulLCount * kHangulNCount;

template <typename Range>
const Range *findRange(const Range *begin, const Range *end, char32_t cp) {
  const Range *it = std::upper_bound(
      begin, end, cp, [](char32_t c, const Range &r) { return c < r.first; });
  if (it == begin)
    return nullptr;
  --it;
  return cp <= it->last ? it : nullptr;
}

const Decomposition *findDecomposition(char32_t cp) {
  const auto *end = std::end(kDecompositions);
  const auto *it = std::lower_bound(
      std::begin(kDecompositions), end, cp,
      [](const Decomposition &d, char32_t c) { return d.cp < c; });
  return it != end && it->cp == cp ? it : nullptr;
}

void decompose(char32_t cp, std::vector<char32_t> &out) {
  if (cp >= kHangulSBase && cp < kHangulSBase + kHangulSCount) {
    char32_t s = cp - kHangulSBase;
    out.push_back(kHangulLBase + s / kHangulNCount);
    out.push_back(kHangulVBase + (s % kHangulNCount) / kHangulTCount);
    if (s % kHangulTCount)
      out.push_back(kHangulTBase + s % kHangulTCount);
    return;
  }
  const Decomposition *d = findDecomposition(cp);
  if (!d) {
    out.push_back(cp);
    return;
  }
  // Canonical decompositions nest only a few levels deep (UCD data).
  decompose(d->first, out);
  if (d->second)
    decompose(d->second, out);
}

/// The primary composite of `first` + `second`, or 0 if there is none.
char32_t compose(char32_t first, char32_t second) {
  if (first >= kHangulLBase && first < kHangulLBase + kHangulLCount &&
      second >= kHangulVBase && second < kHangulVBase + kHangulVCount)
    return kHangulSBase +
           ((first - kHangulLBase) * kHangulVCount + (second - kHangulVBase)) *
               kHangulTCount;
  if (first >= kHangulSBase && first < kHangulSBase + kHangulSCount &&
      (first - kHangulSBase) % kHangulTCount == 0 && second > kHangulTBase &&
      second < kHangulTBase + kHangulTCount)
    return first + (second - kHangulTBase);
  const auto *end = std::end(kCompositions);
  const auto *it = std::lower_bound(
      std::begin(kCompositions), end, std::make_pair(first, second),
      [](const Composition &c, std::pair<char32_t, char32_t> key) {
        return std::make_pair(c.first, c.second) < key;
      });
  return it != end && it->first == first && it->second == second ? it->composite
                                                                 : 0;
}

} // namespace

Category generalCategory(char32_t cp) {
  if (cp > kMaxCodePoint)
    return Category::Other;
  const auto *it = std::upper_bound(
      std::begin(kCategoryRanges), std::end(kCategoryRanges), cp,
      [](char32_t c, const CategoryRange &r) { return c < r.first; });
  // The table starts at U+0000, so `it` is never the first entry.
  return static_cast<Category>(std::prev(it)->category);
}

bool isWhiteSpace(char32_t cp) {
  return findRange(std::begin(kWhiteSpaceRanges), std::end(kWhiteSpaceRanges),
                   cp) != nullptr;
}

uint8_t combiningClass(char32_t cp) {
  const auto *r = findRange(std::begin(kCombiningClassRanges),
                            std::end(kCombiningClassRanges), cp);
  return r ? r->combiningClass : 0;
}

Utf8Step decodeUtf8(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80)
    return {Utf8Step::Valid, 1, lead};
  size_t length;
  unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
  char32_t cp;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0)
      low = 0xA0; // overlong
    else if (lead == 0xED)
      high = 0x9F; // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0)
      low = 0x90; // overlong
    else if (lead == 0xF4)
      high = 0x8F; // above U+10FFFF
  } else {
    return {Utf8Step::Invalid, 1, 0};
  }
  for (size_t i = 1; i < length; ++i) {
    if (pos + i >= text.size())
      return {Utf8Step::Incomplete, i, 0};
    unsigned char b = byte(pos + i);
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xBF))
      return {Utf8Step::Invalid, i, 0};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {Utf8Step::Valid, length, cp};
}

void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool isValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    Utf8Step step = decodeUtf8(text, pos);
    if (step.status != Utf8Step::Valid)
      return false;
    pos += step.length;
  }
  return true;
}

std::string toValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    Utf8Step step = decodeUtf8(text, pos);
    if (step.status == Utf8Step::Valid)
      out.append(text.substr(pos, step.length));
    else
      appendUtf8(out, kReplacementCharacter);
    pos += step.length;
  }
  return out;
}

std::string toPrintable(std::string_view text, size_t maxBytes) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size() && pos < maxBytes) {
    Utf8Step step = decodeUtf8(text, pos);
    char32_t cp = step.codePoint;
    char escape[16];
    if (step.status != Utf8Step::Valid) {
      appendUtf8(out, kReplacementCharacter);
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(escape, sizeof(escape), "\\x%02x", unsigned(cp));
      out += escape;
    } else if ((cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029) {
      std::snprintf(escape, sizeof(escape), "\\u{%04x}", unsigned(cp));
      out += escape;
    } else {
      out.append(text.substr(pos, step.length));
    }
    pos += step.length;
  }
  if (pos < text.size())
    out += "...";
  return out;
}

std::string toNfc(std::string_view text) {
  // Every code point below U+0300 is a starter with no decomposition that
  // would compose differently, so such text is already in NFC.
  std::vector<char32_t> cps;
  bool quick = true;
  for (size_t pos = 0; pos < text.size();) {
    Utf8Step step = decodeUtf8(text, pos);
    char32_t cp =
        step.status == Utf8Step::Valid ? step.codePoint : kReplacementCharacter;
    quick = quick && cp < 0x300;
    cps.push_back(cp);
    pos += step.length;
  }
  if (quick)
    return std::string(text);

  std::vector<char32_t> decomposed;
  decomposed.reserve(cps.size());
  for (char32_t cp : cps)
    decompose(cp, decomposed);

  // Canonical ordering: stable-sort each run of non-starters by class.
  for (size_t i = 0; i < decomposed.size();) {
    if (combiningClass(decomposed[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < decomposed.size() && combiningClass(decomposed[j]) != 0)
      ++j;
    std::stable_sort(decomposed.begin() + i, decomposed.begin() + j,
                     [](char32_t a, char32_t b) {
                       return combiningClass(a) < combiningClass(b);
                     });
    i = j;
  }

  // Canonical composition: a character joins the last starter unless a
  // character between them blocks it (class 0, or a class >= its own).
  std::vector<char32_t> composed;
  composed.reserve(decomposed.size());
  size_t starter = SIZE_MAX;
  for (char32_t cp : decomposed) {
    uint8_t cc = combiningClass(cp);
    if (starter != SIZE_MAX) {
      bool adjacent = starter + 1 == composed.size();
      uint8_t lastCc = adjacent ? 0 : combiningClass(composed.back());
      if (adjacent || (lastCc != 0 && lastCc < cc)) {
        if (char32_t c = compose(composed[starter], cp)) {
          composed[starter] = c;
          continue;
        }
      }
    }
    if (cc == 0)
      starter = composed.size();
    composed.push_back(cp);
  }

  std::string out;
  out.reserve(text.size());
  for (char32_t cp : composed)
    appendUtf8(out, cp);
  return out;
}

} // namespace r1::tokenizer
