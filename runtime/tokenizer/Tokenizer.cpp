//===- Tokenizer.cpp - byte-level BPE from a tokenizer.json ---------------===//
//
// Loading follows HuggingFace tokenizers' JSON schema and its defaults; each
// rule it enforces on hostile input is one check with one message. Encoding
// follows TokenizerImpl::encode: added tokens, normalizer, pre-tokenizer, BPE
// model, post-processor.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/MappedFile.h"

#include "runtime/tokenizer/JsonReader.h"
#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

namespace r1::tokenizer {
namespace {

using Kind = JsonValue::Kind;

constexpr std::string_view kBosName = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kEosName = "<｜end▁of▁sentence｜>";

/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
/// the other 68 bytes for U+0100 onwards, in byte order. BPE vocabularies are
/// written in this alphabet so that every byte is a printable character.
char32_t byteToCodePoint(unsigned b) {
  if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
    return b;
  char32_t next = 0x100;
  for (unsigned c = 0; c < b; ++c)
    if (!((c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE))
      ++next;
  return next;
}

/// The text of a token shown in a message: about 40 bytes of it, valid
/// UTF-8 with control characters escaped, so that the message itself stays
/// valid and on one line.
std::string quote(std::string_view token) {
  return "'" + toPrintable(token, 40) + "'";
}

} // namespace

/// Reads and validates a tokenizer.json tree into a Tokenizer. Methods
/// return false after recording the first error.
class Tokenizer::Loader {
public:
  Loader(Tokenizer &tok, const TokenizerLimits &limits)
      : tok(tok), limits(limits) {}

  Expected<bool> load(const JsonValue &root) {
    if (root.kind != Kind::Object)
      return makeError("tokenizer.json must be an object, got ",
                       JsonValue::describe(root.kind));
    const JsonValue *model = root.get("model");
    if (!model || model->kind != Kind::Object)
      return makeError("tokenizer.json has no 'model' object");
    if (!loadVocab(*model) || !loadAddedTokens(root.get("added_tokens")) ||
        !buildTokenTable() || !loadMerges(*model) ||
        !loadNormalizer(root.get("normalizer")) ||
        !loadPreTokenizer(root.get("pre_tokenizer"), "pre_tokenizer") ||
        !checkByteLevel() ||
        !loadPostProcessor(root.get("post_processor"), "post_processor") ||
        !loadDecoder(root.get("decoder"), "decoder"))
      return *error;
    tok.bos =
        !bosFromTemplate.has_value() ? tok.tokenId(kBosName) : bosFromTemplate;
    tok.eos = tok.tokenId(kEosName);
    return true;
  }

private:
  Tokenizer &tok;
  const TokenizerLimits &limits;
  std::optional<Error> error;
  std::vector<std::pair<std::string, int32_t>> vocabEntries;
  bool sawByteLevelPreTokenizer = false;
  bool sawTemplateSequence = false;
  std::optional<int32_t> bosFromTemplate;

  template <typename... Parts> bool fail(Parts &&...parts) {
    if (!error)
      error = makeError(std::forward<Parts>(parts)...);
    return false;
  }

  /// `obj[key]` if it has `kind`. An optional member that is absent or null
  /// gives nullptr; anything else records an error and gives nullptr.
  const JsonValue *member(const JsonValue &obj, std::string_view key, Kind kind,
                          std::string_view where, bool required = true) {
    const JsonValue *v = obj.get(key);
    if ((!v || v->isNull()) && !required)
      return nullptr;
    if (!v)
      return fail(where, " has no '", key, "'"), nullptr;
    if (v->kind != kind)
      return fail(where, ".", key, " must be ", JsonValue::describe(kind),
                  ", got ", JsonValue::describe(v->kind)),
             nullptr;
    return v;
  }

  bool optionalBool(const JsonValue &obj, std::string_view key,
                    std::string_view where, bool fallback, bool &out) {
    out = fallback;
    if (const JsonValue *v = member(obj, key, Kind::Bool, where, false))
      out = v->boolean;
    return !error;
  }

