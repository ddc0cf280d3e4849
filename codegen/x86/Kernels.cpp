//===- Kernels.cpp - x86 Halide pipelines for kernel specs ----------------===//
//
// This file defines the algorithm and schedule of every kernel kind except
// the linear kernel, which has its own file. Activations are f32 buffers
// with the channel dim innermost and the token dim outermost, so one token's
// row is contiguous; schedules vectorize the innermost dim and spread tokens
// (or heads) over the cores.
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/Kernels.h"

#include "codegen/x86/LinearKernel.h"

#include <functional>

namespace mlir::r1::x86 {

using namespace Halide;
using Kind = KernelSpec::Kind;

namespace {

constexpr int kVector = 16; // f32 lanes of a zmm

KernelPipeline embed(const KernelSpec &spec) {
  int c = int(spec.dims[0]), vocab = int(spec.dims[1]);
  ImageParam ids(Int(32), 1, "ids"), table(Float(32), 2, "table");
  Var ch("c"), m("m");
  Func out("embed");
  // The runtime rejects out-of-range ids before the call; the clamp only
  // keeps the bounds of the table read static.
  out(ch, m) = table(ch, clamp(ids(m), 0, vocab - 1));
  out.bound(ch, 0, c).vectorize(ch, kVector, TailStrategy::GuardWithIf)
      .parallel(m);
  return {Pipeline(out), {ids, table}};
}

KernelPipeline rmsNorm(const KernelSpec &spec) {
  int c = int(spec.dims[0]);
  float eps = float(spec.params[0]);
  ImageParam x(Float(32), 2, "x"), w(Float(32), 1, "weight");
  Var ch("c"), m("m");
  RDom r(0, c, "r");
  Func squares("sum_of_squares");
  squares(m) = 0.0f;
  squares(m) += x(r, m) * x(r, m);
  Func out("rms_norm");
  out(ch, m) = x(ch, m) * (1.0f / sqrt(squares(m) / float(c) + eps)) * w(ch);
  out.bound(ch, 0, c).vectorize(ch, kVector, TailStrategy::GuardWithIf)
      .parallel(m);
  squares.compute_at(out, m);
  return {Pipeline(out), {x, w}};
}

KernelPipeline linear(const KernelSpec &spec) {
  LinearKernel kernel = defineLinear(spec.dims[0], spec.dims[1], spec.flag);
  scheduleLinear(kernel);
  std::vector<Argument> args{kernel.input, kernel.packedWeight};
  if (kernel.bias)
    args.push_back(*kernel.bias);
  return {Pipeline(kernel.output), args};
}

/// RoPE on x[d, h, m] by positions[m]: angles in f64 like the reference,
/// cos and sin (times mscale) rounded to f32, the rotation in f32. Dims at
/// or past the rotary dim pass through.
KernelPipeline rope(const KernelSpec &spec) {
  int dim = int(spec.dims[1]), rotary = int(spec.dims[2]), half = rotary / 2;
  bool interleaved = spec.flag;
  double mscale = spec.params[0];
  Buffer<double> inverse(half, "inv_freq");
  for (int i = 0; i < half; ++i)
    inverse(i) = spec.table[size_t(i)];
  ImageParam x(Float(32), 3, "x"), positions(Int(32), 1, "positions");
  Var d("d"), h("h"), m("m"), i("i");
  Func angle("angle"), cosine("cos"), sine("sin");
  angle(i, m) = cast<double>(positions(m)) * inverse(i);
  cosine(i, m) = cast<float>(cos(angle(i, m)) * Expr(mscale));
  sine(i, m) = cast<float>(sin(angle(i, m)) * Expr(mscale));
  auto at = [&](Expr index) { return x(clamp(index, 0, dim - 1), h, m); };
  Expr rotated;
  if (interleaved) {
    // Pairs (2i, 2i + 1) turn by frequency i.
    Expr f = clamp(d / 2, 0, half - 1);
    rotated = select(d % 2 == 0, at(d) * cosine(f, m) - at(d + 1) * sine(f, m),
                     at(d) * cosine(f, m) + at(d - 1) * sine(f, m));
  } else {
    // Pairs (i, i + half) turn by frequency i.
    Expr f = clamp(select(d < half, d, d - half), 0, half - 1);
    rotated = select(d < half, at(d) * cosine(f, m) - at(d + half) * sine(f, m),
                     at(d) * cosine(f, m) + at(d - half) * sine(f, m));
  }
  Func out("rope");
  out(d, h, m) = select(d < rotary, rotated, at(d));
  out.bound(d, 0, dim).parallel(m);
  cosine.compute_at(out, m);
  sine.compute_at(out, m);
  return {Pipeline(out), {x, positions}};
}

/// The softmax-weighted sum both attention kernels end in: out(e, h, i) =
/// Σ_j softmax_j(scale · score(j, h, i)) · value(e, h, j) over keys
/// 0 .. keys-1 (with `causal`, only j ≤ start + i). Scheduled one query row
/// at a time, so scores never exist as an n × keys matrix; the caller
/// vectorizes `score` as its layout allows.
Func softmaxMix(Func score, float scale, Expr keys, Expr start, bool causal,
                const std::function<Expr(Var, Var, RVar)> &value,
                int valueDim, const char *name) {
  Var e("e"), h("h"), i("i"), j("j");
  RDom rj(0, keys, "rj");
  if (causal)
    rj.where(rj <= start + i);
  Func top("max_score");
  top(h, i) = Float(32).min();
  top(h, i) = max(top(h, i), score(rj, h, i) * scale);
  Func weight("weight");
  weight(j, h, i) = exp(score(j, h, i) * scale - top(h, i));
  Func total("total");
  total(h, i) = 0.0f;
  total(h, i) += weight(rj, h, i);
  Func mixed("mixed");
  mixed(e, h, i) = 0.0f;
  mixed(e, h, i) += weight(rj, h, i) * value(e, h, rj.x);
  Func out(name);
  out(e, h, i) = mixed(e, h, i) / total(h, i);

  Var row("row");
  out.bound(e, 0, valueDim).fuse(h, i, row).parallel(row)
      .vectorize(e, kVector, TailStrategy::GuardWithIf);
  for (Func f : {score, weight, top, total})
    f.compute_at(out, row);
  weight.vectorize(j, kVector, TailStrategy::GuardWithIf);
  mixed.compute_at(out, row).vectorize(e, kVector, TailStrategy::GuardWithIf);
  mixed.update().vectorize(e, kVector, TailStrategy::GuardWithIf);
  return out;
}

/// softmax(scale · q·kᵀ) · v per query row over the cached keys 0 .. T-1;
/// with `causal`, query i (at position T - n + i) sees keys up to its own.
KernelPipeline attention(const KernelSpec &spec) {
  int heads = int(spec.dims[0]), kvHeads = int(spec.dims[1]);
  int dim = int(spec.dims[2]), valueDim = int(spec.dims[3]);
  ImageParam q(Float(32), 3, "q"), k(Float(32), 3, "k_cache"),
      v(Float(32), 3, "v_cache");
  Expr keys = k.dim(2).extent();
  Var h("h"), i("i"), j("j"), g("g"), d("d");
  auto group = [&](Expr head) { return head / (heads / kvHeads); };
  // Keys transposed once per call, so a query's scores against consecutive
  // keys are one vector FMA per dim instead of strided gathers.
  Func keysT("keys_t");
  keysT(j, d, g) = k(d, g, j);
  RDom rd(0, dim, "rd");
  Func score("score");
  score(j, h, i) = 0.0f;
  score(j, h, i) += q(rd, h, i) * keysT(j, rd, group(h));
  Func out = softmaxMix(
      score, float(spec.params[0]), keys, keys - q.dim(2).extent(), spec.flag,
      [&](Var e, Var head, RVar key) { return v(e, group(head), key); },
      valueDim, "attention");
  keysT.compute_root().parallel(g).vectorize(j, kVector,
                                             TailStrategy::GuardWithIf);
  score.vectorize(j, kVector, TailStrategy::GuardWithIf);
  score.update().reorder(j, rd).vectorize(j, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {q, k, v}};
}

/// Absorbed MLA: scores are q_lat·latent + q_rope·k_rope over the cached
/// rows (one latent and one rope key per token, shared by every head), and
/// the output is the weighted sum of latents, o_lat [r, H, n].
KernelPipeline mlaAttention(const KernelSpec &spec) {
  int rank = int(spec.dims[1]), ropeDim = int(spec.dims[2]);
  ImageParam q(Float(32), 3, "q_latent"), qr(Float(32), 3, "q_rope"),
      latent(Float(32), 2, "latent_cache"), rope(Float(32), 2, "rope_cache");
  Expr keys = latent.dim(1).extent();
  Var h("h"), i("i"), j("j");
  RDom rc(0, rank, "rc"), rr(0, ropeDim, "rr");
  Func score("score");
  score(j, h, i) = 0.0f;
  score(j, h, i) += q(rc, h, i) * latent(rc, j);
  score(j, h, i) += qr(rr, h, i) * rope(rr, j);
  Func out = softmaxMix(
      score, float(spec.params[0]), keys, keys - q.dim(2).extent(), spec.flag,
      [&](Var c, Var, RVar key) { return latent(c, key); }, rank,
      "mla_attention");
  return {Pipeline(out), {q, qr, latent, rope}};
}

/// y[o, h, m] = Σ_i x[i, h, m] · w[o, i, h]: one small matrix per head.
KernelPipeline headMatmul(const KernelSpec &spec) {
  int in = int(spec.dims[1]), outDim = int(spec.dims[2]);
  ImageParam x(Float(32), 3, "x"), w(Float(32), 3, "w");
  Var o("o"), h("h"), m("m");
  RDom ri(0, in, "ri");
  Func out("head_matmul");
  out(o, h, m) = 0.0f;
  out(o, h, m) += x(ri, h, m) * w(o, ri, h);
  Var row("row");
  out.bound(o, 0, outDim).fuse(h, m, row).parallel(row)
      .vectorize(o, kVector, TailStrategy::GuardWithIf);
  out.update().fuse(h, m, row).parallel(row)
      .vectorize(o, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {x, w}};
}

/// Per row m: sigmoid(x·w), the score a layer-skip gate decides on.
KernelPipeline gateScore(const KernelSpec &spec) {
  int width = int(spec.dims[0]);
  ImageParam x(Float(32), 2, "x"), w(Float(32), 1, "gate");
  Var m("m");
  RDom r(0, width, "r");
  Func logit("logit");
  logit(m) = 0.0f;
  logit(m) += x(r, m) * w(r);
  Func out("gate_score");
  out(m) = 1.0f / (1.0f + exp(-logit(m)));
  out.parallel(m);
  logit.compute_at(out, m);
  return {Pipeline(out), {x, w}};
}

/// Per row m: the layer's output y where score ≥ threshold, else x.
KernelPipeline gateSelect(const KernelSpec &spec) {
  int width = int(spec.dims[0]);
  float threshold = float(spec.params[0]);
  ImageParam x(Float(32), 2, "x"), y(Float(32), 2, "layer"),
      score(Float(32), 1, "score");
  Var c("c"), m("m");
  Func out("gate_select");
  out(c, m) = select(score(m) >= threshold, y(c, m), x(c, m));
  out.bound(c, 0, width).parallel(m)
      .vectorize(c, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {x, y, score}};
}

/// Per token m: base + Σ_j w[j]·y[j] over its k experts' outputs.
KernelPipeline expertCombine(const KernelSpec &spec) {
  int k = int(spec.dims[0]), width = int(spec.dims[1]);
  ImageParam y(Float(32), 3, "outputs"), w(Float(32), 2, "weights");
  std::vector<Argument> args{y, w};
  Var c("c"), m("m");
  Func out("expert_combine");
  Expr sum = 0.0f;
  if (spec.flag) {
    ImageParam base(Float(32), 2, "base");
    args.push_back(base);
    sum = base(c, m);
  }
  for (int i = 0; i < k; ++i) // k is small (top-k): unrolled in order
    sum = sum + w(i, m) * y(c, i, m);
  out(c, m) = sum;
  out.bound(c, 0, width).parallel(m)
      .vectorize(c, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), args};
}

/// A window [start, start + size) of one axis of x[inner, axis, outer, m].
KernelPipeline slice(const KernelSpec &spec) {
  int inner = int(spec.dims[0]), start = int(spec.dims[3]);
  ImageParam x(Float(32), 4, "x");
  Var i("i"), s("s"), o("o"), m("m");
  Func out("slice");
  out(i, s, o, m) = x(i, s + start, o, m);
  out.bound(i, 0, inner).parallel(m);
  if (inner >= kVector)
    out.vectorize(i, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {x}};
}

/// x[inner, axis_i, outer, m] of each input i joined along the axis.
KernelPipeline concat(const KernelSpec &spec) {
  int inner = int(spec.dims[0]);
  Var i("i"), s("s"), o("o"), m("m");
  std::vector<Argument> args;
  std::vector<ImageParam> parts;
  std::vector<int> starts;
  int start = 0;
  for (size_t p = 2; p < spec.dims.size(); ++p) {
    parts.emplace_back(Float(32), 4, "part" + std::to_string(p - 2));
    args.push_back(parts.back());
    starts.push_back(start);
    start += int(spec.dims[p]);
  }
  // The last part whose start is ≤ s holds it; clamped reads keep every
  // part's access in bounds.
  Expr value = parts.back()(i, max(s - starts.back(), 0), o, m);
  for (size_t p = parts.size() - 1; p-- > 0;)
    value = select(s < starts[p + 1],
                   parts[p](i, clamp(s - starts[p], 0,
                                     starts[p + 1] - starts[p] - 1), o, m),
                   value);
  Func out("concat");
  out(i, s, o, m) = value;
  out.bound(i, 0, inner).parallel(m);
  if (inner >= kVector)
    out.vectorize(i, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), args};
}

