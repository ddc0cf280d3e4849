//===- WeightMaterializer.cpp - weights.bin from r1k.weight ops -----------===//
//
// This file implements the materializer. add() checks a recipe and plans
// its output (the derived tensor, as matrices) as chunks: whole rows of one
// matrix (a multiple of the packer's block rows), or, where one row group is
// wider than a chunk, that group's column ranges. write() runs workers that
// take chunk numbers from a shared counter, derive each output row straight
// from the mapped checkpoint bytes, pack the chunk, and commit chunks in
// number order; the checkpoint pages a chunk read are then dropped from the
// process, so memory stays bounded by the chunk size.
//
//===----------------------------------------------------------------------===//

#include "codegen/WeightMaterializer.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

using namespace mlir;
using namespace mlir::r1;
using ::r1::checkpoint::Checkpoint;
using ::r1::checkpoint::DType;
using ::r1::checkpoint::SafetensorsFile;
using ::r1::checkpoint::TensorInfo;

namespace {

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

/// e4m3 (finite, no infinity) as a float, for all 256 bytes once, from
/// LLVM's own float8 semantics.
const std::array<float, 256> &fp8Values() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> values;
    for (unsigned b = 0; b < 256; ++b)
      values[b] =
          llvm::APFloat(llvm::APFloat::Float8E4M3FN(), llvm::APInt(8, b))
              .convertToFloat();
    return values;
  }();
  return table;
}

bool isReadable(DType dtype) {
  return ::r1::checkpoint::isFloat(dtype) || dtype == DType::F8_E4M3;
}

/// `n` values of `dtype` at `p` as floats.
void loadRun(DType dtype, const uint8_t *p, int64_t n, float *out) {
  switch (dtype) {
  case DType::F32:
    std::memcpy(out, p, size_t(n) * 4);
    return;
  case DType::BF16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t b;
      std::memcpy(&b, p + 2 * i, 2);
      uint32_t wide = uint32_t(b) << 16;
      std::memcpy(&out[i], &wide, 4);
    }
    return;
  case DType::F16:
    for (int64_t i = 0; i < n; ++i) {
      _Float16 h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = float(h);
    }
    return;
  case DType::F8_E4M3: {
    const std::array<float, 256> &table = fp8Values();
    for (int64_t i = 0; i < n; ++i)
      out[i] = table[p[i]];
    return;
  }
  default: // add() admits float tensors only
    std::fill(out, out + n, 0.0f);
    return;
  }
}

/// One checkpoint tensor's bytes.
struct Part {
  const TensorInfo *info;
  const SafetensorsFile *file;
  const uint8_t *data;
  DType dtype;
  uint64_t elements;
};

/// Checkpoint tensors read as one sequence of values, one after another (a
/// stack's sources, or a scale's or gain's tensors).
struct FlatValues {
  std::vector<Part> parts;
  std::vector<uint64_t> starts; // each part's first element
  uint64_t size = 0;

  void append(Part part) {
    starts.push_back(size);
    size += part.elements; // no overflow: each is a file's bytes or fewer
    parts.push_back(part);
  }
  /// The part holding element `i`.
  size_t partOf(uint64_t i) const {
    return size_t(llvm::upper_bound(starts, i) - starts.begin()) - 1;
  }
  float at(uint64_t i) const {
    size_t p = partOf(i);
    float v;
    loadRun(parts[p].dtype,
            parts[p].data + (i - starts[p]) * dtypeSize(parts[p].dtype), 1, &v);
    return v;
  }
  /// `n` values from element `i` on (they may span parts).
  void load(uint64_t i, int64_t n, float *out) const {
    while (n > 0) {
      size_t p = partOf(i);
      uint64_t local = i - starts[p];
      int64_t take =
          int64_t(std::min<uint64_t>(uint64_t(n), parts[p].elements - local));
      loadRun(parts[p].dtype, parts[p].data + local * dtypeSize(parts[p].dtype),
              take, out);
      out += take;
      i += uint64_t(take);
      n -= take;
    }
  }
  /// Drops the pages of elements [begin, end) from the process.
  void release(uint64_t begin, uint64_t end) const {
    for (size_t p = partOf(begin); p < parts.size() && starts[p] < end; ++p) {
      uint64_t size = dtypeSize(parts[p].dtype);
      uint64_t from = std::max(begin, starts[p]) - starts[p];
      uint64_t to = std::min(end, starts[p] + parts[p].elements) - starts[p];
      parts[p].file->releasePages(*parts[p].info, from * size, to * size);
    }
  }
};

