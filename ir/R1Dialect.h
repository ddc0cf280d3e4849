//===- R1Dialect.h - the r1 dialect -----------------------------*- C++ -*-===//
//
// This file declares the r1 dialect, its attributes and its ops. Include it
// to use any of them.
//
//===----------------------------------------------------------------------===//

#ifndef R1_IR_R1DIALECT_H
#define R1_IR_R1DIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/R1Dialect.h.inc"
#include "ir/R1Enums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/R1Attrs.h.inc"

namespace mlir::r1 {
/// True when each pair has the same element type and compatible shapes
/// (equal where both are static). Used by every op whose result types are
/// inferred.
bool areCompatibleTensorTypes(TypeRange inferred, TypeRange actual);
} // namespace mlir::r1

#define GET_OP_CLASSES
#include "ir/R1Ops.h.inc"

namespace mlir::r1 {
/// The operands of `op` whose rows are kept in a KV cache for later tokens
/// (attention keys and values, MLA latent and rope key, LSH rows); empty
/// for other ops. A skipped layer must still compute these.
SmallVector<Value, 2> getCachedOperands(Operation *op);
} // namespace mlir::r1

#endif // R1_IR_R1DIALECT_H
