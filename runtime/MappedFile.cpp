//===- MappedFile.cpp - read-only mappings of regular files ---------------===//

#include "MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace r1rt {

MappedFile::~MappedFile() { close(); }

void MappedFile::close() {
  if (data && size)
    munmap(const_cast<uint8_t *>(data), size);
  data = nullptr;
  size = 0;
}

bool MappedFile::open(const std::string &path, std::string &error,
                      bool populate) {
  close();
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = path + " is not a regular file";
    return false;
  }
  size = size_t(st.st_size);
  if (size) {
    void *map = mmap(nullptr, size, PROT_READ,
                     MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
    if (map == MAP_FAILED) {
      ::close(fd);
      size = 0;
      error = "cannot map " + path + ": " + std::strerror(errno);
      return false;
    }
    data = static_cast<const uint8_t *>(map);
  }
  ::close(fd);
  return true;
}

bool readText(const std::string &path, std::string &text, std::string &error,
              uint64_t maxBytes) {
  MappedFile file;
  if (!file.open(path, error))
    return false;
  if (file.size > maxBytes) {
    error = path + " is " + std::to_string(file.size) + " bytes, more than " +
            std::to_string(maxBytes);
    return false;
  }
  text.assign(reinterpret_cast<const char *>(file.data), file.size);
  return true;
}

} // namespace r1rt
