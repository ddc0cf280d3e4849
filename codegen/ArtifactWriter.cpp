//===- ArtifactWriter.cpp - the NAME.r1 artifact folder ---------*- C++ -*-===//
//
// This file implements writeArtifact. Weights are streamed from the
// memory-mapped checkpoint into weights.bin (converted to the declared
// element type on the way) while their SHA-256 is computed, so even a
// multi-gigabyte model is never held in memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"

#include "frontend/CheckpointIndex.h"
#include "ir/R1Dialect.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace mlir::r1;
using ::r1::frontend::Checkpoint;
using ::r1::frontend::DType;
using ::r1::frontend::TensorInfo;
namespace json = llvm::json;

namespace {

/// The manifest's spelling of an element type, or "" if weights.bin cannot
/// hold it.
StringRef elementName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isBF16())
    return "bf16";
  if (type.isF16())
    return "f16";
  if (type.isFloat8E4M3FN())
    return "f8e4m3fn";
  if (type.isSignlessInteger(8))
    return "i8";
  if (type.isSignlessInteger(32))
    return "i32";
  if (type.isSignlessInteger(64))
    return "i64";
  return "";
}

uint64_t elementBytes(Type type) {
  return type.getIntOrFloatBitWidth() / 8;
}

float bf16ToFloat(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

/// Round to nearest even, keeping NaNs NaN.
uint16_t floatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffff) > 0x7f800000)
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

/// Element `i` of checkpoint bytes of `dtype` as a float.
float loadFloat(DType dtype, ArrayRef<uint8_t> bytes, uint64_t i) {
  switch (dtype) {
  case DType::F32: {
    float f;
    std::memcpy(&f, bytes.data() + 4 * i, 4);
    return f;
  }
  case DType::BF16: {
    uint16_t b;
    std::memcpy(&b, bytes.data() + 2 * i, 2);
    return bf16ToFloat(b);
  }
  case DType::F16: {
    _Float16 h;
    std::memcpy(&h, bytes.data() + 2 * i, 2);
    return float(h);
  }
  default:
    return 0.0f;
  }
}

