//===- TokenizerJsonFuzzer.cpp - tokenizer.json on arbitrary bytes --------===//
//
// The input is a tokenizer.json. Loading must refuse it with a one-line
// error or give a tokenizer that encodes and decodes any text: a few fixed
// texts (ASCII, CJK, digits, whitespace runs, the DeepSeek special tokens,
// invalid UTF-8) go through it, and every id it returns must name a token.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using r1::tokenizer::Tokenizer;

namespace {

constexpr std::string_view kTexts[] = {
    "Hello, world! It's 2024: 12345 tokens.\n\n  indented\ttab",
    "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80 "
    "caf\xc3\xa9",
    "<\xef\xbd\x9c"
    "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>hi"
    "<\xef\xbd\x9c"
    "User\xef\xbd\x9c> x <\xef\xbd\x9c"
    "end\xe2\x96\x81of"
    "\xe2\x96\x81sentence\xef\xbd\x9c>",
    "\xff\xfe bad \xc3 utf8 \xed\xa0\x80 \xf4\x90\x80\x80",
    "                                                                 ",
    "",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view json(reinterpret_cast<const char *>(data), size);
  auto tokenizer = Tokenizer::fromJson(json);
  if (!tokenizer) {
    const std::string &message = tokenizer.message();
    if (message.empty() || message.find('\n') != std::string::npos)
      std::abort(); // errors are one line
    return 0;
  }
  for (std::string_view text : kTexts) {
    for (bool special : {false, true}) {
      r1::tokenizer::EncodeOptions options;
      options.addSpecial = options.parseSpecial = special;
      std::vector<int32_t> ids = tokenizer->encode(text, options);
      for (int32_t id : ids)
        if (!tokenizer->tokenBytes(id))
          std::abort(); // encoding made an id that names no token
      Tokenizer::StreamDecoder stream(*tokenizer);
      std::string streamed;
      for (int32_t id : ids)
        streamed += stream.push(id);
      streamed += stream.finish();
      if (streamed != tokenizer->decode(ids))
        std::abort();
    }
  }
  return 0;
}
