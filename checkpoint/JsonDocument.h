//===- JsonDocument.h - JSON from untrusted files ---------------*- C++ -*-===//
//
// This file declares parseUntrustedJson: llvm::json::parse behind a linear
// pre-scan that bounds nesting depth (llvm::json recurses and would overflow
// the stack) and rejects duplicate object keys (llvm::json keeps the last),
// plus the small helpers every checkpoint reader shares: one-line errors,
// printable names in messages, UB-free integer reads and mapping a regular
// file without hanging on a FIFO or device.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CHECKPOINT_JSONDOCUMENT_H
#define R1_CHECKPOINT_JSONDOCUMENT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace r1::checkpoint {

struct JsonLimits {
  /// Deepest nesting of arrays and objects accepted.
  unsigned maxDepth = 64;
  /// Largest document accepted, in bytes.
  uint64_t maxBytes = 64u << 20;
};

/// Parses `text`; errors are one line naming `fileName`, line:column and,
/// for duplicates, the key.
llvm::Expected<llvm::json::Value> parseUntrustedJson(llvm::StringRef text,
                                                     llvm::StringRef fileName,
                                                     JsonLimits limits = {});

/// Reads and parses the file at `path` (at most `limits.maxBytes`).
llvm::Expected<llvm::json::Value> readJsonFile(llvm::StringRef path,
                                               JsonLimits limits = {});

/// Maps (or, when small, reads) the regular file at `path`. Anything else
/// (a folder, FIFO or device, which could block or never end) and files over
/// `maxBytes` are errors naming `path`.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
openRegularFile(llvm::StringRef path, uint64_t maxBytes);

/// A one-line error "`file`: `message`".
llvm::Error makeError(llvm::StringRef file, const llvm::Twine &message);

/// `text` fit for a one-line message: control characters escaped, and cut
/// (at a UTF-8 boundary) after about 200 bytes, since names come from
/// untrusted files.
std::string printable(llvm::StringRef text);

/// "null", "boolean", "number", "string", "array" or "object".
llvm::StringRef jsonKindName(const llvm::json::Value &value);

/// A JSON value for a message: a number as written, anything else by kind.
std::string describeJson(const llvm::json::Value &value);

/// The integer `value` holds when it fits int64_t. Unlike
/// json::Value::getAsInteger this never converts a double of 2^63 or more
/// (undefined behaviour in LLVM 19's header).
std::optional<int64_t> jsonInteger(const llvm::json::Value &value);

/// The integer `value` holds when it is written as a non-negative integer
/// literal that fits int64_t ("4" but not "4.0" or "-1").
std::optional<int64_t> jsonNonNegativeLiteral(const llvm::json::Value &value);

} // namespace r1::checkpoint

#endif // R1_CHECKPOINT_JSONDOCUMENT_H