/// A [.., N, K] shape as E matrices of N rows and K columns (a rank-1 shape
/// is one row).
struct Matrices {
  int64_t count = 1, rows = 1, cols = 1;
};
Matrices matricesOf(ArrayRef<int64_t> shape, uint64_t elements) {
  Matrices m;
  m.cols = shape.back();
  m.rows = shape.size() >= 2 ? shape[shape.size() - 2] : 1;
  m.count = int64_t(elements / uint64_t(m.rows) / uint64_t(m.cols));
  return m;
}

int64_t ceilDiv(int64_t a, int64_t b) { return a / b + (a % b != 0); }

/// An element-wise derivation: dequantize_blocks or scale_columns.
struct Elementwise {
  bool dequantize;
  FlatValues values;      // the scales or the gain
  int64_t br = 0, bc = 0; // the block
  int64_t sr = 0, sc = 0; // scale rows and columns per matrix
};

enum class Restructure { None, SelectExpert, SplitKeys, SplitValues };

/// What a worker keeps between chunks.
struct Scratch {
  llvm::SmallVector<uint8_t, 0> values;  // the chunk, in the storage type
  std::vector<float> row;                // one row in f32, for bf16 storage
  std::vector<std::vector<float>> gains; // per derivation: its columns
  llvm::SmallVector<char, 0> packed;
};

} // namespace

struct WeightMaterializer::Weight {
  std::string name;
  FlatValues source;
  Matrices in;  // the sources together
  Matrices out; // the derived tensor
  std::vector<Elementwise> elementwise;
  Restructure restructure = Restructure::None;
  int64_t expert = 0, nope = 0, v = 0;
  bool bf16 = false;
  std::unique_ptr<WeightPacker> packer;
  // The chunk plan: chunkRows × chunkCols blocks of each output matrix.
  int64_t chunkRows = 1, chunkCols = 1, rowChunks = 1, colChunks = 1;
  uint64_t chunks = 0;
  uint64_t offset = 0, bytes = 0;

  unsigned elementBytes() const { return bf16 ? 2 : 4; }

  /// Output row `row` of matrix `m`, columns [c0, c0 + n), into `out`.
  void deriveRow(int64_t m, int64_t row, int64_t c0, int64_t n,
                 const Scratch &scratch, float *out) const {
    // The source (matrix, row, col) of the first value; the run goes along
    // the source's row, or for W_uv down its column.
    int64_t e = m, srcRow = row, srcCol = c0;
    bool alongRows = false;
    switch (restructure) {
    case Restructure::None:
      break;
    case Restructure::SelectExpert:
      e = expert;
      break;
    case Restructure::SplitKeys:
      e = 0;
      srcRow = m * (nope + v) + row;
      break;
    case Restructure::SplitValues:
      e = 0;
      srcRow = m * (nope + v) + nope + c0;
      srcCol = row;
      alongRows = true;
      break;
    }
    uint64_t first = (uint64_t(e) * uint64_t(in.rows) + uint64_t(srcRow)) *
                         uint64_t(in.cols) +
                     uint64_t(srcCol);
    if (!alongRows) {
      source.load(first, n, out);
    } else {
      for (int64_t j = 0; j < n; ++j)
        out[j] = source.at(first + uint64_t(j) * uint64_t(in.cols));
    }
    // In list order, each an f32 multiply (the order decides the rounding).
    for (size_t i = 0; i < elementwise.size(); ++i) {
      const Elementwise &x = elementwise[i];
      if (!x.dequantize) {
        if (!alongRows) {
          const float *gain = scratch.gains[i].data();
          for (int64_t j = 0; j < n; ++j)
            out[j] *= gain[j];
        } else {
          float gain = x.values.at(uint64_t(srcCol));
          for (int64_t j = 0; j < n; ++j)
            out[j] *= gain;
        }
        continue;
      }
      // One scale per run of values inside a block.
      for (int64_t j = 0; j < n;) {
        int64_t r = alongRows ? srcRow + j : srcRow;
        int64_t c = alongRows ? srcCol : srcCol + j;
        int64_t stop = alongRows ? (r / x.br + 1) * x.br - srcRow
                                 : (c / x.bc + 1) * x.bc - srcCol;
        float scale =
            x.values.at((uint64_t(e) * uint64_t(x.sr) + uint64_t(r / x.br)) *
                            uint64_t(x.sc) +
                        uint64_t(c / x.bc));
        for (int64_t end = std::min(n, stop); j < end; ++j)
          out[j] *= scale;
      }
    }
  }

