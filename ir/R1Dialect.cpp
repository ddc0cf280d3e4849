//===- R1Dialect.cpp - the r1 dialect ---------------------------*- C++ -*-===//
//
// This file registers the r1 dialect's ops and attributes.
//
//===----------------------------------------------------------------------===//

#include "ir/R1Dialect.h"


using namespace mlir;
using namespace mlir::r1;

#include "ir/R1Dialect.cpp.inc"

void R1Dialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/R1Ops.cpp.inc"
      >();
  registerAttributes();
}
