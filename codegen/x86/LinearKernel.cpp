//===- LinearKernel.cpp - x·Wᵀ on x86 through Halide ----------------------===//
//
// This file defines the x86 linear kernel's algorithm, schedule and weight
// packing.
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/LinearKernel.h"

#include <cstring>

namespace mlir::r1::x86 {

using namespace Halide;

namespace {
/// Output panels per tile when decoding one row.
constexpr int kDecodePanels = 4;
} // namespace

LinearKernel defineLinear(int64_t outFeatures, int64_t inFeatures,
                          bool withBias, bool withResidual,
                          std::optional<float> normEpsilon, bool gated,
                          bool bf16Weights) {
  LinearKernel kernel;
  kernel.outFeatures = outFeatures;
  kernel.inFeatures = inFeatures;
  kernel.input = ImageParam(Float(32), 2, "input");
  Type stored = bf16Weights ? UInt(16) : Float(32);
  kernel.packedWeight = ImageParam(stored, 3, "packed_weight");
  Var lane("lane"), which("which"), panel("panel"), m("m"), n("n");
  RDom k(0, int(inFeatures), "k");
  if (gated)
    kernel.packedUp = ImageParam(stored, 3, "packed_up");
  // A bf16 weight is the high half of its f32.
  auto widen = [&](Expr w) {
    return bf16Weights ? reinterpret(Float(32), cast(UInt(32), w) << 16) : w;
  };
  // Register tiles are computed whole, also past the last row or panel
  // (those results are never stored): clamp the reads into the buffers.
  Expr col = clamp(panel, 0, kernel.packedWeight.dim(2).max());
  Expr w = widen(kernel.packedWeight(lane, k, col));
  if (gated) // which is unrolled in the schedule, so the select goes there
    w = select(which == 0, w, widen((*kernel.packedUp)(lane, k, col)));
  // The dot products per (lane, [which,] panel[, m]): `rows` over a tile of
  // rows, or over row 0 alone for one-row calls (decode).
  auto accumulate = [&](const char *name, bool rows) {
    Func acc(name);
    std::vector<Var> args{lane};
    if (gated)
      args.push_back(which);
    args.push_back(panel);
    if (rows)
      args.push_back(m);
    Expr x = kernel.input(k, rows ? clamp(m, 0, kernel.input.dim(1).max())
                                  : Expr(0));
    acc(args) = 0.0f;
    acc(args) += x * w;
    return acc;
  };
  Func acc = accumulate("accumulate", true);
  Func one = accumulate("accumulate_one_row", false);
  Expr single = kernel.input.dim(1).extent() == 1;
  kernel.oneRow = single;
  Expr at = n % int(kPanelWidth), p = n / int(kPanelWidth);
  auto product = [&](int part) {
    std::vector<Expr> tile{at}, row{at};
    if (gated) {
      tile.push_back(part);
      row.push_back(part);
    }
    tile.push_back(p);
    row.push_back(p);
    tile.push_back(m);
    return select(single, one(row), acc(tile));
  };
  Expr y = product(0);
  if (gated)
    kernel.gateUp = product(1);
  Func out("linear");
  if (normEpsilon) {
    RDom r(0, int(inFeatures), "r");
    Func squares("sum_of_squares"), inverse("inverse_rms");
    squares(m) = 0.0f;
    squares(m) += kernel.input(r, m) * kernel.input(r, m);
    inverse(m) =
        1.0f / sqrt(squares(m) / float(inFeatures) + *normEpsilon);
    kernel.inverseRms = inverse;
    y *= inverse(m);
    if (gated)
      kernel.gateUp = kernel.gateUp * inverse(m);
  }
  if (gated)
    y = y / (1.0f + exp(-y)) * kernel.gateUp;
  if (withBias) {
    kernel.bias = ImageParam(Float(32), 1, "bias");
    y += (*kernel.bias)(n);
  }
  if (withResidual) {
    kernel.residual = ImageParam(Float(32), 2, "residual");
    y += (*kernel.residual)(n, m);
  }
  out(n, m) = y;
  kernel.reduction = k;
  kernel.accumulate = acc;
  kernel.accumulateOneRow = one;
  kernel.output = out;
  return kernel;
}

void scheduleLinear(LinearKernel &kernel, bool avx512) {
  Func out = kernel.output, acc = kernel.accumulate;
  bool gated = bool(kernel.packedUp);
  // A panel is one zmm, or two ymm: accumulators must fit the registers.
  const int tileRows = avx512 || !gated ? 6 : 3,
            tilePanels = avx512 ? (gated ? 2 : 4) : 1;
  Var n = out.args()[0], m = out.args()[1];
  // Each row's inverse RMS once per call, before the tiles.
  if (kernel.inverseRms)
    kernel.inverseRms->compute_root().parallel(kernel.inverseRms->args()[0]);
  std::vector<Var> accArgs = acc.args();
  Var lane = accArgs[0], panel = accArgs[gated ? 2 : 1], am = accArgs.back();
  Var no("no"), ni("ni"), po("po"), pi("pi"), mo("mo"), mi("mi"), tiles("tiles");
  out.bound(n, 0, int(kernel.outFeatures));
  // One row (decode) is weight-bandwidth bound: no redundant rows, and
  // more panels per tile keep more weight streams in flight.
  out.specialize(kernel.oneRow)
      .split(n, no, ni, int(kPanelWidth), TailStrategy::GuardWithIf)
      .split(no, po, pi, kDecodePanels, TailStrategy::GuardWithIf)
      .reorder(ni, pi, m, po)
      .vectorize(ni)
      .unroll(pi)
      .fuse(m, po, tiles)
      .parallel(tiles);
  Func one = kernel.accumulateOneRow;
  std::vector<Var> oneArgs = one.args();
  one.compute_at(out, tiles)
      .bound_extent(oneArgs[0], int(kPanelWidth))
      .bound_extent(oneArgs.back(), kDecodePanels)
      .store_in(MemoryType::Register);
  if (gated)
    one.bound_extent(oneArgs[1], 2);
  std::vector<VarOrRVar> oneOrder(oneArgs.begin(), oneArgs.end());
  one.vectorize(oneArgs[0]);
  one.update().vectorize(oneArgs[0]);
  for (size_t i = 1; i < oneArgs.size(); ++i) {
    one.unroll(oneArgs[i]);
    one.update().unroll(oneArgs[i]);
  }
  oneOrder.push_back(kernel.reduction.x);
  one.update().reorder(oneOrder);
  // Output: 16-wide vectors, a tileRows × tilePanels register tile, row
  // blocks fastest (weight panels reused from L2), cores over panel blocks.
  out.split(n, no, ni, int(kPanelWidth), TailStrategy::GuardWithIf)
      .split(no, po, pi, tilePanels, TailStrategy::GuardWithIf)
      .split(m, mo, mi, tileRows, TailStrategy::GuardWithIf)
      .reorder(ni, pi, mi, mo, po)
      .vectorize(ni)
      .unroll(pi)
      .unroll(mi)
      .rename(po, tiles)
      .parallel(tiles);
  // Accumulators live in registers for one tile; k loops around the whole
  // register tile, so each step is one broadcast of x and tilePanels FMAs
  // (twice that when gated) per row. With a large K a panel block passes
  // L2's size (2.3 MB at K = 8960), so K is walked in chunks around the
  // row tiles instead, the block's accumulators in memory between chunks
  // (LLVM keeps a tile's in registers within one).
  const int chunk = 2048;
  bool blocked = kernel.inFeatures > 2 * chunk;
  if (blocked)
    acc.compute_at(out, tiles)
        .bound_extent(lane, int(kPanelWidth))
        .bound_extent(panel, tilePanels);
  else
    acc.compute_at(out, mo)
        .bound_extent(lane, int(kPanelWidth))
        .bound_extent(panel, tilePanels)
        .bound_extent(am, tileRows)
        .store_in(MemoryType::Register);
  if (gated)
    acc.bound_extent(accArgs[1], 2);
  auto tile = [&](Stage stage, std::vector<VarOrRVar> order) {
    stage.split(panel, po, pi, tilePanels)
        .split(am, mo, mi, tileRows, TailStrategy::GuardWithIf)
        .reorder(order)
        .vectorize(lane)
        .unroll(pi)
        .unroll(mi);
    if (gated)
      stage.unroll(accArgs[1]);
  };
  std::vector<VarOrRVar> pure{lane}, update{lane};
  if (gated) {
    pure.push_back(accArgs[1]);
    update.push_back(accArgs[1]);
  }
  for (VarOrRVar v : {VarOrRVar(pi), VarOrRVar(mi)}) {
    pure.push_back(v);
    update.push_back(v);
  }
  RVar ko("ko"), ki("ki");
  if (blocked) {
    update.push_back(ki);
    update.push_back(VarOrRVar(po));
    update.push_back(VarOrRVar(mo));
    update.push_back(ko);
  } else {
    update.push_back(kernel.reduction.x);
    update.push_back(VarOrRVar(po));
    update.push_back(VarOrRVar(mo));
  }
  pure.push_back(VarOrRVar(po));
  pure.push_back(VarOrRVar(mo));
  tile(acc, pure);
  if (blocked)
    acc.update().split(kernel.reduction.x, ko, ki, chunk,
                       TailStrategy::GuardWithIf);
  tile(acc.update(), update);
}

std::vector<float> packLinearWeights(const float *weight, int64_t outFeatures,
                                     int64_t inFeatures) {
  int64_t panels = (outFeatures + kPanelWidth - 1) / kPanelWidth;
  std::vector<float> packed(size_t(panels * inFeatures * kPanelWidth), 0.0f);
  for (int64_t n = 0; n < outFeatures; ++n)
    for (int64_t k = 0; k < inFeatures; ++k)
      packed[size_t(((n / kPanelWidth) * inFeatures + k) * kPanelWidth +
                    n % kPanelWidth)] = weight[n * inFeatures + k];
  return packed;
}

std::vector<uint16_t> packLinearWeightsBf16(const float *weight,
                                            int64_t outFeatures,
                                            int64_t inFeatures) {
  std::vector<float> wide = packLinearWeights(weight, outFeatures, inFeatures);
  std::vector<uint16_t> packed(wide.size());
  for (size_t i = 0; i < wide.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &wide[i], 4);
    packed[i] = uint16_t(bits >> 16);
  }
  return packed;
}

} // namespace mlir::r1::x86
