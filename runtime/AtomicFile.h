//===- AtomicFile.h - replace a file all at once ----------------*- C++ -*-===//
//
// How the runtime writes a file that must never be seen half written (a
// saved session state): the bytes go to a new temporary file in the same
// folder, which is flushed to disk (fsync) and renamed over the old one,
// then the folder is flushed so the rename itself survives a crash. A reader
// finds the old file or the new one, whole, whenever the writer dies. A
// writer killed before the rename leaves its temporary file
// (".NAME.tmp-XXXXXX" beside NAME) behind; it is never read. Writers of
// one path on several threads or processes each replace it whole; the last
// rename wins.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_ATOMICFILE_H
#define R1_RUNTIME_ATOMICFILE_H

#include <cstddef>
#include <functional>
#include <string>

namespace r1rt {

/// Takes the next `size` bytes of a file; false stops the write.
using ByteSink = std::function<bool(const void *data, size_t size)>;

/// The points writeFileAtomically passes, for tests that stop a writer
/// there: every byte written to the temporary file, flushed, renamed.
enum class AtomicWriteStage { Written, Synced, Renamed };
using AtomicWriteObserver = void (*)(AtomicWriteStage stage);

/// Replaces `path` with the bytes `produce` gives its sink. On failure
/// (`produce` returns false, or a write, flush or rename fails) `path` is
/// as it was, the temporary file removed, and `error` says why. The new
/// file has mode 0600 (a session state holds a conversation).
bool writeFileAtomically(const std::string &path,
                         const std::function<bool(const ByteSink &)> &produce,
                         std::string &error,
                         AtomicWriteObserver observe = nullptr);

} // namespace r1rt

#endif // R1_RUNTIME_ATOMICFILE_H
