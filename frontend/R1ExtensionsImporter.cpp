//===- R1ExtensionsImporter.cpp - the r1 extension layers -------*- C++ -*-===//
//
// This file imports the features of r1's own config key `r1` (see README):
// LSH self-attention, cross-attention to image/audio encoders, the memory
// unit and layer-skip gates, on top of the Llama-style decoder.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::r1;
namespace ext = mlir::r1::extensions;

LogicalResult ext::verify(GraphBuilder &b, const ModelConfig &c) {
  if (!c.r1.memory || !c.r1.layerSkip)
    return success();
  for (int64_t layer : c.r1.memory->layers)
    if (c.r1.hasLayerSkip(layer))
      return emitError(b.loc())
             << "config: layer " << layer
             << " has both a memory unit and a layer-skip gate; a skipped "
                "layer cannot update the memory";
  return success();
}

FailureOr<Value> ext::encoderContext(GraphBuilder &b, const ModelConfig &c,
                                     DecoderIO &io) {
  OpBuilder &ob = b.builder();
  SmallVector<Value> parts;
  if (c.r1.image) {
    const auto &img = *c.r1.image;
    b.setLoc(NameLoc::get(ob.getStringAttr("model.vision")));
    int64_t p = img.patchSize, n = (img.imageSize / p) * (img.imageSize / p);
    FailureOr<Value> w = b.weight("model.vision.patch_embed.weight",
                                  {c.hiddenSize, img.channels, p, p});
    FailureOr<Value> bias =
        b.weight("model.vision.patch_embed.bias", {c.hiddenSize});
    FailureOr<Value> pos =
        b.weight("model.vision.position_embedding", {n, c.hiddenSize});
    if (failed(w) || failed(bias) || failed(pos))
      return failure();
    Value patches = ob.create<PatchEmbedOp>(b.loc(), io.image, *w, *bias, p);
    FailureOr<Value> normed =
        b.layerNorm(b.add(patches, *pos), "model.vision.norm", c.hiddenSize,
                    1e-5);
    if (failed(normed))
      return failure();
    parts.push_back(*normed);
  }
  if (c.r1.audio) {
    const auto &aud = *c.r1.audio;
    b.setLoc(NameLoc::get(ob.getStringAttr("model.audio")));
    FailureOr<Value> w = b.weight("model.audio.frame_embed.weight",
                                  {c.hiddenSize, aud.frameLength});
    FailureOr<Value> bias =
        b.weight("model.audio.frame_embed.bias", {c.hiddenSize});
    if (failed(w) || failed(bias))
      return failure();
    Value frames = ob.create<FrameEmbedOp>(b.loc(), io.audio, *w, *bias,
                                           aud.frameLength, aud.hopLength);
    FailureOr<Value> normed =
        b.layerNorm(frames, "model.audio.norm", c.hiddenSize, 1e-5);
    if (failed(normed))
      return failure();
    parts.push_back(*normed);
  }
  if (parts.empty())
    return Value();
  if (parts.size() == 1)
    return parts.front();
  return ob.create<ConcatOp>(b.loc(), parts, 0).getResult();
}

FailureOr<Value> ext::lshSelfAttention(GraphBuilder &b, const ModelConfig &c,
                                       int64_t i, Value h, Value positions) {
  const auto &lsh = *c.r1.lsh;
  int64_t heads = c.numHeads, dim = c.headDim;
  std::string p = layerPrefix(i) + ".self_attn";
  // Reformer shares queries and keys: q_proj makes both; no k_proj.
  FailureOr<Value> qk = b.linear(h, p + ".q_proj", heads * dim, c.hiddenSize);
  FailureOr<Value> v = b.linear(h, p + ".v_proj", heads * dim, c.hiddenSize);
  if (failed(qk) || failed(v))
    return failure();
  Value qkh = b.rope(b.reshape(*qk, {kDyn, heads, dim}), positions,
                     c.ropeTheta, dim, RopeStyle::half,
                     ropeScalingAttr(b.getContext(), c));
  Value vh = b.reshape(*v, {kDyn, heads, dim});
  Value out = b.builder().create<LshAttentionOp>(
      b.loc(), qkh, vh, lsh.numHashes, lsh.numBuckets, lsh.chunkLength,
      lsh.chunksBefore, lsh.chunksAfter, /*causal=*/true, lsh.seed);
  return b.linear(b.reshape(out, {kDyn, heads * dim}), p + ".o_proj",
                  c.hiddenSize, heads * dim);
}

