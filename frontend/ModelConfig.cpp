//===- ModelConfig.cpp - a validated config.json --------------------------===//
//
// This file implements ModelConfig::fromJSON. Each value is read through
// `Reader`, which names the key (with its path, e.g. 'r1.lsh.num_buckets')
// and the JSON type it found when a value is wrong.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelConfig.h"
#include "checkpoint/JsonDocument.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;
using namespace ::r1::checkpoint;

namespace r1::frontend {

namespace {

// Limits on sizes no real model reaches; they keep later arithmetic and
// allocations bounded on hostile configs.
constexpr int64_t kMaxHidden = 65536;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxVocab = 4194304;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxHeadDim = 4096;
constexpr int64_t kMaxExperts = 4096;
constexpr int64_t kMaxIntermediate = 1048576;
constexpr int64_t kMaxPositions = 1 << 24;
// Real configs are a few KiB; the bound only stops a hostile file early.
constexpr uint64_t kMaxConfigBytes = 64u << 20;

/// A JSON value for a message: numbers as written, anything else by kind
/// (a number that is not an integer says "number 1.5").
std::string describe(const json::Value &v) {
  return (v.kind() == json::Value::Number ? "number " : "") + describeJson(v);
}

/// Shortest readable spelling of a config float.
std::string fmtDouble(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

/// Typed access to one JSON object; `prefix` makes nested keys read as
/// paths in messages.
class Reader {
public:
  Reader(const json::Object &object, StringRef file, std::string prefix = "")
      : object(object), file(file), prefix(std::move(prefix)) {}

  std::string path(StringRef key) const { return prefix + key.str(); }

  Error error(StringRef key, const Twine &message) const {
    return makeError(file, "'" + path(key) + "' " + message);
  }

  /// The value of `key`, or null when absent or JSON null.
  const json::Value *get(StringRef key) const {
    const json::Value *v = object.get(key);
    return v && v->kind() != json::Value::Null ? v : nullptr;
  }

  Expected<std::optional<int64_t>> optInt(StringRef key, int64_t min,
                                          int64_t max) const {
    const json::Value *v = get(key);
    if (!v)
      return std::nullopt;
    std::optional<int64_t> i = jsonInteger(*v);
    if (!i)
      return error(key, "must be an integer, got " + describe(*v));
    if (*i < min || *i > max)
      return error(key, "(" + Twine(*i) + ") must be in [" + Twine(min) + ", " +
                            Twine(max) + "]");
    return i;
  }

  Expected<int64_t> requireInt(StringRef key, int64_t min, int64_t max) const {
    Expected<std::optional<int64_t>> i = optInt(key, min, max);
    if (!i)
      return i.takeError();
    if (!*i)
      return makeError(file, "missing '" + path(key) + "'");
    return **i;
  }

  Expected<int64_t> intOr(StringRef key, int64_t fallback, int64_t min,
                          int64_t max) const {
    Expected<std::optional<int64_t>> i = optInt(key, min, max);
    if (!i)
      return i.takeError();
    return i->value_or(fallback);
  }

  Expected<double> doubleOr(StringRef key, double fallback) const {
    const json::Value *v = get(key);
    if (!v)
      return fallback;
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d))
      return error(key, "must be a finite number, got " + describe(*v));
    return *d;
  }

  Expected<double> requireDouble(StringRef key) const {
    if (!get(key))
      return makeError(file, "missing '" + path(key) + "'");
    return doubleOr(key, 0.0);
  }

  Expected<bool> boolOr(StringRef key, bool fallback) const {
    const json::Value *v = get(key);
    if (!v)
      return fallback;
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return error(key, "must be a boolean, got " + jsonKindName(*v));
    return *b;
  }

  Expected<std::string> stringOr(StringRef key, StringRef fallback) const {
    const json::Value *v = get(key);
    if (!v)
      return fallback.str();
    std::optional<StringRef> s = v->getAsString();
    if (!s)
      return error(key, "must be a string, got " + jsonKindName(*v));
    return s->str();
  }