/// Writes `bytes` of checkpoint `dtype` as `element` to `out`; false when
/// the conversion is not one weights.bin supports.
bool convert(DType dtype, ArrayRef<uint8_t> bytes, Type element,
             function_ref<void(StringRef)> out) {
  bool sameStorage =
      (dtype == DType::F32 && element.isF32()) ||
      (dtype == DType::BF16 && element.isBF16()) ||
      (dtype == DType::F16 && element.isF16()) ||
      (dtype == DType::F8_E4M3 && element.isFloat8E4M3FN()) ||
      ((dtype == DType::I8 || dtype == DType::U8) &&
       element.isSignlessInteger(8)) ||
      (dtype == DType::I32 && element.isSignlessInteger(32)) ||
      (dtype == DType::I64 && element.isSignlessInteger(64));
  if (sameStorage) {
    out(StringRef(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
    return true;
  }
  if (!::r1::frontend::isFloat(dtype) ||
      !(element.isF32() || element.isBF16() || element.isF16()))
    return false;
  uint64_t count = bytes.size() / ::r1::frontend::dtypeSize(dtype);
  // Convert in blocks to keep memory flat.
  constexpr uint64_t kBlock = 1 << 16;
  std::vector<char> buffer;
  for (uint64_t start = 0; start < count; start += kBlock) {
    uint64_t n = std::min(kBlock, count - start);
    buffer.resize(n * elementBytes(element));
    for (uint64_t i = 0; i < n; ++i) {
      float f = loadFloat(dtype, bytes, start + i);
      if (element.isF32()) {
        std::memcpy(buffer.data() + 4 * i, &f, 4);
      } else if (element.isBF16()) {
        uint16_t b = floatToBf16(f);
        std::memcpy(buffer.data() + 2 * i, &b, 2);
      } else {
        _Float16 h = static_cast<_Float16>(f);
        std::memcpy(buffer.data() + 2 * i, &h, 2);
      }
    }
    out(StringRef(buffer.data(), buffer.size()));
  }
  return true;
}

/// An output file that hashes what it writes.
class HashedFile {
public:
  explicit HashedFile(StringRef path) : os(path, ec) {}
  std::error_code error() const { return ec ? ec : os.error(); }
  void write(StringRef bytes) {
    os << bytes;
    sha.update(bytes);
    size += bytes.size();
  }
  void padTo(uint64_t alignment) {
    static const char zeros[kWeightAlignment] = {};
    uint64_t pad = llvm::alignTo(size, alignment) - size;
    write(StringRef(zeros, pad));
  }
  uint64_t bytes() const { return size; }
  /// Closes the file; the hex SHA-256 of everything written.
  std::string finish() {
    os.close();
    return llvm::toHex(sha.final(), /*LowerCase=*/true);
  }

private:
  std::error_code ec;
  llvm::raw_fd_ostream os;
  llvm::SHA256 sha;
  uint64_t size = 0;
};

struct FileEntry {
  std::string name;
  uint64_t bytes;
  std::string sha256;
};

/// Packs every weight_decl into `dir`/weights.bin; the manifest's tensor
/// table goes to `tensors`.
LogicalResult packWeights(ModuleOp module, const Checkpoint &checkpoint,
                          StringRef dir, json::Array &tensors,
                          FileEntry &entry) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, "weights.bin");
  HashedFile file(path);
  if (file.error())
    return module.emitError() << "cannot write " << path << ": "
                              << file.error().message();
  for (auto decl : module.getOps<WeightDeclOp>()) {
    RankedTensorType type = decl.getTensorType();
    Type element = type.getElementType();
    StringRef dtypeName = elementName(element);
    if (dtypeName.empty())
      return decl.emitOpError() << "has element type " << element
                                << ", which weights.bin cannot hold yet";
    SmallVector<std::string> sources;
    if (auto stack = decl->getAttrOfType<ArrayAttr>("stack")) {
      for (auto name : stack.getAsValueRange<StringAttr>())
        sources.push_back(name.str());
    } else {
      sources.push_back(decl.getSymName().str());
    }
    // Each source is one slice of the declared tensor, in order.
    uint64_t sliceElements = type.getNumElements() / sources.size();
    if (sliceElements * sources.size() != uint64_t(type.getNumElements()))
      return decl.emitOpError() << "stacks " << sources.size()
                                << " tensors, which do not divide " << type;
    file.padTo(kWeightAlignment);
    uint64_t offset = file.bytes();
    for (const std::string &name : sources) {
      const TensorInfo *info = checkpoint.find(name);
      if (!info)
        return decl.emitOpError() << "source tensor '" << name
                                  << "' is not in the checkpoint";
      uint64_t elements = info->numElements();
      if (elements != sliceElements)
        return decl.emitOpError()
               << "source tensor '" << name << "' has " << elements
               << " elements, the declaration needs " << sliceElements;
      if (!convert(info->dtype, checkpoint.data(*info), element,
                   [&](StringRef bytes) { file.write(bytes); }))
        return decl.emitOpError()
               << "cannot convert " << ::r1::frontend::dtypeName(info->dtype)
               << " tensor '" << name << "' to " << element;
    }
    json::Array shape;
    for (int64_t d : type.getShape())
      shape.push_back(d);
    tensors.push_back(json::Object{{"name", decl.getSymName()},
                                   {"dtype", dtypeName},
                                   {"shape", std::move(shape)},
                                   {"offset", int64_t(offset)},
                                   {"bytes", int64_t(file.bytes() - offset)}});
  }
  file.padTo(kWeightAlignment);
  if (file.error())
    return module.emitError() << "cannot write " << path << ": "
                              << file.error().message();
  uint64_t bytes = file.bytes();
  entry = {"weights.bin", bytes, file.finish()};
  return success();
}