  bool checkId(const JsonValue &v, std::string_view where, int32_t &out) {
    if (v.kind != Kind::Number || !v.isInteger)
      return fail(where, " must be an integer token id");
    if (v.integer < 0 || static_cast<uint64_t>(v.integer) >= limits.maxTokens)
      return fail(where, " is ", std::to_string(v.integer), ", outside [0, ",
                  std::to_string(limits.maxTokens), ")");
    out = static_cast<int32_t>(v.integer);
    return true;
  }

  bool checkTokenText(std::string_view text, std::string_view where) {
    if (text.empty())
      return fail(where, " is an empty token");
    if (text.size() > limits.maxTokenBytes)
      return fail(where, " is a token of ", std::to_string(text.size()),
                  " bytes, more than ", std::to_string(limits.maxTokenBytes));
    return true;
  }

  bool loadVocab(const JsonValue &model) {
    if (const JsonValue *type = model.get("type")) {
      if (type->kind != Kind::String || type->string != "BPE")
        return fail("model.type must be \"BPE\", got ",
                    type->kind == Kind::String
                        ? quote(type->string)
                        : JsonValue::describe(type->kind));
    }
    if (const JsonValue *dropout = model.get("dropout");
        dropout && !dropout->isNull() &&
        !(dropout->kind == Kind::Number && dropout->number == 0))
      return fail("unsupported model.dropout (r1 encodes deterministically)");
    for (std::string_view key :
         {"continuing_subword_prefix", "end_of_word_suffix"}) {
      const JsonValue *v = member(model, key, Kind::String, "model", false);
      if (error)
        return false;
      if (v && !v->string.empty())
        return fail("unsupported model.", key, " (byte-level BPE has none)");
    }
    if (!optionalBool(model, "ignore_merges", "model", false, tok.ignoreMerges))
      return false;
    const JsonValue *vocab = member(model, "vocab", Kind::Object, "model");
    if (!vocab)
      return false;
    if (vocab->object.size() > limits.maxTokens)
      return fail("model.vocab has ", std::to_string(vocab->object.size()),
                  " tokens, more than ", std::to_string(limits.maxTokens));
    tok.vocab.reserve(vocab->object.size());
    vocabEntries.reserve(vocab->object.size());
    for (const auto &[text, value] : vocab->object) {
      std::string where = "model.vocab[" + quote(text) + "]";
      int32_t id;
      if (!checkTokenText(text, where) || !checkId(value, where, id))
        return false;
      if (!tok.vocab.emplace(text, id).second)
        return fail("model.vocab lists token ", quote(text), " twice");
      vocabEntries.emplace_back(text, id);
    }
    return true;
  }

