//===- ArtifactWriter.cpp - the NAME.r1 artifact folder ---------*- C++ -*-===//
//
// This file implements writeArtifact: lower the module to kernels, write
// each weight the kernels read (one tensor at a time, converted to f32 and
// packed by the target) while digesting weights.bin, compile the kernels and
// the host program and link them into model.so, and describe it all in
// program.txt and manifest.json; for --emit=exe, link the same objects with
// r1-run and the files embedded into one executable.
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"

#include "codegen/KernelModule.h"
#include "codegen/KernelProgram.h"
#include "codegen/OutputGuard.h"
#include "codegen/host/HostProgram.h"

#include "checkpoint/CheckpointIndex.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "ir/R1Dialect.h"
#include "runtime/Digest.h"
#include "runtime/Program.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace mlir;
using namespace mlir::r1;
using ::r1::checkpoint::Checkpoint;
using ::r1::checkpoint::DType;
using ::r1::checkpoint::TensorInfo;
namespace json = llvm::json;

static_assert(kArtifactFormatVersion == ::r1rt::kProgramVersion,
              "the writer and the runtime read one artifact format");

namespace {

/// Element `i` of checkpoint bytes of `dtype` as a float.
float loadFloat(DType dtype, ArrayRef<uint8_t> bytes, uint64_t i) {
  switch (dtype) {
  case DType::F32: {
    float f;
    std::memcpy(&f, bytes.data() + 4 * i, 4);
    return f;
  }
  case DType::BF16: {
    uint16_t b;
    std::memcpy(&b, bytes.data() + 2 * i, 2);
    uint32_t wide = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &wide, 4);
    return f;
  }
  case DType::F16: {
    _Float16 h;
    std::memcpy(&h, bytes.data() + 2 * i, 2);
    return float(h);
  }
  case DType::F8_E4M3: {
    // All 256 values once, from LLVM's own float8 semantics.
    static const std::array<float, 256> table = [] {
      std::array<float, 256> values;
      for (unsigned b = 0; b < 256; ++b)
        values[b] = llvm::APFloat(llvm::APFloat::Float8E4M3FN(),
                                  llvm::APInt(8, b))
                        .convertToFloat();
      return values;
    }();
    return table[bytes[i]];
  }
  default:
    return 0.0f;
  }
}

/// Appends the f32 values of `sources` to `values`: one checkpoint tensor
/// of `shape`, or several stacked along its leading dim (any shape when
/// `shape` is empty). `dtype` gets the first source's type.
LogicalResult readSources(Location loc, const Checkpoint &checkpoint,
                          ArrayRef<std::string> sources,
                          ArrayRef<int64_t> shape, std::vector<float> &values,
                          DType *dtype = nullptr) {
  for (const std::string &name : sources) {
    const TensorInfo *info = checkpoint.find(name);
    if (!info)
      return emitError(loc) << "source tensor '" << name
                            << "' is not in the checkpoint";
    // A module edited by hand (r1c FILE.mlir --weights DIR) may declare
    // shapes the checkpoint does not have.
    ArrayRef<int64_t> have = info->shape;
    bool stacked = !shape.empty() && shape.front() == int64_t(sources.size()) &&
                   have == shape.drop_front();
    if (!shape.empty() && have != shape && !stacked) {
      std::string h, w;
      llvm::raw_string_ostream hs(h), ws(w);
      llvm::interleave(have, hs, ", ");
      llvm::interleave(sources.size() > 1 ? shape.drop_front() : shape, ws,
                       ", ");
      return emitError(loc) << "source tensor '" << name << "' has shape ["
                            << h << "], the declaration needs [" << w << "]";
    }
    if (!::r1::checkpoint::isFloat(info->dtype) && info->dtype != DType::F8_E4M3)
      return emitError(loc)
             << "cannot read " << ::r1::checkpoint::dtypeName(info->dtype)
             << " tensor '" << name << "' as f32 weights";
    if (dtype && &name == &sources.front())
      *dtype = info->dtype;
    ArrayRef<uint8_t> bytes = checkpoint.data(*info);
    uint64_t elements = info->numElements();
    for (uint64_t i = 0; i < elements; ++i)
      values.push_back(loadFloat(info->dtype, bytes, i));
  }
  return success();
}

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

/// `v` rounded to the nearest bf16 (ties to even), as an f32; NaN stays NaN.
float roundToBf16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return v;
  bits += 0x7fffu + ((bits >> 16) & 1u);
  bits &= 0xffff0000u;
  std::memcpy(&v, &bits, 4);
  return v;
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

