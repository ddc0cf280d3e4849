//===- R1ParserFuzzer.cpp - r1 IR text through MLIR's parser and verifier -===//
//
// The input is a module as r1-opt reads it. It is parsed with the r1 and
// r1k dialects (and func and arith, which r1 IR uses) registered and
// verified: their custom parsers, attribute parsers and verifiers must
// diagnose anything malformed, never crash, and a module that verifies must
// read back from what the printers write. Diagnostics are swallowed.
// A context keeps every type and attribute it ever uniqued, so a fresh one
// is made every kRunsPerContext inputs to keep memory flat.
//
//===----------------------------------------------------------------------===//

#include "ir/R1Dialect.h"
#include "ir/r1k/R1kDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace {

constexpr int kRunsPerContext = 2000;

/// MLIR's parser and verifier recurse once per nesting level of brackets,
/// attributes and regions, with no limit (llvm/llvm-project#63146; MLIR's
/// policy allows recursion there): a few thousand `[` overflow the stack of
/// r1-opt itself. That is upstream's, not the r1 dialect's, so inputs
/// nested deeper than any r1 IR are skipped.
constexpr int kMaxNesting = 256;

bool nestedTooDeep(llvm::StringRef text) {
  int depth = 0;
  for (char c : text) {
    if (c == '(' || c == '[' || c == '{' || c == '<')
      ++depth;
    else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0)
      --depth;
    if (depth > kMaxNesting)
      return true;
  }
  return false;
}

std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::r1::R1Dialect, mlir::r1k::R1kDialect,
                  mlir::func::FuncDialect,
                  mlir::arith::ArithDialect>();
  auto context = std::make_unique<mlir::MLIRContext>(
      registry, mlir::MLIRContext::Threading::DISABLED);
  context->loadAllAvailableDialects();
  return context;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<mlir::MLIRContext> context;
  static int runs = 0;
  if (!context || ++runs % kRunsPerContext == 0)
    context = makeContext();
  mlir::ScopedDiagnosticHandler quiet(
      context.get(), [](mlir::Diagnostic &) { return mlir::success(); });
  // MLIR's lexer reads the NUL after the text, which every file buffer
  // (llvm::MemoryBuffer, as r1-opt reads its input) has: so does this copy.
  std::string text(reinterpret_cast<const char *>(data), size);
  if (nestedTooDeep(text))
    return 0;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, context.get());
  if (!module || mlir::failed(mlir::verify(*module)))
    return 0;
  // What the custom printers write, the custom parsers must read back.
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  if (!mlir::parseSourceString<mlir::ModuleOp>(printed, context.get()))
    std::abort();
  return 0;
}
