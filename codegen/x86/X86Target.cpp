//===- X86Target.cpp - the x86 AVX-512 / AVX2 target ----------------------===//
//
// This file implements the x86 target. Compiled kernels are cached by a
// hash of their symbol (which covers every static parameter), the Halide
// target and the compiler binary that built them, so recompiling a model, or a
// model that shares layer shapes with one compiled before, reuses the objects.
//
//===----------------------------------------------------------------------===//

#include "codegen/x86/X86Target.h"

#include "codegen/x86/ChooseLayouts.h"

#include "codegen/x86/Kernels.h"
#include "codegen/x86/Panels.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"

using namespace mlir::r1;

namespace {

/// What built the kernels: a hash of the running executable, which holds
/// every kernel's algorithm and schedule, so a cached object is reused only
/// by the very compiler that made it (no version to remember to bump).
std::string compilerIdentity() {
  static const std::string identity = [] {
    auto self = llvm::MemoryBuffer::getFile("/proc/self/exe", /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
    if (!self)
      return std::string(); // unknown: kernelCacheDir turns caching off
    return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(
                           (*self)->getBuffer())),
                       /*LowerCase=*/true);
  }();
  return identity;
}

/// Halide target features and the CPU feature names the runtime checks.
struct FeatureName {
  Halide::Target::Feature feature;
  const char *cpu;
};
const FeatureName kFeatureNames[] = {
    {Halide::Target::SSE41, "sse4.1"},
    {Halide::Target::AVX, "avx"},
    {Halide::Target::AVX2, "avx2"},
    {Halide::Target::FMA, "fma"},
    {Halide::Target::F16C, "f16c"},
    {Halide::Target::AVX512, "avx512f"},
    {Halide::Target::AVX512_Skylake, "avx512bw"},
    {Halide::Target::AVX512_Skylake, "avx512dq"},
    {Halide::Target::AVX512_Skylake, "avx512vl"},
    {Halide::Target::AVX512_Cannonlake, "avx512ifma"},
    {Halide::Target::AVX512_Cannonlake, "avx512vbmi"},
    {Halide::Target::AVX512_SapphireRapids, "avx512vnni"},
    {Halide::Target::AVX512_SapphireRapids, "avx512bf16"},
};

class X86Target final : public Target {
public:
  X86Target(std::string name, Halide::Target halide)
      : targetName(std::move(name)),
        halide(halide.with_feature(Halide::Target::NoRuntime)) {}

  std::string name() const override { return targetName; }

  std::vector<std::string> requiredFeatures() const override {
    std::vector<std::string> names;
    for (const FeatureName &f : kFeatureNames)
      if (halide.has_feature(f.feature))
        names.push_back(f.cpu);
    return names;
  }

  llvm::Expected<std::vector<std::string>>
  emitKernels(llvm::ArrayRef<KernelSpec> kernels, llvm::StringRef dir,
              llvm::function_ref<void(size_t, size_t)> progress) override {
    std::vector<std::string> objects;
    std::string cacheDir = kernelCacheDir();
    for (size_t i = 0; i < kernels.size(); ++i) {
      progress(i, kernels.size());
      std::string symbol = kernels[i].symbol();
      llvm::SmallString<256> object(dir);
      llvm::sys::path::append(object, symbol + ".o");
      std::string cached =
          cacheDir.empty() ? "" : cacheDir + "/" + cacheKey(symbol) + ".o";
      if (cached.empty() || llvm::sys::fs::copy_file(cached, object)) {
        x86::KernelPipeline kernel = x86::definePipeline(
            kernels[i], halide.has_feature(Halide::Target::AVX512));
        try {
          kernel.pipeline.compile_to_object(std::string(object),
                                            kernel.arguments, symbol, halide);
        } catch (const Halide::Error &error) {
          return llvm::createStringError("Halide cannot compile kernel " +
                                         symbol + ": " + error.what());
        }
        if (!cached.empty())
          storeInCache(std::string(object), cached);
      }
      objects.push_back(std::string(object));
    }
    // One Halide runtime (thread pool, allocator) shared by every kernel.
    llvm::SmallString<256> runtime(dir);
    llvm::sys::path::append(runtime, "halide_runtime.o");
    try {
      Halide::compile_standalone_runtime(
          std::string(runtime),
          halide.without_feature(Halide::Target::NoRuntime));
    } catch (const Halide::Error &error) {
      return llvm::createStringError(
          std::string("Halide cannot compile its runtime: ") + error.what());
    }
    objects.push_back(std::string(runtime));
    return objects;
  }