  /// Derives and packs chunk `c` into `scratch.packed`, then drops the
  /// source pages no later chunk of this weight reads.
  void produce(uint64_t c, Scratch &scratch) const {
    uint64_t perMatrix = uint64_t(rowChunks) * uint64_t(colChunks);
    int64_t m = int64_t(c / perMatrix);
    int64_t rc = int64_t(c % perMatrix) / colChunks;
    int64_t cc = int64_t(c % perMatrix) % colChunks;
    int64_t r0 = rc * chunkRows, r1 = std::min(out.rows, r0 + chunkRows);
    int64_t c0 = cc * chunkCols, c1 = std::min(out.cols, c0 + chunkCols);
    int64_t rows = r1 - r0, n = c1 - c0;
    bool alongRows = restructure == Restructure::SplitValues;

    scratch.gains.resize(elementwise.size());
    for (size_t i = 0; i < elementwise.size(); ++i)
      if (!elementwise[i].dequantize && !alongRows) {
        scratch.gains[i].resize(size_t(n));
        elementwise[i].values.load(uint64_t(c0), n, scratch.gains[i].data());
      }
    size_t rowBytes = size_t(n) * elementBytes();
    scratch.values.resize_for_overwrite(size_t(rows) * rowBytes);
    if (bf16)
      scratch.row.resize(size_t(n));
    for (int64_t r = r0; r < r1; ++r) {
      uint8_t *to = scratch.values.data() + size_t(r - r0) * rowBytes;
      if (!bf16) {
        // Aligned: the buffer is malloc'd and rows are whole floats.
        deriveRow(m, r, c0, n, scratch, reinterpret_cast<float *>(to));
        continue;
      }
      deriveRow(m, r, c0, n, scratch, scratch.row.data());
      for (int64_t j = 0; j < n; ++j) {
        uint16_t b = roundToBf16(scratch.row[size_t(j)]);
        std::memcpy(to + 2 * j, &b, 2);
      }
    }
    scratch.packed.clear();
    packer->pack(scratch.values.data(), rows, n, scratch.packed);

    // The source rows read: a run of rows (whole, once the last column
    // range is done), or for W_uv the head's v rows, after its last chunk.
    uint64_t k = uint64_t(in.cols);
    if (!alongRows && cc == colChunks - 1) {
      int64_t e = m, firstRow = r0;
      if (restructure == Restructure::SelectExpert)
        e = expert;
      if (restructure == Restructure::SplitKeys) {
        e = 0;
        firstRow = m * (nope + v) + r0;
      }
      uint64_t begin = uint64_t(e) * uint64_t(in.rows) + uint64_t(firstRow);
      source.release(begin * k, (begin + uint64_t(rows)) * k);
    } else if (alongRows && rc == rowChunks - 1 && cc == colChunks - 1) {
      uint64_t begin = uint64_t(m * (nope + v) + nope);
      source.release(begin * k, (begin + uint64_t(v)) * k);
    }
  }
};

