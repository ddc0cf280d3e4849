//===- Tokenizer.h - byte-level BPE from a tokenizer.json --------*- C++
//-*-===//
//
// This file declares r1's tokenizer: HuggingFace's byte-level BPE as
// DeepSeek-V3/R1, R1-Distill-Qwen (Qwen2) and R1-Distill-Llama (Llama 3) ship
// it in tokenizer.json. Encoding splits out added tokens (leftmost-longest,
// only when asked to: see EncodeOptions), normalizes (NFC or none),
// pre-tokenizes (see PreTokenizer.h), maps bytes to GPT-2's printable
// alphabet, applies BPE merges by rank and finally the post-processor's
// template. Its time is linear in the text (n log n for one long pre-token).
// Decoding inverts the byte map; StreamDecoder does so token by token for
// generation.
//
// Loading validates the whole file: anything hostile or outside what r1
// implements is an Error with a one-line message, never a crash.
// A loaded Tokenizer is immutable; its const methods are safe to call from
// several threads at once.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_TOKENIZER_H
#define R1_RUNTIME_TOKENIZER_TOKENIZER_H

#include "runtime/tokenizer/Expected.h"
#include "runtime/tokenizer/PreTokenizer.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace r1::tokenizer {

/// Limits a tokenizer.json must respect; they bound what loading allocates.
struct TokenizerLimits {
  size_t maxFileBytes = size_t(64) << 20;
  /// Token ids lie in [0, maxTokens); vocabularies are at most this large.
  size_t maxTokens = size_t(1) << 20;
  size_t maxMerges = size_t(1) << 20;
  size_t maxTokenBytes = 1024;
  /// Each split rule is a pass over the text, each template token is added
  /// to every encoding: real tokenizers have a few of each.
  size_t maxSplitRules = 16;
  size_t maxTemplateTokens = 16;
};

/// How Tokenizer::encode treats its text.
struct EncodeOptions {
  /// Apply the post-processor's template (e.g. prepend BOS).
  bool addSpecial = false;
  /// Turn the spelling of an added token (`<｜User｜>`, `<think>`, ...) in the
  /// text into that token, as HuggingFace's encode does. Off by default:
  /// text from a user must not be able to write control tokens, so it is
  /// encoded as plain text and only a chat template places them, by id (see
  /// encodeR1Chat in ChatTemplate.h).
  bool parseSpecial = false;
};

class Tokenizer {
public:
  static Expected<Tokenizer> fromFile(const std::string &path,
                                      TokenizerLimits limits = {});
  static Expected<Tokenizer> fromJson(std::string_view json,
                                      TokenizerLimits limits = {});

  /// The ids of `text`. Invalid UTF-8 is encoded as if each maximal invalid
  /// subpart were U+FFFD.
  std::vector<int32_t> encode(std::string_view text,
                              EncodeOptions options = {}) const;

  /// The text of `ids`; ids that name no token are skipped (as HuggingFace
  /// does) and bytes that do not form UTF-8 become U+FFFD.
  std::string decode(const std::vector<int32_t> &ids) const;

  /// The raw bytes a token stands for (possibly part of a UTF-8 sequence),
  /// or nullopt for an unknown id.
  std::optional<std::string_view> tokenBytes(int32_t id) const;

  bool isSpecial(int32_t id) const;
  /// The id of a token by its tokenizer.json spelling (added tokens by their
  /// content, BPE tokens in the byte-level alphabet, e.g. "Ġthe").
  std::optional<int32_t> tokenId(std::string_view token) const;
  /// The id of the added token with this content, if there is one.
  std::optional<int32_t> addedTokenId(std::string_view content) const;
  std::optional<int32_t> bosId() const { return bos; }
  std::optional<int32_t> eosId() const { return eos; }
  /// One more than the largest id.
  size_t vocabSize() const { return tokens.size(); }

  /// Turns ids into text as they are generated, holding back the bytes of a
  /// UTF-8 sequence until its last byte arrives. Keeps a pointer to the
  /// tokenizer, which must outlive it.
  class StreamDecoder {
  public:
    explicit StreamDecoder(const Tokenizer &tokenizer)
        : tokenizer(&tokenizer) {}
    /// The complete characters this id finishes (possibly none).
    std::string push(int32_t id);
    /// What is still held back, as U+FFFD; resets the decoder.
    std::string finish();

  private:
    const Tokenizer *tokenizer;
    std::string pending;
  };

private:
  struct TokenInfo {
    std::string spelling; // as in tokenizer.json
    std::string bytes;    // what decoding produces
    bool known = false;
    bool special = false;
  };
  struct AddedToken {
    std::string content;
    int32_t id;
    bool lstrip, rstrip;
  };
  struct Merge {
    uint32_t rank;
    int32_t result;
  };
  class Loader;

  Tokenizer() = default;
  void encodeText(std::string_view text, std::vector<int32_t> &ids) const;
  void encodeWord(std::string_view mapped, std::vector<int32_t> &ids) const;
  /// The leftmost-longest added token at or after `from`, as
  /// {match begin, match end, token index}; begin == npos when none.
  struct AddedMatch {
    size_t begin, end, index;
  };
  AddedMatch findAddedToken(std::string_view text, size_t from) const;

  std::vector<TokenInfo> tokens;                  // by id
  std::unordered_map<std::string, int32_t> vocab; // BPE tokens by spelling
  std::unordered_map<uint64_t, Merge> merges;     // key: left id << 32 | right
  std::vector<AddedToken> added;
  std::unordered_map<std::string, size_t> addedByContent; // index into added
  /// The added tokens' contents as a byte trie, node 0 its root: an edge is
  /// keyed by node << 8 | byte, and addedAtNode gives the index into `added`
  /// of the token that ends at a node, or -1.
  std::unordered_map<uint64_t, uint32_t> addedEdges;
  std::vector<int32_t> addedAtNode{-1};
  bool addedFirstByte[256] = {};
  bool nfc = false;
  bool ignoreMerges = false;
  PreTokenizer preTokenizer;
  /// The ids the post-processor's single-sequence template puts before and
  /// after the text.
  std::vector<int32_t> prefixIds, suffixIds;
  std::optional<int32_t> bos, eos;
  /// GPT-2's byte-to-printable map, as UTF-8 per byte, and the id of each
  /// byte's token.
  std::string byteChars[256];
  int32_t byteIds[256] = {};
};

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_TOKENIZER_H
