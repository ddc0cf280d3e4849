//===- SafetensorsFuzzer.cpp - SafetensorsFile on arbitrary bytes ---------===//
//
// The input is a whole .safetensors file. Whatever it holds, the reader must
// refuse it with one line or hand out tensors whose bytes it can read: every
// tensor's view is read in full, so a range the checks let through that lies
// outside the buffer is an ASan report.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/SafetensorsFile.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace r1::checkpoint;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A copy of exactly `size` bytes: a read past the end is a heap overflow.
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "model.safetensors");
  auto file =
      SafetensorsFile::fromBuffer(std::move(buffer), "model.safetensors");
  if (!file) {
    std::string message = llvm::toString(file.takeError());
    if (message.empty() || message.find('\n') != std::string::npos)
      std::abort(); // errors are one line
    return 0;
  }
  uint64_t covered = 0;
  unsigned sum = 0;
  for (const TensorInfo &tensor : (*file)->tensors()) {
    if ((*file)->find(tensor.name) == nullptr)
      std::abort();
    llvm::ArrayRef<uint8_t> bytes = (*file)->data(tensor);
    if (bytes.size() != tensor.numBytes())
      std::abort();
    for (uint8_t byte : bytes)
      sum += byte;
    covered += bytes.size();
  }
  // The tensors tile the data section exactly.
  if (covered != (*file)->dataSize())
    std::abort();
  return static_cast<int>(sum & 0);
}
