//===- JsonDocument.h - JSON from untrusted files ---------------*- C++ -*-===//
//
// This file declares parseUntrustedJson: llvm::json::parse behind a linear
// pre-scan that bounds nesting depth (llvm::json recurses and would overflow
// the stack) and rejects duplicate object keys (llvm::json keeps the last).
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_JSONDOCUMENT_H
#define R1_FRONTEND_JSONDOCUMENT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace r1::frontend {

struct JsonLimits {
  unsigned maxDepth = 64;
  size_t maxBytes = 64u << 20;
};

/// Parses `text`; errors are one line naming `fileName`, line:column and,
/// for duplicates, the key.
llvm::Expected<llvm::json::Value> parseUntrustedJson(llvm::StringRef text,
                                                     llvm::StringRef fileName,
                                                     JsonLimits limits = {});

/// Reads and parses the file at `path` (at most `limits.maxBytes`).
llvm::Expected<llvm::json::Value> readJsonFile(llvm::StringRef path,
                                               JsonLimits limits = {});

/// A one-line error "`file`: `message`".
llvm::Error makeError(llvm::StringRef file, const llvm::Twine &message);

} // namespace r1::frontend

#endif // R1_FRONTEND_JSONDOCUMENT_H
