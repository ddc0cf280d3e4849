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

KernelPipeline linear(const KernelSpec &spec, bool avx512) {
  std::optional<float> normEpsilon;
  if (!spec.params.empty())
    normEpsilon = float(spec.params[0]);
  int64_t variant = spec.dims.size() > 2 ? spec.dims[2] : 0;
  bool gated = variant == 2;
  LinearKernel kernel = defineLinear(spec.dims[0], spec.dims[1], spec.flag,
                                     variant == 1, normEpsilon, gated,
                                     spec.bf16Weights);
  scheduleLinear(kernel, avx512);
  std::vector<Argument> args{kernel.input, kernel.packedWeight};
  if (kernel.packedUp)
    args.push_back(*kernel.packedUp);
  if (kernel.bias)
    args.push_back(*kernel.bias);
  if (kernel.residual)
    args.push_back(*kernel.residual);
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

/// The dot products of one key block: defineDot gives dot(jj, b, h, i), the
/// score of query row i and head h against key b·kBlock + jj before the
/// scale, as a zero and one update per reduction, and returns those
/// reductions' RVars. `key` and `row` are clamped into the buffers.
using DotDefinition = std::function<std::vector<RVar>(
    Func dot, Var jj, Var b, Var h, Var i, Expr key, Expr row)>;

/// softmax(scale · dot) · value, flash style: scores exist for one block of
/// kBlock keys at a time. Each block gives its own partial softmax (its max,
/// its sum of exp, its exp-weighted sum of values), and the blocks merge by
/// log-sum-exp, so no n × keys score matrix (nor a full score row) is ever
/// stored. A tile of kRows query rows shares each key and value it loads; the
/// dot and the weighted sum accumulate in registers. With `causal`, query i
/// (at position keys - n + i) sees keys up to its own; blocks past that are
/// never visited.
Func flashAttention(const DotDefinition &defineDot, float scale, Expr keys,
                    Expr n, bool causal,
                    const std::function<Expr(Expr, Expr, Expr)> &value,
                    int valueDim, const char *name) {
  constexpr int kBlock = 64, kRows = 4;
  // Channels of a block's partial: the weighted values, then the sum of
  // weights (a value channel of ones), then the block's max; padded to
  // whole vectors.
  const int sumChannel = valueDim, maxChannel = valueDim + 1;
  const int channels = (valueDim + 2 + kVector - 1) / kVector * kVector;
  Var e("e"), jj("jj"), b("b"), h("h"), i("i"), lane("lane");
  Expr key = b * kBlock + jj, start = keys - n;
  auto keyAt = [&](Expr index) { return clamp(index, 0, keys - 1); };
  Func dot("dot");
  std::vector<RVar> dotReductions =
      defineDot(dot, jj, b, h, i, keyAt(key), clamp(i, 0, n - 1));
  Expr valid = key < keys;
  if (causal)
    valid = valid && key <= start + i;
  Func score("score");
  score(jj, b, h, i) = select(valid, dot(jj, b, h, i) * scale,
                              Float(32).min());
  // The block max: lanes first, so the first reduction is vectorized.
  RDom rl(0, kBlock / kVector, "rl"), rv(0, kVector, "rv");
  Func laneMax("lane_max");
  laneMax(lane, b, h, i) = Float(32).min();
  laneMax(lane, b, h, i) =
      max(laneMax(lane, b, h, i), score(rl * kVector + lane, b, h, i));
  Func blockMax("block_max");
  blockMax(b, h, i) = Float(32).min();
  blockMax(b, h, i) = max(blockMax(b, h, i), laneMax(rv, b, h, i));
  Func weight("weight");
  weight(jj, b, h, i) =
      select(valid, exp(score(jj, b, h, i) - blockMax(b, h, i)), 0.0f);
  RDom rj(0, kBlock, "rj");
  Expr channelValue =
      select(e < valueDim,
             value(clamp(e, 0, valueDim - 1), h, keyAt(b * kBlock + rj)),
             select(e == sumChannel, 1.0f, 0.0f));
  Func mix("mix");
  mix(e, b, h, i) = 0.0f;
  mix(e, b, h, i) += weight(rj, b, h, i) * channelValue;
  Func part("part");
  part(e, b, h, i) =
      select(e == maxChannel, blockMax(b, h, i), mix(e, b, h, i));
  RDom rb(0, (keys + kBlock - 1) / kBlock, "rb");
  if (causal)
    rb.where(rb * kBlock <= start + i);
  Func top("top");
  top(h, i) = Float(32).min();
  top(h, i) = max(top(h, i), part(maxChannel, rb, h, i));
  Func merged("merged");
  merged(e, h, i) = 0.0f;
  merged(e, h, i) +=
      part(e, rb, h, i) * exp(part(maxChannel, rb, h, i) - top(h, i));
  Func out(name);
  out(e, h, i) = merged(e, h, i) / merged(sumChannel, h, i);

  Var io("io"), ii("ii"), tile("tile"), eo("eo"), ei("ei"), jo("jo"),
      ji("ji");
  out.bound(e, 0, valueDim)
      .split(i, io, ii, kRows, TailStrategy::GuardWithIf)
      .reorder(e, ii, h, io)
      .fuse(h, io, tile)
      .parallel(tile)
      .vectorize(e, kVector, TailStrategy::GuardWithIf);
  merged.compute_at(out, tile).bound_extent(e, channels).vectorize(e, kVector);
  merged.update().vectorize(e, kVector);
  top.compute_at(out, tile);
  // A tile's block partials, one block after another (a tile past the last
  // row computes clamped rows it never stores).
  part.compute_at(out, tile)
      .bound_extent(e, channels)
      .bound_extent(i, kRows)
      .reorder(e, i, h, b)
      .vectorize(e, kVector);
  for (Func f : {dot, score, laneMax, blockMax, weight, mix})
    f.compute_at(part, b);
  // dot: kRows × kBlock accumulators, one broadcast of q per row and dim.
  dot.bound_extent(jj, kBlock).bound_extent(i, kRows)
      .store_in(MemoryType::Register);
  dot.split(jj, jo, ji, kVector).reorder(ji, jo, i).vectorize(ji)
      .unroll(jo).unroll(i);
  for (size_t u = 0; u < dotReductions.size(); ++u)
    dot.update(int(u)).split(jj, jo, ji, kVector)
        .reorder(ji, jo, i, dotReductions[u])
        .vectorize(ji).unroll(jo).unroll(i);
  score.bound_extent(jj, kBlock).vectorize(jj, kVector);
  laneMax.bound_extent(lane, kVector).vectorize(lane);
  laneMax.update().vectorize(lane);
  weight.bound_extent(jj, kBlock).vectorize(jj, kVector);
  // mix: kRows × channels accumulators, each loaded value shared by rows.
  mix.bound_extent(e, channels).bound_extent(i, kRows)
      .store_in(MemoryType::Register);
  mix.split(e, eo, ei, kVector).reorder(ei, eo, i).vectorize(ei)
      .unroll(eo).unroll(i);
  mix.update().split(e, eo, ei, kVector).reorder(ei, eo, i, rj)
      .vectorize(ei).unroll(eo).unroll(i);
  return out;
}

/// softmax(scale · q·kᵀ) · v per query row over the cached keys 0 .. T-1;
/// with `causal`, query i (at position T - n + i) sees keys up to its own.
KernelPipeline attention(const KernelSpec &spec) {
  int heads = int(spec.dims[0]), kvHeads = int(spec.dims[1]);
  int dim = int(spec.dims[2]), valueDim = int(spec.dims[3]);
  ImageParam q(Float(32), 3, "q"), k(Float(32), 3, "k_cache"),
      v(Float(32), 3, "v_cache");
  auto group = [&](Expr head) { return head / (heads / kvHeads); };
  // Keys transposed once per call, so a query's scores against consecutive
  // keys are one vector FMA per dim instead of strided gathers.
  Var j("j"), d("d"), g("g");
  Func keysT("keys_t");
  keysT(j, d, g) = k(d, g, j);
  keysT.compute_root().parallel(g).vectorize(j, kVector,
                                             TailStrategy::GuardWithIf);
  RDom rd(0, dim, "rd");
  auto defineDot = [&](Func dot, Var jj, Var b, Var h, Var i, Expr key,
                       Expr row) -> std::vector<RVar> {
    dot(jj, b, h, i) = 0.0f;
    dot(jj, b, h, i) += q(rd, h, row) * keysT(key, rd, group(h));
    return {rd};
  };
  Func out = flashAttention(
      defineDot, float(spec.params[0]), k.dim(2).extent(), q.dim(2).extent(),
      spec.flag,
      [&](Expr e, Expr head, Expr key) { return v(e, group(head), key); },
      valueDim, "attention");
  return {Pipeline(out), {q, k, v}};
}

/// Absorbed MLA: scores are q_lat·latent + q_rope·k_rope over the cached
/// rows (one latent and one rope key per token, shared by every head), and
/// the output is the weighted sum of latents, o_lat [r, H, n].
KernelPipeline mlaAttention(const KernelSpec &spec) {
  int rank = int(spec.dims[1]), ropeDim = int(spec.dims[2]);
  ImageParam q(Float(32), 3, "q_latent"), qr(Float(32), 3, "q_rope"),
      latent(Float(32), 2, "latent_cache"), rope(Float(32), 2, "rope_cache");
  Var j("j"), c("c");
  Func latentT("latent_t"), ropeT("rope_t");
  latentT(j, c) = latent(c, j);
  ropeT(j, c) = rope(c, j);
  for (Func f : {latentT, ropeT})
    f.compute_root().vectorize(j, kVector, TailStrategy::GuardWithIf);
  RDom rc(0, rank, "rc"), rr(0, ropeDim, "rr");
  auto defineDot = [&](Func dot, Var jj, Var b, Var h, Var i, Expr key,
                       Expr row) -> std::vector<RVar> {
    dot(jj, b, h, i) = 0.0f;
    dot(jj, b, h, i) += q(rc, h, row) * latentT(key, rc);
    dot(jj, b, h, i) += qr(rr, h, row) * ropeT(key, rr);
    return {rc, rr};
  };
  Func out = flashAttention(
      defineDot, float(spec.params[0]), latent.dim(1).extent(),
      q.dim(2).extent(), spec.flag,
      [&](Expr ch, Expr, Expr key) { return latent(ch, key); }, rank,
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

/// Per token m: base + y · Σ_j w[j]·(idx[j] == e), expert e's share of a
/// dense MoE.
KernelPipeline expertAccumulate(const KernelSpec &spec) {
  int k = int(spec.dims[0]), width = int(spec.dims[1]);
  int expert = int(spec.dims[2]);
  ImageParam y(Float(32), 2, "expert_output"), w(Float(32), 2, "weights"),
      idx(Int(32), 2, "indices");
  std::vector<Argument> args{y, w, idx};
  Var c("c"), m("m");
  Expr share = 0.0f;
  for (int j = 0; j < k; ++j) // k is small (top-k): unrolled
    share = share + select(idx(j, m) == expert, w(j, m), 0.0f);
  Expr sum = share * y(c, m);
  if (spec.flag) {
    ImageParam base(Float(32), 2, "base");
    args.push_back(base);
    sum = base(c, m) + sum;
  }
  Func out("expert_accumulate");
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

/// Per row, round r and head h: the first argmax over [x·Rot, -x·Rot] of
/// that round and head's rotation Rot [D, B/2], a compile-time table.
KernelPipeline lshHash(const KernelSpec &spec) {
  int heads = int(spec.dims[0]), dim = int(spec.dims[1]);
  int rounds = int(spec.dims[2]), half = int(spec.dims[3]) / 2;
  Buffer<float> rotation(half, dim, heads, rounds, "rotation");
  size_t at = 0;
  for (int r = 0; r < rounds; ++r)
    for (int h = 0; h < heads; ++h)
      for (int d = 0; d < dim; ++d)
        for (int k = 0; k < half; ++k)
          rotation(k, d, h, r) = float(spec.table[at++]);
  ImageParam x(Float(32), 3, "x");
  Var k("k"), h("h"), r("r"), m("m");
  RDom rd(0, dim, "rd"), rk(0, 2 * half, "rk");
  Func projection("projection");
  projection(k, h, r, m) = 0.0f;
  projection(k, h, r, m) += x(rd, h, m) * rotation(k, rd, h, r);
  Expr signedProjection =
      select(rk < half, projection(clamp(rk, 0, half - 1), h, r, m),
             -projection(clamp(rk - half, 0, half - 1), h, r, m));
  Func out("lsh_hash");
  out(h, r, m) = cast<int32_t>(argmax(rk, signedProjection)[0]);
  out.parallel(m);
  projection.compute_at(out, h).bound_extent(k, half);
  if (half >= kVector) {
    projection.vectorize(k, kVector, TailStrategy::GuardWithIf);
    projection.update().vectorize(k, kVector, TailStrategy::GuardWithIf);
  }
  return {Pipeline(out), {x}};
}

/// Each head's row scaled to unit length (at most 1e6×).
KernelPipeline l2Normalize(const KernelSpec &spec) {
  int dim = int(spec.dims[1]);
  ImageParam x(Float(32), 3, "x");
  Var d("d"), h("h"), m("m");
  RDom rd(0, dim, "rd");
  Func squares("sum_of_squares");
  squares(h, m) = 0.0f;
  squares(h, m) += x(rd, h, m) * x(rd, h, m);
  Func out("l2_normalize");
  out(d, h, m) = x(d, h, m) * (1.0f / max(sqrt(squares(h, m)), 1e-6f));
  out.bound(d, 0, dim).parallel(m)
      .vectorize(d, kVector, TailStrategy::GuardWithIf);
  squares.compute_at(out, m);
  return {Pipeline(out), {x}};
}

/// Reformer attention of each new row in each hash round: the query at
/// position i (the last n of the T cached rows) sees the `window` keys
/// around its place in that round's sorted order, whole chunks from
/// `before` chunks back to `after` on (only positions ≤ i when causal);
/// its own key scores -1e5 (used only when it is alone). Keys are unit
/// rows. Out per (round, head) row: the softmax mix of values, then the
/// scores' logsumexp for merging the rounds.
///
/// Two schedules of that one definition. A call whose rows are the whole
/// sequence (a fresh prefill) walks each round's sorted order a chunk at a
/// time: the chunk's queries share one window, gathered and transposed once
/// for them, and their scores are register-tiled dot products. Any other
/// call (decode) attends row by row.
KernelPipeline lshAttention(const KernelSpec &spec) {
  int dim = int(spec.dims[1]), chunk = int(spec.dims[3]);
  int before = int(spec.dims[4]), after = int(spec.dims[5]);
  int window = (before + after + 1) * chunk;
  float scale = float(spec.params[0]);
  bool causal = spec.flag;
  ImageParam q(Float(32), 3, "q"), keys(Float(32), 3, "unit_keys"),
      values(Float(32), 3, "values"), sorted(Int(32), 3, "sorted"),
      rank(Int(32), 3, "rank");
  Expr total = keys.dim(2).extent(), n = q.dim(2).extent();
  Expr whole = n == total;
  Var e("e"), w("w"), h("h"), r("r"), u("u"), d("d"), c("c"), lane("lane");
  auto clampRow = [&](Expr row) { return clamp(row, 0, total - 1); };
  auto sortedAt = [&](Expr k) { return sorted(h, r, clampRow(k)); };

  // The attention of query u, at position i, whose window starts at sorted
  // index `first`; `dotOf` gives its (unscaled) score against window key w.
  struct Attended {
    Func out, position, valid, score, top, weight, sum, mix;
  };
  auto attend = [&](const std::string &name, Expr i, Expr first,
                    const std::function<Func(Func position)> &dotOf) {
    Attended a;
    a.position = Func(name + "_position");
    a.valid = Func(name + "_valid");
    Expr k = first + w;
    a.position(w, h, r, u) = sortedAt(k);
    Expr j = a.position(w, h, r, u);
    Expr inWindow = k >= 0 && k < total;
    if (causal)
      inWindow = inWindow && j <= i;
    a.valid(w, h, r, u) = inWindow;
    Func dot = dotOf(a.position);
    a.score = Func(name + "_score");
    a.score(w, h, r, u) = select(j == i, -1e5f, dot(w, h, r, u) * scale);
    RDom rw(0, window, "rw");
    rw.where(a.valid(rw, h, r, u));
    a.top = Func(name + "_top");
    a.top(h, r, u) = Float(32).min();
    a.top(h, r, u) = max(a.top(h, r, u), a.score(rw, h, r, u));
    a.weight = Func(name + "_weight");
    a.weight(w, h, r, u) = select(a.valid(w, h, r, u),
                                  exp(a.score(w, h, r, u) - a.top(h, r, u)),
                                  0.0f);
    a.sum = Func(name + "_sum");
    a.sum(h, r, u) = 0.0f;
    a.sum(h, r, u) += a.weight(rw, h, r, u);
    RDom rv(0, window, "rv");
    a.mix = Func(name + "_mix");
    a.mix(e, h, r, u) = 0.0f;
    a.mix(e, h, r, u) += a.weight(rv, h, r, u) *
                         values(e, h, clampRow(a.position(rv, h, r, u)));
    a.out = Func(name);
    a.out(e, h, r, u) =
        select(e < dim, a.mix(clamp(e, 0, dim - 1), h, r, u) / a.sum(h, r, u),
               a.top(h, r, u) + log(a.sum(h, r, u)));
    return a;
  };

  // Row by row: u is the call's row t; the dot over d in vector lanes (d in
  // chunks of 16), then summed.
  int lanes = dim % kVector == 0 ? kVector : 1;
  Func partial("partial");
  Expr rowPosition = total - n + u;
  Attended byRow = attend(
      "by_row", rowPosition,
      (rank(h, r, clampRow(rowPosition)) / chunk - before) * chunk,
      [&](Func position) {
        RDom rc(0, dim / lanes, "rc"), rl(0, lanes, "rl");
        partial(lane, w, h, r, u) = 0.0f;
        partial(lane, w, h, r, u) +=
            q(rc * lanes + lane, h, u) *
            keys(rc * lanes + lane, h, clampRow(position(w, h, r, u)));
        Func dot("by_row_dot");
        dot(w, h, r, u) = 0.0f;
        dot(w, h, r, u) += partial(rl, w, h, r, u);
        return dot;
      });

  // By chunk: u is a sorted index, its query the row sorted there; the
  // chunk's window keys transposed once (keysT), so a score is one vector
  // FMA per dim over 16 keys.
  Func keysT("keys_t"), tileDot("by_chunk_dot");
  RDom rd(0, dim, "rd");
  Expr chunkFirst = (u / chunk - before) * chunk;
  Attended byChunk = attend(
      "by_chunk", sortedAt(u), chunkFirst, [&](Func) {
        keysT(w, d, h, r, c) =
            keys(d, h, clampRow(sortedAt((c - before) * chunk + w)));
        tileDot(w, h, r, u) = 0.0f;
        // The query's row of the call (the same index when the call is the
        // whole sequence; clamped into q either way).
        Expr row = clamp(sortedAt(u) - (total - n), 0, n - 1);
        tileDot(w, h, r, u) += q(rd, h, row) * keysT(w, rd, h, r, u / chunk);
        return tileDot;
      });

  Func out("lsh_attention");
  Var t = u;
  out(e, h, r, t) =
      select(whole, byChunk.out(e, h, r, clampRow(rank(h, r, clampRow(t)))),
             byRow.out(e, h, r, t));

  Var hr("hr"), uo("uo"), ui("ui"), wo("wo"), wi("wi");
  out.bound(e, 0, dim + 1).reorder(e, t, r, h).fuse(r, h, hr).parallel(hr);
  out.specialize(whole);
  // Row by row.
  Attended &a = byRow;
  a.out.compute_at(out, t);
  for (Func f : {a.position, a.valid, a.score, a.top, a.weight, a.sum, a.mix})
    f.compute_at(a.out, u);
  partial.compute_at(a.score, u).bound_extent(lane, lanes);
  if (lanes == kVector) {
    partial.vectorize(lane);
    partial.update().vectorize(lane);
  }
  a.weight.bound_extent(w, window).vectorize(w, kVector,
                                             TailStrategy::GuardWithIf);
  a.mix.bound_extent(e, dim).vectorize(e, kVector, TailStrategy::GuardWithIf);
  a.mix.update().vectorize(e, kVector, TailStrategy::GuardWithIf);
  // By chunk: a (round, head)'s whole sorted order, a chunk at a time.
  Attended &b = byChunk;
  b.out.compute_at(out, hr).bound(e, 0, dim + 1)
      .split(u, uo, ui, chunk, TailStrategy::GuardWithIf)
      .reorder(e, ui, uo, h, r);
  keysT.compute_at(b.out, uo).bound_extent(w, window)
      .vectorize(w, kVector, TailStrategy::GuardWithIf);
  for (Func f : {b.position, b.valid, b.score, b.top, b.weight, b.sum, b.mix,
                 tileDot})
    f.compute_at(b.out, uo);
  b.weight.vectorize(w, kVector, TailStrategy::GuardWithIf);
  b.score.vectorize(w, kVector, TailStrategy::GuardWithIf);
  // One query's window scores stay in registers over the dims.
  tileDot.bound_extent(w, window).vectorize(w, kVector, TailStrategy::GuardWithIf);
  tileDot.update()
      .split(w, wo, wi, kVector, TailStrategy::GuardWithIf)
      .reorder(wi, wo, rd, u)
      .vectorize(wi)
      .unroll(wo);
  b.mix.bound_extent(e, dim).vectorize(e, kVector, TailStrategy::GuardWithIf);
  b.mix.update().vectorize(e, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {q, keys, values, sorted, rank}};
}

/// Per row and head: Σ_r softmax_r(lse_r) · mix_r over the hash rounds of
/// lshAttention's output (channel D of each round is its lse).
KernelPipeline mergeRounds(const KernelSpec &spec) {
  int dim = int(spec.dims[1]), rounds = int(spec.dims[2]);
  ImageParam in(Float(32), 4, "rounds");
  Var e("e"), h("h"), m("m");
  RDom rr(0, rounds, "rr");
  Func top("top");
  top(h, m) = Float(32).min();
  top(h, m) = max(top(h, m), in(dim, h, rr, m));
  Func total("total");
  total(h, m) = 0.0f;
  total(h, m) += exp(in(dim, h, rr, m) - top(h, m));
  Func mixed("mixed");
  mixed(e, h, m) = 0.0f;
  mixed(e, h, m) += exp(in(dim, h, rr, m) - top(h, m)) * in(e, h, rr, m);
  Func out("merge_rounds");
  out(e, h, m) = mixed(e, h, m) / total(h, m);
  out.bound(e, 0, dim).parallel(m)
      .vectorize(e, kVector, TailStrategy::GuardWithIf);
  for (Func f : {top, total, mixed})
    f.compute_at(out, m);
  return {Pipeline(out), {in}};
}

// Plain attention's kernels: 3-d buffers of any extents (the runtime
// replays the sequence through them, so they favour simplicity).

KernelPipeline swapOuter(const KernelSpec &) {
  ImageParam in(Float(32), 3, "x");
  Var x("x"), y("y"), z("z");
  Func out("swap_outer");
  out(x, y, z) = in(x, z, y);
  out.parallel(z).vectorize(x, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {in}};
}

KernelPipeline repeatOuter(const KernelSpec &spec) {
  int count = int(spec.dims[0]);
  ImageParam in(Float(32), 3, "x");
  Var x("x"), y("y"), z("z");
  Func out("repeat_outer");
  out(x, y, z) = in(x, y, z / count);
  out.parallel(z).vectorize(x, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {in}};
}

KernelPipeline batchMatmul(const KernelSpec &spec) {
  ImageParam a(Float(32), 3, "a"), b(Float(32), 3, "b");
  Var n("n"), m("m"), z("z");
  RDom k(0, a.dim(0).extent(), "k");
  Func out("batch_matmul");
  out(n, m, z) = 0.0f;
  out(n, m, z) += a(k, m, z) * (spec.flag ? b(k, n, z) : b(n, k, z));
  Var zm("zm");
  out.fuse(m, z, zm).parallel(zm);
  out.update().fuse(m, z, zm).parallel(zm);
  if (!spec.flag)
    out.update().vectorize(n, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {a, b}};
}

KernelPipeline scale(const KernelSpec &spec) {
  ImageParam in(Float(32), 3, "x");
  Var x("x"), y("y"), z("z");
  Func out("scale");
  out(x, y, z) = in(x, y, z) * float(spec.params[0]);
  out.parallel(z).vectorize(x, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {in}};
}

KernelPipeline causalMask(const KernelSpec &) {
  ImageParam in(Float(32), 3, "scores");
  Var key("key"), query("query"), z("z");
  // The queries are the last of the keys.
  Expr offset = in.dim(0).extent() - in.dim(1).extent();
  Func out("causal_mask");
  out(key, query, z) =
      select(key > query + offset, Float(32).min(), in(key, query, z));
  out.parallel(z).vectorize(key, kVector, TailStrategy::GuardWithIf);
  return {Pipeline(out), {in}};
}

KernelPipeline softmax(const KernelSpec &) {
  ImageParam in(Float(32), 3, "x");
  Var x("x"), y("y"), z("z");
  RDom r(0, in.dim(0).extent(), "r");
  Func top("top"), total("total"), out("softmax");
  top(y, z) = maximum(in(r, y, z));
  total(y, z) = sum(exp(in(r, y, z) - top(y, z)));
  out(x, y, z) = exp(in(x, y, z) - top(y, z)) / total(y, z);
  Var yz("yz");
  out.fuse(y, z, yz).parallel(yz).vectorize(x, kVector,
                                            TailStrategy::GuardWithIf);
  top.compute_at(out, yz);
  total.compute_at(out, yz);
  return {Pipeline(out), {in}};
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

KernelPipeline definePipeline(const KernelSpec &spec, bool avx512) {
  switch (spec.kind) {
  case Kind::Embed:
    return embed(spec);
  case Kind::RmsNorm:
    return rmsNorm(spec);
  case Kind::Linear:
    return linear(spec, avx512);
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
  case Kind::LshHash:
    return lshHash(spec);
  case Kind::L2Normalize:
    return l2Normalize(spec);
  case Kind::LshAttention:
    return lshAttention(spec);
  case Kind::MergeRounds:
    return mergeRounds(spec);
  case Kind::ExpertAccumulate:
    return expertAccumulate(spec);
  case Kind::SwapOuter:
    return swapOuter(spec);
  case Kind::RepeatOuter:
    return repeatOuter(spec);
  case Kind::BatchMatmul:
    return batchMatmul(spec);
  case Kind::Scale:
    return scale(spec);
  case Kind::CausalMask:
    return causalMask(spec);
  case Kind::Softmax:
    return softmax(spec);
  }
  return {};
}

} // namespace mlir::r1::x86