  bool loadAddedTokens(const JsonValue *list) {
    if (!list || list->isNull())
      return true;
    if (list->kind != Kind::Array)
      return fail("added_tokens must be an array");
    if (list->array.size() > limits.maxTokens)
      return fail("added_tokens has more than ",
                  std::to_string(limits.maxTokens), " entries");
    for (size_t i = 0; i < list->array.size(); ++i) {
      const JsonValue &entry = list->array[i];
      std::string where = "added_tokens[" + std::to_string(i) + "]";
      if (entry.kind != Kind::Object)
        return fail(where, " must be an object");
      const JsonValue *content = member(entry, "content", Kind::String, where);
      const JsonValue *idValue = entry.get("id");
      if (!content)
        return false;
      if (!idValue)
        return fail(where, " has no 'id'");
      AddedToken token{content->string, 0, false, false};
      bool special = false, singleWord = false;
      if (!checkTokenText(token.content, where + ".content") ||
          !checkId(*idValue, where + ".id", token.id) ||
          !optionalBool(entry, "special", where, false, special) ||
          !optionalBool(entry, "lstrip", where, false, token.lstrip) ||
          !optionalBool(entry, "rstrip", where, false, token.rstrip) ||
          !optionalBool(entry, "single_word", where, false, singleWord))
        return false;
      if (singleWord)
        return fail(where, ": unsupported single_word added token ",
                    quote(token.content));
      if (auto it = tok.vocab.find(token.content);
          it != tok.vocab.end() && it->second != token.id)
        return fail(where, ": added token ", quote(token.content), " has id ",
                    std::to_string(token.id), " but model.vocab gives it ",
                    std::to_string(it->second));
      if (!tok.addedByContent.emplace(token.content, tok.added.size()).second)
        return fail(where, ": added token ", quote(token.content),
                    " is listed twice");
      if (special)
        specialIds.push_back(token.id);
      tok.addedFirstByte[static_cast<unsigned char>(token.content[0])] = true;
      uint32_t node = 0;
      for (unsigned char c : token.content) {
        auto [edge, isNew] = tok.addedEdges.emplace(
            uint64_t(node) << 8 | c, uint32_t(tok.addedAtNode.size()));
        if (isNew)
          tok.addedAtNode.push_back(-1);
        node = edge->second;
      }
      tok.addedAtNode[node] = int32_t(tok.added.size());
      tok.added.push_back(std::move(token));
    }
    return true;
  }
  std::vector<int32_t> specialIds;

  bool buildTokenTable() {
    int32_t maxId = -1;
    for (const auto &entry : vocabEntries)
      maxId = std::max(maxId, entry.second);
    for (const AddedToken &token : tok.added)
      maxId = std::max(maxId, token.id);
    // Ids were checked against maxTokens, so this allocation is bounded.
    tok.tokens.resize(static_cast<size_t>(maxId + 1));
    auto claim = [&](int32_t id, const std::string &text,
                     std::string_view where) {
      TokenInfo &info = tok.tokens[id];
      if (info.known && info.spelling != text)
        return fail(where, ": tokens ", quote(info.spelling), " and ",
                    quote(text), " share id ", std::to_string(id));
      info.known = true;
      info.spelling = text;
      return true;
    };
    for (const auto &[text, id] : vocabEntries)
      if (!claim(id, text, "model.vocab"))
        return false;
    for (const AddedToken &token : tok.added)
      if (!claim(token.id, token.content, "added_tokens"))
        return false;
    for (int32_t id : specialIds)
      tok.tokens[id].special = true;

    // Decoding maps each character back through the byte alphabet; like
    // HuggingFace's ByteLevel decoder, a token with a character outside it
    // (e.g. the added token "<｜User｜>") decodes to its own UTF-8.
    std::unordered_map<char32_t, char> charToByte;
    for (unsigned b = 0; b < 256; ++b) {
      charToByte.emplace(byteToCodePoint(b), static_cast<char>(b));
      appendUtf8(tok.byteChars[b], byteToCodePoint(b));
    }
    for (TokenInfo &info : tok.tokens) {
      if (!info.known)
        continue;
      std::string bytes;
      bool inAlphabet = true;
      for (size_t pos = 0; pos < info.spelling.size() && inAlphabet;) {
        Utf8Step step = decodeUtf8(info.spelling, pos);
        auto it = charToByte.find(step.codePoint);
        inAlphabet = it != charToByte.end();
        if (inAlphabet)
          bytes += it->second;
        pos += step.length;
      }
      info.bytes = inAlphabet ? std::move(bytes) : info.spelling;
    }
    vocabEntries.clear();
    vocabEntries.shrink_to_fit();
    return true;
  }

