//===- ArtifactWriter.cpp - the NAME.r1 artifact folder ---------*- C++ -*-===//
//
// This file implements writeArtifact: read the r1k module's kernel program,
// write each weight the kernels read (the module's r1k.weight ops, streamed
// by the weight materializer into the target's packers) while digesting
// weights.bin, compile the kernels and
// the host program and link them into model.so, and describe it all in
// program.txt and manifest.json; for --emit=exe, link the same objects with
// r1-run and the files embedded into one executable.
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"

#include "codegen/KernelModule.h"
#include "codegen/KernelProgram.h"
#include "codegen/OutputGuard.h"
#include "codegen/WeightMaterializer.h"
#include "codegen/host/HostProgram.h"

#include "checkpoint/CheckpointIndex.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "ir/R1Dialect.h"
#include "ir/r1k/R1kDialect.h"
#include "runtime/Digest.h"
#include "runtime/Program.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using namespace mlir;
using namespace mlir::r1;
using ::r1::checkpoint::Checkpoint;
namespace json = llvm::json;

static_assert(kArtifactFormatVersion == ::r1rt::kProgramVersion,
              "the writer and the runtime read one artifact format");

namespace {

/// Makes what was written below `path` durable before it is renamed into
/// place (syncfs: one call for every file, model.so from the linker too).
std::error_code syncFileSystemOf(StringRef path) {
  int fd = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::error_code(errno, std::generic_category());
  int rc = ::syncfs(fd);
  int error = errno;
  ::close(fd);
  return rc == 0 ? std::error_code()
                 : std::error_code(error, std::generic_category());
}

/// Makes a rename into the folder of `path` durable.
void syncParentOf(StringRef path) {
  SmallString<256> parent(llvm::sys::path::parent_path(path));
  if (parent.empty())
    parent = ".";
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

/// An output file that digests what it writes as it writes it
/// (runtime/Digest.h), so no file is read back to be hashed.
class DigestedFile {
public:
  explicit DigestedFile(StringRef path) : os(path, ec) {}
  std::error_code error() const { return ec ? ec : os.error(); }
  void write(StringRef bytes) {
    os << bytes;
    digest.update(bytes.data(), bytes.size());
  }
  void padTo(uint64_t alignment) {
    static const char zeros[kWeightAlignment] = {};
    uint64_t pad = llvm::alignTo(bytes(), alignment) - bytes();
    write(StringRef(zeros, pad));
  }
  uint64_t bytes() const { return digest.bytes(); }
  /// Closes the file; the digest of everything written.
  std::string finish() {
    os.close();
    return digest.finish();
  }

private:
  std::error_code ec;
  llvm::raw_fd_ostream os;
  ::r1rt::DigestStream digest;
};

/// A file of the artifact, its size and digest: program.txt's file record.
using FileEntry = ::r1rt::FileCheck;

/// Writes every weight the program reads into `dir`/weights.bin: the r1k
/// module's weights (the program's, in order), materialized from the
/// checkpoint into the layouts the target's packers write, recording their
/// ranges and manifest entries.
LogicalResult packWeights(ModuleOp module, const Checkpoint &checkpoint,
                          const KernelProgram &program, Target &target,
                          StringRef dir, json::Array &tensors,
                          std::vector<std::pair<uint64_t, uint64_t>> &ranges,
                          FileEntry &entry, MaterializeStats &stats) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, "weights.bin");
  DigestedFile file(path);
  if (file.error())
    return emitError(module.getLoc()) << "cannot write " << path << ": "
                              << file.error().message();
  auto packers = [&](const PackedWeightType &type) {
    return target.weightPacker(type);
  };
  MaterializeOptions options;
  options.alignment = kWeightAlignment;
  WeightMaterializer materializer(checkpoint, options);
  for (r1k::WeightOp op : module.getOps<r1k::WeightOp>()) {
    if (ranges.size() == program.weights.size())
      break;
    const ProgramWeight &weight = program.weights[ranges.size()];
    // Errors point at the declaration (the op's location).
    llvm::Expected<WeightRecipe> recipe = recipeOf(op);
    if (!recipe)
      return emitError(op.getLoc()) << llvm::toString(recipe.takeError());
    llvm::Expected<MaterializedWeight> placed =
        materializer.add(*recipe, packers);
    if (!placed)
      return emitError(op.getLoc()) << llvm::toString(placed.takeError());
    ranges.push_back({placed->offset, placed->bytes});
    json::Array shape;
    for (int64_t d : weight.shape)
      shape.push_back(d);
    static const char *const layouts[] = {"plain", "panels16", "mla_uk",
                                          "mla_uv", "matrix"};
    json::Object entry{{"name", weight.decl},
                       {"dtype", weight.bf16 ? "bf16" : "f32"},
                       {"layout", layouts[int(weight.layout)]},
                       {"shape", std::move(shape)},
                       {"offset", int64_t(placed->offset)},
                       {"bytes", int64_t(placed->bytes)}};
    if (!weight.params.empty())
      entry["params"] = json::Array(weight.params);
    if (!weight.scales.empty()) {
      entry["scales"] = json::Array(weight.scales);
      entry["block"] = json::Array(weight.block);
    }
    if (!weight.columnScale.empty())
      entry["column_scale"] = weight.columnScale;
    tensors.push_back(std::move(entry));
  }
  if (ranges.size() != program.weights.size())
    return emitError(module.getLoc())
           << "the r1k module has " << ranges.size() << " of the "
           << program.weights.size() << " weights its program reads";
  llvm::Expected<MaterializeStats> written =
      materializer.write([&](StringRef bytes) -> llvm::Error {
        file.write(bytes);
        if (std::error_code ec = file.error())
          return llvm::createStringError(ec.message());
        return llvm::Error::success();
      });
  if (!written)
    return emitError(module.getLoc()) << "cannot write " << path << ": "
                                      << llvm::toString(written.takeError());
  stats = *written;
  if (file.error())
    return emitError(module.getLoc()) << "cannot write " << path << ": "
                              << file.error().message();
  uint64_t bytes = file.bytes();
  entry = {"weights.bin", bytes, file.finish()};
  return success();
}

