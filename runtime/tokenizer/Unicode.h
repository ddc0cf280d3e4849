//===- Unicode.h - code point properties, UTF-8 and NFC ----------*- C++
//-*-===//
//
// This file gives the tokenizer the Unicode it needs without ICU: the major
// general category and White_Space property of a code point (for the
// pre-tokenizer scanners), UTF-8 decoding that follows the "maximal subpart"
// rule for invalid input, and NFC normalization. The tables are generated
// from the Unicode Character Database by gen_unicode_tables.py.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_UNICODE_H
#define R1_RUNTIME_TOKENIZER_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace r1::tokenizer {

/// The major class of a Unicode general category (the first letter of `gc`).
enum class Category : char {
  Letter = 'L',
  Mark = 'M',
  Number = 'N',
  Punctuation = 'P',
  Symbol = 'S',
  Separator = 'Z',
  Other = 'C', // controls, format, surrogates, private use, unassigned
};

Category generalCategory(char32_t cp);
/// The White_Space property, which is what `\s` means in Oniguruma (the regex
/// engine of HuggingFace tokenizers) for Unicode text.
bool isWhiteSpace(char32_t cp);
/// The canonical combining class (0 for starters).
uint8_t combiningClass(char32_t cp);

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

/// The outcome of decoding one UTF-8 sequence.
struct Utf8Step {
  enum Status { Valid, Incomplete, Invalid } status;
  /// Valid: the sequence length. Incomplete: the bytes present, all a valid
  /// prefix. Invalid: the length of the maximal invalid subpart (at least 1),
  /// which becomes one U+FFFD under the Unicode "maximal subpart" practice.
  size_t length;
  char32_t codePoint; // only for Valid
};

/// Decodes the sequence that starts at `text[pos]` (`pos < text.size()`).
Utf8Step decodeUtf8(std::string_view text, size_t pos);
void appendUtf8(std::string &out, char32_t cp);
bool isValidUtf8(std::string_view text);
/// `text` with each maximal invalid subpart replaced by U+FFFD.
std::string toValidUtf8(std::string_view text);

/// `text` fit for a one-line message: valid UTF-8 (as toValidUtf8), control
/// characters and line separators (C0, DEL, C1, U+2028, U+2029) written as
/// \xNN or \u{NNNN}, cut at a character boundary after `maxBytes` of
/// `text` with "..." added. Names in messages come from untrusted files.
std::string toPrintable(std::string_view text, size_t maxBytes);

/// The NFC form of `text`, which must be valid UTF-8.
std::string toNfc(std::string_view text);

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_UNICODE_H
