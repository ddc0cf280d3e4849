//===- Target.h - what a hardware target implements -------------*- C++ -*-===//
//
// This file declares the interface every code generation target implements:
// turn kernel specs into object code, give each weight a packer that writes
// the layout its kernels read, and link the objects into the artifact's
// model.so. A new target is a folder under codegen/ and one line in
// Target.cpp's table.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_TARGET_H
#define R1_CODEGEN_TARGET_H

#include "codegen/KernelProgram.h"
#include "codegen/WeightPacker.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::r1 {

class Target {
public:
  virtual ~Target() = default;
  /// The name --target accepts and the manifest records (x86-64-avx512).
  virtual std::string name() const = 0;
  /// CPU features the runtime must find before it loads model.so.
  virtual std::vector<std::string> requiredFeatures() const = 0;
  /// Compiles `kernels` (each once) and the target's own runtime into object
  /// files under `dir`; `progress(i, n)` is called as kernel i of n starts.
  virtual llvm::Expected<std::vector<std::string>>
  emitKernels(llvm::ArrayRef<KernelSpec> kernels, llvm::StringRef dir,
              llvm::function_ref<void(size_t, size_t)> progress) = 0;
  /// Chooses how the r1k module's `matrix` weights are held: rewrites each
  /// into the target's layout, with every view of it, so that its kernels
  /// and packers read what the module states. Other weights stay as they
  /// are; a module whose matrices are already laid out is unchanged.
  virtual LogicalResult chooseLayouts(ModuleOp kernels) = 0;
  /// The packer that writes a weight of `type` (its derived shape, storage
  /// and r1k layout) as the target's kernels read it, for the weight
  /// materializer to stream its rows into; an error for a layout the target
  /// does not have.
  virtual llvm::Expected<std::unique_ptr<WeightPacker>>
  weightPacker(const PackedWeightType &type) = 0;
  /// The LLVM triple the host program (codegen/host) is compiled for: the
  /// CPU that runs the runtime and calls the kernels.
  virtual std::string hostTriple() const = 0;
  /// Links `objects` into the shared library `output`.
  virtual llvm::Error link(llvm::ArrayRef<std::string> objects,
                           llvm::StringRef output) = 0;
  /// Links `inputs` (objects, assembly sources, archives; one defines
  /// main) into the executable `output`, its symbols visible to dlsym.
  virtual llvm::Error linkExecutable(llvm::ArrayRef<std::string> inputs,
                                     llvm::StringRef output) = 0;
};

/// The target named `name` ("host", "x86-64-avx512", "x86-64-avx2"), or an
/// error listing the names there are.
llvm::Expected<std::unique_ptr<Target>> createTarget(llvm::StringRef name);

} // namespace mlir::r1

#endif // R1_CODEGEN_TARGET_H
