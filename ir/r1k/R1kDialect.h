//===- R1kDialect.h - the r1k kernel-level dialect --------------*- C++ -*-===//
//
// This file declares the r1k dialect, its attributes and its ops. Include
// it to use any of them.
//
//===----------------------------------------------------------------------===//

#ifndef R1_IR_R1K_R1KDIALECT_H
#define R1_IR_R1K_R1KDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include "ir/r1k/R1kDialect.h.inc"
#include "ir/r1k/R1kEnums.h.inc"
#include "ir/r1k/R1kInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/r1k/R1kAttrs.h.inc"

#define GET_OP_CLASSES
#include "ir/r1k/R1kOps.h.inc"

#endif // R1_IR_R1K_R1KDIALECT_H
