//===- DeepseekV3Importer.cpp - DeepseekV3ForCausalLM -----------*- C++ -*-===//
//
// This file imports DeepSeek-V3 / R1: multi-head latent attention (low-rank
// q and kv, decoupled rope key shared by all heads, interleaved RoPE with
// YaRN) in its plain, naive form, and MoE layers (router with sigmoid or
// softmax scoring, correction bias and group-limited top-k; routed plus
// shared SwiGLU experts) after the first `first_k_dense_replace` layers.
// FP8 weights load as shipped through GraphBuilder::projectionWeight.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::r1;

namespace {

/// YaRN's attention-scale correction: 0.1·m·ln(s) + 1 for s > 1.
double yarnMscale(double scale, double mscale) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

FailureOr<Value> mlaAttention(GraphBuilder &b, const ModelConfig &c,
                              const std::string &prefix, Value h,
                              Value positions) {
  const auto &m = *c.mla;
  int64_t heads = c.numHeads, dn = m.qkNopeHeadDim, dr = m.qkRopeHeadDim,
          dv = m.vHeadDim, rank = m.kvLoraRank;
  std::string p = prefix + ".self_attn";

  // Queries: low-rank (q_a → norm → q_b) or a plain q_proj.
  FailureOr<Value> q;
  if (m.qLoraRank) {
    FailureOr<Value> qa = b.linear(h, p + ".q_a_proj", *m.qLoraRank,
                                   c.hiddenSize);
    if (failed(qa))
      return failure();
    FailureOr<Value> qn = b.rmsNorm(*qa, p + ".q_a_layernorm.weight",
                                    *m.qLoraRank, c.rmsNormEps);
    if (failed(qn))
      return failure();
    q = b.linear(*qn, p + ".q_b_proj", heads * (dn + dr), *m.qLoraRank);
  } else {
    q = b.linear(h, p + ".q_proj", heads * (dn + dr), c.hiddenSize);
  }
  if (failed(q))
    return failure();
  Value q3 = b.reshape(*q, {kDyn, heads, dn + dr});
  Value qNope = b.slice(q3, 2, 0, dn);
  Value qRope = b.slice(q3, 2, dn, dr);

  // Keys and values: a shared latent plus one rope key for all heads.
  FailureOr<Value> ckv =
      b.linear(h, p + ".kv_a_proj_with_mqa", rank + dr, c.hiddenSize);
  if (failed(ckv))
    return failure();
  Value latent = b.slice(*ckv, 1, 0, rank);
  Value kRope = b.reshape(b.slice(*ckv, 1, rank, dr), {kDyn, 1, dr});
  FailureOr<Value> latentNorm = b.rmsNorm(latent, p + ".kv_a_layernorm.weight",
                                          rank, c.rmsNormEps);
  if (failed(latentNorm))
    return failure();
  FailureOr<Value> kv =
      b.linear(*latentNorm, p + ".kv_b_proj", heads * (dn + dv), rank);
  if (failed(kv))
    return failure();
  Value kv3 = b.reshape(*kv, {kDyn, heads, dn + dv});
  Value kNope = b.slice(kv3, 2, 0, dn);
  Value v = b.slice(kv3, 2, dn, dv);

  // HF de-interleaves q_pe/k_pe before a rotate-half; as the permutation
  // cancels in q·k that is interleaved RoPE on pairs (2i, 2i+1).
  Attribute scaling = ropeScalingAttr(b.getContext(), c);
  qRope = b.rope(qRope, positions, c.ropeTheta, dr, RopeStyle::interleaved,
                 scaling);
  kRope = b.rope(kRope, positions, c.ropeTheta, dr, RopeStyle::interleaved,
                 scaling);
  kRope = b.builder().create<RepeatOp>(b.loc(), kRope, 1, heads);
  OpBuilder &ob = b.builder();
  Value qFull = ob.create<ConcatOp>(b.loc(), ValueRange{qNope, qRope}, 2);
  Value kFull = ob.create<ConcatOp>(b.loc(), ValueRange{kNope, kRope}, 2);

  double scale = 1.0 / std::sqrt(double(dn + dr));
  if (c.ropeScaling &&
      c.ropeScaling->kind == ::r1::frontend::RopeScaling::Kind::Yarn &&
      c.ropeScaling->mscaleAllDim != 0.0) {
    double ms = yarnMscale(c.ropeScaling->factor, c.ropeScaling->mscaleAllDim);
    scale *= ms * ms;
  }
  Value attn = b.plainAttention(qFull, kFull, v, scale, /*causal=*/true);
  return b.linear(attn, p + ".o_proj", c.hiddenSize, heads * dv);
}

/// The stacked [E, rows, cols] projection `name` of every routed expert.
FailureOr<Value> expertWeights(GraphBuilder &b, const std::string &prefix,
                               StringRef name, int64_t experts, int64_t rows,
                               int64_t cols) {
  std::vector<std::string> names;
  for (int64_t e = 0; e < experts; ++e)
    names.push_back(prefix + ".experts." + std::to_string(e) + "." +
                    name.str() + ".weight");
  return b.stackedProjection(prefix + ".experts." + name.str() + ".weight",
                             names, rows, cols);
}

FailureOr<Value> moeBlock(GraphBuilder &b, const ModelConfig &c,
                          const std::string &prefix, Value h) {
  const auto &moe = *c.moe;
  std::string p = prefix + ".mlp";
  int64_t experts = moe.numRoutedExperts, inter = moe.intermediateSize;
  FailureOr<Value> gate = b.weight(p + ".gate.weight", {experts, c.hiddenSize});
  if (failed(gate))
    return failure();
  Value bias;
  std::string biasName = p + ".gate.e_score_correction_bias";
  if (b.has(biasName)) {
    FailureOr<Value> bv =
        b.weightAs(biasName, {experts}, b.builder().getF32Type());
    if (failed(bv))
      return failure();
    bias = *bv;
  }
  OpBuilder &ob = b.builder();
  auto router = ob.create<RouterOp>(
      b.loc(), h, *gate, bias, moe.expertsPerToken,
      moe.sigmoidScoring ? ScoringFunc::sigmoid : ScoringFunc::softmax,
      moe.numGroups, moe.topkGroup,
      moe.normTopkProb,
      llvm::APFloat(static_cast<float>(moe.routedScalingFactor)));

  FailureOr<Value> g = expertWeights(b, p, "gate_proj", experts, inter,
                                     c.hiddenSize);
  FailureOr<Value> u = expertWeights(b, p, "up_proj", experts, inter,
                                     c.hiddenSize);
  FailureOr<Value> d = expertWeights(b, p, "down_proj", experts, c.hiddenSize,
                                     inter);
  if (failed(g) || failed(u) || failed(d))
    return failure();
  Value sg, su, sd;
  if (moe.numSharedExperts > 0) {
    int64_t shared = inter * moe.numSharedExperts;
    std::string s = p + ".shared_experts";
    FailureOr<Value> a = b.projectionWeight(s + ".gate_proj.weight", shared,
                                            c.hiddenSize);
    FailureOr<Value> bb = b.projectionWeight(s + ".up_proj.weight", shared,
                                             c.hiddenSize);
    FailureOr<Value> cc = b.projectionWeight(s + ".down_proj.weight",
                                             c.hiddenSize, shared);
    if (failed(a) || failed(bb) || failed(cc))
      return failure();
    sg = *a;
    su = *bb;
    sd = *cc;
  }
  return ob
      .create<MoeOp>(b.loc(), h, router.getWeights(), router.getIndices(), *g,
                     *u, *d, sg, su, sd)
      .getResult();
}

} // namespace