/// Digests a file of `dir` another program wrote (model.so) into `files`.
LogicalResult digestFile(ModuleOp module, StringRef dir, StringRef name,
                       SmallVectorImpl<FileEntry> &files) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return emitError(module.getLoc()) << "cannot read " << path;
  StringRef bytes = (*buffer)->getBuffer();
  files.push_back(
      {name.str(), bytes.size(),
       ::r1rt::digestBytes(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size())});
  return success();
}

/// Writes `text` to `dir`/`name` and records it in `files`.
LogicalResult writeTextFile(ModuleOp module, StringRef dir, StringRef name,
                            StringRef text, SmallVectorImpl<FileEntry> &files) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  DigestedFile file(path);
  file.write(text);
  if (file.error())
    return emitError(module.getLoc()) << "cannot write " << path << ": "
                              << file.error().message();
  uint64_t bytes = file.bytes();
  files.push_back({name.str(), bytes, file.finish()});
  return success();
}

/// lib/libr1runner.a beside this r1c's bin/ (r1-run and the runtime).
std::string runnerArchive() {
  std::string self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> path(llvm::sys::path::parent_path(
      llvm::sys::path::parent_path(self)));
  llvm::sys::path::append(path, "lib", "libr1runner.a");
  return std::string(path);
}

/// Links the artifact in `dir` (its kernel and host objects, and its
/// program.txt, weights.bin and tokenizer.json as embedded data) with r1-run
/// into the executable `output`, written atomically.
LogicalResult linkExecutable(ModuleOp module, Target &target, StringRef dir,
                             ArrayRef<std::string> objects, StringRef output) {
  std::string runner = runnerArchive();
  if (!llvm::sys::fs::exists(runner))
    return emitError(module.getLoc())
           << "--emit=exe needs " << runner << " (r1c's runner library)";
  // r1_embedded_files (runtime/r1host.h): each file's name, address and
  // size. The contents go to large-data sections (flag "l"), so a weights
  // file over 2 GiB never pushes code or small data out of reach.
  std::string assembly = "\t.section .data.rel.ro.r1_embedded,\"aw\"\n"
                         "\t.balign 8\n\t.globl r1_embedded_files\n"
                         "r1_embedded_files:\n";
  std::string contents;
  int index = 0;
  for (StringRef name : {"program.txt", "weights.bin", "tokenizer.json"}) {
    SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    if (!llvm::sys::fs::exists(path))
      continue;
    SmallString<256> absolute(path);
    (void)llvm::sys::fs::make_absolute(absolute);
    if (StringRef(absolute).find_first_of("\"\\\n") != StringRef::npos)
      return emitError(module.getLoc())
             << "cannot embed " << absolute << ": an odd character in its path";
    std::string i = std::to_string(index++);
    assembly += "\t.quad .Lname" + i + ", .Ldata" + i + ", .Lend" + i +
                " - .Ldata" + i + "\n";
    contents += ".Lname" + i + ":\n\t.asciz \"" + name.str() + "\"\n";
    contents += "\t.section .lrodata.r1_embedded,\"al\",@progbits\n"
                "\t.balign 4096\n.Ldata" + i + ":\n\t.incbin \"" +
                std::string(absolute) + "\"\n.Lend" + i +
                ":\n\t.section .rodata.r1_embedded_names,\"a\"\n";
  }
  assembly += "\t.quad 0, 0, 0\n\t.section .rodata.r1_embedded_names,\"a\"\n" +
              contents + "\t.section .note.GNU-stack,\"\",@progbits\n";
  SmallString<256> source(dir);
  llvm::sys::path::append(source, "objects", "embedded.S");
  std::error_code ec;
  {
    llvm::raw_fd_ostream out(source, ec);
    if (ec)
      return emitError(module.getLoc())
             << "cannot write " << source << ": " << ec.message();
    out << assembly;
  }
  std::vector<std::string> inputs(objects.begin(), objects.end());
  inputs.push_back(std::string(source));
  inputs.push_back(runner);
  // The libraries the runner's objects need (libxxhash; r1c's sanitizers,
  // if any).
  for (StringRef flag : llvm::split(R1_RUNNER_LINK_FLAGS, ' '))
    if (!flag.empty())
      inputs.push_back(flag.str());
  SmallString<256> tmp;
  llvm::sys::fs::createUniquePath(output + ".tmp-%%%%%%", tmp, false);
  if (llvm::Error error = target.linkExecutable(inputs, tmp)) {
    llvm::sys::fs::remove(tmp);
    return emitError(module.getLoc()) << llvm::toString(std::move(error));
  }
  ec = syncFileSystemOf(tmp);
  if (!ec)
    ec = llvm::sys::fs::rename(tmp, output);
  if (ec) {
    llvm::sys::fs::remove(tmp);
    return emitError(module.getLoc())
           << "cannot create " << output << ": " << ec.message();
  }
  syncParentOf(output);
  return success();
}

