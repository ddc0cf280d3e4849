//===- R1DialectTest.cpp - the r1 dialect from C++ ------------------------===//
//
// The frontend builds r1 ops without spelling result types; these tests pin
// down what the builders infer, and that bad operands fail cleanly.
//
//===----------------------------------------------------------------------===//

#include "ir/R1Dialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::r1;

namespace {

class R1DialectTest : public ::testing::Test {
protected:
  R1DialectTest() : builder(&context) {
    context.loadDialect<R1Dialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    auto func = func::FuncOp::create(builder.getUnknownLoc(), "f",
                                     builder.getFunctionType({}, {}));
    module->push_back(func);
    builder.setInsertionPointToStart(func.addEntryBlock());
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type element = {}) {
    return RankedTensorType::get(shape, element ? element : builder.getF32Type());
  }

  /// A value of `type`, as a function argument.
  Value arg(Type type) {
    auto func = cast<func::FuncOp>(module->getBody()->front());
    Block &entry = func.getBody().front();
    Value value = entry.addArgument(type, builder.getUnknownLoc());
    SmallVector<Type> inputs(entry.getArgumentTypes());
    func.setFunctionType(builder.getFunctionType(inputs, {}));
    return value;
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(R1DialectTest, LinearInfersOutputShape) {
  Value x = arg(tensor({ShapedType::kDynamic, 64}));
  Value w = arg(tensor({128, 64}));
  auto linear = builder.create<LinearOp>(builder.getUnknownLoc(), x, w, Value());
  EXPECT_EQ(linear.getType(), tensor({ShapedType::kDynamic, 128}));
}

TEST_F(R1DialectTest, RouterInfersWeightsAndIndices) {
  Value h = arg(tensor({5, 64}));
  Value gate = arg(tensor({16, 64}));
  auto router = builder.create<RouterOp>(
      builder.getUnknownLoc(), h, gate, Value(), /*top_k=*/4,
      ScoringFunc::sigmoid, /*n_group=*/4, /*topk_group=*/2,
      /*norm_topk_prob=*/true, /*routed_scaling=*/llvm::APFloat(2.5f));
  EXPECT_EQ(router.getWeights().getType(), tensor({5, 4}));
  EXPECT_EQ(router.getIndices().getType(),
            tensor({5, 4}, builder.getIntegerType(32)));
  builder.create<func::ReturnOp>(builder.getUnknownLoc());
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(R1DialectTest, InferenceReportsBadShapesWithoutCrashing) {
  Value x = arg(tensor({7, 64}));
  Value w = arg(tensor({128, 32}));
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  SmallVector<Type> types;
  LinearOp::Adaptor adaptor({x, w}, builder.getDictionaryAttr({}));
  EXPECT_TRUE(failed(LinearOp::inferReturnTypes(
      &context, builder.getUnknownLoc(), adaptor, types)));
  EXPECT_EQ(message, "'r1.linear' op expects the weight's input size (32) to "
                     "equal the input's last dim (64)");
}

TEST_F(R1DialectTest, QuantScaleShapes) {
  auto int8 = QuantAttr::get(&context, QuantScheme::int8, 0, {});
  auto int4 = QuantAttr::get(&context, QuantScheme::int4, 32, {});
  auto fp8 = QuantAttr::get(&context, QuantScheme::fp8_e4m3, 0, {128, 128});
  EXPECT_EQ(int8.getScaleShape({4096, 1024}), SmallVector<int64_t>({4096}));
  EXPECT_EQ(int4.getScaleShape({4096, 1024}),
            SmallVector<int64_t>({4096, 32}));
  // DeepSeek-V3 ships partial edge blocks: 7168 = 56 blocks, 129 = 2 blocks.
  EXPECT_EQ(fp8.getScaleShape({7168, 129}), SmallVector<int64_t>({56, 2}));
  EXPECT_TRUE(fp8.getStorageType().isFloat8E4M3FN());
}

} // namespace
