//===- r1-opt.cpp - the r1 optimizer driver ---------------------*- C++ -*-===//
//
// r1-opt is mlir-opt for r1: it parses a module, runs the passes named on the
// command line and prints the result. It knows the r1 dialect, the upstream
// dialects r1 lowers through (r1k, its kernel level, among them), and every r1 pass (see `r1-opt --help`).
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelModule.h"
#include "codegen/host/HostProgram.h"
#include "ir/R1Dialect.h"
#include "ir/r1k/R1kDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::r1::R1Dialect, mlir::r1k::R1kDialect,
                  mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::math::MathDialect,
                  mlir::cf::ControlFlowDialect,
                  mlir::tensor::TensorDialect, mlir::linalg::LinalgDialect,
                  mlir::scf::SCFDialect, mlir::memref::MemRefDialect,
                  mlir::vector::VectorDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::gpu::GPUDialect, mlir::NVVM::NVVMDialect,
                  mlir::LLVM::LLVMDialect>();
  mlir::r1::registerR1Passes();
  mlir::r1::registerDefaultPipeline();
  mlir::r1::registerHostProgramPass();
  mlir::r1::registerPlanBuffersPass();
  // The generic upstream passes people reach for beside ours.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::registerSymbolDCEPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "r1 optimizer driver\n", registry));
}