  /// A nested object, or null when absent.
  Expected<const json::Object *> optObject(StringRef key) const {
    const json::Value *v = get(key);
    if (!v)
      return nullptr;
    const json::Object *o = v->getAsObject();
    if (!o)
      return error(key, "must be an object, got " + jsonKindName(*v));
    return o;
  }

  /// An integer or a list of integers (token ids).
  Expected<SmallVector<int64_t>> intList(StringRef key, int64_t min,
                                         int64_t max) const {
    SmallVector<int64_t> out;
    const json::Value *v = get(key);
    if (!v)
      return out;
    auto one = [&](const json::Value &item) -> Error {
      std::optional<int64_t> i = jsonInteger(item);
      if (!i)
        return error(key, "must hold integers, got " + describe(item));
      if (*i < min || *i > max)
        return error(key, "has " + Twine(*i) + ", outside [" + Twine(min) +
                              ", " + Twine(max) + "]");
      out.push_back(*i);
      return Error::success();
    };
    if (const json::Array *a = v->getAsArray()) {
      if (a->size() > 4096)
        return error(key, "has too many entries");
      for (const json::Value &item : *a)
        if (Error err = one(item))
          return err;
      return out;
    }
    if (Error err = one(*v))
      return err;
    return out;
  }

  Reader nested(const json::Object &o, StringRef key) const {
    return Reader(o, file, path(key) + ".");
  }

  /// Rejects keys outside `known`: our own `r1` objects are a closed
  /// schema, so a misspelt key is a mistake, not something to ignore.
  Error onlyKeys(ArrayRef<StringRef> known) const {
    SmallVector<StringRef> keys;
    for (const auto &entry : object)
      keys.push_back(entry.first);
    llvm::sort(keys);
    for (StringRef key : keys)
      if (!is_contained(known, key))
        return makeError(file, "'" + printable(path(key)) +
                                   "' is not a known key (expected one of " +
                                   join(known, ", ") + ")");
    return Error::success();
  }

