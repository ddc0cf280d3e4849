//===- JsonDocument.cpp - JSON from untrusted files -----------------------===//
//
// This file implements the pre-scan that makes llvm::json safe on hostile
// input: one pass over the text, tracking strings, nesting and the keys of
// every open object.
//
//===----------------------------------------------------------------------===//

#include "frontend/JsonDocument.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace r1::frontend {

Error makeError(StringRef file, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + message).str());
}

namespace {

class Scanner {
public:
  Scanner(StringRef text, StringRef file, unsigned maxDepth)
      : text(text), file(file), maxDepth(maxDepth) {}

  Error run() {
    // Each frame is an open container; objects remember their keys.
    struct Frame {
      bool isObject;
      StringSet<> keys;
      bool expectKey = true;
    };
    SmallVector<Frame, 16> stack;
    while (pos < text.size()) {
      char c = text[pos];
      switch (c) {
      case '{':
      case '[':
        if (stack.size() >= maxDepth)
          return fail(Twine("nesting deeper than ") + Twine(maxDepth) +
                      " levels");
        stack.push_back(Frame{c == '{', {}, true});
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
        Expected<std::string> s = scanString();
        if (!s)
          return s.takeError();
        if (!stack.empty() && stack.back().isObject &&
            stack.back().expectKey) {
          if (!stack.back().keys.insert(*s).second) {
            pos = start;
            return fail("duplicate key '" + *s + "'");
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
    unsigned line = 1, column = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return makeError(file, Twine(line) + ":" + Twine(column) + ": " + message);
  }

  /// Reads a string literal at `pos` and returns it decoded (escapes and
  /// \u surrogate pairs to UTF-8), so that differently escaped duplicates
  /// are caught too.
  Expected<std::string> scanString() {
    std::string out;
    ++pos; // opening quote
    while (pos < text.size()) {
      char c = text[pos++];
      if (c == '"')
        return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos >= text.size())
        break;
      char e = text[pos++];
      switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        Expected<uint32_t> cp = hex4();
        if (!cp)
          return cp.takeError();
        uint32_t code = *cp;
        if (code >= 0xD800 && code < 0xDC00 && text.substr(pos, 2) == "\\u") {
          pos += 2;
          Expected<uint32_t> low = hex4();
          if (!low)
            return low.takeError();
          if (*low >= 0xDC00 && *low < 0xE000)
            code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
        }
        char buf[4];
        char *p = buf;
        if (ConvertCodePointToUTF8(code, p))
          out.append(buf, p);
        break;
      }
      default:
        return fail("invalid escape in string");
      }
    }
    return fail("unterminated string");
  }

  Expected<uint32_t> hex4() {
    if (pos + 4 > text.size())
      return fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text[pos++];
      unsigned d;
      if (h >= '0' && h <= '9')
        d = h - '0';
      else if (h >= 'a' && h <= 'f')
        d = h - 'a' + 10;
      else if (h >= 'A' && h <= 'F')
        d = h - 'A' + 10;
      else
        return fail("invalid \\u escape");
      v = v * 16 + d;
    }
    return v;
  }

  StringRef text;
  StringRef file;
  unsigned maxDepth;
  size_t pos = 0;
};

} // namespace

Expected<json::Value> parseUntrustedJson(StringRef text, StringRef fileName,
                                         JsonLimits limits) {
  if (text.size() > limits.maxBytes)
    return makeError(fileName, Twine("JSON of ") + Twine(text.size()) +
                                   " bytes exceeds the limit of " +
                                   Twine(limits.maxBytes));
  if (Error err = Scanner(text, fileName, limits.maxDepth).run())
    return err;
  Expected<json::Value> value = json::parse(text);
  if (!value) {
    std::string message = toString(value.takeError());
    // llvm::json's messages may span lines; ours are one line.
    for (char &c : message)
      if (c == '\n')
        c = ' ';
    return makeError(fileName, "invalid JSON: " + message);
  }
  return value;
}

Expected<json::Value> readJsonFile(StringRef path, JsonLimits limits) {
  uint64_t size = 0;
  if (std::error_code ec = sys::fs::file_size(path, size))
    return makeError(path, "cannot read: " + ec.message());
  if (size > limits.maxBytes)
    return makeError(path, Twine("file of ") + Twine(size) +
                               " bytes exceeds the limit of " +
                               Twine(limits.maxBytes));
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(path, "cannot read: " + buffer.getError().message());
  return parseUntrustedJson((*buffer)->getBuffer(), path, limits);
}

} // namespace r1::frontend
