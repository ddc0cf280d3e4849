//===- Bench.cpp - r1-bench's lists, statistics and roofline bounds -------===//

#include "Bench.h"

#include "runtime/tokenizer/JsonReader.h"

#include <cmath>
#include <random>

namespace r1::bench {

using r1::tokenizer::JsonValue;
using r1::tokenizer::makeError;

Expected<std::vector<uint64_t>> parseCountList(std::string_view flag,
                                               std::string_view text,
                                               uint64_t min, uint64_t max) {
  auto bad = [&](const std::string &why) {
    return makeError(std::string(flag), " takes comma-separated whole numbers",
                     " in [", std::to_string(min), ", ", std::to_string(max),
                     "], got '", std::string(text), "' (", why, ")");
  };
  std::vector<uint64_t> values;
  size_t at = 0;
  while (true) {
    size_t end = text.find(',', at);
    std::string_view item =
        text.substr(at, end == std::string_view::npos ? end : end - at);
    if (item.empty())
      return bad("an empty item");
    uint64_t value = 0;
    for (char c : item) {
      if (c < '0' || c > '9')
        return bad("'" + std::string(item) + "' is not a whole number");
      uint64_t digit = uint64_t(c - '0');
      if (digit > max || value > (max - digit) / 10)
        return bad(std::string(item) + " is too large");
      value = value * 10 + digit;
    }
    if (value < min)
      return bad(std::string(item) + " is too small");
    values.push_back(value);
    if (end == std::string_view::npos)
      return values;
    at = end + 1;
  }
}

Expected<uint64_t> parseCount(std::string_view flag, std::string_view text,
                              uint64_t min, uint64_t max) {
  auto list = parseCountList(flag, text, min, max);
  if (list && list->size() == 1)
    return list->front();
  return makeError(std::string(flag), " takes one whole number in [",
                   std::to_string(min), ", ", std::to_string(max), "], got '",
                   std::string(text), "'");
}

Summary summarize(const std::vector<double> &samples) {
  Summary s;
  s.samples = samples.size();
  if (samples.empty())
    return s;
  double sum = 0;
  for (double x : samples)
    sum += x;
  s.mean = sum / double(samples.size());
  if (samples.size() > 1) {
    double squares = 0;
    for (double x : samples)
      squares += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(squares / double(samples.size() - 1));
  }
  return s;
}

std::vector<int32_t> benchTokens(size_t n, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> ids(n);
  for (int32_t &id : ids)
    id = int32_t(rng() % uint64_t(vocab));
  return ids;
}

namespace {

bool endsWith(const std::string &s, std::string_view tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// A member that is a whole number >= 0, or null.
const JsonValue *count(const JsonValue &object, std::string_view key) {
  const JsonValue *v = object.get(key);
  if (!v || v->kind != JsonValue::Kind::Number || !v->isInteger ||
      v->integer < 0)
    return nullptr;
  return v;
}

} // namespace

Expected<ArtifactCost> parseArtifactCost(std::string_view manifest,
                                         const std::string &path) {
  auto root = r1::tokenizer::parseJson(manifest);
  if (!root)
    return makeError(path, ": ", root.message());
  const JsonValue *weights = root->get("weights");
  const JsonValue *tensors = weights ? weights->get("tensors") : nullptr;
  if (!tensors || tensors->kind != JsonValue::Kind::Array)
    return makeError(path, ": has no weights.tensors table");
  ArtifactCost cost;
  for (size_t i = 0; i < tensors->array.size(); ++i) {
    const JsonValue &t = tensors->array[i];
    const JsonValue *name = t.get("name"), *shape = t.get("shape"),
                    *layout = t.get("layout"), *bytes = count(t, "bytes");
    if (!name || name->kind != JsonValue::Kind::String || !shape ||
        shape->kind != JsonValue::Kind::Array || !bytes)
      return makeError(path, ": weights.tensors[", std::to_string(i),
                       "] needs a name, a shape and a byte count");
    uint64_t elements = 1;
    for (const JsonValue &d : shape->array) {
      if (d.kind != JsonValue::Kind::Number || !d.isInteger || d.integer < 0)
        return makeError(path, ": ", name->string,
                         ": the shape is not a list of whole numbers");
      if (d.integer && elements > UINT64_MAX / uint64_t(d.integer))
        return makeError(path, ": ", name->string, ": the shape is too large");
      elements *= uint64_t(d.integer);
    }
    cost.params += elements;
    cost.tensorBytes += uint64_t(bytes->integer);
    bool plain = layout && layout->kind == JsonValue::Kind::String &&
                 layout->string == "plain";
    if (endsWith(name->string, "embed_tokens.weight") && plain) {
      cost.embeddingParams += elements;
      cost.embeddingBytes += uint64_t(bytes->integer);
    } else if (name->string == "lm_head.weight" ||
               endsWith(name->string, "embed_tokens.weight")) {
      cost.headParams += elements;
    }
  }
  if (const JsonValue *kv = root->get("kv_cache"))
    if (const JsonValue *perToken = count(*kv, "bytes_per_token"))
      cost.kvBytesPerToken = uint64_t(perToken->integer);
  return cost;
}

double prefillFlopsPerToken(const ArtifactCost &cost, uint64_t tokens) {
  double body = double(cost.params - cost.embeddingParams - cost.headParams);
  return 2 * body + 2 * double(cost.headParams) / double(tokens);
}

double decodeBytesPerToken(const ArtifactCost &cost, uint64_t prompt,
                           uint64_t steps) {
  double rows = double(prompt) + double(steps + 1) / 2;
  return double(cost.tensorBytes - cost.embeddingBytes) +
         double(cost.kvBytesPerToken) * rows;
}

} // namespace r1::bench