/// values · scale of their block, matrix by matrix of a [.., N, K] stack.
LogicalResult dequantizeBlocks(Location loc, const ProgramWeight &weight,
                               std::vector<float> &values,
                               const std::vector<float> &scales) {
  size_t rank = weight.shape.size();
  int64_t n = weight.shape[rank - 2], k = weight.shape[rank - 1];
  int64_t br = weight.block[0], bc = weight.block[1];
  int64_t sr = (n + br - 1) / br, sc = (k + bc - 1) / bc;
  int64_t matrices = int64_t(values.size()) / (n * k);
  if (int64_t(scales.size()) != matrices * sr * sc)
    return emitError(loc) << "the block scales of @" << weight.decl << " have "
                          << scales.size() << " values, it needs "
                          << matrices * sr * sc;
  for (int64_t e = 0; e < matrices; ++e)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        values[size_t((e * n + i) * k + j)] *=
            scales[size_t((e * sr + i / br) * sc + j / bc)];
  return success();
}

/// Writes every weight the program reads into `dir`/weights.bin, in the
/// layout its kernel reads, recording offsets in `offsets`.
LogicalResult packWeights(ModuleOp module, const Checkpoint &checkpoint,
                          const KernelProgram &program, Target &target,
                          StringRef dir, json::Array &tensors,
                          std::vector<std::pair<uint64_t, uint64_t>> &ranges,
                          FileEntry &entry) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, "weights.bin");
  DigestedFile file(path);
  if (file.error())
    return emitError(module.getLoc()) << "cannot write " << path << ": "
                              << file.error().message();
  std::vector<float> values, scales;
  for (const ProgramWeight &weight : program.weights) {
    Location loc = weight.loc ? Location(weight.loc) : module.getLoc();
    values.clear();
    DType dtype;
    if (failed(readSources(loc, checkpoint, weight.sources, weight.shape,
                           values, &dtype)))
      return failure();
    if (!weight.scales.empty()) {
      scales.clear();
      if (failed(readSources(loc, checkpoint, weight.scales, {}, scales)) ||
          failed(dequantizeBlocks(loc, weight, values, scales)))
        return failure();
    }
    if (!weight.columnScale.empty()) {
      // An RMSNorm gain folded into the weight's columns.
      scales.clear();
      size_t columns = size_t(weight.shape.back());
      if (failed(readSources(loc, checkpoint, {weight.columnScale},
                             {int64_t(columns)}, scales)))
        return failure();
      for (size_t i = 0; i < values.size(); ++i)
        values[i] *= scales[i % columns];
    }
    // bf16 storage of a bf16 checkpoint is exact: nothing scaled its values
    // since. Wider sources (r1c --dtype bf16) round to nearest even.
    if (weight.bf16 && dtype != DType::BF16) {
      for (float &v : values)
        v = roundToBf16(v);
    } else if (weight.bf16 && llvm::any_of(values, [](float v) {
                 uint32_t bits;
                 std::memcpy(&bits, &v, 4);
                 return (bits & 0xffffu) != 0;
               })) {
      return emitError(loc)
             << "@" << weight.decl << " is not bf16 but was to be stored so";
    }
    file.padTo(kWeightAlignment);
    uint64_t offset = file.bytes();
    target.packWeight(weight, values, [&](StringRef bytes) { file.write(bytes); });
    uint64_t bytes = file.bytes() - offset;
    if (bytes != target.packedBytes(weight))
      return emitError(module.getLoc()) << "packing @" << weight.decl << " wrote "
                                << bytes << " bytes, expected "
                                << target.packedBytes(weight);
    ranges.push_back({offset, bytes});
    json::Array shape;
    for (int64_t d : weight.shape)
      shape.push_back(d);
    static const char *const layouts[] = {"plain", "panels16", "mla_uk",
                                          "mla_uv"};
    json::Object entry{{"name", weight.decl},
                       {"dtype", weight.bf16 ? "bf16" : "f32"},
                       {"layout", layouts[int(weight.layout)]},
                       {"shape", std::move(shape)},
                       {"offset", int64_t(offset)},
                       {"bytes", int64_t(bytes)}};
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
  file.padTo(kWeightAlignment);
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
  if (failed(packWeights(module, **checkpoint, *program, target, tmp, tensors,
                         ranges, files[0])))
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
