//===- JsonDocument.cpp - JSON from untrusted files -----------------------===//
//
// This file implements the pre-scan that makes llvm::json safe on hostile
// input: one pass over the text, tracking strings, nesting and the keys of
// every open object, and the reader helpers declared beside it.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/JsonDocument.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace r1::checkpoint {

Error makeError(StringRef file, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + message).str());
}

std::string printable(StringRef text) {
  constexpr size_t kMaxBytes = 200;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    // Stop before a lead byte, so a multi-byte character is never split.
    if (out.size() >= kMaxBytes && (c & 0xC0) != 0x80) {
      out += "...";
      break;
    }
    switch (c) {
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20 || c == 0x7F) {
        out += "\\x";
        out += hexdigit(c >> 4, /*LowerCase=*/true);
        out += hexdigit(c & 15, /*LowerCase=*/true);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  return out;
}

StringRef jsonKindName(const json::Value &value) {
  switch (value.kind()) {
  case json::Value::Null:
    return "null";
  case json::Value::Boolean:
    return "boolean";
  case json::Value::Number:
    return "number";
  case json::Value::String:
    return "string";
  case json::Value::Array:
    return "array";
  case json::Value::Object:
    return "object";
  }
  return "value";
}

std::string describeJson(const json::Value &value) {
  if (value.kind() != json::Value::Number)
    return jsonKindName(value).str();
  std::string out;
  raw_string_ostream os(out);
  os << value;
  return os.str();
}

std::optional<int64_t> jsonInteger(const json::Value &value) {
  if (std::optional<uint64_t> u = value.getAsUINT64()) {
    if (*u > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  // getAsInteger accepts a double equal to 2^63 and then converts it to
  // int64_t; filter those (and infinities) first.
  std::optional<double> d = value.getAsNumber();
  if (!d || !(*d < 0x1p63))
    return std::nullopt;
  return value.getAsInteger();
}

std::optional<int64_t> jsonNonNegativeLiteral(const json::Value &value) {
  // getAsUINT64 holds only for values parsed from integer literals.
  std::optional<uint64_t> u = value.getAsUINT64();
  if (!u || *u > static_cast<uint64_t>(INT64_MAX))
    return std::nullopt;
  return static_cast<int64_t>(*u);
}

namespace {

/// 1-based "line:column" of byte `offset` in `text`.
std::string lineColumn(StringRef text, size_t offset) {
  StringRef before = text.take_front(offset);
  size_t line = 1 + before.count('\n');
  size_t lineStart = before.rfind('\n');
  size_t column =
      lineStart == StringRef::npos ? offset + 1 : offset - lineStart;
  return (Twine(line) + ":" + Twine(column)).str();
}

/// The linear pre-scan. It does not validate the grammar (llvm::json does
/// that next); it only has to be right on documents llvm::json accepts, and
/// to stop early on depth.
class Scanner {
public:
  Scanner(StringRef text, StringRef file, unsigned maxDepth)
      : text(text), file(file), maxDepth(maxDepth) {}

  Error run() {
    // Each frame is an open container; objects remember their keys.
    struct Frame {
      bool isObject;
      bool expectKey;
      StringSet<> keys;
    };
    SmallVector<Frame, 16> stack;
    while (pos < text.size()) {
      char c = text[pos];
      switch (c) {
      case '{':
      case '[':
        if (stack.size() >= maxDepth)
          return fail("nesting deeper than " + Twine(maxDepth) + " levels");
        stack.push_back(Frame{c == '{', c == '{', {}});
        ++pos;
        break;
      case '}':
      case ']':
        if (!stack.empty())
          stack.pop_back();
        ++pos;
        break;
      case ',':
        if (!stack.empty() && stack.back().isObject)
          stack.back().expectKey = true;
        ++pos;
        break;
      case ':':
        if (!stack.empty() && stack.back().isObject)
          stack.back().expectKey = false;
        ++pos;
        break;
      case '"': {
        size_t start = pos;
        std::string decoded;
        if (Error err = scanString(decoded))
          return err;
        if (!stack.empty() && stack.back().isObject && stack.back().expectKey) {
          if (!stack.back().keys.insert(decoded).second) {
            pos = start;
            return fail("duplicate key '" + printable(decoded) + "'");
          }
          stack.back().expectKey = false;
        }
        break;
      }
      default:
        ++pos; // numbers, literals and whitespace: llvm::json checks them
      }
    }
    return Error::success();
  }

private:
  Error fail(const Twine &message) {
    return makeError(file, lineColumn(text, pos) + ": " + message);
  }

  /// Reads the string literal at `pos` into `out`, decoded exactly as
  /// llvm::json decodes it, so that differently escaped spellings of one key
  /// ("a" and "\u0061", or two unpaired surrogates that both become U+FFFD)
  /// are caught as the duplicates llvm::json would silently merge.
  Error scanString(std::string &out) {
    ++pos; // opening quote
    while (pos < text.size()) {
      char c = text[pos++];
      if (c == '"')
        return Error::success();
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos >= text.size())
        break;
      char e = text[pos++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out.push_back(e);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u':
        if (Error err = scanUnicode(out))
          return err;
        break;
      default:
        --pos;
        return fail("invalid escape '\\" + printable(StringRef(&e, 1)) +
                    "' in string");
      }
    }
    return fail("unterminated string");
  }

  /// After "\u": one code point, with llvm::json's rules for surrogates
  /// (an unpaired one becomes U+FFFD; a following non-trailing escape is
  /// decoded in turn).
  Error scanUnicode(std::string &out) {
    static const char kReplacement[] = "\xef\xbf\xbd";
    uint16_t first;
    if (Error err = hex4(first))
      return err;
    while (true) {
      if (first < 0xD800 || first >= 0xE000) {
        appendUtf8(first, out);
        return Error::success();
      }
      if (first >= 0xDC00) {
        out += kReplacement;
        return Error::success();
      }
      if (text.substr(pos, 2) != "\\u") {
        out += kReplacement;
        return Error::success();
      }
      pos += 2;
      uint16_t second;
      if (Error err = hex4(second))
        return err;
      if (second < 0xDC00 || second >= 0xE000) {
        out += kReplacement;
        first = second;
        continue;
      }
      appendUtf8(0x10000 + ((uint32_t(first) - 0xD800) << 10) +
                     (uint32_t(second) - 0xDC00),
                 out);
      return Error::success();
    }
  }

  static void appendUtf8(uint32_t code, std::string &out) {
    char bytes[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
    char *end = bytes;
    // Surrogates never reach here, so the conversion cannot fail.
    (void)llvm::ConvertCodePointToUTF8(code, end);
    out.append(bytes, end);
  }

  Error hex4(uint16_t &value) {
    value = 0;
    for (int i = 0; i < 4; ++i, ++pos) {
      unsigned digit;
      if (pos >= text.size() || (digit = hexDigitValue(text[pos])) == ~0U)
        return fail("invalid \\u escape in string");
      value = static_cast<uint16_t>(value * 16 + digit);
    }
    return Error::success();
  }

  StringRef text;
  StringRef file;
  unsigned maxDepth;
  size_t pos = 0;
};

/// llvm::json's "[3:1, byte=5]: Expected , or ] after array element" as
/// "3:1: invalid JSON: expected , or ] after array element".
std::string describeParseError(Error err) {
  std::string message = toString(std::move(err));
  StringRef rest = message;
  std::string where;
  if (rest.consume_front("[")) {
    size_t close = rest.find("]: ");
    if (close != StringRef::npos) {
      where = rest.take_front(close).split(", byte=").first.str() + ": ";
      rest = rest.drop_front(close + 3);
    } else {
      rest = message;
    }
  }
  std::string text = rest.str();
  if (!text.empty())
    text[0] = toLower(text[0]);
  return printable(where + "invalid JSON: " + text);
}

} // namespace

Expected<json::Value> parseUntrustedJson(StringRef text, StringRef fileName,
                                         JsonLimits limits) {
  if (text.size() > limits.maxBytes)
    return makeError(fileName, "JSON of " + Twine(text.size()) +
                                   " bytes exceeds the limit of " +
                                   Twine(limits.maxBytes) + " bytes");
  // llvm::json rejects invalid UTF-8 too, but reports a 0-based column for
  // it and 1-based ones elsewhere; checking first keeps positions uniform.
  size_t badByte = 0;
  if (!json::isUTF8(text, &badByte))
    return makeError(fileName, lineColumn(text, badByte) +
                                   ": invalid UTF-8 at byte offset " +
                                   Twine(badByte));
  if (Error err = Scanner(text, fileName, limits.maxDepth).run())
    return err;
  Expected<json::Value> value = json::parse(text);
  if (!value)
    return makeError(fileName, describeParseError(value.takeError()));
  return value;
}

Expected<std::unique_ptr<MemoryBuffer>> openRegularFile(StringRef path,
                                                        uint64_t maxBytes) {
  auto describe = [](std::error_code ec) {
    std::string message = ec.message();
    if (!message.empty())
      message[0] = toLower(message[0]);
    return message;
  };
  // Check the type before opening: open() itself blocks on a FIFO.
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return makeError(path, "cannot read: " + describe(ec));
  if (status.type() != sys::fs::file_type::regular_file)
    return makeError(path, "is not a regular file");
  Expected<sys::fs::file_t> fd = sys::fs::openNativeFileForRead(path);
  if (!fd)
    return makeError(path, "cannot read: " +
                               describe(errorToErrorCode(fd.takeError())));
  auto closeFd = make_scope_exit([&] { sys::fs::closeFile(*fd); });
  // Check again on the open file, which cannot change under us.
  if (std::error_code ec = sys::fs::status(*fd, status))
    return makeError(path, "cannot read: " + describe(ec));
  if (status.type() != sys::fs::file_type::regular_file)
    return makeError(path, "is not a regular file");
  uint64_t size = status.getSize();
  if (size > maxBytes)
    return makeError(path, "file of " + Twine(size) +
                               " bytes exceeds the limit of " +
                               Twine(maxBytes) + " bytes");
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getOpenFile(
      *fd, path, size, /*RequiresNullTerminator=*/false, /*IsVolatile=*/false);
  if (!buffer)
    return makeError(path, "cannot read: " + describe(buffer.getError()));
  return std::move(*buffer);
}

Expected<json::Value> readJsonFile(StringRef path, JsonLimits limits) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer =
      openRegularFile(path, limits.maxBytes);
  if (!buffer)
    return buffer.takeError();
  return parseUntrustedJson((*buffer)->getBuffer(), path, limits);
}

} // namespace r1::checkpoint
