//===- r1c.cpp - the r1 compiler driver -------------------------*- C++ -*-===//
//
// r1c compiles a checkpoint folder. Today it imports the model into the r1
// dialect, runs the graph pipeline, and prints the module (--emit=mlir);
// codegen and artifacts come with the x86 and CUDA targets.
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"
#include "codegen/KernelModule.h"
#include "codegen/OutputGuard.h"
#include "codegen/Target.h"
#include "frontend/ModelImporter.h"
#include "ir/R1Dialect.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "ir/r1k/R1kDialect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Mlir, MlirImported, R1k, Artifact, Exe };

/// r1c's own flags: --help lists these (and LLVM's --help-hidden the rest).
cl::OptionCategory r1cCategory("r1c options");

cl::opt<std::string> modelDir(cl::Positional, cl::Required,
                              cl::cat(r1cCategory),
                              cl::desc("<checkpoint folder | r1 module.mlir>"));
cl::opt<std::string> weightsDir(
    "weights", cl::cat(r1cCategory),
    cl::desc("With an .mlir input: the checkpoint folder its weight "
             "declarations name (and its tokenizer.json)"),
    cl::value_desc("checkpoint folder"));
cl::opt<std::string> outputFile("o",  cl::cat(r1cCategory),cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"));
cl::opt<Emit> emit(
    "emit",
    cl::cat(r1cCategory),
    cl::desc("What to produce (default: the artifact with -o, else mlir)"),
    cl::init(Emit::Mlir),
    cl::values(clEnumValN(Emit::MlirImported, "mlir-imported",
                          "the r1 module as imported, before any pass"),
               clEnumValN(Emit::Mlir, "mlir",
                          "the r1 module after the graph pipeline"),
               clEnumValN(Emit::R1k, "r1k",
                          "the kernel-level r1k module: buffers, weights and "
                          "their derivations, kernels, the call sequence"),
               clEnumValN(Emit::Artifact, "artifact",
                          "the compiled artifact folder -o NAME.r1: model.so, "
                          "weights.bin, program.txt, manifest.json"),
               clEnumValN(Emit::Exe, "exe",
                          "a self-contained executable -o NAME: the "
                          "artifact's files embedded in r1-run (run it with "
                          "r1-run's options, no folder)")));
cl::opt<std::string> targetName(
    "target",
    cl::cat(r1cCategory),
    cl::desc("Target: host (default), x86-64-avx512 or x86-64-avx2"),
    cl::init("host"));
cl::opt<bool> quiet("q",  cl::cat(r1cCategory),cl::desc("No progress or summary on stderr"));
cl::list<std::string> disabledPasses(
    "disable-pass", cl::CommaSeparated,
    cl::cat(r1cCategory),
    cl::desc("Leave these passes out of the default pipeline "
             "(comma-separated flags)"));
cl::list<std::string> passOptions(
    "pass-options", cl::cat(r1cCategory),
    cl::desc("Options of one pipeline pass, as NAME{OPTION=VALUE ...}, e.g. "
             "r1-absorb-mla{naive-prefill-rows=0} (repeatable)"),
    cl::value_desc("pass{options}"));
cl::opt<std::string> computeType(
    "dtype", cl::cat(r1cCategory),
    cl::desc("The module's compute type: f32, bf16 or f16 (default: the "
             "checkpoint's). In an artifact it is the linear weights' "
             "storage: bf16 rounds wider weights to bf16, f32 widens bf16 "
             "ones; kernels accumulate in f32"),
    cl::init(""));

void printLocation(Location loc, llvm::raw_ostream &os) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    os << name.getName().getValue() << ": ";
  } else if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine() != 0)
      os << ":" << file.getLine() << ":" << file.getColumn();
    os << ": ";
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (!fused.getLocations().empty())
      printLocation(fused.getLocations().front(), os);
  }
}

LogicalResult printDiagnostic(Diagnostic &diag) {
  llvm::raw_ostream &os = llvm::errs();
  printLocation(diag.getLocation(), os);
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  }
  os << diag.str() << "\n";
  for (Diagnostic &note : diag.getNotes())
    (void)printDiagnostic(note);
  return success();
}

using Clock = std::chrono::steady_clock;

