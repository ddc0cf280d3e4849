//===- EmbeddedFiles.cpp - checking an executable's embedded files --------===//
//
// This file implements checkEmbeddedFiles. Addresses are compared as
// integers: a damaged table's pointers may point anywhere, and forming or
// comparing pointers outside one object is not defined in C++.
//
//===----------------------------------------------------------------------===//

#include "runtime/EmbeddedFiles.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

namespace r1rt {

bool checkEmbeddedFiles(const r1_embedded_file *table, const void *image,
                        uint64_t size, std::string &error) {
  uintptr_t begin = reinterpret_cast<uintptr_t>(image);
  if (size > UINTPTR_MAX - begin) {
    error = "the executable's mapped image wraps around the address space";
    return false;
  }
  uintptr_t end = begin + uintptr_t(size);
  // [address, address + bytes) inside the image.
  auto inside = [&](uintptr_t address, uint64_t bytes) {
    return address >= begin && address <= end && bytes <= end - address;
  };
  uintptr_t at = reinterpret_cast<uintptr_t>(table);
  if (at % alignof(r1_embedded_file)) {
    error = "the embedded file table is misaligned";
    return false;
  }
  std::vector<std::string_view> names;
  for (size_t i = 0;; ++i, at += sizeof(r1_embedded_file)) {
    if (!inside(at, sizeof(r1_embedded_file))) {
      error = "the embedded file table runs past the executable's image";
      return false;
    }
    const auto *entry = reinterpret_cast<const r1_embedded_file *>(at);
    if (!entry->name)
      return true;
    std::string prefix = "embedded file " + std::to_string(i) + " ";
    if (i == kMaxEmbeddedFiles) {
      error = "the embedded file table has more than " +
              std::to_string(kMaxEmbeddedFiles) + " entries";
      return false;
    }
    uintptr_t name = reinterpret_cast<uintptr_t>(entry->name);
    if (!inside(name, 1)) {
      error = prefix + "has a name outside the executable's image";
      return false;
    }
    // The terminator within the image and kMaxEmbeddedName + 1 bytes.
    size_t room = size_t(std::min<uint64_t>(end - name, kMaxEmbeddedName + 1));
    const void *nul = std::memchr(entry->name, '\0', room);
    if (!nul) {
      error = prefix + "has an unterminated or overlong name";
      return false;
    }
    std::string_view text(entry->name,
                          size_t(static_cast<const char *>(nul) - entry->name));
    // r1c's names are file names; anything else would garble messages.
    if (text.empty() || std::any_of(text.begin(), text.end(), [](char c) {
          return c <= ' ' || c > '~';
        })) {
      error = prefix + "has a name that is not a printable file name";
      return false;
    }
    for (std::string_view seen : names)
      if (seen == text) {
        error =
            "the embedded file table lists '" + std::string(text) + "' twice";
        return false;
      }
    names.push_back(text);
    if (!inside(reinterpret_cast<uintptr_t>(entry->data), entry->bytes)) {
      error = prefix + "'" + std::string(text) + "' (" +
              std::to_string(entry->bytes) +
              " bytes) lies outside the executable's image";
      return false;
    }
  }
}

} // namespace r1rt
