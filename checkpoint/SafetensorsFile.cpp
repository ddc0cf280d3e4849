//===- SafetensorsFile.cpp - a validated safetensors file -----------------===//
//
// This file implements SafetensorsFile::open and fromBuffer: every size and
// offset in the header is checked (with overflow-checked arithmetic) before
// anything is read, and the tensors must tile the data section exactly, as the
// reference implementation (huggingface/safetensors) requires.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/SafetensorsFile.h"
#include "checkpoint/JsonDocument.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

#include <sys/mman.h>

using namespace llvm;

namespace r1::checkpoint {

namespace {

std::string range(uint64_t begin, uint64_t end) {
  return ("[" + Twine(begin) + ", " + Twine(end) + ")").str();
}

} // namespace

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  Expected<std::unique_ptr<MemoryBuffer>> mapped =
      openRegularFile(path, /*maxBytes=*/UINT64_MAX);
  if (!mapped)
    return mapped.takeError();
  return fromBuffer(std::move(*mapped), path);
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::fromBuffer(std::unique_ptr<MemoryBuffer> buffer,
                            StringRef path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->filePath = path.str();
  file->buffer = std::move(buffer);
  StringRef bytes = file->buffer->getBuffer();

  if (bytes.size() < 8)
    return makeError(path, "file of " + Twine(bytes.size()) +
                               " bytes is too small for a safetensors header "
                               "(8-byte length first)");
  uint64_t headerSize = support::endian::read64le(bytes.data());
  if (headerSize > kMaxHeaderBytes)
    return makeError(path, "header length " + Twine(headerSize) +
                               " exceeds the limit of " +
                               Twine(kMaxHeaderBytes) + " bytes");
  // No overflow: bytes.size() >= 8.
  if (headerSize > bytes.size() - 8)
    return makeError(path, "header length " + Twine(headerSize) +
                               " runs past the end of the " +
                               Twine(bytes.size()) + "-byte file");
  StringRef header = bytes.substr(8, headerSize);
  if (header.empty() || header.front() != '{')
    return makeError(path, "header does not start with '{'");
  file->dataOffset = 8 + headerSize;
  file->dataBytes = bytes.size() - file->dataOffset;
  if (Error err = file->parseHeader(header))
    return err;
  return file;
}

Error SafetensorsFile::parseHeader(StringRef header) {
  StringRef path = filePath;
  JsonLimits limits;
  limits.maxBytes = kMaxHeaderBytes;
  Expected<json::Value> parsed = parseUntrustedJson(header, path, limits);
  if (!parsed)
    return parsed.takeError();
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return makeError(path, "header must be a JSON object, got " +
                               jsonKindName(*parsed));

  // Visit keys in sorted order so that the first error reported does not
  // depend on hash order.
  SmallVector<StringRef> keys;
  keys.reserve(root->size());
  for (const auto &entry : *root)
    keys.push_back(entry.first);
  llvm::sort(keys);

  for (StringRef key : keys) {
    const json::Value &value = *root->get(key);
    if (key == "__metadata__") {
      const json::Object *m = value.getAsObject();
      if (!m)
        return makeError(path, "'__metadata__' must be an object of strings, "
                               "got " +
                                   jsonKindName(value));
      for (const auto &[metaKey, metaValue] : *m) {
        std::optional<StringRef> s = metaValue.getAsString();
        if (!s)
          return makeError(
              path, "'__metadata__' value of '" + printable(metaKey) +
                        "' must be a string, got " + jsonKindName(metaValue));
        meta[StringRef(metaKey)] = s->str();
      }
      continue;
    }
    if (Error err = parseTensor(key, value))
      return err;
  }
  if (Error err = checkTiling())
    return err;
  for (size_t i = 0; i < tensorList.size(); ++i)
    byName[tensorList[i].name] = i;
  return Error::success();
}

Error SafetensorsFile::parseTensor(StringRef name, const json::Value &value) {
  auto fail = [&](const Twine &message) {
    return makeError(filePath, "tensor '" + printable(name) + "' " + message);
  };
  if (name.empty())
    return makeError(filePath, "a tensor has an empty name");
  const json::Object *entry = value.getAsObject();
  if (!entry)
    return fail("must be an object, got " + jsonKindName(value));
  // Exactly dtype, shape and data_offsets: anything else means a format we
  // do not know, and guessing could misread the data.
  SmallVector<StringRef, 4> fields;
  for (const auto &field : *entry)
    fields.push_back(field.first);
  llvm::sort(fields);
  for (StringRef field : fields)
    if (field != "dtype" && field != "shape" && field != "data_offsets")
      return fail("has unknown field '" + printable(field) + "'");
  for (StringRef field : {"dtype", "shape", "data_offsets"})
    if (!entry->get(field))
      return fail("is missing '" + field + "'");

  TensorInfo info;
  info.name = name.str();

  const json::Value &dtypeValue = *entry->get("dtype");
  std::optional<StringRef> dtypeText = dtypeValue.getAsString();
  if (!dtypeText)
    return fail("'dtype' must be a string, got " + jsonKindName(dtypeValue));
  std::optional<DType> dtype = parseDType(*dtypeText);
  if (!dtype)
    return makeError(filePath, "unsupported dtype '" + printable(*dtypeText) +
                                   "' of tensor '" + printable(name) + "'");
  info.dtype = *dtype;

  const json::Value &shapeValue = *entry->get("shape");
  const json::Array *shape = shapeValue.getAsArray();
  if (!shape)
    return fail("'shape' must be an array, got " + jsonKindName(shapeValue));
  if (shape->size() > kMaxRank)
    return fail("has rank " + Twine(shape->size()) + ", more than " +
                Twine(kMaxRank));
  uint64_t elements = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    std::optional<int64_t> dim = jsonNonNegativeLiteral((*shape)[i]);
    if (!dim)
      return fail("shape dim " + Twine(i) +
                  " must be a non-negative integer, got " +
                  describeJson((*shape)[i]));
    info.shape.push_back(*dim);
    bool overflow = false;
    elements =
        SaturatingMultiply(elements, static_cast<uint64_t>(*dim), &overflow);
    if (overflow)
      return fail("has a shape whose element count overflows 64 bits");
  }
  bool overflow = false;
  uint64_t bytes =
      SaturatingMultiply(elements, dtypeSize(info.dtype), &overflow);
  if (overflow)
    return fail("has a shape whose byte size overflows 64 bits");

