//===- LinearKernel.cpp - x·Wᵀ on x86 through Halide ----------------------===//
//
// This file defines the x86 linear kernel's algorithm, schedule and weight
// packing.
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/LinearKernel.h"

namespace mlir::r1::x86 {

using namespace Halide;

LinearKernel defineLinear(int64_t outFeatures, int64_t inFeatures,
                          bool withBias, bool withResidual,
                          std::optional<float> normEpsilon, bool gated) {
  LinearKernel kernel;
  kernel.outFeatures = outFeatures;
  kernel.inFeatures = inFeatures;
  kernel.input = ImageParam(Float(32), 2, "input");
  kernel.packedWeight = ImageParam(Float(32), 3, "packed_weight");
  Var lane("lane"), which("which"), panel("panel"), m("m"), n("n");
  RDom k(0, int(inFeatures), "k");
  Func acc("accumulate");
  // Register tiles are computed whole, also past the last row or panel
  // (those results are never stored): clamp the reads into the buffers.
  Expr row = clamp(m, 0, kernel.input.dim(1).max());
  Expr col = clamp(panel, 0, kernel.packedWeight.dim(2).max());
  Expr x = kernel.input(k, row), w = kernel.packedWeight(lane, k, col);
  Expr y;
  if (gated) {
    // which is unrolled in the schedule, so the select is resolved there.
    kernel.packedUp = ImageParam(Float(32), 3, "packed_up");
    acc(lane, which, panel, m) = 0.0f;
    acc(lane, which, panel, m) +=
        x * select(which == 0, w, (*kernel.packedUp)(lane, k, col));
    Expr at = n % int(kPanelWidth), p = n / int(kPanelWidth);
    y = acc(at, 0, p, m);
    kernel.gateUp = acc(at, 1, p, m);
  } else {
    acc(lane, panel, m) = 0.0f;
    acc(lane, panel, m) += x * w;
    y = acc(n % int(kPanelWidth), n / int(kPanelWidth), m);
  }
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
  kernel.output = out;
  return kernel;
}

void scheduleLinear(LinearKernel &kernel, int tileRows, int tilePanels) {
  Func out = kernel.output, acc = kernel.accumulate;
  Var n = out.args()[0], m = out.args()[1];
  // Each row's inverse RMS once per call, before the tiles.
  if (kernel.inverseRms)
    kernel.inverseRms->compute_root().parallel(kernel.inverseRms->args()[0]);
  bool gated = bool(kernel.packedUp);
  std::vector<Var> accArgs = acc.args();
  Var lane = accArgs[0], panel = accArgs[gated ? 2 : 1], am = accArgs.back();
  Var no("no"), ni("ni"), po("po"), pi("pi"), mo("mo"), mi("mi"), tiles("tiles");
  // Output: 16-wide vectors, a tileRows × tilePanels register tile,
  // row blocks fastest (weight panels reused from L2), cores over tiles.
  out.bound(n, 0, int(kernel.outFeatures));
  out.split(n, no, ni, int(kPanelWidth), TailStrategy::GuardWithIf)
      .split(no, po, pi, tilePanels, TailStrategy::GuardWithIf)
      .split(m, mo, mi, tileRows, TailStrategy::GuardWithIf)
      .reorder(ni, pi, mi, mo, po)
      .vectorize(ni)
      .unroll(pi)
      .unroll(mi)
      .fuse(mo, po, tiles)
      .parallel(tiles);
  // Accumulators live in registers for one tile; k loops around the whole
  // register tile, so each step is one broadcast of x and tilePanels FMAs
  // (twice that when gated) per row.
  acc.compute_at(out, tiles)
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
  update.push_back(kernel.reduction.x);
  for (VarOrRVar v : {VarOrRVar(po), VarOrRVar(mo)}) {
    pure.push_back(v);
    update.push_back(v);
  }
  tile(acc, pure);
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

} // namespace mlir::r1::x86