/// The checkpoint's tokenizer.json (null when it has none), checked with the
/// runtime's own reader and against the model's vocabulary, so a broken one
/// fails the compile instead of the first run.
FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
readTokenizer(ModuleOp module, StringRef checkpointDir, int64_t vocab) {
  SmallString<256> path(checkpointDir);
  llvm::sys::path::append(path, "tokenizer.json");
  if (!llvm::sys::fs::exists(path))
    return std::unique_ptr<llvm::MemoryBuffer>();
  auto error = [&] {
    return emitError(FileLineColLoc::get(module.getContext(), path, 0, 0));
  };
  if (!llvm::sys::fs::is_regular_file(path))
    return error() << "is not a regular file";
  uint64_t size = 0;
  uint64_t limit = ::r1::tokenizer::TokenizerLimits().maxFileBytes;
  if (!llvm::sys::fs::file_size(path, size) && size > limit)
    return error() << "has " << size << " bytes, more than " << limit;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return error() << "cannot be read: " << buffer.getError().message();
  auto loaded = ::r1::tokenizer::Tokenizer::fromJson((*buffer)->getBuffer());
  if (!loaded)
    return error() << loaded.message();
  if (loaded->vocabSize() > uint64_t(vocab))
    return error() << "has token ids up to " << loaded->vocabSize() - 1
           << ", past the model's vocabulary of " << vocab
           << " ('vocab_size' in config.json)";
  return std::move(*buffer);
}

} // namespace

