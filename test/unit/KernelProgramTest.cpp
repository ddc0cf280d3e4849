//===- KernelProgramTest.cpp - lowering details of KernelProgram ----------===//

#include "codegen/KernelProgram.h"
#include "ir/R1Dialect.h"

#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

/// ids → embedding → a window of the last axis → head.
constexpr const char *kSliceModule = R"mlir(
module attributes {r1.max_positions = 64 : i64} {
r1.weight_decl @emb : tensor<16x8xf32>
r1.weight_decl @head : tensor<16x4xf32>
func.func @forward(%ids: tensor<?xi32>, %pos: tensor<?xi64>) -> tensor<?x16xf32> {
  %w = r1.weight @emb : tensor<16x8xf32>
  %e = r1.embedding %ids, %w : (tensor<?xi32>, tensor<16x8xf32>) -> tensor<?x8xf32>
  %r = r1.reshape %e : tensor<?x8xf32> -> tensor<?x2x4xf32>
  %s = r1.slice %r {axis = AXIS : i64, start = 1 : i64, size = 2 : i64} : (tensor<?x2x4xf32>) -> tensor<?x2x2xf32>
  %f = r1.reshape %s : tensor<?x2x2xf32> -> tensor<?x4xf32>
  %h = r1.weight @head : tensor<16x4xf32>
  %l = r1.lm_head %f, %h : (tensor<?x4xf32>, tensor<16x4xf32>) -> tensor<?x16xf32>
  return %l : tensor<?x16xf32>
}
}
)mlir";

r1::KernelSpec sliceKernel(const std::string &axis) {
  MLIRContext context;
  context.loadDialect<r1::R1Dialect, func::FuncDialect>();
  std::string text = kSliceModule;
  text.replace(text.find("AXIS"), 4, axis);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  EXPECT_TRUE(module);
  FailureOr<r1::KernelProgram> program = r1::lowerToKernels(*module);
  EXPECT_TRUE(succeeded(program));
  for (const r1::KernelSpec &kernel : program->kernels)
    if (kernel.kind == r1::KernelSpec::Kind::Slice)
      return kernel;
  ADD_FAILURE() << "no slice kernel";
  return r1::KernelSpec(r1::KernelSpec::Kind::Slice, {});
}

TEST(KernelProgram, NegativeAxesCountFromTheEnd) {
  // dims {inner, axis, outer, start, size}: the last axis has nothing inside.
  llvm::SmallVector<int64_t, 4> want = {1, 4, 2, 1, 2};
  EXPECT_EQ(sliceKernel("2").dims, want);
  EXPECT_EQ(sliceKernel("-1").dims, want);
}

TEST(KernelProgram, DescribesWhatTheRuntimeReads) {
  // describeProgram fills the runtime's schema as its parser would: the
  // printed description reads back as the same program.
  MLIRContext context;
  context.loadDialect<r1::R1Dialect, func::FuncDialect>();
  std::string text = kSliceModule;
  text.replace(text.find("AXIS"), 4, "2");
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  ASSERT_TRUE(module);
  FailureOr<r1::KernelProgram> program = r1::lowerToKernels(*module);
  ASSERT_TRUE(succeeded(program));
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (size_t i = 0; i < program->weights.size(); ++i)
    ranges.push_back({4096 * i, 1024});
  r1rt::Program description = r1::describeProgram(*program, ranges);
  description.target = "host";
  description.files = {{"weights.bin", 8192, std::string(32, 'a')},
                       {"model.so", 100, std::string(32, 'b')}};
  EXPECT_EQ(description.vocab, 16);
  EXPECT_EQ(description.context, 64);
  EXPECT_EQ(description.kernels.size(), program->kernels.size());
  ASSERT_EQ(description.weights.size(), program->weights.size());
  EXPECT_EQ(description.weights.back().offset, 4096 * (ranges.size() - 1));
  r1rt::Program parsed;
  std::string error;
  std::string printed = r1rt::printProgram(description);
  ASSERT_TRUE(r1rt::parseProgram(printed, parsed, error)) << error;
  EXPECT_TRUE(parsed == description) << printed;
}

} // namespace
