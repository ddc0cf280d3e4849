//===- WeightPacker.cpp - the plain layout, for every target --------------===//

#include "codegen/WeightPacker.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::r1;

namespace {

class RowMajorPacker final : public WeightPacker {
public:
  RowMajorPacker(unsigned elementBytes, uint64_t bytes)
      : elementBytes(elementBytes), bytes(bytes) {}
  int64_t blockRows() const override { return 1; }
  uint64_t packedBytes() const override { return bytes; }
  void pack(const uint8_t *values, int64_t rows, int64_t cols,
            llvm::SmallVectorImpl<char> &out) const override {
    size_t n = size_t(rows) * size_t(cols) * elementBytes;
    out.append(reinterpret_cast<const char *>(values),
               reinterpret_cast<const char *>(values) + n);
  }

private:
  unsigned elementBytes;
  uint64_t bytes;
};

} // namespace

std::string mlir::r1::shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, ", ");
  return os.str() + "]";
}

llvm::Expected<uint64_t> mlir::r1::elementCount(llvm::ArrayRef<int64_t> shape) {
  uint64_t count = 1;
  for (int64_t d : shape) {
    std::optional<uint64_t> next =
        d < 0 ? std::nullopt : llvm::checkedMulUnsigned(count, uint64_t(d));
    if (!next)
      return llvm::createStringError("shape " + shapeString(shape) +
                                     " has too many elements");
    count = *next;
  }
  return count;
}

llvm::Expected<std::unique_ptr<WeightPacker>>
mlir::r1::createRowMajorPacker(const PackedWeightType &type) {
  llvm::Expected<uint64_t> elements = elementCount(type.shape);
  if (!elements)
    return elements.takeError();
  std::optional<uint64_t> bytes =
      llvm::checkedMulUnsigned(*elements, uint64_t(type.elementBytes));
  if (!bytes)
    return llvm::createStringError("a weight of " + llvm::Twine(*elements) +
                                   " elements has too many bytes");
  return std::make_unique<RowMajorPacker>(type.elementBytes, *bytes);
}
