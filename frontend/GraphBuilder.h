//===- GraphBuilder.h - build r1 graphs from checkpoint tensors -*- C++ -*-===//
//
// This file declares GraphBuilder, the toolbox every model importer uses: it
// declares weights from the checkpoint (checking each tensor's shape against
// the one the config implies), and emits the r1 ops of the common transformer
// pieces in their plain, unfused form.
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_GRAPHBUILDER_H
#define R1_FRONTEND_GRAPHBUILDER_H

#include "checkpoint/CheckpointIndex.h"
#include "frontend/ModelConfig.h"
#include "ir/R1Dialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace mlir::r1 {

/// Emits r1 ops into one function and weight declarations into its module.
/// Weight lookups fail with a diagnostic naming the tensor; op builders never
/// fail because every shape was checked when its weight was declared.
class GraphBuilder {
public:
  GraphBuilder(ModuleOp module, const ::r1::checkpoint::Checkpoint &checkpoint,
               Type computeType);

  OpBuilder &builder() { return b; }
  MLIRContext *getContext() { return b.getContext(); }
  Type computeType() const { return compute; }
  Location loc() const { return currentLoc; }
  /// Ops built next carry this location (the name of the layer).
  void setLoc(Location loc) { currentLoc = loc; }

  /// The FP8 block shape of the checkpoint's quantization_config.
  void setFp8Block(int64_t rows, int64_t cols) { fp8Block = {rows, cols}; }

  /// True when the checkpoint has tensor `name`.
  bool has(StringRef name) const;

  /// The weight `name` with the expected `shape`, in the compute type;
  /// declared on first use. A missing or mis-shaped tensor is an error.
  FailureOr<Value> weight(StringRef name, ArrayRef<int64_t> shape);

  /// As `weight`, declared with element type `element` (e.g. an f32
  /// router bias in a bf16 model).
  FailureOr<Value> weightAs(StringRef name, ArrayRef<int64_t> shape,
                            Type element);

  /// The projections `names`, each [rows, cols], stacked along a new leading
  /// dim into one declared weight `declName` (MoE experts), in the compute
  /// type (FP8 ones through `r1.dequantize`).
  FailureOr<Value> stackedProjection(StringRef declName,
                                     ArrayRef<std::string> names, int64_t rows,
                                     int64_t cols);

  /// `name` as a [out, in] projection usable by `linear`: f32/bf16/f16
  /// weights directly, FP8 weights (with `name_scale_inv` block scales)
  /// through `r1.dequantize`.
  FailureOr<Value> projectionWeight(StringRef name, int64_t out, int64_t in);

  /// x·Wᵀ (+ b) for the checkpoint's `prefix.weight` (and `prefix.bias`
  /// when `bias` is set).
  FailureOr<Value> linear(Value x, StringRef prefix, int64_t out, int64_t in,
                          bool bias = false);
  FailureOr<Value> rmsNorm(Value x, StringRef weightName, int64_t size,
                           double eps);
  FailureOr<Value> layerNorm(Value x, StringRef prefix, int64_t size,
                             double eps);

  Value add(Value a, Value b2);
  Value mul(Value a, Value b2);
  Value silu(Value x);
  Value reshape(Value x, ArrayRef<int64_t> shape);
  Value transpose(Value x, ArrayRef<int64_t> permutation);
  Value slice(Value x, int64_t axis, int64_t start, int64_t size);
  Value rope(Value x, Value positions, double theta, int64_t rotaryDim,
             RopeStyle style, Attribute scaling);

  /// The plain attention the fusion pass recognises: per head
  /// softmax(scale · q·kᵀ (+ causal mask))·v, GQA by repeating kv heads.
  /// q[S, H, D], k[T, Hkv, D], v[T, Hkv, Dv] -> [S, H·Dv].
  Value plainAttention(Value q, Value k, Value v, double scale, bool causal);

  /// down(silu(gate(x)) ⊙ up(x)) with `prefix.{gate,up,down}_proj`.
  FailureOr<Value> swiglu(Value x, StringRef prefix, int64_t hidden,
                          int64_t inter);

  /// Warns (one warning per tensor, naming it) about checkpoint tensors no
  /// weight used, except those `ignored` says to skip silently.
  void warnUnused(llvm::function_ref<bool(StringRef)> ignored);

private:
  /// Declares `declName` (once) and reads it; `source` is the checkpoint
  /// dtype it is converted from.
  Value declare(StringRef declName, RankedTensorType type,
                ::r1::checkpoint::DType source,
                ArrayRef<std::pair<StringRef, Attribute>> attrs);
  /// DeepSeek-V3's FP8 block quantization with this checkpoint's block.
  QuantAttr fp8Quant();
  /// `q` expanded to the compute type by r1.dequantize.
  Value dequantize(Value q, Value scales, QuantAttr quant);
  /// Checks `names` (each of `shape`) share one dtype and returns it.
  FailureOr<::r1::checkpoint::DType> commonDType(ArrayRef<std::string> names,
                                               ArrayRef<int64_t> shape);
  /// The element type a checkpoint dtype is stored as on disk.
  Type storedTypeOf(::r1::checkpoint::DType dtype);
  LogicalResult checkTensor(StringRef name, ArrayRef<int64_t> shape);
  /// The compute type of a float checkpoint dtype; the stored type for FP8.
  Type elementTypeOf(::r1::checkpoint::DType dtype);

  ModuleOp module;
  const ::r1::checkpoint::Checkpoint &checkpoint;
  OpBuilder b;
  Type compute;
  Location currentLoc;
  llvm::StringSet<> declared;
  SmallVector<int64_t, 2> fp8Block = {128, 128};
  llvm::StringSet<> used;
};

/// A dynamic dim, for sequence lengths.
inline constexpr int64_t kDyn = ShapedType::kDynamic;

} // namespace mlir::r1

#endif // R1_FRONTEND_GRAPHBUILDER_H
