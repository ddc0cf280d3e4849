//===- SafetensorsFile.cpp - a validated safetensors file -----------------===//
//
// This file implements SafetensorsFile::open: every size and offset in the
// header is checked (with overflow-checked arithmetic) before anything is
// read, and the tensors must tile the data section exactly.
//
//===----------------------------------------------------------------------===//

#include "frontend/SafetensorsFile.h"
#include "frontend/JsonDocument.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace llvm;

namespace r1::frontend {

namespace {
constexpr size_t kMaxRank = 8;

/// A non-negative JSON integer, or nullopt.
std::optional<int64_t> nonNegative(const json::Value &v) {
  std::optional<int64_t> i = v.getAsInteger();
  if (!i || *i < 0)
    return std::nullopt;
  return i;
}
} // namespace

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  auto mapped = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false,
                                      /*IsVolatile=*/false);
  if (!mapped)
    return makeError(path, "cannot open: " + mapped.getError().message());
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->filePath = path.str();
  file->buffer = std::move(*mapped);
  StringRef bytes = file->buffer->getBuffer();

  if (bytes.size() < 8)
    return makeError(path, Twine("file of ") + Twine(bytes.size()) +
                               " bytes is too small for a safetensors header");
  uint64_t headerSize =
      support::endian::read64le(reinterpret_cast<const uint8_t *>(bytes.data()));
  if (headerSize > kMaxHeaderBytes)
    return makeError(path, Twine("header length ") + Twine(headerSize) +
                               " exceeds the limit of " +
                               Twine(kMaxHeaderBytes) + " bytes");
  if (headerSize > bytes.size() - 8)
    return makeError(path, Twine("header length ") + Twine(headerSize) +
                               " runs past the end of the " +
                               Twine(bytes.size()) + "-byte file");
  StringRef header = bytes.substr(8, headerSize);
  if (header.empty() || header.front() != '{')
    return makeError(path, "header does not start with '{'");
  file->dataOffset = 8 + headerSize;
  if (Error err = file->parseHeader(header, bytes.size() - file->dataOffset))
    return err;
  return file;
}

Error SafetensorsFile::parseHeader(StringRef header, uint64_t dataSize) {
  StringRef path = filePath;
  JsonLimits limits;
  limits.maxBytes = kMaxHeaderBytes;
  Expected<json::Value> parsed = parseUntrustedJson(header, path, limits);
  if (!parsed)
    return parsed.takeError();
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return makeError(path, "header is not a JSON object");

  for (const auto &[key, value] : *root) {
    StringRef name = key;
    if (name == "__metadata__") {
      const json::Object *m = value.getAsObject();
      if (!m)
        return makeError(path, "'__metadata__' must be an object of strings");
      for (const auto &[mk, mv] : *m) {
        std::optional<StringRef> s = mv.getAsString();
        if (!s)
          return makeError(path, "'__metadata__' value of '" + StringRef(mk) +
                                     "' must be a string");
        meta[StringRef(mk)] = s->str();
      }
      continue;
    }
    auto tensorError = [&](const Twine &message) {
      return makeError(path, "tensor '" + name + "' " + message);
    };
    const json::Object *entry = value.getAsObject();
    if (!entry)
      return tensorError("must be an object");
    for (const auto &[field, unused] : *entry) {
      StringRef f = field;
      if (f != "dtype" && f != "shape" && f != "data_offsets")
        return tensorError("has unknown field '" + f + "'");
    }
    TensorInfo info;
    info.name = name.str();

    std::optional<StringRef> dtypeName = entry->getString("dtype");
    if (!dtypeName)
      return tensorError("has no string 'dtype'");
    std::optional<DType> dtype = parseDType(*dtypeName);
    if (!dtype)
      return makeError(path, "unsupported dtype '" + *dtypeName +
                                 "' of tensor '" + name + "'");
    info.dtype = *dtype;

    const json::Array *shape = entry->getArray("shape");
    if (!shape)
      return tensorError("has no array 'shape'");
    if (shape->size() > kMaxRank)
      return tensorError(Twine("has rank ") + Twine(shape->size()) +
                         ", more than " + Twine(kMaxRank));
    uint64_t elements = 1;
    for (const json::Value &dim : *shape) {
      std::optional<int64_t> d = nonNegative(dim);
      if (!d)
        return tensorError("has a shape dim that is not a non-negative "
                           "integer");
      info.shape.push_back(*d);
      if (__builtin_mul_overflow(elements, static_cast<uint64_t>(*d), &elements))
        return tensorError("has a shape whose element count overflows 64 bits");
    }
    uint64_t bytes;
    if (__builtin_mul_overflow(elements, dtypeSize(info.dtype), &bytes))
      return tensorError("has a shape whose byte size overflows 64 bits");

    const json::Array *offsets = entry->getArray("data_offsets");
    if (!offsets || offsets->size() != 2)
      return tensorError("has no 'data_offsets' pair [begin, end]");
    std::optional<int64_t> begin = nonNegative((*offsets)[0]);
    std::optional<int64_t> end = nonNegative((*offsets)[1]);
    if (!begin || !end)
      return tensorError("has data_offsets that are not non-negative integers");
    if (*begin > *end)
      return tensorError(Twine("has data_offsets [") + Twine(*begin) + ", " +
                         Twine(*end) + ") with begin after end");
    if (static_cast<uint64_t>(*end) > dataSize)
      return tensorError(Twine("data range [") + Twine(*begin) + ", " +
                         Twine(*end) + ") runs past the " + Twine(dataSize) +
                         "-byte data section");
    info.begin = *begin;
    info.end = *end;
    if (info.numBytes() != bytes)
      return tensorError(Twine("has ") + Twine(info.numBytes()) +
                         " bytes of data but its shape and dtype need " +
                         Twine(bytes));
    tensorList.push_back(std::move(info));
  }

  // The tensors must tile the data section: sorted, no overlap, no holes,
  // nothing after the last.
  std::sort(tensorList.begin(), tensorList.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  uint64_t expected = 0;
  for (const TensorInfo &t : tensorList) {
    if (t.begin < expected)
      return makeError(path, "tensor '" + t.name + "' data range [" +
                                 Twine(t.begin) + ", " + Twine(t.end) +
                                 ") overlaps the previous range ending at " +
                                 Twine(expected));
    if (t.begin > expected)
      return makeError(path, "tensor '" + t.name + "' data range [" +
                                 Twine(t.begin) + ", " + Twine(t.end) +
                                 ") leaves a hole after offset " +
                                 Twine(expected));
    expected = t.end;
  }
  if (expected != dataSize)
    return makeError(path, Twine(dataSize - expected) +
                               " trailing bytes after the last tensor");
  for (size_t i = 0; i < tensorList.size(); ++i)
    byName[tensorList[i].name] = i;
  return Error::success();
}

const TensorInfo *SafetensorsFile::find(StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensorList[it->second];
}

ArrayRef<uint8_t> SafetensorsFile::data(const TensorInfo &tensor) const {
  const uint8_t *base =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart()) + dataOffset;
  return ArrayRef<uint8_t>(base + tensor.begin, tensor.numBytes());
}

} // namespace r1::frontend
