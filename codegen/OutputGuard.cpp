//===- OutputGuard.cpp - what r1c may overwrite ---------------------------===//
//
// This file implements checkOutput. An artifact folder is recognised by its
// manifest (format "r1c-artifact") and by holding nothing but the files r1c
// writes; an executable by the table of embedded files it exports.
// Paths are compared after resolving symlinks, so `-o ckpt/../ckpt` is the
// checkpoint too.
//
//===----------------------------------------------------------------------===//

#include "codegen/OutputGuard.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace mlir::r1 {

namespace {

Error refuse(StringRef output, const Twine &why) {
  return createStringError(inconvertibleErrorCode(),
                           "refusing to write " + output + ": " + why);
}

/// The real path of `path`, which need not exist: its nearest existing
/// ancestor resolved, the rest appended.
std::string resolvedPath(StringRef path) {
  SmallString<256> absolute(path);
  (void)sys::fs::make_absolute(absolute);
  sys::path::remove_dots(absolute, /*remove_dot_dot=*/false);
  SmallString<256> real;
  if (!sys::fs::real_path(absolute, real))
    return std::string(real);
  StringRef parent = sys::path::parent_path(absolute);
  if (parent.empty() || parent == absolute)
    return std::string(absolute);
  SmallString<256> joined(resolvedPath(parent));
  sys::path::append(joined, sys::path::filename(absolute));
  return std::string(joined);
}

/// Whether `path` is `dir` or below it (both resolved).
bool isWithin(StringRef path, StringRef dir) {
  if (!path.starts_with(dir))
    return false;
  return path.size() == dir.size() || sys::path::is_separator(dir.back()) ||
         sys::path::is_separator(path[dir.size()]);
}

Error checkArtifactFolder(StringRef output) {
  std::error_code ec;
  for (sys::fs::directory_iterator it(output, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef name = sys::path::filename(it->path());
    if (!is_contained(artifactFileNames(), name))
      return refuse(output, "it is a folder that holds '" + name +
                                "', which r1c did not write");
  }
  if (ec)
    return refuse(output, "cannot list it: " + ec.message());
  SmallString<256> manifestPath(output);
  sys::path::append(manifestPath, "manifest.json");
  uint64_t size = 0;
  // A manifest lists every tensor; 256 MiB is far past any real one.
  if (sys::fs::file_size(manifestPath, size) || size > (256u << 20))
    return refuse(output, "it is a folder but not an r1c artifact (no "
                          "manifest.json)");
  auto buffer = MemoryBuffer::getFile(manifestPath, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return refuse(output, "cannot read its manifest.json");
  Expected<json::Value> manifest = json::parse((*buffer)->getBuffer());
  if (!manifest) {
    consumeError(manifest.takeError());
    return refuse(output, "it is a folder but not an r1c artifact");
  }
  const json::Object *root = manifest->getAsObject();
  std::optional<StringRef> format =
      root ? root->getString("format") : std::nullopt;
  if (!format || *format != "r1c-artifact")
    return refuse(output, "it is a folder but not an r1c artifact");
  return Error::success();
}

Error checkExecutable(StringRef output) {
  Expected<object::OwningBinary<object::ObjectFile>> binary =
      object::ObjectFile::createObjectFile(output);
  if (!binary) {
    consumeError(binary.takeError());
    return refuse(output, "it exists and is not an r1c executable");
  }
  // -rdynamic exports the table, so even a stripped executable has it.
  auto *elf = dyn_cast<object::ELFObjectFileBase>(binary->getBinary());
  if (elf)
    for (const object::ELFSymbolRef &symbol :
         elf->getDynamicSymbolIterators()) {
      Expected<StringRef> name = symbol.getName();
      if (name && *name == "r1_embedded_files")
        return Error::success();
      if (!name)
        consumeError(name.takeError());
    }
  return refuse(output, "it exists and is not an r1c executable");
}

} // namespace

ArrayRef<StringRef> artifactFileNames() {
  static const StringRef names[] = {"model.so",  "weights.bin",
                                    "program.txt", "manifest.json",
                                    "model.mlir",  "kernels.mlir",
                                    "host.mlir",   "tokenizer.json"};
  return names;
}

Error checkOutput(StringRef input, StringRef output, OutputKind kind) {
  if (output == "-")
    return Error::success();
  std::string realInput = resolvedPath(input);
  std::string realOutput = resolvedPath(output);
  if (isWithin(realOutput, realInput))
    return refuse(output, realOutput == realInput
                              ? "it is the input checkpoint"
                              : "it is inside the input checkpoint " + input);
  if (kind != OutputKind::Executable && isWithin(realInput, realOutput))
    return refuse(output, "the input checkpoint " + input + " is inside it");

  sys::fs::file_status status;
  if (sys::fs::status(output, status))
    return Error::success(); // nothing there (or a dangling link)
  switch (kind) {
  case OutputKind::Text:
    if (sys::fs::is_directory(status))
      return refuse(output, "it is a folder");
    return Error::success();
  case OutputKind::Artifact:
    if (!sys::fs::is_directory(status))
      return refuse(output, "it exists and is not an artifact folder");
    return checkArtifactFolder(output);
  case OutputKind::Executable:
    if (!sys::fs::is_regular_file(status))
      return refuse(output, "it exists and is not a file");
    return checkExecutable(output);
  }
  return Error::success();
}

} // namespace mlir::r1
