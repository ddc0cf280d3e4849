//===- Panels.cpp - the x86 linear kernels' weight panels -----------------===//
//
// A block of whole rows is one or more panels; a row group cut into column
// ranges is one panel's k range. Each k of a panel is 16 lanes, one per row,
// the rows past the matrix's end zero.
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/Panels.h"

#include "codegen/WeightPacker.h"

#include "llvm/Support/CheckedArithmetic.h"

#include <cstring>

using namespace mlir::r1;

namespace {

class PanelPacker final : public WeightPacker {
public:
  PanelPacker(unsigned elementBytes, uint64_t bytes)
      : elementBytes(elementBytes), bytes(bytes) {}
  int64_t blockRows() const override { return x86::kPanelWidth; }
  uint64_t packedBytes() const override { return bytes; }
  void pack(const uint8_t *values, int64_t rows, int64_t cols,
            llvm::SmallVectorImpl<char> &out) const override {
    if (elementBytes == 2)
      packAs<uint16_t>(values, rows, cols, out);
    else
      packAs<uint32_t>(values, rows, cols, out);
  }

private:
  template <typename T>
  static void packAs(const uint8_t *values, int64_t rows, int64_t cols,
                     llvm::SmallVectorImpl<char> &out) {
    const int64_t width = x86::kPanelWidth;
    int64_t panels = (rows + width - 1) / width;
    size_t begin = out.size();
    out.resize_for_overwrite(begin + size_t(panels * cols * width) * sizeof(T));
    char *to = out.data() + begin;
    for (int64_t p = 0; p < panels; ++p) {
      int64_t lanes = std::min(width, rows - p * width);
      const uint8_t *panel = values + size_t(p * width * cols) * sizeof(T);
      for (int64_t k = 0; k < cols; ++k) {
        T lane[x86::kPanelWidth] = {}; // lanes past the last row stay zero
        for (int64_t l = 0; l < lanes; ++l)
          std::memcpy(&lane[l], panel + size_t(l * cols + k) * sizeof(T),
                      sizeof(T));
        std::memcpy(to, lane, sizeof(lane));
        to += sizeof(lane);
      }
    }
  }

  unsigned elementBytes;
  uint64_t bytes;
};

} // namespace

llvm::Expected<std::unique_ptr<WeightPacker>>
x86::createPanelPacker(const PackedWeightType &type) {
  if (type.shape.size() < 2)
    return llvm::createStringError("panels16 packs matrices, not shape " +
                                   shapeString(type.shape));
  if (type.elementBytes != 4 && type.elementBytes != 2)
    return llvm::createStringError("panels16 packs f32 or bf16 elements, not " +
                                   llvm::Twine(type.elementBytes) +
                                   "-byte ones");
  size_t rank = type.shape.size();
  llvm::SmallVector<int64_t, 4> padded(type.shape);
  // Rows padded to whole panels (a dim near 2^63 wraps negative: refused).
  padded[rank - 2] =
      int64_t(llvm::alignTo(uint64_t(padded[rank - 2]), uint64_t(kPanelWidth)));
  llvm::Expected<uint64_t> elements = elementCount(padded);
  if (!elements)
    return elements.takeError();
  std::optional<uint64_t> bytes =
      llvm::checkedMulUnsigned(*elements, uint64_t(type.elementBytes));
  if (!bytes || padded[rank - 2] < type.shape[rank - 2])
    return llvm::createStringError(
        "panels of shape " + shapeString(type.shape) + " have too many bytes");
  return std::make_unique<PanelPacker>(type.elementBytes, *bytes);
}