  bool loadMerges(const JsonValue &model) {
    const JsonValue *list = member(model, "merges", Kind::Array, "model");
    if (!list)
      return false;
    if (list->array.size() > limits.maxMerges)
      return fail("model.merges has ", std::to_string(list->array.size()),
                  " entries, more than ", std::to_string(limits.maxMerges));
    tok.merges.reserve(list->array.size());
    for (size_t rank = 0; rank < list->array.size(); ++rank) {
      const JsonValue &entry = list->array[rank];
      std::string where = "model.merges[" + std::to_string(rank) + "]";
      // Two serialisations: "left right" (tokenizers < 0.20) and
      // ["left", "right"] (later, which allows spaces inside tokens).
      std::string_view left, right;
      if (entry.kind == Kind::String) {
        size_t space = entry.string.find(' ');
        if (space == std::string::npos ||
            entry.string.find(' ', space + 1) != std::string::npos)
          return fail(where, " must be two tokens separated by one space");
        left = std::string_view(entry.string).substr(0, space);
        right = std::string_view(entry.string).substr(space + 1);
      } else if (entry.kind == Kind::Array && entry.array.size() == 2 &&
                 entry.array[0].kind == Kind::String &&
                 entry.array[1].kind == Kind::String) {
        left = entry.array[0].string;
        right = entry.array[1].string;
      } else {
        return fail(where, " must be a string or a pair of strings");
      }
      std::string merged = std::string(left) + std::string(right);
      auto leftIt = tok.vocab.find(std::string(left));
      auto rightIt = tok.vocab.find(std::string(right));
      auto mergedIt = tok.vocab.find(merged);
      for (auto [it, text] :
           {std::make_pair(leftIt, std::string_view(left)),
            std::make_pair(rightIt, std::string_view(right)),
            std::make_pair(mergedIt, std::string_view(merged))})
        if (it == tok.vocab.end())
          return fail(where, " names ", quote(text),
                      ", which is not in model.vocab");
      uint64_t key = (static_cast<uint64_t>(leftIt->second) << 32) |
                     static_cast<uint32_t>(rightIt->second);
      // A repeated pair keeps its last rank, as HuggingFace's map does.
      tok.merges[key] = Merge{static_cast<uint32_t>(rank), mergedIt->second};
    }
    return true;
  }

  bool loadNormalizer(const JsonValue *normalizer) {
    if (!normalizer || normalizer->isNull())
      return true;
    if (normalizer->kind != Kind::Object)
      return fail("normalizer must be an object or null");
    const JsonValue *type =
        member(*normalizer, "type", Kind::String, "normalizer");
    if (!type)
      return false;
    if (type->string == "NFC")
      return tok.nfc = true;
    if (type->string == "Sequence") {
      const JsonValue *steps =
          member(*normalizer, "normalizers", Kind::Array, "normalizer");
      if (!steps)
        return false;
      for (const JsonValue &step : steps->array)
        if (!loadNormalizer(&step))
          return false;
      return true;
    }
    return fail("unsupported normalizer ", quote(type->string),
                " (r1 implements NFC)");
  }

  bool loadPreTokenizer(const JsonValue *step, const std::string &where) {
    if (!step || step->isNull())
      return true;
    if (step->kind != Kind::Object)
      return fail(where, " must be an object or null");
    const JsonValue *type = member(*step, "type", Kind::String, where);
    if (!type)
      return false;
    // The byte map must come last: a split after it would see the printable
    // alphabet instead of the text.
    if (sawByteLevelPreTokenizer && type->string != "Sequence")
      return fail(where, ": unsupported ", quote(type->string),
                  " after the ByteLevel pre-tokenizer");
    if (type->string == "Sequence") {
      const JsonValue *steps =
          member(*step, "pretokenizers", Kind::Array, where);
      if (!steps)
        return false;
      for (size_t i = 0; i < steps->array.size(); ++i)
        if (!loadPreTokenizer(&steps->array[i], where + ".pretokenizers[" +
                                                    std::to_string(i) + "]"))
          return false;
      return true;
    }
    if (type->string == "Split")
      return loadSplit(*step, where);
    if (type->string == "ByteLevel") {
      // HuggingFace's defaults for ByteLevel: add_prefix_space and use_regex
      // are both true when absent.
      if (!optionalBool(*step, "add_prefix_space", where, true,
                        tok.preTokenizer.addPrefixSpace) ||
          !optionalBool(*step, "use_regex", where, true,
                        tok.preTokenizer.byteLevelRegex))
        return false;
      sawByteLevelPreTokenizer = true;
      return true;
    }
    return fail("unsupported pre-tokenizer ", quote(type->string));
  }