FailureOr<ArtifactSummary>
mlir::r1::writeArtifact(ModuleOp module, ModuleOp graph,
                        StringRef checkpointDir, StringRef outDir,
                        Target &target, ProgressFn report,
                        StringRef executable) {
  auto checkpoint = Checkpoint::open(checkpointDir);
  if (!checkpoint)
    return emitError(module.getLoc()) << llvm::toString(checkpoint.takeError());
  for (auto [output, kind] :
       {std::pair(outDir, OutputKind::Artifact),
        std::pair(executable, OutputKind::Executable)})
    if (!output.empty())
      if (llvm::Error error = checkOutput(checkpointDir, output, kind))
        return emitError(module.getLoc()) << llvm::toString(std::move(error));

  // Build everything in a sibling temporary folder, then rename it in.
  SmallString<256> tmp;
  llvm::sys::fs::createUniquePath(
      (outDir.empty() ? executable : outDir) + ".tmp-%%%%%%", tmp,
      /*MakeAbsolute=*/false);
  namespace fs = llvm::sys::fs;
  if (std::error_code ec = fs::create_directory(
          tmp, /*IgnoreExisting=*/false,
          fs::perms::all_read | fs::perms::all_exe | fs::perms::owner_write))
    return emitError(module.getLoc()) << "cannot create " << tmp << ": "
                              << ec.message();
  bool keep = false;
  auto cleanup = llvm::make_scope_exit([&] {
    if (!keep)
      llvm::sys::fs::remove_directories(tmp);
  });

  FailureOr<KernelProgram> program = readKernelModule(module);
  if (failed(program))
    return failure();
  FailureOr<std::unique_ptr<llvm::MemoryBuffer>> tokenizerText =
      readTokenizer(module, checkpointDir, program->vocab);
  if (failed(tokenizerText))
    return failure();
  report("weights", 0, 0);
  json::Array tensors;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  SmallVector<FileEntry> files(1);
  MaterializeStats weightStats;
  if (failed(packWeights(module, **checkpoint, *program, target, tmp, tensors,
                         ranges, files[0], weightStats)))
    return failure();

  // Kernels: objects in a scratch folder, linked into model.so.
  SmallString<256> objects(tmp);
  llvm::sys::path::append(objects, "objects");
  SmallString<256> library(tmp);
  llvm::sys::path::append(library, "model.so");
  if (std::error_code ec = fs::create_directory(objects))
    return emitError(module.getLoc()) << "cannot create " << objects << ": "
                              << ec.message();
  auto objectFiles = target.emitKernels(
      program->kernels, objects,
      [&](size_t i, size_t n) { report("kernels", i, n); });
  if (!objectFiles)
    return emitError(module.getLoc()) << llvm::toString(objectFiles.takeError());
  // The host program: host.mlir as built, then compiled beside the kernels.
  auto host = buildHostProgram(module, ranges);
  if (!host)
    return emitError(module.getLoc()) << llvm::toString(host.takeError());
  std::string hostIr;
  llvm::raw_string_ostream hostStream(hostIr);
  (*host)->print(hostStream);
  SmallString<256> hostObject(objects);
  llvm::sys::path::append(hostObject, "host.o");
  if (llvm::Error error =
          emitHostObject(**host, target.hostTriple(), hostObject))
    return emitError(module.getLoc()) << llvm::toString(std::move(error));
  objectFiles->push_back(std::string(hostObject));
  report("link", 0, 0);
  if (llvm::Error error = target.link(*objectFiles, library))
    return emitError(module.getLoc()) << llvm::toString(std::move(error));
  if (failed(digestFile(module, tmp, "model.so", files)))
    return failure();

  // program.txt in the runtime's schema. It names the files it runs with,
  // so the runtime checks them without reading the manifest.
  ::r1rt::Program description = describeProgram(*program, ranges);
  description.target = target.name();
  description.features = target.requiredFeatures();
  description.files.assign(files.begin(), files.end());
  if (failed(writeTextFile(module, tmp, "program.txt",
                           ::r1rt::printProgram(description), files)))
    return failure();

  // The module compiled, and the graph it was lowered from.
  for (auto [name, ir] : {std::pair("kernels.mlir", module),
                          std::pair("model.mlir", graph)}) {
    if (!ir)
      continue;
    std::string text;
    llvm::raw_string_ostream stream(text);
    ir.print(stream);
    stream << "\n"; // as r1c --emit prints it
    if (failed(writeTextFile(module, tmp, name, stream.str(), files)))
      return failure();
  }
  if (failed(writeTextFile(module, tmp, "host.mlir", hostStream.str(), files)))
    return failure();
  if (*tokenizerText &&
      failed(writeTextFile(module, tmp, "tokenizer.json",
                           (*tokenizerText)->getBuffer(), files)))
    return failure();
  json::Array kernels;
  for (const KernelSpec &kernel : program->kernels)
    kernels.push_back(kernel.symbol());
  json::Object fileTable;
  for (const FileEntry &f : files)
    fileTable[f.name] = json::Object{{"bytes", int64_t(f.bytes)},
                                     {"digest", f.digest}};
  auto architecture = module->getAttrOfType<StringAttr>("r1.model");
  // 4 bytes (f32 or i32) per element per token over every cache (MLA:
  // latent + rope key; LSH: unit keys, values, buckets and their order).
  int64_t kvBytesPerToken = 0;
  for (const ProgramCache &cache : program->caches)
    kvBytesPerToken += 4 * cache.width;
  json::Object manifest{
      {"format", "r1c-artifact"},
      {"format_version", kArtifactFormatVersion},
      {"model",
       json::Object{{"architecture",
                     architecture ? architecture.getValue() : "unknown"},
                    {"source", checkpointDir}}},
      {"target",
       json::Object{{"name", target.name()},
                    {"features", json::Array(target.requiredFeatures())},
                    {"library", "model.so"},
                    {"kernels", std::move(kernels)}}},
      {"program", "program.txt"},
      {"inputs", json::Array{json::Object{{"name", "ids"}, {"dtype", "i32"}},
                             json::Object{{"name", "positions"},
                                          {"dtype", "i32"}}}},
      {"outputs",
       json::Array{json::Object{
           {"name", "logits"},
           {"dtype", "f32"},
           {"shape", json::Array{"tokens", program->vocab}}}}},
      {"kv_cache", json::Object{{"bytes_per_token", kvBytesPerToken}}},
      {"weights", json::Object{{"file", "weights.bin"},
                               {"alignment", int64_t(kWeightAlignment)},
                               {"tensors", std::move(tensors)}}},
      {"file_digest",
       json::Object{{"algorithm", "xxh3-128-chunked"},
                    {"chunk_bytes", int64_t(::r1rt::kDigestChunkBytes)}}},
      {"files", std::move(fileTable)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", json::Value(std::move(manifest))) << "\n";
  if (failed(writeTextFile(module, tmp, "manifest.json", os.str(), files)))
    return failure();
  ArtifactSummary summary;
  summary.kvCacheBytesPerToken = kvBytesPerToken;
  summary.weightBytes = weightStats.bytes;
  summary.weightSeconds = weightStats.seconds;
  for (const FileEntry &f : files)
    summary.bytes += f.bytes;
  if (!executable.empty()) {
    if (failed(linkExecutable(module, target, tmp, *objectFiles, executable)))
      return failure();
    uint64_t bytes = 0;
    (void)fs::file_size(executable, bytes);
    summary.bytes = bytes;
  }
  fs::remove_directories(objects);
  if (outDir.empty()) // an executable alone
    return summary;

  // Swap in, durably: an old artifact moves aside first and goes only once
  // the new one is in place.
  if (std::error_code ec = syncFileSystemOf(tmp))
    return emitError(module.getLoc())
           << "cannot write " << tmp << ": " << ec.message();
  SmallString<256> old;
  if (llvm::sys::fs::exists(outDir)) {
    llvm::sys::fs::createUniquePath(outDir + ".old-%%%%%%", old, false);
    if (std::error_code ec = llvm::sys::fs::rename(outDir, old))
      return emitError(module.getLoc()) << "cannot replace " << outDir << ": "
                                << ec.message();
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, outDir)) {
    if (!old.empty())
      (void)llvm::sys::fs::rename(old, outDir);
    return emitError(module.getLoc()) << "cannot create " << outDir << ": "
                              << ec.message();
  }
  keep = true;
  syncParentOf(outDir);
  if (!old.empty())
    llvm::sys::fs::remove_directories(old);
  return summary;
}