uint16_t mlir::r1::roundToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    // A NaN whose payload lies in the low half alone would truncate to an
    // infinity: set the quiet bit instead.
    uint16_t high = uint16_t(bits >> 16);
    return (high & 0x7fu) ? high : uint16_t(high | 0x40u);
  }
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return uint16_t(bits >> 16);
}

llvm::Expected<WeightRecipe> mlir::r1::recipeOf(r1k::WeightOp op) {
  WeightRecipe recipe;
  recipe.name = op.getName().str();
  for (StringRef source : op.getSources().getAsValueRange<StringAttr>())
    recipe.sources.push_back(source.str());
  recipe.shape.assign(op.getShape().begin(), op.getShape().end());
  using Kind = WeightRecipe::Kind;
  for (Attribute attr : op.getDerive()) {
    WeightRecipe::Derivation d;
    if (auto dq = dyn_cast<r1k::DequantizeBlocksAttr>(attr)) {
      d.kind = Kind::DequantizeBlocks;
      for (StringRef scale : dq.getScales().getAsValueRange<StringAttr>())
        d.tensors.push_back(scale.str());
      d.rows = dq.getRows();
      d.cols = dq.getCols();
    } else if (auto scale = dyn_cast<r1k::ScaleColumnsAttr>(attr)) {
      d.kind = Kind::ScaleColumns;
      d.tensors.push_back(scale.getBy().str());
    } else if (auto split = dyn_cast<r1k::SplitHeadsAttr>(attr)) {
      if (split.getPart() != "keys" && split.getPart() != "values")
        return fail("split_heads part '" + split.getPart() +
                    "' is neither \"keys\" nor \"values\"");
      d.kind = Kind::SplitHeads;
      d.keys = split.getPart() == "keys";
      d.heads = split.getHeads();
      d.nope = split.getNope();
      d.v = split.getV();
    } else if (auto select = dyn_cast<r1k::SelectExpertAttr>(attr)) {
      d.kind = Kind::SelectExpert;
      d.expert = select.getExpert();
    } else {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << attr;
      return fail("cannot derive a weight by " + os.str());
    }
    recipe.derive.push_back(std::move(d));
  }
  Type storage = op.getStorage();
  if (!storage.isF32() && !storage.isBF16())
    return fail("storage must be f32 or bf16");
  recipe.bf16 = storage.isBF16();
  recipe.layout = op.getLayout();
  return recipe;
}

WeightMaterializer::WeightMaterializer(const Checkpoint &checkpoint,
                                       MaterializeOptions options)
    : checkpoint(checkpoint), options(options) {
  this->options.chunkBytes = std::max<uint64_t>(this->options.chunkBytes, 1);
  this->options.alignment = std::max<uint64_t>(this->options.alignment, 1);
}

WeightMaterializer::~WeightMaterializer() = default;