  bool loadSplit(const JsonValue &step, const std::string &where) {
    if (tok.preTokenizer.rules.size() >= limits.maxSplitRules)
      return fail(where, ": more than ", std::to_string(limits.maxSplitRules),
                  " split rules");
    const JsonValue *pattern = member(step, "pattern", Kind::Object, where);
    const JsonValue *behavior =
        pattern ? member(step, "behavior", Kind::String, where) : nullptr;
    bool invert;
    if (!behavior || !optionalBool(step, "invert", where, false, invert))
      return false;
    if (behavior->string != "Isolated" || invert)
      return fail(where, ": unsupported split behavior ",
                  quote(behavior->string), invert ? " with invert" : "",
                  " (r1 implements Isolated)");
    if (const JsonValue *regex = pattern->get("Regex")) {
      if (regex->kind != Kind::String)
        return fail(where, ".pattern.Regex must be a string");
      Expected<SplitRule> rule = SplitRule::fromRegex(regex->string);
      if (!rule)
        return fail(where, ": ", rule.message());
      tok.preTokenizer.rules.push_back(*rule);
      return true;
    }
    if (const JsonValue *literal = pattern->get("String")) {
      if (literal->kind != Kind::String)
        return fail(where, ".pattern.String must be a string");
      std::u32string cps;
      for (size_t pos = 0; pos < literal->string.size();) {
        Utf8Step s = decodeUtf8(literal->string, pos);
        cps.push_back(s.codePoint);
        pos += s.length;
      }
      tok.preTokenizer.rules.push_back(SplitRule::fromLiteral(std::move(cps)));
      return true;
    }
    return fail(where, ".pattern must have 'Regex' or 'String'");
  }

  bool checkByteLevel() {
    if (!sawByteLevelPreTokenizer)
      return fail("pre_tokenizer has no ByteLevel step; r1 implements "
                  "byte-level BPE only");
    for (unsigned b = 0; b < 256; ++b) {
      auto it = tok.vocab.find(tok.byteChars[b]);
      if (it == tok.vocab.end())
        return fail("model.vocab lacks the byte-level token ",
                    quote(tok.byteChars[b]), " for byte ", std::to_string(b));
      tok.byteIds[b] = it->second;
    }
    return true;
  }

  bool loadPostProcessor(const JsonValue *step, const std::string &where) {
    if (!step || step->isNull())
      return true;
    if (step->kind != Kind::Object)
      return fail(where, " must be an object or null");
    const JsonValue *type = member(*step, "type", Kind::String, where);
    if (!type)
      return false;
    if (type->string == "ByteLevel")
      return true; // only adjusts offsets, which r1 does not report
    if (type->string == "Sequence") {
      const JsonValue *steps = member(*step, "processors", Kind::Array, where);
      if (!steps)
        return false;
      for (size_t i = 0; i < steps->array.size(); ++i)
        if (!loadPostProcessor(&steps->array[i], where + ".processors[" +
                                                     std::to_string(i) + "]"))
          return false;
      return true;
    }
    if (type->string == "TemplateProcessing")
      return loadTemplate(*step, where);
    return fail("unsupported post-processor ", quote(type->string));
  }

