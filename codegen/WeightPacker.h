//===- WeightPacker.h - a target's layout of one weight ---------*- C++ -*-===//
//
// This file declares WeightPacker, what a target hands the weight
// materializer for each weight: it takes the derived values in blocks of
// rows, in order, and appends the bytes weights.bin holds for them. The
// target alone knows what a layout's bytes are (codegen/x86 owns the
// 16-wide panels); the materializer only honours the packer's block rows.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_WEIGHTPACKER_H
#define R1_CODEGEN_WEIGHTPACKER_H

#include "ir/r1k/R1kDialect.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mlir::r1 {

/// A weight as weights.bin stores it: its derived shape (after every
/// derivation of its r1k.weight), element size and layout. It is a stack of
/// matrices: the last dim is the columns, the one before it the rows (one
/// row for a rank-1 weight) and the others count matrices.
struct PackedWeightType {
  r1k::Layout layout = r1k::Layout::plain;
  unsigned elementBytes = 4; // 4: f32, 2: bf16
  llvm::SmallVector<int64_t, 4> shape;
};

class WeightPacker {
public:
  virtual ~WeightPacker() = default;
  /// The layout's row group: blocks start at a multiple of it within their
  /// matrix.
  virtual int64_t blockRows() const = 0;
  /// Bytes of the packed weight.
  virtual uint64_t packedBytes() const = 0;
  /// Appends the bytes of one block to `out`. `values` holds `rows` × `cols`
  /// elements, row-major, of one matrix. The materializer passes blocks in
  /// the order of the packed bytes: either whole rows (`cols` is the row
  /// length; `rows` a multiple of blockRows(), or whatever remains of the
  /// matrix), or one row group (at most blockRows() rows) cut into column
  /// ranges, left to right.
  virtual void pack(const uint8_t *values, int64_t rows, int64_t cols,
                    llvm::SmallVectorImpl<char> &out) const = 0;
};

/// The `plain` layout, for any target: the values as they are, row-major.
llvm::Expected<std::unique_ptr<WeightPacker>>
createRowMajorPacker(const PackedWeightType &type);

/// `shape` for a message: "[2, 64, 64]".
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// The element count of `shape`, or an error when it overflows 64 bits.
llvm::Expected<uint64_t> elementCount(llvm::ArrayRef<int64_t> shape);

} // namespace mlir::r1

#endif // R1_CODEGEN_WEIGHTPACKER_H
