//===- MappedFile.h - read-only mappings of regular files -------*- C++ -*-===//
//
// How the runtime and its tokenizer open the files of an artifact: regular
// files only (a FIFO or device never blocks or streams forever), mapped
// read-only, with a size limit for text. Plain C++17 and POSIX.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_MAPPEDFILE_H
#define R1_RUNTIME_MAPPEDFILE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace r1rt {

/// A read-only mapping of a whole regular file.
class MappedFile {
public:
  MappedFile() = default;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();
  /// Maps `path`; false with `error` set when it cannot. With `populate`
  /// every page is faulted in now, not by the first reader to touch it.
  bool open(const std::string &path, std::string &error,
            bool populate = false);
  void close();
  const uint8_t *data = nullptr;
  size_t size = 0;
};

/// The contents of the regular file `path`, refused above `maxBytes`.
bool readText(const std::string &path, std::string &text, std::string &error,
              uint64_t maxBytes = uint64_t(64) << 20);

} // namespace r1rt

#endif // R1_RUNTIME_MAPPEDFILE_H
