//===- Pipeline.cpp - the default r1 graph pipeline -------------*- C++ -*-===//
//
// This file builds the graph pipeline r1c runs before codegen, in one place
// for r1c (`--disable-pass`) and r1-opt (`--r1-pipeline`).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace {

struct Stage {
  const char *name;
  std::unique_ptr<Pass> (*create)();
};

// In order. Shapes first, so every later pattern sees static dims; MLA
// absorption needs fused attention; linear fusion follows the passes that
// match or make plain linears; cleanups last.
const Stage kStages[] = {
    {"r1-infer-shapes", [] { return r1::createInferShapes(); }},
    {"r1-fuse-attention", [] { return r1::createFuseAttention(); }},
    {"r1-absorb-mla", [] { return r1::createAbsorbMla(); }},
    {"r1-specialize-lsh", [] { return r1::createSpecializeLsh(); }},
    {"r1-specialize-routing", [] { return r1::createSpecializeRouting(); }},
    {"r1-fuse-linear", [] { return r1::createFuseLinear(); }},
    {"canonicalize", [] { return createCanonicalizerPass(); }},
    {"cse", [] { return createCSEPass(); }},
};

bool isStage(StringRef name) {
  return llvm::any_of(kStages,
                      [&](const Stage &stage) { return name == stage.name; });
}

/// Accepts only the flags of the pipeline's passes.
struct StageParser : public llvm::cl::parser<std::string> {
  using llvm::cl::parser<std::string>::parser;
  bool parse(llvm::cl::Option &option, StringRef, StringRef arg,
             std::string &value) {
    if (!isStage(arg))
      return option.error("'" + arg + "' is not a pass of the r1 pipeline");
    value = arg.str();
    return false;
  }
};

struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  ListOption<std::string, StageParser> disable{
      *this, "disable",
      llvm::cl::desc("passes of the pipeline to leave out, by flag")};
};

} // namespace

LogicalResult mlir::r1::buildDefaultPipeline(
    OpPassManager &pm, ArrayRef<std::string> disabled,
    ArrayRef<std::string> options, function_ref<void(const Twine &)> onError) {
  for (const std::string &name : disabled)
    if (!isStage(name)) {
      onError("'" + name + "' is not a pass of the r1 pipeline");
      return failure();
    }
  // NAME{OPTIONS} → NAME, OPTIONS.
  llvm::StringMap<std::string> passOptions;
  for (StringRef text : options) {
    auto [name, rest] = text.split('{');
    if (!isStage(name) || !rest.consume_back("}")) {
      onError("'" + text + "' is not NAME{OPTIONS} for a pass of the r1 "
              "pipeline");
      return failure();
    }
    passOptions[name] = rest.str();
  }
  for (const Stage &stage : kStages) {
    if (llvm::is_contained(disabled, stage.name))
      continue;
    std::unique_ptr<Pass> pass = stage.create();
    auto it = passOptions.find(stage.name);
    if (it != passOptions.end() &&
        failed(pass->initializeOptions(it->second, [&](const Twine &message) {
          onError(Twine(stage.name) + ": " + message);
          return failure();
        })))
      return failure();
    pm.addPass(std::move(pass));
  }
  return success();
}

SmallVector<StringRef> mlir::r1::defaultPipelinePasses() {
  SmallVector<StringRef> names;
  for (const Stage &stage : kStages)
    names.push_back(stage.name);
  return names;
}

void mlir::r1::registerDefaultPipeline() {
  PassPipelineRegistration<PipelineOptions>(
      "r1-pipeline", "the graph pipeline r1c runs before codegen",
      [](OpPassManager &pm, const PipelineOptions &options) {
        // The option's parser has refused names outside the pipeline.
        SmallVector<std::string> disabled(options.disable.begin(),
                                          options.disable.end());
        (void)buildDefaultPipeline(pm, disabled, {}, [](const Twine &) {});
      });
}
