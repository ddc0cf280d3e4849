//===- SafetensorsFile.h - a validated safetensors file --------*- C++ -*-===//
//
// This file declares SafetensorsFile: a memory-mapped .safetensors file whose
// header has been checked in full before any tensor is handed out.
// Format: u64 little-endian header length N, N bytes of JSON, raw data.
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_SAFETENSORSFILE_H
#define R1_FRONTEND_SAFETENSORSFILE_H

#include "frontend/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace r1::frontend {

struct TensorInfo {
  std::string name;
  DType dtype;
  llvm::SmallVector<int64_t, 4> shape;
  /// Byte range relative to the start of the data section.
  uint64_t begin = 0, end = 0;

  uint64_t numBytes() const { return end - begin; }
};

class SafetensorsFile {
public:
  /// Header length limit, as the reference implementation has it.
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

  /// Maps and validates `path`; every error is one line naming the file and
  /// the problem.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);

  llvm::StringRef path() const { return filePath; }
  /// Tensors in data order.
  llvm::ArrayRef<TensorInfo> tensors() const { return tensorList; }
  const TensorInfo *find(llvm::StringRef name) const;
  /// The bytes of `tensor` (which must come from this file).
  llvm::ArrayRef<uint8_t> data(const TensorInfo &tensor) const;
  const llvm::StringMap<std::string> &metadata() const { return meta; }

private:
  SafetensorsFile() = default;
  llvm::Error parseHeader(llvm::StringRef header, uint64_t dataSize);

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  uint64_t dataOffset = 0;
  std::vector<TensorInfo> tensorList;
  llvm::StringMap<size_t> byName;
  llvm::StringMap<std::string> meta;
};

} // namespace r1::frontend

#endif // R1_FRONTEND_SAFETENSORSFILE_H
