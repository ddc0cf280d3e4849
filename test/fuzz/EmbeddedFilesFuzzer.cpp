//===- EmbeddedFilesFuzzer.cpp - a damaged embedded files table -----------===//
//
// The input is an executable's image as checkEmbeddedFiles sees it, with
// the table at its start. Its pointers are written as offsets from the
// image's start (what the dynamic loader's relocation turns into
// addresses), so a fuzzer can aim them inside, at the edges and outside:
// entry i is three little-endian u64 (name, data, bytes) at 24·i; a zero
// name ends the table. A table that passes must be readable in full: each
// name up to its NUL and each file's bytes are read, so a range the check
// let through that lies outside the image is an ASan report.
//
//===----------------------------------------------------------------------===//

#include "runtime/EmbeddedFiles.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Exactly `size` bytes, 8-aligned as the linker aligns the table.
  std::unique_ptr<uint64_t[]> words(new uint64_t[(size + 7) / 8]);
  auto *image = reinterpret_cast<uint8_t *>(words.get());
  if (size)
    std::memcpy(image, data, size);
  // Relocate: offsets become addresses (wrapping, as a damaged one may).
  uintptr_t base = reinterpret_cast<uintptr_t>(image);
  for (size_t at = 0; at + sizeof(r1_embedded_file) <= size;
       at += sizeof(r1_embedded_file)) {
    uint64_t name, file;
    std::memcpy(&name, image + at, 8);
    std::memcpy(&file, image + at + 8, 8);
    if (name == 0)
      break;
    name += base;
    file += base;
    std::memcpy(image + at, &name, 8);
    std::memcpy(image + at + 8, &file, 8);
  }
  // An image smaller than one entry still has a table pointer: the check
  // must see that the table itself does not fit.
  const auto *table = reinterpret_cast<const r1_embedded_file *>(image);
  std::string error;
  if (!r1rt::checkEmbeddedFiles(table, image, size, error)) {
    if (error.empty() || error.find('\n') != std::string::npos)
      std::abort();
    return 0;
  }
  unsigned sum = 0;
  for (const r1_embedded_file *f = table; f->name; ++f) {
    sum += unsigned(std::strlen(f->name));
    for (uint64_t i = 0; i < f->bytes; ++i)
      sum += f->data[i];
  }
  return static_cast<int>(sum & 0);
}
