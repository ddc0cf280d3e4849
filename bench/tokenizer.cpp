//===- tokenizer.cpp - encode time of the runtime's tokenizer -------------===//
//
//   r1-bench-tokenizer [--max-bytes N] [--write-json DIR]
//
// Encodes growing inputs that stress one pre-token or one scanner (long digit
// runs, one letter repeated with no space, a non-ASCII letter, CJK, spaces,
// punctuation) and ordinary prose, with small tokenizers in the three split
// styles r1 supports (DeepSeek-V3, Qwen2, Llama 3) and GPT-2's, whose
// \p{N}+ and \p{L}+ make one word of a whole run. Each line prints the
// milliseconds of one encode and the nanoseconds per input byte: linear
// encoding keeps ns/byte flat as the input grows. --write-json writes the
// tokenizer.json files, so that a peer can time the same tokenizers.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using r1::tokenizer::Tokenizer;

namespace {

// The split patterns as tokenizer.json spells them (JSON-escaped).
constexpr const char *kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+)";
constexpr const char *kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+)";
constexpr const char *kDeepSeek[] = {
    R"(\\p{N}{1,3})", R"([\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+)",
    R"([!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+)"};

/// GPT-2's printable character for byte `b`, as UTF-8.
std::string byteChar(unsigned b) {
  auto printable = [](unsigned c) {
    return (c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE;
  };
  unsigned cp = b;
  if (!printable(b)) {
    cp = 0x100;
    for (unsigned c = 0; c < b; ++c)
      cp += !printable(c);
  }
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else {
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  }
  return s;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string mapped(const std::string &bytes) {
  std::string out;
  for (unsigned char c : bytes)
    out += byteChar(c);
  return out;
}

std::string split(const std::string &regex) {
  return R"({"type":"Split","pattern":{"Regex":")" + regex +
         R"("},"behavior":"Isolated","invert":false})";
}

/// A byte-level BPE in `style` whose merges build runs of one character
/// (a, 1, é, 中, space, !) by doubling up to 64, so that BPE over a long
/// run of them has work to do, plus a few English bigrams.
std::string tokenizerJson(const std::string &style) {
  std::vector<std::string> tokens;
  std::vector<std::pair<std::string, std::string>> merges;
  auto add = [&](const std::string &left, const std::string &right) {
    std::string merged = left + right;
    if (std::find(tokens.begin(), tokens.end(), merged) != tokens.end())
      return;
    merges.emplace_back(left, right);
    tokens.push_back(merged);
  };
  for (std::string unit : {"a", "1", "\xC3\xA9", "\xE4\xB8\xAD", " ", "!"}) {
    // A multi-byte character first merges its bytes, left to right.
    std::string m = byteChar(static_cast<unsigned char>(unit[0]));
    for (size_t i = 1; i < unit.size(); ++i) {
      std::string next = byteChar(static_cast<unsigned char>(unit[i]));
      add(m, next);
      m += next;
    }
    for (std::string run = m; run.size() <= 32 * m.size(); run += run)
      add(run, run);
  }
  for (const char *word : {"th", "he", "in", "er", "an"})
    add(mapped(std::string(1, word[0])), mapped(std::string(1, word[1])));
  add(mapped("th"), mapped("e"));
  add(mapped(" "), mapped("the"));

  std::string vocab;
  for (unsigned b = 0; b < 256; ++b)
    vocab += (b ? "," : "") + jsonString(byteChar(b)) + ":" + std::to_string(b);
  for (size_t i = 0; i < tokens.size(); ++i)
    vocab += "," + jsonString(tokens[i]) + ":" + std::to_string(256 + i);
  std::string mergeList;
  for (size_t i = 0; i < merges.size(); ++i)
    mergeList += std::string(i ? "," : "") + "[" + jsonString(merges[i].first) +
                 "," + jsonString(merges[i].second) + "]";

  std::string byteLevel =
      R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":)";
  std::string steps;
  if (style == "deepseek")
    steps = split(kDeepSeek[0]) + "," + split(kDeepSeek[1]) + "," +
            split(kDeepSeek[2]) + "," + byteLevel + "false}";
  else if (style == "qwen2")
    steps = split(kQwen2) + "," + byteLevel + "false}";
  else if (style == "llama3")
    steps = split(kLlama3) + "," + byteLevel + "false}";
  else
    steps = byteLevel + "true}";
  return R"({"version":"1.0","added_tokens":[{"id":)" +
         std::to_string(256 + tokens.size()) +
         R"(,"content":"<｜begin▁of▁sentence｜>","special":true}],"normalizer":null,"pre_tokenizer":{"type":"Sequence","pretokenizers":[)" +
         steps +
         R"(]},"post_processor":null,"decoder":{"type":"ByteLevel"},"model":{"type":"BPE","ignore_merges":)" +
         (style == "llama3" ? "true" : "false") + R"(,"vocab":{)" + vocab +
         R"(},"merges":[)" + mergeList + "]}}";
}

