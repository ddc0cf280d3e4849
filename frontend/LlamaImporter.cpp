//===- LlamaImporter.cpp - LlamaForCausalLM ---------------------*- C++ -*-===//
//
// This file imports Llama-style decoders (R1-Distill-Llama): RMSNorm,
// rotate-half RoPE (with llama3 / linear scaling), GQA attention in its plain
// form, SwiGLU MLP. Qwen2 and the r1 extensions build on it.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::r1;
using ::r1::frontend::RopeScaling;

std::string mlir::r1::layerPrefix(int64_t i) {
  return "model.layers." + std::to_string(i);
}

Attribute mlir::r1::ropeScalingAttr(MLIRContext *context,
                                    const ModelConfig &config) {
  if (!config.ropeScaling)
    return {};
  const RopeScaling &s = *config.ropeScaling;
  switch (s.kind) {
  case RopeScaling::Kind::Linear:
    return LinearScalingAttr::get(context, llvm::APFloat(s.factor));
  case RopeScaling::Kind::Llama3:
    return Llama3ScalingAttr::get(context, llvm::APFloat(s.factor),
                                  llvm::APFloat(s.lowFreqFactor),
                                  llvm::APFloat(s.highFreqFactor),
                                  s.originalMaxPosition);
  case RopeScaling::Kind::Yarn:
    return YarnAttr::get(context, llvm::APFloat(s.factor),
                         s.originalMaxPosition, llvm::APFloat(s.betaFast),
                         llvm::APFloat(s.betaSlow), llvm::APFloat(s.mscale),
                         llvm::APFloat(s.mscaleAllDim));
  }
  return {};
}

namespace {

/// Dense causal GQA self-attention of layer `prefix` on normed `h`.
FailureOr<Value> denseSelfAttention(GraphBuilder &b, const ModelConfig &c,
                                    const std::string &prefix, Value h,
                                    Value positions, LlamaStyle style) {
  int64_t heads = c.numHeads, kvHeads = c.numKvHeads, dim = c.headDim;
  std::string p = prefix + ".self_attn";
  FailureOr<Value> q = b.linear(h, p + ".q_proj", heads * dim, c.hiddenSize,
                                style.qkvBias);
  FailureOr<Value> k = b.linear(h, p + ".k_proj", kvHeads * dim, c.hiddenSize,
                                style.qkvBias);
  FailureOr<Value> v = b.linear(h, p + ".v_proj", kvHeads * dim, c.hiddenSize,
                                style.qkvBias);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  Attribute scaling = ropeScalingAttr(b.getContext(), c);
  Value qh = b.rope(b.reshape(*q, {kDyn, heads, dim}), positions, c.ropeTheta,
                    dim, RopeStyle::half, scaling);
  Value kh = b.rope(b.reshape(*k, {kDyn, kvHeads, dim}), positions,
                    c.ropeTheta, dim, RopeStyle::half, scaling);
  Value vh = b.reshape(*v, {kDyn, kvHeads, dim});
  Value attn = b.plainAttention(qh, kh, vh, 1.0 / std::sqrt(double(dim)),
                                /*causal=*/true);
  return b.linear(attn, p + ".o_proj", c.hiddenSize, heads * dim,
                  style.outputBias);
}

} // namespace

FailureOr<Value> mlir::r1::importLlamaDecoder(GraphBuilder &b,
                                              const ModelConfig &c,
                                              DecoderIO &io,
                                              LlamaStyle style) {
  if (failed(extensions::verify(b, c)))
    return failure();
  FailureOr<Value> embed =
      b.weight("model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
  if (failed(embed))
    return failure();
  Value x = b.builder().create<EmbeddingOp>(b.loc(), io.ids, *embed);
  FailureOr<Value> context = extensions::encoderContext(b, c, io);
  if (failed(context))
    return failure();

  size_t memorySlot = 0;
  for (int64_t i = 0; i < c.numLayers; ++i) {
    std::string prefix = layerPrefix(i);
    b.setLoc(NameLoc::get(b.builder().getStringAttr(prefix)));
    auto layer = [&](Value x) -> FailureOr<Value> {
      FailureOr<Value> h = b.rmsNorm(x, prefix + ".input_layernorm.weight",
                                     c.hiddenSize, c.rmsNormEps);
      if (failed(h))
        return failure();
      FailureOr<Value> attn =
          c.r1.isLsh(i)
              ? extensions::lshSelfAttention(b, c, i, *h, io.positions)
              : denseSelfAttention(b, c, prefix, *h, io.positions, style);
      if (failed(attn))
        return failure();
      x = b.add(x, *attn);
      if (c.r1.hasCrossAttention(i) && *context) {
        FailureOr<Value> crossed = extensions::crossAttention(b, c, i, x, *context);
        if (failed(crossed))
          return failure();
        x = *crossed;
      }
      if (c.r1.hasMemory(i)) {
        FailureOr<Value> read =
            extensions::memoryUnit(b, c, i, x, io, memorySlot++);
        if (failed(read))
          return failure();
        x = *read;
      }
      FailureOr<Value> h2 =
          b.rmsNorm(x, prefix + ".post_attention_layernorm.weight",
                    c.hiddenSize, c.rmsNormEps);
      if (failed(h2))
        return failure();
      FailureOr<Value> mlp =
          b.swiglu(*h2, prefix + ".mlp", c.hiddenSize, c.intermediateSize);
      if (failed(mlp))
        return failure();
      return b.add(x, *mlp);
    };
    FailureOr<Value> next = c.r1.hasLayerSkip(i)
                                ? extensions::layerGate(b, c, i, x, layer)
                                : layer(x);
    if (failed(next))
      return failure();
    x = *next;
  }
  b.setLoc(NameLoc::get(b.builder().getStringAttr("model.norm")));
  return b.rmsNorm(x, "model.norm.weight", c.hiddenSize, c.rmsNormEps);
}