/// Writes `text` to `dir`/`name` and records it in `files`.
LogicalResult writeTextFile(ModuleOp module, StringRef dir, StringRef name,
                            StringRef text, SmallVectorImpl<FileEntry> &files) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  HashedFile file(path);
  file.write(text);
  if (file.error())
    return module.emitError() << "cannot write " << path << ": "
                              << file.error().message();
  uint64_t bytes = file.bytes();
  files.push_back({name.str(), bytes, file.finish()});
  return success();
}

} // namespace

LogicalResult mlir::r1::writeArtifact(ModuleOp module, StringRef checkpointDir,
                                      StringRef outDir) {
  auto checkpoint = Checkpoint::open(checkpointDir);
  if (!checkpoint)
    return module.emitError() << llvm::toString(checkpoint.takeError());

  // Build everything in a sibling temporary folder, then rename it in.
  SmallString<256> tmp;
  llvm::sys::fs::createUniquePath(outDir + ".tmp-%%%%%%", tmp,
                                  /*MakeAbsolute=*/false);
  namespace fs = llvm::sys::fs;
  if (std::error_code ec = fs::create_directory(
          tmp, /*IgnoreExisting=*/false,
          fs::perms::all_read | fs::perms::all_exe | fs::perms::owner_write))
    return module.emitError() << "cannot create " << tmp << ": "
                              << ec.message();
  bool keep = false;
  auto cleanup = llvm::make_scope_exit([&] {
    if (!keep)
      llvm::sys::fs::remove_directories(tmp);
  });

  json::Array tensors;
  SmallVector<FileEntry> files(1);
  if (failed(packWeights(module, **checkpoint, tmp, tensors, files[0])))
    return failure();
  std::string ir;
  llvm::raw_string_ostream irStream(ir);
  module.print(irStream);
  if (failed(writeTextFile(module, tmp, "model.mlir", irStream.str(), files)))
    return failure();
  SmallString<256> tokenizer(checkpointDir);
  llvm::sys::path::append(tokenizer, "tokenizer.json");
  if (llvm::sys::fs::is_regular_file(tokenizer)) {
    auto buffer = llvm::MemoryBuffer::getFile(tokenizer);
    if (!buffer)
      return module.emitError() << "cannot read " << tokenizer;
    if (failed(writeTextFile(module, tmp, "tokenizer.json",
                             (*buffer)->getBuffer(), files)))
      return failure();
  }

  json::Object fileTable;
  for (const FileEntry &f : files)
    fileTable[f.name] = json::Object{{"bytes", int64_t(f.bytes)},
                                     {"sha256", f.sha256}};
  auto architecture = module->getAttrOfType<StringAttr>("r1.model");
  json::Object manifest{
      {"format", "r1c-artifact"},
      {"format_version", kArtifactFormatVersion},
      {"model",
       json::Object{{"architecture",
                     architecture ? architecture.getValue() : "unknown"},
                    {"source", checkpointDir}}},
      // No target code yet: the artifact holds the r1 module and weights.
      {"targets", json::Array{}},
      {"weights", json::Object{{"file", "weights.bin"},
                               {"alignment", int64_t(kWeightAlignment)},
                               {"tensors", std::move(tensors)}}},
      {"files", std::move(fileTable)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", json::Value(std::move(manifest))) << "\n";
  SmallVector<FileEntry> unused;
  if (failed(writeTextFile(module, tmp, "manifest.json", os.str(), unused)))
    return failure();

  // Swap in: an old artifact moves aside first and goes only once the new
  // one is in place.
  SmallString<256> old;
  if (llvm::sys::fs::exists(outDir)) {
    llvm::sys::fs::createUniquePath(outDir + ".old-%%%%%%", old, false);
    if (std::error_code ec = llvm::sys::fs::rename(outDir, old))
      return module.emitError() << "cannot replace " << outDir << ": "
                                << ec.message();
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, outDir)) {
    if (!old.empty())
      (void)llvm::sys::fs::rename(old, outDir);
    return module.emitError() << "cannot create " << outDir << ": "
                              << ec.message();
  }
  keep = true;
  if (!old.empty())
    llvm::sys::fs::remove_directories(old);
  return success();
}