  StringRef fileName() const { return file; }

private:
  const json::Object &object;
  StringRef file;
  std::string prefix;
};

// Unwraps an Expected into `dst` or returns its error from the caller.
#define R1_TRY(dst, expr)                                                      \
  do {                                                                         \
    auto _r1_value = (expr);                                                   \
    if (!_r1_value)                                                            \
      return _r1_value.takeError();                                            \
    dst = std::move(*_r1_value);                                               \
  } while (false)

Error readRopeScaling(const Reader &r, ModelConfig &c) {
  const json::Object *o;
  R1_TRY(o, r.optObject("rope_scaling"));
  if (!o)
    return Error::success();
  Reader s = r.nested(*o, "rope_scaling");
  std::string type;
  R1_TRY(type, s.stringOr("rope_type", ""));
  if (type.empty())
    R1_TRY(type, s.stringOr("type", "default"));
  if (type == "default")
    return Error::success();
  RopeScaling rs;
  R1_TRY(rs.factor, s.doubleOr("factor", 1.0));
  if (!(rs.factor >= 1.0) || rs.factor > 1e6)
    return s.error("factor",
                   "(" + fmtDouble(rs.factor) + ") must be in [1, 1e6]");
  if (type == "linear") {
    rs.kind = RopeScaling::Kind::Linear;
  } else if (type == "llama3") {
    rs.kind = RopeScaling::Kind::Llama3;
    R1_TRY(rs.lowFreqFactor, s.doubleOr("low_freq_factor", 1.0));
    R1_TRY(rs.highFreqFactor, s.doubleOr("high_freq_factor", 4.0));
    R1_TRY(rs.originalMaxPosition,
           s.requireInt("original_max_position_embeddings", 1, kMaxPositions));
    if (!(rs.highFreqFactor > rs.lowFreqFactor && rs.lowFreqFactor > 0))
      return s.error("high_freq_factor",
                     "must exceed 'low_freq_factor', which must be positive");
  } else if (type == "yarn") {
    rs.kind = RopeScaling::Kind::Yarn;
    R1_TRY(rs.originalMaxPosition,
           s.requireInt("original_max_position_embeddings", 1, kMaxPositions));
    R1_TRY(rs.betaFast, s.doubleOr("beta_fast", 32.0));
    R1_TRY(rs.betaSlow, s.doubleOr("beta_slow", 1.0));
    R1_TRY(rs.mscale, s.doubleOr("mscale", 1.0));
    R1_TRY(rs.mscaleAllDim, s.doubleOr("mscale_all_dim", 0.0));
    if (!(rs.betaFast > rs.betaSlow && rs.betaSlow > 0))
      return s.error("beta_fast",
                     "must exceed 'beta_slow', which must be positive");
    if (rs.mscale < 0 || rs.mscaleAllDim < 0)
      return s.error("mscale", "and 'mscale_all_dim' must be >= 0");
  } else {
    return s.error("rope_type", "'" + printable(type) +
                                    "' is not supported (default, linear, "
                                    "llama3 or yarn)");
  }
  c.ropeScaling = rs;
  return Error::success();
}

Error readDeepseek(const Reader &r, ModelConfig &c) {
  MlaConfig mla;
  R1_TRY(mla.qLoraRank, r.optInt("q_lora_rank", 1, kMaxHidden));
  R1_TRY(mla.kvLoraRank, r.requireInt("kv_lora_rank", 1, kMaxHidden));
  R1_TRY(mla.qkNopeHeadDim, r.requireInt("qk_nope_head_dim", 1, kMaxHeadDim));
  R1_TRY(mla.qkRopeHeadDim, r.requireInt("qk_rope_head_dim", 2, kMaxHeadDim));
  R1_TRY(mla.vHeadDim, r.requireInt("v_head_dim", 1, kMaxHeadDim));
  if (mla.qkRopeHeadDim % 2 != 0)
    return r.error("qk_rope_head_dim",
                   "(" + Twine(mla.qkRopeHeadDim) + ") must be even");
  c.mla = mla;
  c.headDim = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
  R1_TRY(c.numNextnPredictLayers,
         r.intOr("num_nextn_predict_layers", 0, 0, 16));

  std::optional<int64_t> experts;
  R1_TRY(experts, r.optInt("n_routed_experts", 1, kMaxExperts));
  if (experts) {
    MoeConfig moe;
    moe.numRoutedExperts = *experts;
    R1_TRY(moe.numSharedExperts, r.intOr("n_shared_experts", 0, 0, 64));
    R1_TRY(moe.expertsPerToken,
           r.requireInt("num_experts_per_tok", 1, kMaxExperts));
    R1_TRY(moe.intermediateSize,
           r.requireInt("moe_intermediate_size", 1, kMaxIntermediate));
    R1_TRY(moe.firstKDenseReplace,
           r.intOr("first_k_dense_replace", 0, 0, kMaxLayers));
    R1_TRY(moe.layerFreq, r.intOr("moe_layer_freq", 1, 1, kMaxLayers));
    R1_TRY(moe.numGroups, r.intOr("n_group", 1, 1, kMaxExperts));
    R1_TRY(moe.topkGroup, r.intOr("topk_group", 1, 1, kMaxExperts));
    R1_TRY(moe.normTopkProb, r.boolOr("norm_topk_prob", false));
    R1_TRY(moe.routedScalingFactor, r.doubleOr("routed_scaling_factor", 1.0));
    std::string scoring;
    R1_TRY(scoring, r.stringOr("scoring_func", "softmax"));
    if (scoring != "softmax" && scoring != "sigmoid")
      return r.error("scoring_func",
                     "'" + printable(scoring) + "' must be softmax or sigmoid");
    moe.sigmoidScoring = scoring == "sigmoid";
    // DeepSeek-V3's default is group-limited "noaux_tc"; V2's "greedy"
    // ignores the groups.
    std::string method;
    R1_TRY(method, r.stringOr("topk_method", "noaux_tc"));
    if (method != "noaux_tc" && method != "group_limited_greedy" &&
        method != "greedy")
      return r.error("topk_method", "'" + printable(method) +
                                        "' must be noaux_tc, "
                                        "group_limited_greedy or greedy");
    if (method == "greedy")
      moe.numGroups = moe.topkGroup = 1;
    if (moe.expertsPerToken > moe.numRoutedExperts)
      return r.error("num_experts_per_tok",
                     "(" + Twine(moe.expertsPerToken) +
                         ") must not exceed 'n_routed_experts' (" +
                         Twine(moe.numRoutedExperts) + ")");
    if (moe.numRoutedExperts % moe.numGroups != 0)
      return r.error("n_group", "(" + Twine(moe.numGroups) +
                                    ") must divide 'n_routed_experts' (" +
                                    Twine(moe.numRoutedExperts) + ")");
    if (moe.topkGroup > moe.numGroups)
      return r.error("topk_group", "(" + Twine(moe.topkGroup) +
                                       ") must not exceed 'n_group' (" +
                                       Twine(moe.numGroups) + ")");
    if (moe.expertsPerToken >
        moe.topkGroup * (moe.numRoutedExperts / moe.numGroups))
      return r.error("num_experts_per_tok",
                     "(" + Twine(moe.expertsPerToken) +
                         ") exceeds the experts of the 'topk_group' groups");
    float scaling = static_cast<float>(moe.routedScalingFactor);
    if (!(scaling > 0) || !std::isfinite(scaling))
      return r.error("routed_scaling_factor",
                     "must be positive and finite as an f32");
    c.moe = moe;
  }

  return Error::success();
}

/// quantization_config: only DeepSeek's block-scaled FP8 is understood; any
/// other scheme (GPTQ, AWQ, bitsandbytes) stores weights we would misread.
Error readQuantization(const Reader &r, ModelConfig &c) {
  const json::Object *q;
  R1_TRY(q, r.optObject("quantization_config"));
  if (!q)
    return Error::success();
  Reader qr = r.nested(*q, "quantization_config");
  std::string method, fmt;
  R1_TRY(method, qr.stringOr("quant_method", ""));
  R1_TRY(fmt, qr.stringOr("fmt", "e4m3"));
  if (method != "fp8")
    return qr.error("quant_method",
                    "'" + printable(method) + "' is not supported (fp8)");
  if (fmt != "e4m3")
    return qr.error("fmt", "'" + printable(fmt) + "' is not supported (e4m3)");
  SmallVector<int64_t> block;
  R1_TRY(block, qr.intList("weight_block_size", 1, 65536));
  if (block.size() != 2)
    return qr.error("weight_block_size", "must be two positive integers");
  c.fp8Block = {block[0], block[1]};
  R1_TRY(c.fp8ActivationScheme, qr.stringOr("activation_scheme", "dynamic"));
  if (c.fp8ActivationScheme != "dynamic" && c.fp8ActivationScheme != "static")
    return qr.error("activation_scheme", "'" +
                                             printable(c.fp8ActivationScheme) +
                                             "' must be dynamic or static");
  return Error::success();
}

Error readLayerList(const Reader &r, StringRef key, int64_t numLayers,
                    SmallVectorImpl<int64_t> &out) {
  SmallVector<int64_t> layers;
  R1_TRY(layers, r.intList(key, 0, numLayers - 1));
  SmallVector<int64_t> sorted(layers);
  llvm::sort(sorted);
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i] == sorted[i - 1])
      return r.error(key, "lists layer " + Twine(sorted[i]) + " twice");
  out.assign(layers.begin(), layers.end());
  return Error::success();
}

