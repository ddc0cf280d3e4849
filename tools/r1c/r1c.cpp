//===- r1c.cpp - the r1 compiler driver -------------------------*- C++ -*-===//
//
// r1c compiles a checkpoint folder. Today it imports the model into the r1
// dialect, runs the graph pipeline, and prints the module (--emit=mlir);
// codegen and artifacts come with the x86 and CUDA targets.
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"
#include "frontend/ModelImporter.h"
#include "ir/R1Dialect.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Mlir, MlirImported, Artifact };

cl::opt<std::string> modelDir(cl::Positional, cl::Required,
                              cl::desc("<checkpoint folder>"));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"));
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::Mlir),
    cl::values(clEnumValN(Emit::MlirImported, "mlir-imported",
                          "the r1 module as imported, before any pass"),
               clEnumValN(Emit::Mlir, "mlir",
                          "the r1 module after the graph pipeline"),
               clEnumValN(Emit::Artifact, "artifact",
                          "the artifact folder -o NAME.r1: weights.bin, "
                          "manifest.json, model.mlir (no target code yet)")));
cl::opt<std::string> computeType(
    "dtype", cl::desc("Compute type: f32, bf16, f16 (default: checkpoint's)"),
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

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "r1c: compile a DeepSeek-R1-family checkpoint folder\n\n"
      "  r1c MODEL_DIR --emit=mlir                 print the r1 module\n"
      "  r1c MODEL_DIR --emit=artifact -o m.r1     write the artifact folder\n");

  DialectRegistry registry;
  registry.insert<r1::R1Dialect, func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Every diagnostic (warnings about unused tensors and remarks too) is one
  // line: "where: severity: message", where is the tensor or file.
  ScopedDiagnosticHandler diagnostics(&context, printDiagnostic);

  r1::ImportOptions options;
  options.computeType = computeType;
  FailureOr<OwningOpRef<ModuleOp>> module =
      r1::importModel(&context, modelDir, options);
  if (failed(module))
    return 1;

  if (emit != Emit::MlirImported) {
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return 1;
    pm.addPass(r1::createInferShapes());
    pm.addPass(r1::createFuseAttention());
    pm.addPass(r1::createAbsorbMla());
    pm.addPass(r1::createSpecializeLsh());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    if (failed(pm.run(**module)))
      return 1;
  }

  if (emit == Emit::Artifact) {
    if (outputFile == "-") {
      llvm::errs() << "r1c: --emit=artifact needs -o NAME.r1\n";
      return 1;
    }
    return failed(r1::writeArtifact(**module, modelDir, outputFile)) ? 1 : 0;
  }

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "r1c: " << error << "\n";
    return 1;
  }
  (*module)->print(output->os());
  output->os() << "\n";
  output->keep();
  return 0;
}