FailureOr<Value> ext::crossAttention(GraphBuilder &b, const ModelConfig &c,
                                     int64_t i, Value x, Value context) {
  int64_t heads = c.numHeads, kvHeads = c.numKvHeads, dim = c.headDim;
  std::string p = layerPrefix(i) + ".cross_attn";
  FailureOr<Value> h = b.rmsNorm(x, layerPrefix(i) + ".cross_attn_layernorm.weight",
                                 c.hiddenSize, c.rmsNormEps);
  if (failed(h))
    return failure();
  FailureOr<Value> q = b.linear(*h, p + ".q_proj", heads * dim, c.hiddenSize);
  FailureOr<Value> k =
      b.linear(context, p + ".k_proj", kvHeads * dim, c.hiddenSize);
  FailureOr<Value> v =
      b.linear(context, p + ".v_proj", kvHeads * dim, c.hiddenSize);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  // No RoPE and no mask: every token sees the whole encoder context.
  Value attn = b.plainAttention(
      b.reshape(*q, {kDyn, heads, dim}), b.reshape(*k, {kDyn, kvHeads, dim}),
      b.reshape(*v, {kDyn, kvHeads, dim}), 1.0 / std::sqrt(double(dim)),
      /*causal=*/false);
  FailureOr<Value> o = b.linear(attn, p + ".o_proj", c.hiddenSize, heads * dim);
  if (failed(o))
    return failure();
  return b.add(x, *o);
}

FailureOr<Value> ext::memoryUnit(GraphBuilder &b, const ModelConfig &c,
                                 int64_t i, Value x, DecoderIO &io,
                                 size_t slot) {
  const auto &mem = *c.r1.memory;
  FailureOr<Value> gate = b.weight(layerPrefix(i) + ".memory.gate.weight",
                                   {c.hiddenSize, c.hiddenSize});
  if (failed(gate))
    return failure();
  Value keys = io.memoryKeys[slot], values = io.memoryValues[slot];
  OpBuilder &ob = b.builder();
  // Reads see the state at the start of the call; the update over this
  // call's positions becomes the next call's state.
  auto update = ob.create<MemoryUpdateOp>(
      b.loc(), x, keys, values,
      llvm::APFloat(static_cast<float>(mem.decay)));
  io.newMemoryKeys.push_back(update.getNewKeys());
  io.newMemoryValues.push_back(update.getNewValues());
  return ob.create<MemoryReadOp>(b.loc(), x, keys, values, *gate, mem.topK)
      .getResult();
}

FailureOr<Value> ext::layerGate(GraphBuilder &b, const ModelConfig &c,
                                int64_t i, Value x,
                                function_ref<FailureOr<Value>(Value)> body) {
  FailureOr<Value> w =
      b.weight(layerPrefix(i) + ".skip_gate.weight", {c.hiddenSize});
  if (failed(w))
    return failure();
  OpBuilder &ob = b.builder();
  auto gate = ob.create<LayerGateOp>(
      b.loc(), x, *w, static_cast<float>(c.r1.layerSkip->threshold));
  Block &block = gate.getBody().front();
  {
    OpBuilder::InsertionGuard guard(ob);
    ob.setInsertionPointToStart(&block);
    FailureOr<Value> out = body(block.getArgument(0));
    if (failed(out))
      return failure();
    ob.create<YieldOp>(b.loc(), ValueRange{*out});
  }
  return gate.getResult();
}