Error readExtensions(const Reader &root, ModelConfig &c) {
  const json::Object *o;
  R1_TRY(o, root.optObject("r1"));
  if (!o)
    return Error::success();
  Reader r = root.nested(*o, "r1");
  if (Error err = r.onlyKeys({"attention", "lsh", "memory", "layer_skip",
                              "encoders", "num_labels"}))
    return err;
  R1Extensions &x = c.r1;
  x.lshLayers.assign(c.numLayers, false);

  if (const json::Value *att = r.get("attention")) {
    auto kind = [&](const json::Value &v, bool &isLsh) -> Error {
      std::optional<StringRef> s = v.getAsString();
      if (!s)
        return r.error("attention", "entries must be \"dense\" or \"lsh\", "
                                    "got " +
                                        describe(v));
      if (*s != "dense" && *s != "lsh")
        return r.error("attention", "entries must be \"dense\" or \"lsh\", "
                                    "got '" +
                                        printable(*s) + "'");
      isLsh = *s == "lsh";
      return Error::success();
    };
    if (const json::Array *a = att->getAsArray()) {
      if (static_cast<int64_t>(a->size()) != c.numLayers)
        return r.error("attention", "has " + Twine(a->size()) +
                                        " entries for " + Twine(c.numLayers) +
                                        " layers");
      for (size_t i = 0; i < a->size(); ++i) {
        bool isLsh = false;
        if (Error err = kind((*a)[i], isLsh))
          return err;
        x.lshLayers[i] = isLsh;
      }
    } else {
      bool isLsh = false;
      if (Error err = kind(*att, isLsh))
        return err;
      x.lshLayers.assign(c.numLayers, isLsh);
    }
  }
  bool anyLsh = llvm::is_contained(x.lshLayers, true);

  const json::Object *lo;
  R1_TRY(lo, r.optObject("lsh"));
  if (anyLsh && !lo)
    return r.error("lsh", "is required when a layer uses LSH attention");
  if (lo) {
    Reader l = r.nested(*lo, "lsh");
    if (Error err = l.onlyKeys({"num_hashes", "num_buckets", "chunk_length",
                                "chunks_before", "chunks_after", "seed"}))
      return err;
    R1Extensions::Lsh lsh;
    R1_TRY(lsh.numHashes, l.requireInt("num_hashes", 1, 64));
    R1_TRY(lsh.numBuckets, l.requireInt("num_buckets", 2, 65536));
    R1_TRY(lsh.chunkLength, l.requireInt("chunk_length", 1, 65536));
    R1_TRY(lsh.chunksBefore, l.intOr("chunks_before", 1, 0, 64));
    R1_TRY(lsh.chunksAfter, l.intOr("chunks_after", 0, 0, 64));
    // Decoder attention is causal: a chunk after the query's would only
    // ever be masked out, so a non-zero value is a configuration mistake.
    if (lsh.chunksAfter != 0)
      return l.error("chunks_after", "(" + Twine(lsh.chunksAfter) +
                                         ") must be 0: LSH attention in a "
                                         "decoder is causal");
    R1_TRY(lsh.seed, l.intOr("seed", 0, 0, INT64_MAX));
    if (lsh.numBuckets % 2 != 0)
      return l.error("num_buckets",
                     "(" + Twine(lsh.numBuckets) + ") must be even");
    x.lsh = lsh;
  }

  const json::Object *mo;
  R1_TRY(mo, r.optObject("memory"));
  if (mo) {
    Reader m = r.nested(*mo, "memory");
    if (Error err = m.onlyKeys({"slots", "top_k", "decay", "layers"}))
      return err;
    R1Extensions::Memory mem;
    R1_TRY(mem.slots, m.requireInt("slots", 1, 1 << 20));
    R1_TRY(mem.topK, m.requireInt("top_k", 1, 1 << 20));
    R1_TRY(mem.decay, m.requireDouble("decay"));
    if (mem.topK > mem.slots)
      return m.error("top_k", "(" + Twine(mem.topK) +
                                  ") must not exceed 'slots' (" +
                                  Twine(mem.slots) + ")");
    if (!(float(mem.decay) > 0.0f && float(mem.decay) < 1.0f))
      return m.error("decay", "must be in (0, 1)");
    if (Error err = readLayerList(m, "layers", c.numLayers, mem.layers))
      return err;
    x.memory = mem;
  }

  const json::Object *so;
  R1_TRY(so, r.optObject("layer_skip"));
  if (so) {
    Reader s = r.nested(*so, "layer_skip");
    if (Error err = s.onlyKeys({"threshold", "layers"}))
      return err;
    R1Extensions::LayerSkip skip;
    R1_TRY(skip.threshold, s.doubleOr("threshold", 0.5));
    if (!(skip.threshold >= 0.0 && skip.threshold <= 1.0))
      return s.error("threshold", "must be in [0, 1]");
    if (Error err = readLayerList(s, "layers", c.numLayers, skip.layers))
      return err;
    x.layerSkip = skip;
  }

  const json::Object *eo;
  R1_TRY(eo, r.optObject("encoders"));
  if (eo) {
    Reader e = r.nested(*eo, "encoders");
    if (Error err = e.onlyKeys({"image", "audio"}))
      return err;
    const json::Object *io;
    R1_TRY(io, e.optObject("image"));
    if (io) {
      Reader i = e.nested(*io, "image");
      if (Error err =
              i.onlyKeys({"channels", "image_size", "patch_size", "layers"}))
        return err;
      R1Extensions::ImageEncoder img;
      R1_TRY(img.channels, i.intOr("channels", 3, 1, 64));
      R1_TRY(img.imageSize, i.requireInt("image_size", 1, 16384));
      R1_TRY(img.patchSize, i.requireInt("patch_size", 1, 16384));
      if (img.imageSize % img.patchSize != 0)
        return i.error("patch_size", "(" + Twine(img.patchSize) +
                                         ") must divide 'image_size' (" +
                                         Twine(img.imageSize) + ")");
      if (Error err = readLayerList(i, "layers", c.numLayers, img.layers))
        return err;
      x.image = img;
    }
    const json::Object *ao;
    R1_TRY(ao, e.optObject("audio"));
    if (ao) {
      Reader a = e.nested(*ao, "audio");
      if (Error err = a.onlyKeys({"frame_length", "hop_length", "layers"}))
        return err;
      R1Extensions::AudioEncoder aud;
      R1_TRY(aud.frameLength, a.requireInt("frame_length", 1, 1 << 20));
      R1_TRY(aud.hopLength, a.requireInt("hop_length", 1, 1 << 20));
      if (Error err = readLayerList(a, "layers", c.numLayers, aud.layers))
        return err;
      x.audio = aud;
    }
  }
  R1_TRY(x.numLabels, r.optInt("num_labels", 1, 1 << 20));
  if (x.numLabels && *x.numLabels < 2)
    return r.error("num_labels", "must be at least 2");
  return Error::success();
}

} // namespace