llvm::Expected<MaterializedWeight>
WeightMaterializer::add(const WeightRecipe &recipe, PackerFactory packers) {
  auto w = std::make_unique<Weight>();
  w->name = recipe.name;
  ArrayRef<int64_t> shape = recipe.shape;
  if (recipe.sources.empty())
    return fail("names no source tensor");
  if (shape.empty() || llvm::any_of(shape, [](int64_t d) { return d <= 0; }))
    return fail("shape " + shapeString(shape) +
                " must have at least one dim, all positive");
  llvm::Expected<uint64_t> elements = elementCount(shape);
  if (!elements)
    return elements.takeError();
  bool stacked = recipe.sources.size() > 1;
  if (stacked &&
      (shape.size() < 2 || uint64_t(shape.front()) != recipe.sources.size()))
    return fail("stacks " + llvm::Twine(recipe.sources.size()) +
                " source tensors, so the leading dim of " + shapeString(shape) +
                " must be " + llvm::Twine(recipe.sources.size()));
  ArrayRef<int64_t> slice = stacked ? shape.drop_front() : shape;

  for (const std::string &name : recipe.sources) {
    const SafetensorsFile *file = nullptr;
    const TensorInfo *info = checkpoint.find(name, &file);
    if (!info)
      return fail("source tensor '" + name + "' is not in the checkpoint");
    // A stack of one source: the tensor may lack the leading 1.
    ArrayRef<int64_t> have(info->shape);
    bool fits = have == slice || (shape.size() > 1 && shape.front() == 1 &&
                                  have == shape.drop_front());
    if (!fits)
      return fail("source tensor '" + name + "' has shape " +
                  shapeString(have) + ", the declaration needs " +
                  shapeString(slice));
    if (!isReadable(info->dtype))
      return fail("cannot read " + ::r1::checkpoint::dtypeName(info->dtype) +
                  " tensor '" + name + "' as f32 weights");
    ArrayRef<uint8_t> bytes = checkpoint.data(*info);
    w->source.append(
        {info, file, bytes.data(), info->dtype, info->numElements()});
  }
  w->in = matricesOf(shape, *elements);

  // The derivations: element-wise ones on the sources' values, then at most
  // one that picks or moves them.
  llvm::SmallVector<int64_t, 4> derived(shape);
  bool restructured = false;
  for (const WeightRecipe::Derivation &d : recipe.derive) {
    using Kind = WeightRecipe::Kind;
    bool elementwise =
        d.kind == Kind::DequantizeBlocks || d.kind == Kind::ScaleColumns;
    const char *what = d.kind == Kind::DequantizeBlocks ? "dequantize_blocks"
                       : d.kind == Kind::ScaleColumns   ? "scale_columns"
                       : d.kind == Kind::SplitHeads     ? "split_heads"
                                                        : "select_expert";
    if (restructured)
      return fail(llvm::Twine(what) +
                  " follows select_expert or split_heads; the element-wise "
                  "derivations come first, and only one of those");
    if (elementwise) {
      Elementwise x;
      x.dequantize = d.kind == Kind::DequantizeBlocks;
      const char *role = x.dequantize ? "scale" : "gain";
      if (d.tensors.empty())
        return fail(llvm::Twine(what) + " names no tensor");
      for (const std::string &name : d.tensors) {
        const SafetensorsFile *file = nullptr;
        const TensorInfo *info = checkpoint.find(name, &file);
        if (!info)
          return fail(llvm::Twine(role) + " tensor '" + name +
                      "' is not in the checkpoint");
        if (!isReadable(info->dtype))
          return fail("cannot read " +
                      ::r1::checkpoint::dtypeName(info->dtype) + " " + role +
                      " tensor '" + name + "' as f32");
        x.values.append({info, file, checkpoint.data(*info).data(), info->dtype,
                         info->numElements()});
      }
      if (x.dequantize) {
        if (shape.size() < 2)
          return fail("dequantize_blocks needs matrices, not shape " +
                      shapeString(shape));
        if (d.rows <= 0 || d.cols <= 0)
          return fail("dequantize_blocks needs a positive block, not " +
                      llvm::Twine(d.rows) + " x " + llvm::Twine(d.cols));
        x.br = d.rows;
        x.bc = d.cols;
        x.sr = ceilDiv(w->in.rows, x.br);
        x.sc = ceilDiv(w->in.cols, x.bc);
        // No overflow: sr·sc ≤ N·K, and E·N·K elements fit.
        uint64_t need = uint64_t(w->in.count) * uint64_t(x.sr) * uint64_t(x.sc);
        if (x.values.size != need)
          return fail("the block scales of @" + recipe.name + " have " +
                      llvm::Twine(x.values.size) + " values; " +
                      shapeString(shape) + " in " + llvm::Twine(x.br) + " x " +
                      llvm::Twine(x.bc) + " blocks needs " + llvm::Twine(need));
      } else if (x.values.size != uint64_t(w->in.cols)) {
        return fail("gain tensor '" + d.tensors.front() + "' has " +
                    llvm::Twine(x.values.size) +
                    " values; folding it into the columns of " +
                    shapeString(shape) + " needs " + llvm::Twine(w->in.cols));
      }
      w->elementwise.push_back(std::move(x));
      continue;
    }
    restructured = true;
    if (d.kind == Kind::SelectExpert) {
      if (shape.size() != 3)
        return fail("select_expert picks a matrix of a stack [E, N, K], not "
                    "of shape " +
                    shapeString(shape));
      if (d.expert < 0 || d.expert >= shape[0])
        return fail("select_expert<" + llvm::Twine(d.expert) +
                    "> is outside the stack of " + llvm::Twine(shape[0]));
      w->restructure = Restructure::SelectExpert;
      w->expert = d.expert;
      derived.assign(shape.begin() + 1, shape.end());
      continue;
    }
    // split_heads: kv_b [H·(nope+v), r].
    if (shape.size() != 2)
      return fail("split_heads splits a matrix [H·(nope+v), r], not shape " +
                  shapeString(shape));
    if (d.heads <= 0 || d.nope <= 0 || d.v <= 0)
      return fail("split_heads<" + llvm::Twine(d.heads) + ", " +
                  llvm::Twine(d.nope) + ", " + llvm::Twine(d.v) +
                  "> needs positive counts");
    std::optional<int64_t> rows = llvm::checkedMul(d.heads, d.nope + d.v);
    if (!rows || *rows != shape[0])
      return fail("split_heads<" + llvm::Twine(d.heads) + ", " +
                  llvm::Twine(d.nope) + ", " + llvm::Twine(d.v) +
                  "> needs heads·(nope+v) rows, the tensor has " +
                  llvm::Twine(shape[0]));
    w->restructure = d.keys ? Restructure::SplitKeys : Restructure::SplitValues;
    w->nope = d.nope;
    w->v = d.v;
    if (d.keys)
      derived = {d.heads, d.nope, shape[1]};
    else
      derived = {d.heads, shape[1], d.v};
  }
  llvm::Expected<uint64_t> outElements = elementCount(derived);
  if (!outElements)
    return outElements.takeError();
  w->out = matricesOf(derived, *outElements);
  w->bf16 = recipe.bf16;

  PackedWeightType type{recipe.layout, w->elementBytes(), derived};
  llvm::Expected<std::unique_ptr<WeightPacker>> packer = packers(type);
  if (!packer)
    return packer.takeError();
  w->packer = std::move(*packer);
  int64_t group = std::max<int64_t>(w->packer->blockRows(), 1);

  // Chunks of about chunkBytes of derived values: whole rows in row groups
  // when a group fits, else one group's column ranges.
  uint64_t budget = options.chunkBytes;
  uint64_t groupRowBytes = uint64_t(w->elementBytes()) * uint64_t(group);
  std::optional<uint64_t> groupBytes =
      llvm::checkedMulUnsigned(groupRowBytes, uint64_t(w->out.cols));
  if (groupBytes && *groupBytes <= budget) {
    w->chunkCols = w->out.cols;
    uint64_t groups = std::max<uint64_t>(1, budget / *groupBytes);
    uint64_t allGroups = uint64_t(ceilDiv(w->out.rows, group));
    w->chunkRows = int64_t(std::min(groups, allGroups)) * group;
  } else {
    w->chunkRows = group;
    w->chunkCols = int64_t(std::max<uint64_t>(1, budget / groupRowBytes));
  }
  w->rowChunks = ceilDiv(w->out.rows, w->chunkRows);
  w->colChunks = ceilDiv(w->out.cols, w->chunkCols);
  // No overflow: at most one chunk per output element.
  w->chunks =
      uint64_t(w->out.count) * uint64_t(w->rowChunks) * uint64_t(w->colChunks);

  std::optional<uint64_t> padded =
      llvm::checkedAddUnsigned(end, options.alignment - 1);
  std::optional<uint64_t> last;
  if (padded) {
    w->offset = *padded / options.alignment * options.alignment;
    last = llvm::checkedAddUnsigned(w->offset, w->packer->packedBytes());
  }
  // write() pads the end to the alignment too.
  if (!last || !llvm::checkedAddUnsigned(*last, options.alignment - 1))
    return fail("the weights together pass 2^64 bytes");
  w->bytes = w->packer->packedBytes();
  end = *last;
  weights.push_back(std::move(w));
  return MaterializedWeight{weights.back()->offset, weights.back()->bytes};
}

