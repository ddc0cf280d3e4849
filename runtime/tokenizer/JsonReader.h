//===- JsonReader.h - a bounded JSON reader for tokenizer.json ---*- C++
//-*-===//
//
// This file declares the small JSON reader the tokenizer uses: the runtime
// may not link LLVM, so llvm::json is not available. It builds a plain tree
// and enforces limits on nesting depth and value count so that hostile input
// cannot exhaust the stack or memory. Strings must be valid UTF-8 and escapes
// may not produce lone surrogates.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_JSONREADER_H
#define R1_RUNTIME_TOKENIZER_JSONREADER_H

#include "runtime/tokenizer/Expected.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::tokenizer {

class JsonValue {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;
  /// Numbers: whether the literal is an integer that fits in int64_t.
  bool isInteger = false;
  int64_t integer = 0;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  /// Object members in file order; duplicate keys are kept.
  std::vector<std::pair<std::string, JsonValue>> object;

  bool isNull() const { return kind == Kind::Null; }
  /// The first member named `key` of an object, or null.
  const JsonValue *get(std::string_view key) const;
  /// The kind's name, for messages ("an object", "a string", ...).
  static const char *describe(Kind kind);
};

struct JsonLimits {
  size_t maxDepth = 64;
  size_t maxValues = size_t(1) << 22;
};

/// Parses one JSON document. Errors name the byte offset.
Expected<JsonValue> parseJson(std::string_view text, JsonLimits limits = {});

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_JSONREADER_H