  bool loadTemplate(const JsonValue &step, const std::string &where) {
    if (sawTemplateSequence)
      return fail(where, ": more than one TemplateProcessing");
    const JsonValue *single = member(step, "single", Kind::Array, where);
    const JsonValue *specials =
        single ? member(step, "special_tokens", Kind::Object, where) : nullptr;
    if (!specials)
      return false;
    if (single->array.size() > limits.maxTemplateTokens + 1)
      return fail(where, ": more than ",
                  std::to_string(limits.maxTemplateTokens),
                  " template tokens");
    for (size_t i = 0; i < single->array.size(); ++i) {
      const JsonValue &piece = single->array[i];
      std::string at = where + ".single[" + std::to_string(i) + "]";
      if (piece.kind != Kind::Object)
        return fail(at, " must be an object");
      if (const JsonValue *seq = piece.get("Sequence")) {
        const JsonValue *id =
            seq->kind == Kind::Object ? seq->get("id") : nullptr;
        if (!id || id->kind != Kind::String || id->string != "A" ||
            sawTemplateSequence)
          return fail(at, ": the single template must contain sequence A "
                          "once");
        sawTemplateSequence = true;
        continue;
      }
      const JsonValue *special = piece.get("SpecialToken");
      const JsonValue *name = special && special->kind == Kind::Object
                                  ? special->get("id")
                                  : nullptr;
      if (!name || name->kind != Kind::String)
        return fail(at, " must be a Sequence or a SpecialToken with an id");
      const JsonValue *entry = specials->get(name->string);
      const JsonValue *ids =
          entry && entry->kind == Kind::Object ? entry->get("ids") : nullptr;
      if (!ids || ids->kind != Kind::Array)
        return fail(at, ": special token ", quote(name->string),
                    " has no ids in special_tokens");
      for (const JsonValue &idValue : ids->array) {
        int32_t id;
        if (!checkId(idValue, at + " id", id))
          return false;
        if (static_cast<size_t>(id) >= tok.tokens.size() ||
            !tok.tokens[id].known)
          return fail(at, ": special token ", quote(name->string),
                      " has unknown id ", std::to_string(id));
        if (tok.prefixIds.size() + tok.suffixIds.size() >=
            limits.maxTemplateTokens)
          return fail(where, ": more than ",
                      std::to_string(limits.maxTemplateTokens),
                      " template tokens");
        (sawTemplateSequence ? tok.suffixIds : tok.prefixIds).push_back(id);
        if (!sawTemplateSequence && !bosFromTemplate)
          bosFromTemplate = id;
      }
    }
    if (!sawTemplateSequence)
      return fail(where, ": the single template must contain sequence A once");
    return true;
  }