/// Slice a of x[inner, axis, outer, m] as slices a·count .. a·count+count-1.
KernelPipeline repeat(const KernelSpec &spec) {
  int inner = int(spec.dims[0]), count = int(spec.dims[3]);
  ImageParam x(Float(32), 4, "x");
  Var i("i"), s("s"), o("o"), m("m");
  Func out("repeat");
  out(i, s, o, m) = x(i, s / count, o, m);
  out.bound(i, 0, inner).parallel(m);
  if (inner >= kVector)
    out.vectorize(i, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {x}};
}

KernelPipeline elementwise(const KernelSpec &spec) {
  ImageParam a(Float(32), 1, "a");
  Var x("x"), xo("xo"), xi("xi");
  Func out("elementwise");
  std::vector<Argument> args{a};
  if (spec.kind == Kind::Silu) {
    out(x) = a(x) / (1.0f + exp(-a(x)));
  } else if (spec.kind == Kind::SwiGlu) {
    ImageParam b(Float(32), 1, "b");
    args.push_back(b);
    out(x) = a(x) / (1.0f + exp(-a(x))) * b(x);
  } else {
    ImageParam b(Float(32), 1, "b");
    args.push_back(b);
    out(x) = spec.kind == Kind::Add ? a(x) + b(x) : a(x) * b(x);
  }
  out.split(x, xo, xi, 1 << 14, TailStrategy::GuardWithIf)
      .parallel(xo)
      .vectorize(xi, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), args};
}

} // namespace

KernelPipeline definePipeline(const KernelSpec &spec) {
  switch (spec.kind) {
  case Kind::Embed:
    return embed(spec);
  case Kind::RmsNorm:
    return rmsNorm(spec);
  case Kind::Linear:
    return linear(spec);
  case Kind::Rope:
    return rope(spec);
  case Kind::Attention:
    return attention(spec);
  case Kind::Add:
  case Kind::Mul:
  case Kind::Silu:
  case Kind::SwiGlu:
    return elementwise(spec);
  case Kind::Slice:
    return slice(spec);
  case Kind::HeadMatmul:
    return headMatmul(spec);
  case Kind::MlaAttention:
    return mlaAttention(spec);
  case Kind::GateScore:
    return gateScore(spec);
  case Kind::GateSelect:
    return gateSelect(spec);
  case Kind::ExpertCombine:
    return expertCombine(spec);
  case Kind::Concat:
    return concat(spec);
  case Kind::Repeat:
    return repeat(spec);
  }
  return {};
}

} // namespace mlir::r1::x86