  mlir::LogicalResult chooseLayouts(mlir::ModuleOp kernels) override {
    return x86::choosePanelLayouts(kernels);
  }

  llvm::Expected<std::unique_ptr<WeightPacker>>
  weightPacker(const PackedWeightType &type) override {
    switch (type.layout) {
    case mlir::r1k::Layout::plain:
      return createRowMajorPacker(type);
    case mlir::r1k::Layout::panels16:
      return x86::createPanelPacker(type);
    case mlir::r1k::Layout::matrix: // chooseLayouts made them panels16
      break;
    }
    return llvm::createStringError("the x86 target has no such weight layout");
  }

  std::string hostTriple() const override { return "x86_64-unknown-linux-gnu"; }

  llvm::Error link(llvm::ArrayRef<std::string> objects,
                   llvm::StringRef output) override {
    return runDriver({"-shared"}, objects, output);
  }

  llvm::Error linkExecutable(llvm::ArrayRef<std::string> inputs,
                             llvm::StringRef output) override {
    // -rdynamic: the runtime finds the kernels and host program with dlsym.
    return runDriver({"-rdynamic"}, inputs, output);
  }

private:
  /// The system C++ driver: `mode`, -o `output`, `inputs`, the libraries
  /// the Halide runtime needs.
  static llvm::Error runDriver(llvm::ArrayRef<llvm::StringRef> mode,
                               llvm::ArrayRef<std::string> inputs,
                               llvm::StringRef output) {
    llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("c++");
    if (!driver)
      driver = llvm::sys::findProgramByName("g++");
    if (!driver)
      return llvm::createStringError(
          "no C++ driver (c++ or g++) on PATH to link " + output);
    std::vector<llvm::StringRef> args{*driver};
    args.insert(args.end(), mode.begin(), mode.end());
    args.push_back("-o");
    args.push_back(output);
    for (const std::string &input : inputs)
      args.push_back(input);
    for (const char *flag : {"-Wl,-z,noexecstack", "-lm", "-lpthread", "-ldl"})
      args.push_back(flag);
    std::string error;
    int rc = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                       &error);
    if (rc != 0)
      return llvm::createStringError("linking " + output + " failed (" +
                                     *driver + " exit " + std::to_string(rc) +
                                     ")" + (error.empty() ? "" : ": " + error));
    return llvm::Error::success();
  }

  std::string cacheKey(llvm::StringRef symbol) const {
    llvm::SHA256 sha;
    sha.update(symbol);
    sha.update(halide.to_string());
    sha.update(compilerIdentity());
    return symbol.str() + "-" +
           llvm::toHex(sha.final(), /*LowerCase=*/true).substr(0, 16);
  }

  /// $R1C_CACHE_DIR, else $XDG_CACHE_HOME/r1c/kernels or ~/.cache/...; ""
  /// when none can be created or this compiler cannot identify itself
  /// (compiles then just skip the cache).
  static std::string kernelCacheDir() {
    if (compilerIdentity().empty())
      return "";
    std::string dir;
    if (auto env = llvm::sys::Process::GetEnv("R1C_CACHE_DIR")) {
      dir = *env;
    } else if (auto xdg = llvm::sys::Process::GetEnv("XDG_CACHE_HOME")) {
      dir = *xdg + "/r1c/kernels";
    } else if (auto home = llvm::sys::Process::GetEnv("HOME")) {
      dir = *home + "/.cache/r1c/kernels";
    }
    if (dir.empty() || llvm::sys::fs::create_directories(dir))
      return "";
    return dir;
  }

  /// Copies into the cache through a temporary name, so a concurrent
  /// compile never reads half an object.
  static void storeInCache(const std::string &object,
                           const std::string &cached) {
    llvm::SmallString<256> tmp;
    if (llvm::sys::fs::createUniquePath(cached + ".tmp-%%%%%%", tmp, false),
        llvm::sys::fs::copy_file(object, tmp))
      return;
    if (llvm::sys::fs::rename(tmp, cached))
      llvm::sys::fs::remove(tmp);
  }

  std::string targetName;
  Halide::Target halide;
};

} // namespace

std::unique_ptr<Target> mlir::r1::x86::createX86Target(llvm::StringRef name) {
  Halide::Target halide;
  if (name == "host") {
    halide = Halide::get_host_target();
    if (halide.arch != Halide::Target::X86 || halide.bits != 64)
      return nullptr;
  } else if (name == "x86-64-avx512") {
    halide = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41-avx512-"
                            "avx512_skylake");
  } else if (name == "x86-64-avx2") {
    halide = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41");
  } else {
    return nullptr;
  }
  return std::make_unique<X86Target>(name.str(), halide);
}