llvm::Expected<MaterializeStats>
WeightMaterializer::write(llvm::function_ref<llvm::Error(StringRef)> out) {
  auto startTime = std::chrono::steady_clock::now();
  // Chunk k of the output is chunk k - firstChunk[w] of weight w.
  std::vector<uint64_t> firstChunk;
  uint64_t total = 0;
  for (const std::unique_ptr<Weight> &w : weights) {
    firstChunk.push_back(total);
    total += w->chunks; // no overflow: each chunk writes bytes
  }
  unsigned workers = options.workers;
  if (workers == 0)
    workers = std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
  workers = unsigned(std::min<uint64_t>(workers, std::max<uint64_t>(total, 1)));

  static const char zeros[4096] = {};
  std::atomic<uint64_t> next{0};
  std::mutex mutex;
  std::condition_variable committed;
  uint64_t nextCommit = 0; // guarded by mutex, as are the three below
  uint64_t written = 0;
  bool stop = false;
  std::string error;
  std::atomic<bool> stopping{false}; // stop, read without the lock
  auto emitZeros = [&](uint64_t count) -> llvm::Error {
    for (; count;) {
      uint64_t take = std::min<uint64_t>(count, sizeof(zeros));
      if (llvm::Error e = out(StringRef(zeros, size_t(take))))
        return e;
      written += take;
      count -= take;
    }
    return llvm::Error::success();
  };
  auto work = [&] {
    Scratch scratch;
    for (uint64_t k; (k = next.fetch_add(1)) < total;) {
      if (stopping.load())
        return;
      // Every weight has a chunk, so first chunks increase strictly.
      size_t wi =
          size_t(llvm::upper_bound(firstChunk, k) - firstChunk.begin()) - 1;
      const Weight &w = *weights[wi];
      uint64_t c = k - firstChunk[wi];
      w.produce(c, scratch);
      std::unique_lock<std::mutex> lock(mutex);
      committed.wait(lock, [&] { return stop || nextCommit == k; });
      if (stop)
        return;
      llvm::Error e = llvm::Error::success();
      if (c == 0)
        e = emitZeros(w.offset - written);
      if (!e)
        e = out(StringRef(scratch.packed.data(), scratch.packed.size()));
      written += scratch.packed.size();
      if (!e && c + 1 == w.chunks && written != w.offset + w.bytes)
        e = fail("packing @" + w.name + " wrote " +
                 llvm::Twine(written - w.offset) +
                 " bytes, its packer "
                 "promised " +
                 llvm::Twine(w.bytes));
      if (e) {
        error = llvm::toString(std::move(e));
        stop = true;
        stopping.store(true);
      }
      ++nextCommit;
      lock.unlock();
      committed.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < workers; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break; // no more threads: those started and this one share the work
    }
  }
  work();
  for (std::thread &thread : pool)
    thread.join();
  if (stop)
    return fail(error);
  if (llvm::Error e =
          emitZeros(llvm::alignTo(written, options.alignment) - written))
    return e;
  MaterializeStats stats;
  stats.bytes = written;
  stats.workers = unsigned(pool.size()) + 1;
  stats.seconds = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - startTime)
                      .count();
  return stats;
}
