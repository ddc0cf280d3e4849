//===- JsonReader.cpp - a bounded JSON reader for tokenizer.json ----------===//
//
// A recursive-descent parser for RFC 8259 JSON. Recursion is bounded by
// JsonLimits::maxDepth and the tree by JsonLimits::maxValues.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/JsonReader.h"

#include "runtime/tokenizer/Unicode.h"

#include <charconv>
#include <optional>

namespace r1::tokenizer {

const JsonValue *JsonValue::get(std::string_view key) const {
  for (const auto &member : object)
    if (member.first == key)
      return &member.second;
  return nullptr;
}

const char *JsonValue::describe(Kind kind) {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "a boolean";
  case Kind::Number:
    return "a number";
  case Kind::String:
    return "a string";
  case Kind::Array:
    return "an array";
  case Kind::Object:
    return "an object";
  }
  return "a value";
}

namespace {

class Parser {
public:
  Parser(std::string_view text, JsonLimits limits)
      : text(text), limits(limits) {}

  Expected<JsonValue> parseDocument() {
    JsonValue root;
    skipSpace();
    if (!parseValue(root, 0))
      return *error;
    skipSpace();
    if (pos != text.size())
      return fail("unexpected trailing characters"), *error;
    return root;
  }

private:
  std::string_view text;
  JsonLimits limits;
  size_t pos = 0;
  size_t values = 0;
  std::optional<Error> error;

  bool fail(std::string_view what) {
    // Whatever was expected, input that stops early is a truncated file.
    if (pos >= text.size())
      what = "unexpected end of input";
    if (!error)
      error =
          makeError("invalid JSON at byte ", std::to_string(pos), ": ", what);
    return false;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool consumeLiteral(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return fail("unexpected character");
    pos += word.size();
    return true;
  }

  bool parseValue(JsonValue &out, size_t depth) {
    if (++values > limits.maxValues)
      return fail("more than " + std::to_string(limits.maxValues) + " values");
    if (pos >= text.size())
      return fail("unexpected end of input");
    switch (text[pos]) {
    case '{':
    case '[':
      if (depth >= limits.maxDepth)
        return fail("nesting deeper than " + std::to_string(limits.maxDepth));
      return text[pos] == '{' ? parseObject(out, depth + 1)
                              : parseArray(out, depth + 1);
    case '"':
      out.kind = JsonValue::Kind::String;
      return parseString(out.string);
    case 't':
      out.kind = JsonValue::Kind::Bool;
      out.boolean = true;
      return consumeLiteral("true");
    case 'f':
      out.kind = JsonValue::Kind::Bool;
      return consumeLiteral("false");
    case 'n':
      return consumeLiteral("null");
    default:
      return parseNumber(out);
    }
  }

  bool parseObject(JsonValue &out, size_t depth) {
    out.kind = JsonValue::Kind::Object;
    ++pos; // '{'
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      if (pos >= text.size() || text[pos] != '"')
        return fail(pos >= text.size() ? "unexpected end of input"
                                       : "expected a member name");
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("expected ':'");
      ++pos;
      skipSpace();
      out.object.emplace_back(std::move(key), JsonValue());
      if (!parseValue(out.object.back().second, depth))
        return false;
      skipSpace();
      if (pos >= text.size())
        return fail("unexpected end of input");
      if (text[pos] == '}') {
        ++pos;
        return true;
      }
      if (text[pos] != ',')
        return fail("expected ',' or '}'");
      ++pos;
    }
  }

  bool parseArray(JsonValue &out, size_t depth) {
    out.kind = JsonValue::Kind::Array;
    ++pos; // '['
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      out.array.emplace_back();
      if (!parseValue(out.array.back(), depth))
        return false;
      skipSpace();
      if (pos >= text.size())
        return fail("unexpected end of input");
      if (text[pos] == ']') {
        ++pos;
        return true;
      }
      if (text[pos] != ',')
        return fail("expected ',' or ']'");
      ++pos;
    }
  }

  bool parseHex4(char32_t &out) {
    if (text.size() - pos < 4)
      return fail("unexpected end of input in \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= c - '0';
      else if (c >= 'a' && c <= 'f')
        out |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        out |= c - 'A' + 10;
      else
        return fail("bad hex digit in \\u escape");
    }
    return true;
  }

  bool parseString(std::string &out) {
    ++pos; // '"'
    while (true) {
      if (pos >= text.size())
        return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(text[pos]);
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c < 0x20)
        return fail("control character in string");
      if (c >= 0x80) {
        Utf8Step step = decodeUtf8(text, pos);
        if (step.status != Utf8Step::Valid)
          return fail("invalid UTF-8 in string");
        out.append(text.substr(pos, step.length));
        pos += step.length;
        continue;
      }
      ++pos;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos >= text.size())
        return fail("unterminated string");
      char escape = text[pos++];
      switch (escape) {
      case '"':
      case '\\':
      case '/':
        out += escape;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        char32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail("lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          char32_t low;
          if (text.substr(pos, 2) != "\\u")
            return fail("lone high surrogate in \\u escape");
          pos += 2;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return fail("lone high surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        --pos;
        return fail("unknown escape in string");
      }
    }
  }

  bool parseNumber(JsonValue &out) {
    size_t start = pos;
    auto digits = [&] {
      size_t first = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
        ++pos;
      return pos - first;
    };
    if (pos < text.size() && text[pos] == '-')
      ++pos;
    size_t intDigits = digits();
    if (intDigits == 0)
      return pos = start, fail("unexpected character");
    if (intDigits > 1 && text[pos - intDigits] == '0')
      return fail("leading zero in number");
    bool integral = true;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      integral = false;
      if (digits() == 0)
        return fail("expected digits after '.'");
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      ++pos;
      integral = false;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        ++pos;
      if (digits() == 0)
        return fail("expected digits in exponent");
    }
    out.kind = JsonValue::Kind::Number;
    const char *first = text.data() + start, *last = text.data() + pos;
    if (integral) {
      auto result = std::from_chars(first, last, out.integer);
      out.isInteger = result.ec == std::errc() && result.ptr == last;
    }
    auto result = std::from_chars(first, last, out.number);
    if (result.ec == std::errc::invalid_argument)
      return fail("malformed number");
    return true;
  }
};

} // namespace

Expected<JsonValue> parseJson(std::string_view text, JsonLimits limits) {
  return Parser(text, limits).parseDocument();
}

} // namespace r1::tokenizer