  bool loadDecoder(const JsonValue *step, const std::string &where) {
    if (!step || step->kind != Kind::Object)
      return fail(where, " must be the ByteLevel decoder");
    const JsonValue *type = member(*step, "type", Kind::String, where);
    if (!type)
      return false;
    if (type->string == "ByteLevel")
      return true;
    if (type->string == "Sequence") {
      const JsonValue *steps = member(*step, "decoders", Kind::Array, where);
      if (!steps)
        return false;
      for (size_t i = 0; i < steps->array.size(); ++i)
        if (!loadDecoder(&steps->array[i],
                         where + ".decoders[" + std::to_string(i) + "]"))
          return false;
      return true;
    }
    return fail("unsupported decoder ", quote(type->string),
                " (r1 implements ByteLevel)");
  }
};

Expected<Tokenizer> Tokenizer::fromJson(std::string_view json,
                                        TokenizerLimits limits) {
  if (json.size() > limits.maxFileBytes)
    return makeError("tokenizer.json is ", std::to_string(json.size()),
                     " bytes, more than ", std::to_string(limits.maxFileBytes));
  // The tree holds the vocabulary, the merges (three values each as pairs)
  // and a little more; anything larger is not a tokenizer we accept.
  JsonLimits jsonLimits;
  jsonLimits.maxValues = limits.maxTokens + 3 * limits.maxMerges + 65536;
  Expected<JsonValue> root = parseJson(json, jsonLimits);
  if (!root)
    return root.error();
  Tokenizer tok;
  Expected<bool> loaded = Loader(tok, limits).load(*root);
  if (!loaded)
    return loaded.error();
  return tok;
}

Expected<Tokenizer> Tokenizer::fromFile(const std::string &path,
                                        TokenizerLimits limits) {
  std::string text, error;
  if (!r1rt::readText(path, text, error, limits.maxFileBytes))
    return makeError(error);
  Expected<Tokenizer> tok = fromJson(text, limits);
  if (!tok)
    return makeError(path, ": ", tok.message());
  return tok;
}

Tokenizer::AddedMatch Tokenizer::findAddedToken(std::string_view text,
                                                size_t from) const {
  for (size_t pos = from; pos < text.size(); ++pos) {
    if (!addedFirstByte[static_cast<unsigned char>(text[pos])])
      continue;
    // The longest token at the leftmost position that matches at all: one
    // walk down the trie, no deeper than the longest token (maxTokenBytes),
    // so the scan is linear in the text.
    int32_t index = -1;
    size_t end = pos;
    uint32_t node = 0;
    for (size_t i = pos; i < text.size(); ++i) {
      auto edge = addedEdges.find(uint64_t(node) << 8 |
                                  static_cast<unsigned char>(text[i]));
      if (edge == addedEdges.end())
        break;
      node = edge->second;
      if (addedAtNode[node] >= 0) {
        index = addedAtNode[node];
        end = i + 1;
      }
    }
    if (index >= 0) {
      size_t begin = pos;
      const AddedToken &token = added[index];
      // lstrip/rstrip: the token swallows the whitespace beside it.
      while (token.lstrip && begin > from) {
        size_t start = begin - 1;
        while (start > from &&
               (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
          --start;
        Utf8Step step = decodeUtf8(text, start);
        if (step.status != Utf8Step::Valid || start + step.length != begin ||
            !isWhiteSpace(step.codePoint))
          break;
        begin = start;
      }
      while (token.rstrip && end < text.size()) {
        Utf8Step step = decodeUtf8(text, end);
        if (step.status != Utf8Step::Valid || !isWhiteSpace(step.codePoint))
          break;
        end += step.length;
      }
      return {begin, end, size_t(index)};
    }
  }
  return {std::string_view::npos, std::string_view::npos, 0};
}

std::vector<int32_t> Tokenizer::encode(std::string_view input,
                                       EncodeOptions options) const {
  std::string repaired;
  std::string_view text = input;
  if (!isValidUtf8(input)) {
    repaired = toValidUtf8(input);
    text = repaired;
  }
  std::vector<int32_t> ids;
  if (options.addSpecial)
    ids = prefixIds;
  // Segments between added tokens are encoded apart, and an empty one not
  // at all (ByteLevel's add_prefix_space would make it a space).
  size_t pos = 0;
  while (options.parseSpecial && pos < text.size()) {
    AddedMatch match = findAddedToken(text, pos);
    if (match.begin == std::string_view::npos)
      break;
    if (match.begin > pos)
      encodeText(text.substr(pos, match.begin - pos), ids);
    ids.push_back(added[match.index].id);
    pos = match.end;
  }
  if (pos < text.size())
    encodeText(text.substr(pos), ids);
  if (options.addSpecial)
    ids.insert(ids.end(), suffixIds.begin(), suffixIds.end());
  return ids;
}

void Tokenizer::encodeText(std::string_view text,
                           std::vector<int32_t> &ids) const {
  std::string normalized;
  if (nfc) {
    normalized = toNfc(text);
    text = normalized;
  }
  std::vector<std::string> pieces;
  preTokenizer.split(text, pieces);
  for (const std::string &piece : pieces)
    encodeWord(piece, ids);
}

void Tokenizer::encodeWord(std::string_view word,
                           std::vector<int32_t> &ids) const {
  // ignore_merges (Llama 3): a word that is itself a token is taken whole,
  // even if the merges would not build it.
  if (ignoreMerges) {
    std::string mapped;
    for (char c : word)
      mapped += byteChars[static_cast<unsigned char>(c)];
    if (auto it = vocab.find(mapped); it != vocab.end()) {
      ids.push_back(it->second);
      return;
    }
  }

  // One symbol per byte, linked into a list that merges shorten. The byte
  // tokens exist: checkByteLevel verified the alphabet at load time.
  struct Symbol {
    int32_t id;
    int32_t prev, next; // -1 at the ends
  };
  std::vector<Symbol> symbols(word.size());
  for (size_t i = 0; i < word.size(); ++i)
    symbols[i] = {byteIds[static_cast<unsigned char>(word[i])],
                  static_cast<int32_t>(i) - 1,
                  i + 1 < word.size() ? static_cast<int32_t>(i + 1) : -1};

  // Candidate merges, lowest rank first and leftmost among equal ranks, as
  // HuggingFace's Word::merge_all orders them. Entries go stale when a
  // neighbour merges; they are checked when popped. Each merge pushes at
  // most two candidates, so a word of n bytes costs O(n log n), however
  // long one pre-token is (a run of one letter, a GPT-2 digit run).
  struct Candidate {
    uint32_t rank;
    int32_t left, right;
    int32_t leftId, rightId, result;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::vector<Candidate> initial;
  auto candidate = [&](int32_t left, std::vector<Candidate> &out) {
    if (left < 0 || symbols[left].next < 0)
      return;
    int32_t right = symbols[left].next;
    uint64_t key = (static_cast<uint64_t>(symbols[left].id) << 32) |
                   static_cast<uint32_t>(symbols[right].id);
    if (auto it = merges.find(key); it != merges.end())
      out.push_back({it->second.rank, left, right, symbols[left].id,
                     symbols[right].id, it->second.result});
  };
  for (size_t i = 0; i + 1 < word.size(); ++i)
    candidate(static_cast<int32_t>(i), initial);
  // Heapified at once: O(n) rather than n pushes.
  std::priority_queue<Candidate, std::vector<Candidate>,
                      std::greater<Candidate>>
      queue(std::greater<Candidate>(), std::move(initial));
  std::vector<Candidate> found;

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.left];
    if (left.id != top.leftId || left.next != top.right ||
        symbols[top.right].id != top.rightId)
      continue;
    left.id = top.result;
    Symbol &right = symbols[top.right];
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = top.left;
    right.id = -1; // dead
    found.clear();
    candidate(left.prev, found);
    candidate(top.left, found);
    for (const Candidate &c : found)
      queue.push(c);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next)
    ids.push_back(symbols[i].id);
}

std::optional<std::string_view> Tokenizer::tokenBytes(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens.size() || !tokens[id].known)
    return std::nullopt;
  return std::string_view(tokens[id].bytes);
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string bytes;
  for (int32_t id : ids)
    if (auto b = tokenBytes(id))
      bytes.append(*b);
  return toValidUtf8(bytes);
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < tokens.size() &&
         tokens[id].special;
}

std::optional<int32_t> Tokenizer::tokenId(std::string_view token) const {
  std::string key(token);
  if (auto it = addedByContent.find(key); it != addedByContent.end())
    return added[it->second].id;
  if (auto it = vocab.find(key); it != vocab.end())
    return it->second;
  return std::nullopt;
}

std::optional<int32_t> Tokenizer::addedTokenId(std::string_view content) const {
  if (auto it = addedByContent.find(std::string(content));
      it != addedByContent.end())
    return added[it->second].id;
  return std::nullopt;
}

std::string Tokenizer::StreamDecoder::push(int32_t id) {
  if (auto bytes = tokenizer->tokenBytes(id))
    pending.append(*bytes);
  std::string out;
  size_t pos = 0;
  while (pos < pending.size()) {
    Utf8Step step = decodeUtf8(pending, pos);
    if (step.status == Utf8Step::Incomplete)
      break; // the rest of the character comes with a later token
    if (step.status == Utf8Step::Valid)
      out.append(pending, pos, step.length);
    else
      appendUtf8(out, kReplacementCharacter);
    pos += step.length;
  }
  pending.erase(0, pos);
  return out;
}

std::string Tokenizer::StreamDecoder::finish() {
  std::string out = toValidUtf8(pending);
  pending.clear();
  return out;
}

} // namespace r1::tokenizer