std::string repeat(const std::string &unit, size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes)
    out += unit;
  return out;
}

struct Input {
  std::string name;
  std::string text;
};

std::vector<Input> inputs(size_t maxBytes) {
  std::vector<Input> out;
  auto add = [&](const std::string &what, const std::string &unit,
                 size_t bytes) {
    if (bytes <= maxBytes)
      out.push_back({what + " " + std::to_string(bytes / 1000) + "k",
                     repeat(unit, bytes)});
  };
  for (size_t n : {10000, 40000, 200000})
    add("digits", "1234567890", n);
  // One pre-token of n bytes (for GPT-2, and for the others bar the digits).
  for (const char *unit : {"a", "\xC3\xA9", "\xE4\xB8\xAD", "1"})
    for (size_t n : {10000, 100000, 200000})
      add(std::string("run of ") + unit, unit, n);
  for (size_t n : {10000, 200000}) {
    add("spaces", " ", n);
    add("space newline", " \n", n);
    add("punctuation", "!", n);
    // Near misses of the added token: the added-token scan at every '<'.
    add("almost BOS", "<｜begin▁of", n);
    add("prose", "The quick brown fox, 1234 jumps over the lazy dog.\n", n);
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  size_t maxBytes = 200000;
  std::string writeJson;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--max-bytes" && i + 1 < argc) {
      maxBytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--write-json" && i + 1 < argc) {
      writeJson = argv[++i];
    } else {
      std::fprintf(stderr, "usage: r1-bench-tokenizer [--max-bytes N] "
                           "[--write-json DIR]\n");
      return 2;
    }
  }
  std::printf("%-9s %-18s %8s %9s %8s\n", "style", "input", "tokens", "ms",
              "ns/byte");
  // Added tokens are looked for too: that scan is part of the cost.
  r1::tokenizer::EncodeOptions options;
  options.parseSpecial = true;
  for (const char *style : {"deepseek", "qwen2", "llama3", "gpt2"}) {
    std::string json = tokenizerJson(style);
    if (!writeJson.empty())
      std::ofstream(writeJson + "/" + style + ".json", std::ios::binary)
          << json;
    auto tok = Tokenizer::fromJson(json);
    if (!tok) {
      std::fprintf(stderr, "r1-bench-tokenizer: %s: %s\n", style,
                   tok.message().c_str());
      return 1;
    }
    for (const Input &input : inputs(maxBytes)) {
      // Best of up to 3 runs, fewer when one run is already long.
      double best = 1e30;
      size_t count = 0;
      for (int run = 0; run < 3 && !(run > 0 && best > 1.0); ++run) {
        auto t0 = std::chrono::steady_clock::now();
        count = tok->encode(input.text, options).size();
        auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
      }
      std::printf("%-9s %-18s %8zu %9.2f %8.1f\n", style, input.name.c_str(),
                  count, best * 1e3, best * 1e9 / double(input.text.size()));
      std::fflush(stdout);
    }
  }
  return 0;
}
