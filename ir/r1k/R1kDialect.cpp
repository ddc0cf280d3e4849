//===- R1kDialect.cpp - the r1k dialect and its attributes ----------------===//
//
// This file registers the r1k dialect's ops and attributes and verifies the
// attributes.
//
//===----------------------------------------------------------------------===//

#include "ir/r1k/R1kDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::r1k;

#include "ir/r1k/R1kDialect.cpp.inc"
#include "ir/r1k/R1kEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/r1k/R1kAttrs.cpp.inc"

void R1kDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/r1k/R1kOps.cpp.inc"
      >();
  registerAttributes();
}

void R1kDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/r1k/R1kAttrs.cpp.inc"
      >();
}

LogicalResult ViewAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               FlatSymbolRefAttr buffer,
                               ArrayRef<int64_t> dims) {
  if (!buffer)
    return emitError() << "a view needs a buffer";
  if (dims.empty())
    return emitError() << "a view needs at least one dim";
  if (llvm::is_contained(dims, 0))
    return emitError() << "a view's dims are nonzero";
  return success();
}

LogicalResult
DequantizeBlocksAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             ArrayAttr scales, int64_t rows, int64_t cols) {
  if (!scales || scales.empty() || rows <= 0 || cols <= 0 ||
      llvm::any_of(scales, [](Attribute a) {
        auto name = llvm::dyn_cast<StringAttr>(a);
        return !name || name.getValue().empty();
      }))
    return emitError() << "dequantize_blocks needs scale tensor names and "
                          "positive block dims";
  return success();
}

LogicalResult SplitHeadsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                     StringRef part, int64_t heads,
                                     int64_t nope, int64_t v) {
  if (part != "keys" && part != "values")
    return emitError() << "split_heads' part is \"keys\" or \"values\"";
  if (heads <= 0 || nope <= 0 || v <= 0)
    return emitError() << "split_heads needs positive heads and head dims";
  return success();
}

static LogicalResult verifyLayerNorm(function_ref<InFlightDiagnostic()> emitError,
                                     FloatAttr eps,
                                     ArrayRef<FlatSymbolRefAttr> weights) {
  if (!eps || !(eps.getValueAsDouble() > 0))
    return emitError() << "an encoder's eps must be positive";
  for (FlatSymbolRefAttr weight : weights)
    if (!weight)
      return emitError() << "an encoder names all its weights";
  return success();
}

LogicalResult ImageEncoderAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t channels,
    int64_t height, int64_t width, int64_t patch, FlatSymbolRefAttr embed,
    FlatSymbolRefAttr bias, FlatSymbolRefAttr position,
    FlatSymbolRefAttr normWeight, FlatSymbolRefAttr normBias, FloatAttr eps) {
  if (channels <= 0 || height <= 0 || width <= 0 || patch <= 0 ||
      height % patch || width % patch)
    return emitError() << "an image encoder needs positive dims that its "
                          "patch size divides";
  return verifyLayerNorm(emitError, eps,
                         {embed, bias, position, normWeight, normBias});
}

LogicalResult AudioEncoderAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t length, int64_t hop,
    FlatSymbolRefAttr embed, FlatSymbolRefAttr bias,
    FlatSymbolRefAttr normWeight, FlatSymbolRefAttr normBias, FloatAttr eps) {
  if (length <= 0 || hop <= 0)
    return emitError() << "an audio encoder needs a positive frame length "
                          "and hop";
  return verifyLayerNorm(emitError, eps, {embed, bias, normWeight, normBias});
}
