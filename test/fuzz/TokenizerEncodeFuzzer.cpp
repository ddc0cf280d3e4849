//===- TokenizerEncodeFuzzer.cpp - encoding and decoding arbitrary text ---===//
//
// One real tokenizer (models/fortune-v3's, or $R1_FUZZ_TOKENIZER), loaded
// once; the input is text. Byte-level BPE loses nothing: valid UTF-8
// decodes back to itself, and every id names a token. The same bytes read
// as token ids must decode, all at once or streamed, to the same text.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

using r1::tokenizer::Tokenizer;

namespace {

const Tokenizer *tokenizer;
size_t frameSize; // the ids the post-processor's template adds

std::string streamed(const std::vector<int32_t> &ids) {
  Tokenizer::StreamDecoder stream(*tokenizer);
  std::string text;
  for (int32_t id : ids)
    text += stream.push(id);
  return text + stream.finish();
}

/// Added tokens parsed, the template applied when `addSpecial`.
r1::tokenizer::EncodeOptions options(bool addSpecial) {
  r1::tokenizer::EncodeOptions o;
  o.addSpecial = addSpecial;
  o.parseSpecial = true;
  return o;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *path = std::getenv("R1_FUZZ_TOKENIZER");
  std::string file =
      path ? path
           : std::string(R1_SOURCE_DIR) + "/models/fortune-v3/tokenizer.json";
  auto loaded = Tokenizer::fromFile(file);
  if (!loaded) {
    std::fprintf(stderr, "r1-fuzz-tokenizer-encode: %s\n",
                 loaded.message().c_str());
    std::exit(1);
  }
  tokenizer = new Tokenizer(std::move(*loaded));
  frameSize = tokenizer->encode("", options(/*addSpecial=*/true)).size();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  // As plain text (what r1-run does with a user's text) every byte
  // round-trips too; with added-token parsing, as HuggingFace encodes.
  std::vector<int32_t> plain = tokenizer->encode(text, {});
  if (r1::tokenizer::isValidUtf8(text) && tokenizer->decode(plain) != text)
    std::abort();
  std::vector<int32_t> ids = tokenizer->encode(text, options(false));
  for (int32_t id : ids)
    if (!tokenizer->tokenBytes(id))
      std::abort(); // an id that names no token
  std::string decoded = tokenizer->decode(ids);
  if (r1::tokenizer::isValidUtf8(text) && decoded != text)
    std::abort(); // byte-level BPE lost or changed text
  if (streamed(ids) != decoded)
    std::abort();
  // The template adds the same ids around any text.
  std::vector<int32_t> framed = tokenizer->encode(text, options(true));
  if (framed.size() != ids.size() + frameSize ||
      std::search(framed.begin(), framed.end(), ids.begin(), ids.end()) ==
          framed.end())
    std::abort();
  // The input's bytes as ids, in and out of the vocabulary.
  std::vector<int32_t> raw(size / 4);
  if (!raw.empty())
    std::memcpy(raw.data(), data, raw.size() * 4);
  if (streamed(raw) != tokenizer->decode(raw))
    std::abort();
  return 0;
}
