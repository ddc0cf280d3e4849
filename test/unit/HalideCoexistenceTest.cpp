//===- HalideCoexistenceTest.cpp - Halide 14 beside MLIR/LLVM 19 ----------===//
//
// The x86 target compiles kernels with Halide 14 (built on LLVM 14) inside
// r1c (built on LLVM 19). Both libLLVMs are symbol-versioned; this checks
// they really coexist: one process, an MLIR context alive, a Halide pipeline
// JIT-run and compiled to an object without its runtime.
//
//===----------------------------------------------------------------------===//

#include "Halide.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

namespace {

TEST(HalideCoexistenceTest, JitAndObjectBesideMlir) {
  mlir::MLIRContext context;
  Halide::Func f("twice");
  Halide::Var x("x");
  f(x) = Halide::cast<float>(x) * 2.0f;
  f.vectorize(x, 16);
  Halide::Buffer<float> out = f.realize({64}, Halide::get_host_target());
  EXPECT_EQ(out(10), 20.0f);

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("twice", "o", path));
  f.compile_to_object(std::string(path), {}, "twice",
                      Halide::get_host_target().with_feature(
                          Halide::Target::NoRuntime));
  uint64_t size = 0;
  EXPECT_FALSE(llvm::sys::fs::file_size(path, size));
  EXPECT_GT(size, 0u);
  llvm::sys::fs::remove(path);
}

} // namespace
