//===- R1Attrs.cpp - r1 enums and attributes --------------------*- C++ -*-===//
//
// This file holds the verifiers and helpers of the r1 attributes.
//
//===----------------------------------------------------------------------===//

#include "ir/R1Dialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::r1;

#include "ir/R1Enums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/R1Attrs.cpp.inc"

void R1Dialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/R1Attrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QuantAttr
//===----------------------------------------------------------------------===//

LogicalResult QuantAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                QuantScheme scheme, int64_t group,
                                ArrayRef<int64_t> block) {
  switch (scheme) {
  case QuantScheme::int8:
    if (group != 0 || !block.empty())
      return emitError() << "int8 quantization is per row and takes no group "
                            "or block";
    return success();
  case QuantScheme::int4:
    if (!block.empty())
      return emitError() << "int4 quantization takes a group, not a block";
    if (group < 2 || group % 2 != 0)
      return emitError() << "int4 group size must be an even number >= 2, got "
                         << group;
    return success();
  case QuantScheme::fp8_e4m3:
    if (group != 0)
      return emitError() << "fp8_e4m3 quantization takes a block, not a group";
    if (block.size() != 2 || block[0] <= 0 || block[1] <= 0)
      return emitError() << "fp8_e4m3 quantization needs a block of two "
                            "positive dims, e.g. [128, 128]";
    return success();
  }
  return emitError() << "unknown quantization scheme";
}

// `<scheme>`, `<scheme, group = N>` or `<scheme, block = [R, C]>`.
Attribute QuantAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<QuantScheme> scheme = symbolizeQuantScheme(keyword);
  if (!scheme) {
    parser.emitError(loc) << "unknown quantization scheme '" << keyword
                          << "', expected int8, int4 or fp8_e4m3";
    return {};
  }
  int64_t group = 0;
  SmallVector<int64_t> block;
  if (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (key == "group") {
      if (parser.parseInteger(group))
        return {};
    } else if (key == "block") {
      if (parser.parseCommaSeparatedList(
              AsmParser::Delimiter::Square, [&]() -> ParseResult {
                return parser.parseInteger(block.emplace_back());
              }))
        return {};
    } else {
      parser.emitError(keyLoc) << "expected 'group' or 'block', got '" << key
                               << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), *scheme, group, block);
}

void QuantAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyQuantScheme(getScheme());
  if (getGroup() != 0)
    printer << ", group = " << getGroup();
  if (!getBlock().empty()) {
    printer << ", block = [";
    llvm::interleaveComma(getBlock(), printer);
    printer << ']';
  }
  printer << '>';
}

Type QuantAttr::getStorageType() const {
  MLIRContext *ctx = getContext();
  switch (getScheme()) {
  case QuantScheme::int8:
    return IntegerType::get(ctx, 8);
  case QuantScheme::int4:
    return IntegerType::get(ctx, 4);
  case QuantScheme::fp8_e4m3:
    return FloatType::getFloat8E4M3FN(ctx);
  }
  llvm_unreachable("unknown quantization scheme");
}

static int64_t ceilDivDim(int64_t dim, int64_t by) {
  return ShapedType::isDynamic(dim) ? ShapedType::kDynamic : (dim + by - 1) / by;
}

SmallVector<int64_t> QuantAttr::getScaleShape(ArrayRef<int64_t> shape) const {
  assert(shape.size() >= 2 && "quantized weights are (stacks of) matrices");
  // Leading dims stack matrices (MoE experts); each has its own scales.
  SmallVector<int64_t> scales(shape.drop_back(2));
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  switch (getScheme()) {
  case QuantScheme::int8:
    scales.push_back(rows);
    break;
  case QuantScheme::int4:
    scales.append({rows, ceilDivDim(cols, getGroup())});
    break;
  case QuantScheme::fp8_e4m3:
    scales.append(
        {ceilDivDim(rows, getBlock()[0]), ceilDivDim(cols, getBlock()[1])});
    break;
  }
  return scales;
}

//===----------------------------------------------------------------------===//
// Rotary scalings
//===----------------------------------------------------------------------===//

LogicalResult YarnAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat factorValue, int64_t originalMaxPosition,
                               APFloat betaFastValue, APFloat betaSlowValue,
                               APFloat mscaleValue, APFloat mscaleAllDimValue) {
  double factor = factorValue.convertToDouble();
  double betaFast = betaFastValue.convertToDouble();
  double betaSlow = betaSlowValue.convertToDouble();
  double mscale = mscaleValue.convertToDouble();
  double mscaleAllDim = mscaleAllDimValue.convertToDouble();
  if (!(factor >= 1.0))
    return emitError() << "yarn factor must be >= 1, got " << factor;
  if (originalMaxPosition <= 0)
    return emitError() << "yarn original_max_position must be positive, got "
                       << originalMaxPosition;
  if (!(betaFast > betaSlow) || !(betaSlow > 0.0))
    return emitError() << "yarn needs beta_fast > beta_slow > 0, got "
                       << betaFast << " and " << betaSlow;
  if (!(mscale >= 0.0) || !(mscaleAllDim >= 0.0))
    return emitError() << "yarn mscale and mscale_all_dim must be >= 0";
  return success();
}

LogicalResult
Llama3ScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          APFloat factorValue, APFloat lowFreqValue,
                          APFloat highFreqValue, int64_t originalMaxPosition) {
  double factor = factorValue.convertToDouble();
  double lowFreqFactor = lowFreqValue.convertToDouble();
  double highFreqFactor = highFreqValue.convertToDouble();
  if (!(factor >= 1.0))
    return emitError() << "llama3 factor must be >= 1, got " << factor;
  if (!(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0.0))
    return emitError() << "llama3 needs high_freq_factor > low_freq_factor > "
                          "0, got "
                       << highFreqFactor << " and " << lowFreqFactor;
  if (originalMaxPosition <= 0)
    return emitError() << "llama3 original_max_position must be positive, got "
                       << originalMaxPosition;
  return success();
}

LogicalResult
LinearScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          APFloat factorValue) {
  double factor = factorValue.convertToDouble();
  if (!(factor > 0.0))
    return emitError() << "linear rope factor must be positive, got " << factor;
  return success();
}
