//===- WeightMaterializer.h - weights.bin from r1k.weight ops ---*- C++ -*-===//
//
// This file declares the weight materializer: it executes what each
// r1k.weight states (its checkpoint sources, derivations in order, storage
// type) and hands the results to the target's packer, streaming: source rows
// are read in bounded chunks straight from the mapped checkpoint, so memory
// stays a few MiB per worker whatever a tensor's size. Workers derive and
// pack disjoint chunks; chunks are written in order.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_WEIGHTMATERIALIZER_H
#define R1_CODEGEN_WEIGHTMATERIALIZER_H

#include "codegen/WeightPacker.h"

#include "checkpoint/CheckpointIndex.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::r1 {

/// One r1k.weight as plain values: what the materializer executes.
struct WeightRecipe {
  enum class Kind { DequantizeBlocks, ScaleColumns, SplitHeads, SelectExpert };
  struct Derivation {
    Kind kind = Kind::DequantizeBlocks;
    /// DequantizeBlocks: the scale tensors, one per source, read as one
    /// sequence; ScaleColumns: the gain tensor.
    std::vector<std::string> tensors;
    int64_t rows = 0, cols = 0; // DequantizeBlocks: the block
    bool keys = false;          // SplitHeads: W_uk (else W_uv)
    int64_t heads = 0, nope = 0, v = 0;
    int64_t expert = 0; // SelectExpert
  };

  std::string name; // the declaration it realizes, for messages
  /// Checkpoint tensors; several are stacked along a new leading dim.
  std::vector<std::string> sources;
  llvm::SmallVector<int64_t, 4> shape; // of the sources together
  std::vector<Derivation> derive;      // applied in order
  bool bf16 = false;                   // storage bf16, else f32
  r1k::Layout layout = r1k::Layout::plain;
};

/// The recipe `op` states; an error for a derivation the materializer does
/// not know.
llvm::Expected<WeightRecipe> recipeOf(r1k::WeightOp op);

/// `value` rounded to the nearest bf16, ties to even; a NaN stays a NaN
/// (its sign and high payload kept), an overflow rounds to infinity.
uint16_t roundToBf16(float value);

/// The packer the target gives a weight's stored type, or an error.
using PackerFactory =
    llvm::function_ref<llvm::Expected<std::unique_ptr<WeightPacker>>(
        const PackedWeightType &)>;

struct MaterializeOptions {
  /// Workers deriving and packing chunks; 0: one per core, at most 8.
  unsigned workers = 0;
  /// Derived bytes per chunk (a worker holds about three times this).
  uint64_t chunkBytes = uint64_t(1) << 20;
  /// Every weight starts at a multiple of this, and the output ends at one.
  uint64_t alignment = 64;
};

/// Where add() placed a weight in the output.
struct MaterializedWeight {
  uint64_t offset = 0, bytes = 0;
};

struct MaterializeStats {
  uint64_t bytes = 0; // written, padding included
  double seconds = 0;
  unsigned workers = 0;
};

class WeightMaterializer {
public:
  explicit WeightMaterializer(const ::r1::checkpoint::Checkpoint &checkpoint,
                              MaterializeOptions options = {});
  ~WeightMaterializer();
  WeightMaterializer(const WeightMaterializer &) = delete;
  WeightMaterializer &operator=(const WeightMaterializer &) = delete;

  /// Checks `recipe` against the checkpoint (sources present, float, of its
  /// shape; scale and gain counts; derivations that fit the shape), gets its
  /// packer from `packers` and places it after the weights added before.
  /// Errors are one line naming the tensor.
  llvm::Expected<MaterializedWeight> add(const WeightRecipe &recipe,
                                         PackerFactory packers);

  /// Derives and packs every added weight and passes the output's bytes to
  /// `out` in order (zero padding before each weight's offset and at the
  /// end), one call at a time, from the workers' threads. An error from
  /// `out` stops the work and is returned.
  llvm::Expected<MaterializeStats>
  write(llvm::function_ref<llvm::Error(llvm::StringRef)> out);

  struct Weight; // a checked recipe with its packer and chunk plan

private:
  const ::r1::checkpoint::Checkpoint &checkpoint;
  MaterializeOptions options;
  std::vector<std::unique_ptr<Weight>> weights;
  uint64_t end = 0; // bytes placed so far
};

} // namespace mlir::r1

#endif // R1_CODEGEN_WEIGHTMATERIALIZER_H