FailureOr<Value> mlir::r1::importDeepseekV3Decoder(GraphBuilder &b,
                                                   const ModelConfig &c,
                                                   DecoderIO &io) {
  FailureOr<Value> embed =
      b.weight("model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
  if (failed(embed))
    return failure();
  Value x = b.builder().create<EmbeddingOp>(b.loc(), io.ids, *embed);
  for (int64_t i = 0; i < c.numLayers; ++i) {
    std::string prefix = layerPrefix(i);
    b.setLoc(NameLoc::get(b.builder().getStringAttr(prefix)));
    FailureOr<Value> h = b.rmsNorm(x, prefix + ".input_layernorm.weight",
                                   c.hiddenSize, c.rmsNormEps);
    if (failed(h))
      return failure();
    FailureOr<Value> attn = mlaAttention(b, c, prefix, *h, io.positions);
    if (failed(attn))
      return failure();
    x = b.add(x, *attn);
    FailureOr<Value> h2 =
        b.rmsNorm(x, prefix + ".post_attention_layernorm.weight", c.hiddenSize,
                  c.rmsNormEps);
    if (failed(h2))
      return failure();
    FailureOr<Value> mlp =
        c.moe && c.moe->isMoeLayer(i)
            ? moeBlock(b, c, prefix, *h2)
            : b.swiglu(*h2, prefix + ".mlp", c.hiddenSize, c.intermediateSize);
    if (failed(mlp))
      return failure();
    x = b.add(x, *mlp);
  }
  b.setLoc(NameLoc::get(b.builder().getStringAttr("model.norm")));
  return b.rmsNorm(x, "model.norm.weight", c.hiddenSize, c.rmsNormEps);
}
