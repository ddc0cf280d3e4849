//===- TestFiles.h - temporary files for reader tests -----------*- C++ -*-===//
//
// This file gives the reader tests a fresh folder per test and helpers to
// write (possibly hostile) files into it.
//
//===----------------------------------------------------------------------===//

#ifndef R1_TEST_UNIT_TESTFILES_H
#define R1_TEST_UNIT_TESTFILES_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace r1::testing {

/// A folder removed when the test ends.
class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> dir;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("r1-test", dir));
    path = std::string(dir);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }

  std::string file(llvm::StringRef name) const {
    llvm::SmallString<128> p(path);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }

  /// Writes `bytes` to `name` and returns its path.
  std::string write(llvm::StringRef name, llvm::StringRef bytes) const {
    std::string p = file(name);
    std::error_code ec;
    llvm::raw_fd_ostream os(p, ec);
    EXPECT_FALSE(ec) << ec.message();
    os << bytes;
    return p;
  }

  std::string path;
};

/// A safetensors file: 8-byte little-endian header length, header, data.
inline std::string safetensors(llvm::StringRef header,
                               const std::string &data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header.str() + data;
}

} // namespace r1::testing

#endif // R1_TEST_UNIT_TESTFILES_H
