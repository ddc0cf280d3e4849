//===- EmbeddedFiles.h - an executable's embedded files ---------*- C++ -*-===//
//
// This file declares checkEmbeddedFiles: the r1_embedded_files table that
// r1c --emit=exe links into an executable (r1host.h) is read only after
// every entry, name and data range has been found inside the memory the
// executable is mapped at, so a damaged table is refused, never followed.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_EMBEDDEDFILES_H
#define R1_RUNTIME_EMBEDDEDFILES_H

#include "runtime/r1host.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace r1rt {

/// r1c embeds program.txt, weights.bin and tokenizer.json; a few more are
/// room for later files, not for a table that never ends.
inline constexpr size_t kMaxEmbeddedFiles = 16;
/// The longest file name a table may hold.
inline constexpr size_t kMaxEmbeddedName = 255;

/// Whether `table` lies in the `size` bytes at `image`: its entries up to the
/// terminator (a null name; at most kMaxEmbeddedFiles before it), each
/// entry's NUL-terminated name (printable ASCII, no spaces) and each
/// entry's data range, with no name twice. Reads only inside the range, and only what it has checked lies
/// there; on failure returns false with a one-line message in `error`.
bool checkEmbeddedFiles(const r1_embedded_file *table, const void *image,
                        uint64_t size, std::string &error);

} // namespace r1rt

#endif // R1_RUNTIME_EMBEDDEDFILES_H