bool R1Extensions::hasMemory(int64_t layer) const {
  return memory && llvm::is_contained(memory->layers, layer);
}
bool R1Extensions::hasLayerSkip(int64_t layer) const {
  return layerSkip && llvm::is_contained(layerSkip->layers, layer);
}
bool R1Extensions::hasCrossAttention(int64_t layer) const {
  return (image && llvm::is_contained(image->layers, layer)) ||
         (audio && llvm::is_contained(audio->layers, layer));
}

Expected<ModelConfig> ModelConfig::fromJSON(const json::Object &object,
                                            StringRef fileName) {
  Reader r(object, fileName);
  ModelConfig c;

  // The first architecture decides, as in HuggingFace's AutoModel.
  const json::Value *archs = r.get("architectures");
  if (!archs)
    return makeError(fileName, "missing 'architectures'");
  const json::Array *archList = archs->getAsArray();
  if (!archList)
    return r.error("architectures",
                   "must be a list of strings, got " + describe(*archs));
  if (archList->empty())
    return r.error("architectures", "must be a non-empty list of strings");
  std::optional<StringRef> firstArch = (*archList)[0].getAsString();
  if (!firstArch)
    return r.error("architectures",
                   "must hold strings, got " + describe((*archList)[0]));
  c.architectureName = firstArch->str();
  if (c.architectureName == "LlamaForCausalLM")
    c.architecture = Architecture::Llama;
  else if (c.architectureName == "Qwen2ForCausalLM")
    c.architecture = Architecture::Qwen2;
  else if (c.architectureName == "DeepseekV3ForCausalLM")
    c.architecture = Architecture::DeepseekV3;
  else
    return makeError(fileName, "architecture '" +
                                   printable(c.architectureName) +
                                   "' is not supported (LlamaForCausalLM, "
                                   "Qwen2ForCausalLM, DeepseekV3ForCausalLM)");

  R1_TRY(c.vocabSize, r.requireInt("vocab_size", 1, kMaxVocab));
  R1_TRY(c.hiddenSize, r.requireInt("hidden_size", 1, kMaxHidden));
  R1_TRY(c.intermediateSize,
         r.requireInt("intermediate_size", 1, kMaxIntermediate));
  R1_TRY(c.numLayers, r.requireInt("num_hidden_layers", 1, kMaxLayers));
  R1_TRY(c.numHeads, r.requireInt("num_attention_heads", 1, kMaxHeads));
  R1_TRY(c.numKvHeads,
         r.intOr("num_key_value_heads", c.numHeads, 1, kMaxHeads));
  R1_TRY(c.maxPositionEmbeddings,
         r.intOr("max_position_embeddings", 4096, 1, kMaxPositions));
  R1_TRY(c.rmsNormEps, r.doubleOr("rms_norm_eps", 1e-6));
  R1_TRY(c.ropeTheta, r.doubleOr("rope_theta", 10000.0));
  R1_TRY(c.tieWordEmbeddings, r.boolOr("tie_word_embeddings", false));
  R1_TRY(c.attentionBias, r.boolOr("attention_bias", false));
  R1_TRY(c.torchDtype, r.stringOr("torch_dtype", "float32"));
  // Token ids index the embedding, so they must be below vocab_size.
  R1_TRY(c.bosTokenIds, r.intList("bos_token_id", 0, c.vocabSize - 1));
  R1_TRY(c.eosTokenIds, r.intList("eos_token_id", 0, c.vocabSize - 1));

  // Values the IR keeps as f32 attributes must keep their meaning in f32.
  if (!(float(c.rmsNormEps) > 0 && float(c.rmsNormEps) < 1))
    return r.error("rms_norm_eps",
                   "(" + fmtDouble(c.rmsNormEps) + ") must be in (0, 1)");
  if (!(c.ropeTheta > 0))
    return r.error("rope_theta",
                   "(" + fmtDouble(c.ropeTheta) + ") must be > 0");
  if (c.numHeads % c.numKvHeads != 0)
    return r.error("num_key_value_heads",
                   "(" + Twine(c.numKvHeads) +
                       ") must divide 'num_attention_heads' (" +
                       Twine(c.numHeads) + ")");
  std::optional<int64_t> headDim;
  R1_TRY(headDim, r.optInt("head_dim", 1, kMaxHeadDim));
  if (headDim) {
    c.headDim = *headDim;
  } else if (c.architecture != Architecture::DeepseekV3) {
    // (DeepSeek-V3's head dims come from its MLA keys instead.)
    if (c.hiddenSize % c.numHeads != 0)
      return r.error("num_attention_heads",
                     "(" + Twine(c.numHeads) + ") must divide 'hidden_size' (" +
                         Twine(c.hiddenSize) + ")");
    c.headDim = c.hiddenSize / c.numHeads;
  }
  if (c.architecture != Architecture::DeepseekV3 && c.headDim % 2 != 0)
    return r.error("head_dim", "(" + Twine(c.headDim) + ") must be even");
  // Weights of vocab x hidden must be addressable without overflow.
  int64_t product;
  if (MulOverflow(c.vocabSize, c.hiddenSize, product) ||
      MulOverflow(product, int64_t(8), product))
    return r.error("vocab_size", "times 'hidden_size' overflows");

  if (Error err = readRopeScaling(r, c))
    return err;
  if (Error err = readQuantization(r, c))
    return err;
  if (c.architecture == Architecture::DeepseekV3)
    if (Error err = readDeepseek(r, c))
      return err;
  if (Error err = readExtensions(r, c))
    return err;
  return c;
}

Expected<ModelConfig> ModelConfig::load(StringRef path) {
  JsonLimits limits;
  limits.maxBytes = kMaxConfigBytes;
  Expected<json::Value> value = readJsonFile(path, limits);
  if (!value)
    return value.takeError();
  const json::Object *object = value->getAsObject();
  if (!object)
    return makeError(path,
                     "must hold a JSON object, got " + jsonKindName(*value));
  return fromJSON(*object, path);
}

} // namespace r1::frontend
