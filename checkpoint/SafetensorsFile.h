//===- SafetensorsFile.h - a validated safetensors file --------*- C++ -*-===//
//
// This file declares SafetensorsFile: a memory-mapped .safetensors file whose
// header has been checked in full before any tensor is handed out.
// Format (huggingface/safetensors): u64 little-endian header length N, N
// bytes of UTF-8 JSON, then the raw data, which the tensors tile exactly.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CHECKPOINT_SAFETENSORSFILE_H
#define R1_CHECKPOINT_SAFETENSORSFILE_H

#include "checkpoint/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace r1::checkpoint {

/// One tensor of a header, as validated: its byte range lies inside the data
/// section and holds exactly product(shape) * dtypeSize(dtype) bytes.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  llvm::SmallVector<int64_t, 4> shape;
  /// Byte range [begin, end) relative to the start of the data section.
  uint64_t begin = 0, end = 0;

  uint64_t offset() const { return begin; }
  uint64_t numBytes() const { return end - begin; }
  uint64_t numElements() const { return numBytes() / dtypeSize(dtype); }
};

class SafetensorsFile {
public:
  /// Header length limit, as the reference implementation has it.
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;
  /// Highest rank accepted; real checkpoints stay at or under 4.
  static constexpr size_t kMaxRank = 8;

  /// Maps and validates `path`; every error is one line naming the file and
  /// the problem.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);
  /// Validates the bytes of `buffer` as open() validates a file's; errors
  /// name `path` (which is not read).
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path);

  llvm::StringRef path() const { return filePath; }
  /// Tensors in data order.
  llvm::ArrayRef<TensorInfo> tensors() const { return tensorList; }
  /// The tensor `name`, or null.
  const TensorInfo *find(llvm::StringRef name) const;
  /// The bytes of `tensor`, a view into the mapped file that lives as long
  /// as this object. A range outside this file's data (a TensorInfo from
  /// another file) gives an empty view.
  llvm::ArrayRef<uint8_t> data(const TensorInfo &tensor) const;
  /// Lets the OS drop bytes [begin, end) of `tensor`'s data, once read,
  /// from this process's resident memory: the pages stay in the page cache
  /// and a later read maps them again, so streaming a large tensor does not
  /// grow the process by its size. What goes is the 2 MiB-aligned span
  /// around the range (a read maps whole page-cache folios, neighbours'
  /// bytes too; they are mapped again when read). A file read into memory
  /// rather than mapped is left as it is.
  void releasePages(const TensorInfo &tensor, uint64_t begin,
                    uint64_t end) const;
  /// Size of the data section in bytes.
  uint64_t dataSize() const { return dataBytes; }
  /// The optional "__metadata__" string map.
  const llvm::StringMap<std::string> &metadata() const { return meta; }

private:
  SafetensorsFile() = default;
  llvm::Error parseHeader(llvm::StringRef header);
  llvm::Error parseTensor(llvm::StringRef name, const llvm::json::Value &value);
  llvm::Error checkTiling();

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  uint64_t dataOffset = 0;
  uint64_t dataBytes = 0;
  std::vector<TensorInfo> tensorList;
  llvm::StringMap<size_t> byName;
  llvm::StringMap<std::string> meta;
};

} // namespace r1::checkpoint

#endif // R1_CHECKPOINT_SAFETENSORSFILE_H
