//===- AtomicFile.cpp - replace a file all at once ------------------------===//
//
// This file implements writeFileAtomically: mkostemp beside the target,
// buffered writes, fsync, rename, fsync of the folder (POSIX: the rename is
// durable only once the folder's entry is).
//
//===----------------------------------------------------------------------===//

#include "runtime/AtomicFile.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace r1rt {
namespace {

constexpr size_t kBufferBytes = size_t(1) << 20;

/// Writes all `size` bytes, retrying short writes; the errno on failure.
int writeAll(int fd, const char *data, size_t size) {
  while (size) {
    ssize_t wrote = ::write(fd, data, size);
    if (wrote < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    data += wrote;
    size -= size_t(wrote);
  }
  return 0;
}

/// The temporary file until it is renamed: closed and removed when the
/// write does not get that far (a failure or an exception).
struct TemporaryFile {
  std::string path;
  int fd = -1;
  bool renamed = false;
  ~TemporaryFile() {
    if (fd >= 0)
      ::close(fd);
    if (!renamed && !path.empty())
      ::unlink(path.c_str());
  }
};

} // namespace

bool writeFileAtomically(const std::string &path,
                         const std::function<bool(const ByteSink &)> &produce,
                         std::string &error, AtomicWriteObserver observe) {
  size_t slash = path.rfind('/');
  std::string folder = slash == std::string::npos ? "."
                       : slash == 0               ? "/"
                                                  : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    error = "'" + path + "' does not name a file";
    return false;
  }
  auto failed = [&](const std::string &what, int code) {
    error = what + ": " + std::strerror(code);
    return false;
  };
  TemporaryFile temporary;
  // Beside the target, so the rename stays in one file system.
  std::string pattern =
      path.substr(0, slash == std::string::npos ? 0 : slash + 1) + "." + name +
      ".tmp-XXXXXX";
  temporary.fd = mkostemp(pattern.data(), O_CLOEXEC);
  if (temporary.fd < 0)
    return failed("cannot create a temporary file in " + folder, errno);
  temporary.path = pattern;

  std::vector<char> buffer;
  buffer.reserve(kBufferBytes);
  int writeError = 0;
  auto flush = [&] {
    if (!writeError && !buffer.empty())
      writeError = writeAll(temporary.fd, buffer.data(), buffer.size());
    buffer.clear();
    return writeError == 0;
  };
  ByteSink sink = [&](const void *data, size_t size) {
    const char *bytes = static_cast<const char *>(data);
    if (writeError)
      return false;
    if (buffer.size() + size > kBufferBytes && !flush())
      return false;
    if (size >= kBufferBytes) // large rows straight from the caller
      return (writeError = writeAll(temporary.fd, bytes, size)) == 0;
    buffer.insert(buffer.end(), bytes, bytes + size);
    return true;
  };
  bool produced = produce(sink);
  if (!flush())
    return failed("cannot write " + path, writeError);
  if (!produced) {
    error = "cannot write " + path + ": the writer stopped";
    return false;
  }
  if (observe)
    observe(AtomicWriteStage::Written);
  if (::fsync(temporary.fd) != 0)
    return failed("cannot flush " + path + " to disk", errno);
  if (observe)
    observe(AtomicWriteStage::Synced);
  int fd = temporary.fd;
  temporary.fd = -1;
  if (::close(fd) != 0)
    return failed("cannot write " + path, errno);
  if (::rename(temporary.path.c_str(), path.c_str()) != 0)
    return failed("cannot replace " + path, errno);
  temporary.renamed = true;
  if (observe)
    observe(AtomicWriteStage::Renamed);
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return failed(path + " is written, but its folder cannot be opened to "
                         "flush the rename",
                  errno);
  // Some file systems cannot flush a folder (EINVAL); nothing more to do.
  int synced = ::fsync(dir) == 0 || errno == EINVAL ? 0 : errno;
  ::close(dir);
  if (synced)
    return failed(path + " is written, but the rename may not survive a "
                         "crash",
                  synced);
  return true;
}

} // namespace r1rt
