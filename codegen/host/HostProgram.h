//===- HostProgram.h - the kernel program as compiled host code -*- C++ -*-===//
//
// This file declares the host program: an r1k module's steps as the
// function r1_host_run (runtime/r1host.h), converted to the func, cf, arith
// and llvm dialects, then lowered by MLIR's conversions to the LLVM
// dialect, translated to LLVM IR and compiled to an object file that the
// target links into model.so beside its kernels.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_HOST_HOSTPROGRAM_H
#define R1_CODEGEN_HOST_HOSTPROGRAM_H

#include "codegen/KernelProgram.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <utility>

namespace mlir::r1 {

/// Lowers the r1k module `kernels` to r1_host_run: its r1k.forward's steps
/// become, by MLIR's dialect conversion, the frame's hook calls (a kernel
/// call fills one r1_host_arg per view), memcpys (cache appends) and
/// branches (layer skip, fresh prefill); `weightRanges` are the (offset,
/// bytes) of each weight in weights.bin. Its r1_host_layout is
/// r1rt::hostLayout of the program.txt describeProgram gives for them.
/// Fails on a call with more than 8 arguments or 4 dims, which its frame
/// arrays do not hold.
llvm::Expected<OwningOpRef<ModuleOp>>
buildHostProgram(ModuleOp kernels,
                 llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges);

/// Registers r1-opt's --r1k-to-host: buildHostProgram on an r1k module.
void registerHostProgramPass();

/// Lowers `host` (in place) to the LLVM dialect, optimizes it and writes
/// an object file for `triple` (position independent, for model.so).
llvm::Error emitHostObject(ModuleOp host, llvm::StringRef triple,
                           llvm::StringRef path);

} // namespace mlir::r1

#endif // R1_CODEGEN_HOST_HOSTPROGRAM_H