  const json::Value &offsetsValue = *entry->get("data_offsets");
  const json::Array *offsets = offsetsValue.getAsArray();
  if (!offsets)
    return fail("'data_offsets' must be an array [begin, end], got " +
                jsonKindName(offsetsValue));
  if (offsets->size() != 2)
    return fail("'data_offsets' must be [begin, end], got " +
                Twine(offsets->size()) + " entries");
  for (const json::Value &offset : *offsets)
    if (!jsonNonNegativeLiteral(offset))
      return fail("'data_offsets' must hold non-negative integers, got " +
                  describeJson(offset));
  info.begin = *jsonNonNegativeLiteral((*offsets)[0]);
  info.end = *jsonNonNegativeLiteral((*offsets)[1]);
  if (info.begin > info.end)
    return fail("data_offsets [" + Twine(info.begin) + ", " + Twine(info.end) +
                "] have begin after end");
  if (info.end > dataBytes)
    return fail("data range " + range(info.begin, info.end) +
                " runs past the " + Twine(dataBytes) + "-byte data section");
  if (info.numBytes() != bytes)
    return fail("data range " + range(info.begin, info.end) + " holds " +
                Twine(info.numBytes()) + " bytes but " + Twine(elements) +
                " elements of " + dtypeName(info.dtype) + " need " +
                Twine(bytes));
  tensorList.push_back(std::move(info));
  return Error::success();
}

Error SafetensorsFile::checkTiling() {
  // Sorted by range, the tensors must follow each other with no overlap and
  // no hole, from 0 to the end of the file: then every byte belongs to
  // exactly one tensor and nothing hides after the last.
  llvm::stable_sort(tensorList, [](const TensorInfo &a, const TensorInfo &b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t expected = 0;
  for (const TensorInfo &t : tensorList) {
    if (t.begin < expected)
      return makeError(filePath, "tensor '" + printable(t.name) +
                                     "' data range " + range(t.begin, t.end) +
                                     " overlaps the previous tensor's range "
                                     "ending at " +
                                     Twine(expected));
    if (t.begin > expected)
      return makeError(filePath, "tensor '" + printable(t.name) +
                                     "' data range " + range(t.begin, t.end) +
                                     " leaves a hole after offset " +
                                     Twine(expected));
    expected = t.end;
  }
  if (expected != dataBytes)
    return makeError(filePath, Twine(dataBytes - expected) +
                                   " trailing bytes after the last tensor, "
                                   "which ends at data offset " +
                                   Twine(expected));
  return Error::success();
}

const TensorInfo *SafetensorsFile::find(StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensorList[it->second];
}

ArrayRef<uint8_t> SafetensorsFile::data(const TensorInfo &tensor) const {
  if (tensor.begin > tensor.end || tensor.end > dataBytes)
    return {};
  const uint8_t *base =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart()) + dataOffset;
  return ArrayRef<uint8_t>(base + tensor.begin, tensor.numBytes());
}

void SafetensorsFile::releasePages(const TensorInfo &tensor, uint64_t begin,
                                   uint64_t end) const {
  // Dropping pages of an anonymous (read-in) buffer would zero them.
  if (buffer->getBufferKind() != MemoryBuffer::MemoryBuffer_MMap)
    return;
  ArrayRef<uint8_t> bytes = data(tensor);
  if (begin >= end || end > bytes.size())
    return;
  uintptr_t page = sys::Process::getPageSizeEstimate();
  uintptr_t start = reinterpret_cast<uintptr_t>(buffer->getBufferStart());
  // The mapping covers whole pages around the buffer.
  uintptr_t first = alignDown(start, page);
  uintptr_t last = alignTo(start + buffer->getBufferSize(), page);
  uintptr_t from = reinterpret_cast<uintptr_t>(bytes.data()) + begin;
  uintptr_t to = reinterpret_cast<uintptr_t>(bytes.data()) + end;
  // Reading a page maps its neighbours too: Linux maps the page cache's
  // whole folio (up to 2 MiB) or a fault-around window. So the 2 MiB-aligned
  // span around [begin, end) goes: neighbours a read mapped again after
  // their own release are dropped here (a neighbour still being read maps
  // them once more, cheaply, from the page cache).
  const uintptr_t span = std::max<uintptr_t>(page, 2 << 20);
  from = std::max(alignDown(from, span), first);
  to = std::min(alignTo(to, span), last);
  // Advice only: a failure leaves the pages mapped, which is harmless.
  (void)::madvise(reinterpret_cast<void *>(from), to - from, MADV_DONTNEED);
}

} // namespace r1::checkpoint