/// Prints each compile stage as it starts and, at the end, the time each
/// took and the artifact's size.
class Stages {
public:
  explicit Stages(bool quiet) : quiet(quiet) {}
  void start(llvm::StringRef stage, Clock::time_point at = Clock::now()) {
    if (!times.empty() && times.back().first == stage)
      return;
    endLine();
    times.push_back({stage.str(), at});
    if (!quiet) {
      llvm::errs() << "r1c: " << stage;
      llvm::errs().flush();
      lineOpen = true;
    }
  }
  /// Ends the progress line, so a diagnostic starts on its own line.
  void endLine() {
    if (lineOpen)
      llvm::errs() << "\n";
    lineOpen = false;
  }
  void finish(llvm::StringRef dir, const r1::ArtifactSummary &summary) {
    if (quiet)
      return;
    Clock::time_point end = Clock::now();
    endLine();
    llvm::errs() << "r1c: wrote " << dir << " ("
                 << llvm::formatv("{0:f1} MB", double(summary.bytes) / 1e6)
                 << ", KV cache " << summary.kvCacheBytesPerToken
                 << " B/token;";
    for (size_t i = 0; i < times.size(); ++i) {
      Clock::time_point stop = i + 1 < times.size() ? times[i + 1].second : end;
      llvm::errs() << llvm::formatv(
          " {0} {1:f2}s", times[i].first,
          std::chrono::duration<double>(stop - times[i].second).count());
    }
    // The weight materializer's throughput: weights.bin's bytes over the
    // time spent deriving, packing and writing them.
    double seconds = summary.weightSeconds;
    llvm::errs() << llvm::formatv(
        "; weights.bin {0:f1} MB in {1:f2}s, {2:f2} GB/s)\n",
        double(summary.weightBytes) / 1e6, seconds,
        seconds > 0 ? double(summary.weightBytes) / 1e9 / seconds : 0.0);
  }

private:
  bool quiet;
  bool lineOpen = false;
  std::vector<std::pair<std::string, Clock::time_point>> times;
};

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  // The help lists the pipeline's passes from the pipeline itself.
  std::string disableHelp =
      "Leave these passes out of the default pipeline (comma-separated: " +
      llvm::join(r1::defaultPipelinePasses(), ", ") + ")";
  disabledPasses.setDescription(disableHelp);
  cl::HideUnrelatedOptions(r1cCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "r1c: compile a DeepSeek-R1-family checkpoint folder\n\n"
      "  r1c MODEL_DIR --emit=mlir                 print the r1 module\n"
      "  r1c MODEL_DIR --emit=r1k                  print the kernel-level module\n"
      "  r1c MODEL_DIR -o m.r1                     compile for this CPU\n"
      "  r1c MODEL_DIR -o m.r1 --target=x86-64-avx2\n"
      "  r1c MODEL_DIR -o model --emit=exe         one executable: ./model "
      "--prompt ...\n");

  Clock::time_point startTime = Clock::now();
  // -o without --emit compiles: r1c MODEL_DIR -o NAME.r1.
  if (emit.getNumOccurrences() == 0 && outputFile != "-")
    emit = Emit::Artifact;
  if (emit == Emit::Artifact && outputFile == "-") {
    llvm::errs() << "r1c: --emit=artifact needs -o NAME.r1\n";
    return 1;
  }
  if (emit == Emit::Exe && outputFile == "-") {
    llvm::errs() << "r1c: --emit=exe needs -o NAME\n";
    return 1;
  }
  bool compile = emit == Emit::Artifact || emit == Emit::Exe;
  // An .mlir input is a graph-level module (e.g. r1c --emit=mlir's, edited);
  // its weights come from --weights.
  bool mlirInput = !llvm::sys::fs::is_directory(modelDir) &&
                   llvm::StringRef(modelDir).ends_with(".mlir");
  if (mlirInput && compile && weightsDir.empty()) {
    llvm::errs() << "r1c: compiling " << modelDir
                 << " needs --weights CHECKPOINT_DIR\n";
    return 1;
  }
  if (!mlirInput && !weightsDir.empty()) {
    llvm::errs() << "r1c: --weights is for an .mlir input; a checkpoint "
                    "folder has its own\n";
    return 1;
  }
  std::string checkpointDir = mlirInput ? weightsDir : modelDir;
  // The kernels compute in f32; weights are stored f32 or bf16.
  if (compile && computeType == "f16") {
    llvm::errs() << "r1c: --dtype f16: the artifact's kernels store weights "
                    "as f32 or bf16 only; use --dtype f32 or bf16\n";
    return 1;
  }
  // r1c replaces only its own earlier output, checked before any work.
  if (llvm::Error error = r1::checkOutput(
          mlirInput ? weightsDir.getValue() : modelDir.getValue(), outputFile,
          emit == Emit::Artifact ? r1::OutputKind::Artifact
          : emit == Emit::Exe    ? r1::OutputKind::Executable
                                 : r1::OutputKind::Text)) {
    llvm::errs() << "r1c: " << llvm::toString(std::move(error)) << "\n";
    return 1;
  }

  DialectRegistry registry;
  registry.insert<r1::R1Dialect, r1k::R1kDialect, func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics name the tensor or file; the op's IR adds nothing for users.
  context.printOpOnDiagnostic(false);
  // Every diagnostic (warnings about unused tensors and remarks too) is one
  // line: "where: severity: message", where is the tensor or file.
  Stages stages(quiet || !compile);
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diag) {
    stages.endLine();
    return printDiagnostic(diag);
  });

  // A bad --target is reported before any work.
  llvm::Expected<std::unique_ptr<r1::Target>> target =
      r1::createTarget(targetName);
  if (!target) {
    llvm::errs() << "r1c: " << llvm::toString(target.takeError()) << "\n";
    return 1;
  }

  FailureOr<OwningOpRef<ModuleOp>> module = failure();
  bool kernelInput = false;
  if (mlirInput) {
    if (!computeType.empty()) {
      llvm::errs() << "r1c: --dtype is for a checkpoint folder; an .mlir "
                      "input has its types\n";
      return 1;
    }
    llvm::SourceMgr sources;
    std::string error;
    auto file = openInputFile(modelDir, &error);
    if (!file) {
      llvm::errs() << "r1c: " << error << "\n";
      return 1;
    }
    sources.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    OwningOpRef<ModuleOp> parsed =
        parseSourceFile<ModuleOp>(sources, &context);
    if (!parsed)
      return 1;
    // A kernel-level module (r1c --emit=r1k's, edited) is compiled as it
    // is: the graph passes are behind it.
    if (!parsed->getOps<r1k::ForwardOp>().empty()) {
      kernelInput = true;
      if (emit == Emit::Mlir || emit == Emit::MlirImported) {
        llvm::errs() << "r1c: " << modelDir
                     << " is a kernel-level (r1k) module; --emit=r1k "
                        "prints it, -o compiles it\n";
        return 1;
      }
      if (!disabledPasses.empty() || !passOptions.empty()) {
        llvm::errs() << "r1c: graph passes do not run on a kernel-level "
                        "(r1k) module\n";
        return 1;
      }
    } else if (!parsed->lookupSymbol<func::FuncOp>("forward")) {
      llvm::errs() << "r1c: " << modelDir << " has no @forward function\n";
      return 1;
    }
    module = std::move(parsed);
  } else {
    r1::ImportOptions options;
    options.computeType = computeType;
    module = r1::importModel(&context, modelDir, options);
  }
  if (failed(module))
    return 1;

  if (emit != Emit::MlirImported && !kernelInput) {
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return 1;
    auto onError = [](const Twine &message) {
      llvm::errs() << "r1c: " << message << "\n";
    };
    if (failed(r1::buildDefaultPipeline(pm, disabledPasses, passOptions,
                                        onError)) ||
        failed(pm.run(**module)))
      return 1;
  }

  // The kernel-level module: lowered from the graph, or the input; the
  // target chooses how its matrices are held.
  OwningOpRef<ModuleOp> kernels;
  if (kernelInput) {
    kernels = std::move(*module);
  } else if (compile || emit == Emit::R1k) {
    FailureOr<OwningOpRef<ModuleOp>> lowered =
        r1::lowerToKernelModule(**module);
    if (failed(lowered))
      return 1;
    kernels = std::move(*lowered);
  }
  if (kernels && (failed((*target)->chooseLayouts(*kernels)) ||
                  failed(verify(*kernels))))
    return 1;

  if (compile) {
    stages.start("import+passes", startTime);
    auto report = [&](llvm::StringRef stage, size_t i, size_t n) {
      stages.start(stage);
      if (n && !quiet)
        llvm::errs() << " " << (i + 1) << "/" << n;
    };
    ModuleOp graph = kernelInput ? ModuleOp() : **module;
    FailureOr<r1::ArtifactSummary> summary =
        emit == Emit::Exe
            ? r1::writeArtifact(*kernels, graph, checkpointDir, "", **target,
                                report, outputFile)
            : r1::writeArtifact(*kernels, graph, checkpointDir, outputFile,
                                **target, report);
    if (failed(summary))
      return 1;
    stages.finish(outputFile, *summary);
    return 0;
  }

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "r1c: " << error << "\n";
    return 1;
  }
  if (emit == Emit::R1k) {
    kernels->print(output->os());
  } else {
    (*module)->print(output->os());
  }
  output->os() << "\n";
  output->keep();
  return 0;
}
