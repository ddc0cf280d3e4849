//===- Target.cpp - the table of code generation targets -----------------===//

#include "codegen/Target.h"

#include "codegen/x86/X86Target.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir::r1;

namespace {

struct TargetEntry {
  const char *name;
  std::unique_ptr<Target> (*create)(llvm::StringRef name);
};

// One line per target.
const TargetEntry kTargets[] = {
    {"host", x86::createX86Target},
    {"x86-64-avx512", x86::createX86Target},
    {"x86-64-avx2", x86::createX86Target},
};

} // namespace

llvm::Expected<std::unique_ptr<Target>>
mlir::r1::createTarget(llvm::StringRef name) {
  std::vector<llvm::StringRef> names;
  for (const TargetEntry &entry : kTargets) {
    if (name == entry.name)
      if (std::unique_ptr<Target> target = entry.create(name))
        return target;
    names.push_back(entry.name);
  }
  return llvm::createStringError("unknown or unsupported target '" + name +
                                 "' (targets: " + llvm::join(names, ", ") +
                                 ")");
}
