//===- HostProgram.cpp - the kernel program as compiled host code ---------===//
//
// r1_host_run is one block per program step. A kernel call fills one
// halide_buffer_t per argument (frame-allocated once, filled by the helper
// @r1_buffer) and calls the runtime's `call` hook with the kernel's index;
// a cache append is a memcpy; layer-skip and MLA-prefill branches are
// conditional branches over the blocks they skip; every other step is the
// runtime's `step` hook. A nonzero status from a hook returns at once.
//
//===----------------------------------------------------------------------===//

#include "codegen/host/HostProgram.h"

#include "runtime/r1host.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

#include <cstddef>

using namespace mlir;
using namespace mlir::r1;

namespace {

// r1_host_frame's fields, by index: every field is 8 bytes.
enum FrameField {
  kSession,
  kSlots,
  kCaches,
  kWeights,
  kRows,
  kPosition,
  kContextRows,
  kLastOnly,
  kCall,
  kStep,
  kBranch,
  kFrameFields
};
static_assert(offsetof(r1_host_frame, call) == kCall * 8 &&
                  offsetof(r1_host_frame, branch) == kBranch * 8 &&
                  sizeof(r1_host_frame) == kFrameFields * 8,
              "FrameField must follow r1host.h");

constexpr int64_t kMaxArgs = 8; // the most arguments a kernel takes

bool isRuntimeStep(ProgramStep::Kind kind) {
  switch (kind) {
  case ProgramStep::Kind::Encode:
  case ProgramStep::Kind::Route:
  case ProgramStep::Kind::Experts:
  case ProgramStep::Kind::MemoryRead:
  case ProgramStep::Kind::MemoryRecord:
  case ProgramStep::Kind::LshSort:
    return true;
  default:
    return false;
  }
}

/// Builds the module's functions; `b` inserts at the current op.
class HostBuilder {
public:
  HostBuilder(MLIRContext &context, const KernelProgram &program,
              llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges)
      : ctx(&context), b(&context), loc(UnknownLoc::get(&context)),
        program(program), ranges(weightRanges) {
    ptr = LLVM::LLVMPointerType::get(ctx);
    i8 = b.getI8Type();
    i16 = b.getIntegerType(16);
    i32 = b.getI32Type();
    i64 = b.getI64Type();
    frame = named("r1_host_frame", SmallVector<Type>(kFrameFields, i64));
    dimType = named("halide_dimension_t", {i32, i32, i32, i32});
    // device, device_interface, host, flags, type (code, bits, lanes),
    // dimensions, dim, padding.
    bufferType = named("halide_buffer_t",
                       {i64, ptr, ptr, i64, i8, i8, i16, i32, ptr, ptr});
  }

  OwningOpRef<ModuleOp> build() {
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc, "r1_host");
    b.setInsertionPointToEnd(module->getBody());
    std::string layout = hostLayout(program, ranges) + '\0';
    b.create<LLVM::GlobalOp>(
        loc, LLVM::LLVMArrayType::get(i8, layout.size()), /*isConstant=*/true,
        LLVM::Linkage::External, "r1_host_layout", b.getStringAttr(layout));
    buildHookCall("r1_call", kCall, {i64, ptr}, i32);
    buildHookCall("r1_step", kStep, {i64}, i32);
    buildHookCall("r1_branch", kBranch, {i64}, {});
    buildBufferHelper();
    buildAnyAtLeast();
    buildRun();
    return module;
  }

private:
  Type named(StringRef name, ArrayRef<Type> body) {
    auto type = LLVM::LLVMStructType::getIdentified(ctx, name);
    if (!type.isInitialized())
      (void)type.setBody(body, /*isPacked=*/false);
    return type;
  }
  Value constant(Type type, int64_t value) {
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, value));
  }
  Value field(Value framePtr, FrameField f, Type type) {
    Value at = b.create<LLVM::GEPOp>(loc, ptr, frame, framePtr,
                                     ArrayRef<LLVM::GEPArg>{0, int32_t(f)});
    return b.create<LLVM::LoadOp>(loc, type, at);
  }
  Value offsetBytes(Value base, Value bytes) {
    return b.create<LLVM::GEPOp>(loc, ptr, i8, base, ValueRange{bytes});
  }
  func::FuncOp function(StringRef name, TypeRange args, TypeRange results,
                        bool exported = false) {
    auto fn = b.create<func::FuncOp>(loc, name, b.getFunctionType(args, results));
    if (!exported)
      fn.setPrivate();
    return fn;
  }

  /// @NAME(frame, args...) calls the frame's hook FIELD with the session
  /// first.
  void buildHookCall(StringRef name, FrameField f, SmallVector<Type> args,
                     TypeRange results) {
    SmallVector<Type> params{ptr};
    params.append(args.begin(), args.end());
    OpBuilder::InsertionGuard guard(b);
    func::FuncOp fn = function(name, params, results);
    b.setInsertionPointToStart(fn.addEntryBlock());
    Value framePtr = fn.getArgument(0);
    SmallVector<Value> operands{field(framePtr, f, ptr),
                                field(framePtr, kSession, ptr)};
    for (size_t i = 1; i < params.size(); ++i)
      operands.push_back(fn.getArgument(unsigned(i)));
    SmallVector<Type> hookParams{ptr};
    hookParams.append(args.begin(), args.end());
    Type result = results.empty() ? Type(LLVM::LLVMVoidType::get(ctx))
                                  : results.front();
    auto call = b.create<LLVM::CallOp>(
        loc, LLVM::LLVMFunctionType::get(result, hookParams), operands);
    b.create<func::ReturnOp>(loc, call.getResults());
  }

  /// @r1_buffer(buffer, dims, host, type code, bits, rank, e0, e1, e2, e3):
  /// a dense halide_buffer_t, dims innermost first.
  void buildBufferHelper() {
    OpBuilder::InsertionGuard guard(b);
    func::FuncOp fn = function(
        "r1_buffer", {ptr, ptr, ptr, i8, i8, i32, i32, i32, i32, i32}, {});
    b.setInsertionPointToStart(fn.addEntryBlock());
    Value buffer = fn.getArgument(0), dims = fn.getArgument(1);
    auto store = [&](int32_t index, Value value) {
      Value at = b.create<LLVM::GEPOp>(loc, ptr, bufferType, buffer,
                                       ArrayRef<LLVM::GEPArg>{0, index});
      b.create<LLVM::StoreOp>(loc, value, at);
    };
    Value null = b.create<LLVM::ZeroOp>(loc, ptr);
    store(0, constant(i64, 0));
    store(1, null);
    store(2, fn.getArgument(2));
    store(3, constant(i64, 0));
    store(4, fn.getArgument(3));
    store(5, fn.getArgument(4));
    store(6, constant(i16, 1));
    store(7, fn.getArgument(5));
    store(8, dims);
    store(9, null);
    Value stride = constant(i32, 1), zero = constant(i32, 0);
    for (int32_t d = 0; d < 4; ++d) {
      Value extent = fn.getArgument(unsigned(6 + d));
      Value values[] = {zero, extent, stride, zero}; // min, extent, stride, flags
      for (int32_t f = 0; f < 4; ++f) {
        Value at = b.create<LLVM::GEPOp>(loc, ptr, dimType, dims,
                                         ArrayRef<LLVM::GEPArg>{d, f});
        b.create<LLVM::StoreOp>(loc, values[f], at);
      }
      stride = b.create<arith::MulIOp>(loc, stride, extent);
    }
    b.create<func::ReturnOp>(loc);
  }

  /// @r1_any_at_least(scores, n, threshold): whether one of n floats
  /// reaches the threshold (a layer-skip gate's decision).
  void buildAnyAtLeast() {
    OpBuilder::InsertionGuard guard(b);
    func::FuncOp fn = function("r1_any_at_least", {ptr, i64, b.getF32Type()},
                               {b.getI1Type()});
    Block *entry = fn.addEntryBlock();
    Block *loop = fn.addBlock(), *body = fn.addBlock(), *exit = fn.addBlock();
    loop->addArgument(i64, loc);
    exit->addArgument(b.getI1Type(), loc);
    b.setInsertionPointToStart(entry);
    b.create<cf::BranchOp>(loc, loop, ValueRange{constant(i64, 0)});
    b.setInsertionPointToStart(loop);
    Value i = loop->getArgument(0);
    Value more = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i,
                                         fn.getArgument(1));
    b.create<cf::CondBranchOp>(loc, more, body, ValueRange{}, exit,
                               ValueRange{constant(b.getI1Type(), 0)});
    b.setInsertionPointToStart(body);
    Value at = b.create<LLVM::GEPOp>(loc, ptr, b.getF32Type(),
                                     fn.getArgument(0), ValueRange{i});
    Value score = b.create<LLVM::LoadOp>(loc, b.getF32Type(), at);
    Value reaches = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE,
                                            score, fn.getArgument(2));
    Value next = b.create<arith::AddIOp>(loc, i, constant(i64, 1));
    b.create<cf::CondBranchOp>(loc, reaches, exit, ValueRange{reaches}, loop,
                               ValueRange{next});
    b.setInsertionPointToStart(exit);
    b.create<func::ReturnOp>(loc, exit->getArgument(0));
  }

  /// Branches to `fail` with `status` when it is nonzero, else to `next`.
  void checkStatus(Value status, Block *next) {
    Value bad = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, status,
                                        constant(i32, 0));
    b.create<cf::CondBranchOp>(loc, bad, fail, ValueRange{status}, next,
                               ValueRange{});
  }

  /// The pointer kernel argument `arg` starts at, and its extents.
  void describe(const KernelArg &arg, bool tail, Value &host,
                SmallVector<Value, 4> &extents) {
    Value rowsHere = tail ? tailRows : rows, first = tail ? tailFirst : nullptr;
    switch (arg.source) {
    case KernelArg::Source::Slot: {
      const ProgramSlot &slot = program.slots[size_t(arg.index)];
      Value slots = field(framePtr, kSlots, ptr);
      Value at = b.create<LLVM::GEPOp>(loc, ptr, ptr, slots,
                                       ArrayRef<LLVM::GEPArg>{int32_t(arg.index)});
      host = b.create<LLVM::LoadOp>(loc, ptr, at);
      if (slot.context) {
        rowsHere = contextRows;
      } else if (first) {
        Value bytes = b.create<arith::MulIOp>(loc, first,
                                              constant(i64, slot.width * 4));
        host = offsetBytes(host, bytes);
      }
      break;
    }
    case KernelArg::Source::Weight:
      host = offsetBytes(weights,
                         constant(i64, int64_t(ranges[size_t(arg.index)].first)));
      break;
    case KernelArg::Source::Cache: {
      Value caches = field(framePtr, kCaches, ptr);
      Value at = b.create<LLVM::GEPOp>(loc, ptr, ptr, caches,
                                       ArrayRef<LLVM::GEPArg>{int32_t(arg.index)});
      host = b.create<LLVM::LoadOp>(loc, ptr, at);
      break;
    }
    }
    for (int64_t d : arg.dims) {
      Value extent;
      if (d > 0)
        extent = constant(i64, d);
      else if (d == KernelArg::kContext)
        extent = contextRows;
      else if (arg.source == KernelArg::Source::Cache)
        extent = length;
      else
        extent = b.create<arith::MulIOp>(loc, rowsHere, constant(i64, -d));
      extents.push_back(b.create<arith::TruncIOp>(loc, i32, extent));
    }
  }

  /// halide_type_t's code and bits of `arg`'s elements: i32, f32, or a
  /// bf16 weight's u16.
  std::pair<int64_t, int64_t> elementType(const KernelArg &arg) const {
    bool isInt = false;
    if (arg.source == KernelArg::Source::Slot)
      isInt = program.slots[size_t(arg.index)].isInt;
    else if (arg.source == KernelArg::Source::Cache)
      isInt = program.caches[size_t(arg.index)].isInt;
    else if (program.weights[size_t(arg.index)].bf16)
      return {1, 16};
    return {isInt ? 0 : 2, 32};
  }

  void buildCall(const ProgramStep &step, bool tail, Block *next) {
    SmallVector<const KernelArg *, kMaxArgs> args;
    for (const KernelArg &arg : step.inputs)
      args.push_back(&arg);
    args.push_back(&step.output);
    for (size_t i = 0; i < args.size(); ++i) {
      Value host;
      SmallVector<Value, 4> extents;
      describe(*args[i], tail, host, extents);
      while (extents.size() < 4)
        extents.push_back(constant(i32, 1));
      Value buffer = b.create<LLVM::GEPOp>(
          loc, ptr, bufferType, buffers, ArrayRef<LLVM::GEPArg>{int32_t(i)});
      Value dims = b.create<LLVM::GEPOp>(loc, ptr, dimType, dimensions,
                                         ArrayRef<LLVM::GEPArg>{int32_t(4 * i)});
      auto [code, bits] = elementType(*args[i]);
      SmallVector<Value> operands{buffer, dims, host, constant(i8, code),
                                  constant(i8, bits),
                                  constant(i32, int64_t(args[i]->dims.size()))};
      operands.append(extents.begin(), extents.end());
      b.create<func::CallOp>(loc, "r1_buffer", TypeRange{}, operands);
    }
    Value status =
        b.create<func::CallOp>(loc, "r1_call", TypeRange{i32},
                               ValueRange{framePtr, constant(i64, step.kernel),
                                          argv})
            .getResult(0);
    checkStatus(status, next);
  }

  void buildRun() {
    OpBuilder::InsertionGuard guard(b);
    func::FuncOp fn = function("r1_host_run", {ptr}, {i32}, /*exported=*/true);
    Block *entry = fn.addEntryBlock();
    size_t count = program.steps.size();
    SmallVector<Block *> blocks;
    for (size_t s = 0; s <= count; ++s)
      blocks.push_back(fn.addBlock());
    fail = fn.addBlock();
    fail->addArgument(i32, loc);

    b.setInsertionPointToStart(entry);
    framePtr = fn.getArgument(0);
    rows = field(framePtr, kRows, i64);
    position = field(framePtr, kPosition, i64);
    contextRows = field(framePtr, kContextRows, i64);
    weights = field(framePtr, kWeights, ptr);
    length = b.create<arith::AddIOp>(loc, position, rows);
    // The row-wise tail on the last row alone: one row, from row rows - 1.
    Value lastOnly = b.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::ne, field(framePtr, kLastOnly, i64),
        constant(i64, 0));
    tailRows = b.create<arith::SelectOp>(loc, lastOnly, constant(i64, 1), rows);
    tailFirst = b.create<arith::SelectOp>(
        loc, lastOnly, b.create<arith::SubIOp>(loc, rows, constant(i64, 1)),
        constant(i64, 0));
    Value one = constant(i64, 1);
    buffers = b.create<LLVM::AllocaOp>(
        loc, ptr, LLVM::LLVMArrayType::get(bufferType, kMaxArgs), one, 16);
    dimensions = b.create<LLVM::AllocaOp>(
        loc, ptr, LLVM::LLVMArrayType::get(dimType, 4 * kMaxArgs), one, 16);
    argv = b.create<LLVM::AllocaOp>(
        loc, ptr, LLVM::LLVMArrayType::get(ptr, kMaxArgs), one, 16);
    for (int32_t i = 0; i < kMaxArgs; ++i) {
      Value buffer = b.create<LLVM::GEPOp>(loc, ptr, bufferType, buffers,
                                           ArrayRef<LLVM::GEPArg>{i});
      Value at = b.create<LLVM::GEPOp>(loc, ptr, ptr, argv,
                                       ArrayRef<LLVM::GEPArg>{i});
      b.create<LLVM::StoreOp>(loc, buffer, at);
    }
    b.create<cf::BranchOp>(loc, blocks[0]);

    int64_t runtimeStep = 0;
    for (size_t s = 0; s < count; ++s) {
      const ProgramStep &step = program.steps[s];
      b.setInsertionPointToStart(blocks[s]);
      Block *next = blocks[s + 1];
      // Branches skip `count` steps; the lowering keeps them in range.
      auto after = [&](int64_t skipped) {
        return blocks[std::min(count, s + 1 + size_t(skipped))];
      };
      bool tail = int64_t(s) >= program.rowwiseTail;
      if (isRuntimeStep(step.kind)) {
        Value status =
            b.create<func::CallOp>(
                 loc, "r1_step", TypeRange{i32},
                 ValueRange{framePtr, constant(i64, runtimeStep++)})
                .getResult(0);
        checkStatus(status, next);
        continue;
      }
      switch (step.kind) {
      case ProgramStep::Kind::Call:
        buildCall(step, tail, next);
        break;
      case ProgramStep::Kind::CacheAppend: {
        int64_t rowBytes = program.caches[size_t(step.cache)].width * 4;
        Value caches = field(framePtr, kCaches, ptr);
        Value slots = field(framePtr, kSlots, ptr);
        Value cache = b.create<LLVM::LoadOp>(
            loc, ptr,
            b.create<LLVM::GEPOp>(loc, ptr, ptr, caches,
                                  ArrayRef<LLVM::GEPArg>{int32_t(step.cache)}));
        Value slot = b.create<LLVM::LoadOp>(
            loc, ptr,
            b.create<LLVM::GEPOp>(loc, ptr, ptr, slots,
                                  ArrayRef<LLVM::GEPArg>{int32_t(step.slot)}));
        Value rowBytesV = constant(i64, rowBytes);
        Value to = offsetBytes(
            cache, b.create<arith::MulIOp>(loc, position, rowBytesV));
        Value bytes = b.create<arith::MulIOp>(loc, rows, rowBytesV);
        b.create<LLVM::MemcpyOp>(loc, to, slot, bytes, /*isVolatile=*/false);
        b.create<cf::BranchOp>(loc, next);
        break;
      }
      case ProgramStep::Kind::Skip: {
        Value slots = field(framePtr, kSlots, ptr);
        Value scores = b.create<LLVM::LoadOp>(
            loc, ptr,
            b.create<LLVM::GEPOp>(loc, ptr, ptr, slots,
                                  ArrayRef<LLVM::GEPArg>{int32_t(step.skip.score)}));
        Value threshold = b.create<arith::ConstantOp>(
            loc, b.getF32FloatAttr(float(step.skip.threshold)));
        Value ran = b.create<func::CallOp>(loc, "r1_any_at_least",
                                           TypeRange{b.getI1Type()},
                                           ValueRange{scores, rows, threshold})
                        .getResult(0);
        b.create<func::CallOp>(
            loc, "r1_branch", TypeRange{},
            ValueRange{framePtr, b.create<arith::ExtUIOp>(loc, i64, ran)});
        b.create<cf::CondBranchOp>(loc, ran, next, after(step.skip.count));
        break;
      }
      case ProgramStep::Kind::Prefill: {
        // The naive form runs on a fresh sequence of at least minRows rows.
        Value fresh = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                              position, constant(i64, 0));
        Value enough =
            b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, rows,
                                    constant(i64, step.branch.minRows));
        Value take = b.create<arith::AndIOp>(loc, fresh, enough);
        b.create<cf::CondBranchOp>(loc, take, next, after(step.branch.count));
        break;
      }
      case ProgramStep::Kind::Jump:
        b.create<cf::BranchOp>(loc, after(step.branch.count));
        break;
      default:
        llvm_unreachable("runtime steps are handled above");
      }
    }
    b.setInsertionPointToStart(blocks[count]);
    b.create<func::ReturnOp>(loc, constant(i32, 0));
    b.setInsertionPointToStart(fail);
    b.create<func::ReturnOp>(loc, fail->getArgument(0));
  }

  MLIRContext *ctx;
  OpBuilder b;
  Location loc;
  const KernelProgram &program;
  llvm::ArrayRef<std::pair<uint64_t, uint64_t>> ranges;
  Type ptr, i8, i16, i32, i64, frame, dimType, bufferType;
  // r1_host_run's values, set in its entry block.
  Block *fail = nullptr;
  Value framePtr, rows, position, contextRows, weights, length, tailRows,
      tailFirst, buffers, dimensions, argv;
};

} // namespace

std::string mlir::r1::hostLayout(
    const KernelProgram &program,
    llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges) {
  auto list = [](const SmallVector<std::string> &items) {
    return items.empty() ? std::string("-") : llvm::join(items, ",");
  };
  SmallVector<std::string> slots, caches, weights;
  for (const ProgramSlot &slot : program.slots)
    slots.push_back(std::to_string(slot.width) + (slot.isInt ? "i" : "") +
                    (slot.context ? "c" : "") + (slot.square ? "s" : "") +
                    (slot.cross ? "x" : ""));
  for (const ProgramCache &cache : program.caches)
    caches.push_back(std::to_string(cache.width) + (cache.isInt ? "i" : ""));
  for (auto [i, range] : llvm::enumerate(weightRanges))
    weights.push_back(std::to_string(range.first) + "+" +
                      std::to_string(range.second) +
                      (program.weights[i].bf16 ? "b" : ""));
  int64_t runtimeSteps = llvm::count_if(program.steps, [](const ProgramStep &s) {
    return isRuntimeStep(s.kind);
  });
  return "r1-host " + std::to_string(R1_HOST_VERSION) + " slots " +
         list(slots) + " caches " + list(caches) + " weights " +
         list(weights) + " kernels " + std::to_string(program.kernels.size()) +
         " steps " + std::to_string(runtimeSteps);
}

llvm::Expected<OwningOpRef<ModuleOp>> mlir::r1::buildHostProgram(
    MLIRContext &context, const KernelProgram &program,
    llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges) {
  // A call's buffers live in fixed frame arrays.
  for (const ProgramStep &step : program.steps) {
    if (step.kind != ProgramStep::Kind::Call)
      continue;
    if (int64_t(step.inputs.size()) + 1 > kMaxArgs)
      return llvm::createStringError(
          "a kernel call has more than " + std::to_string(kMaxArgs) +
          " arguments");
    SmallVector<const KernelArg *> args{&step.output};
    for (const KernelArg &arg : step.inputs)
      args.push_back(&arg);
    for (const KernelArg *arg : args) {
      if (arg->dims.size() > 4)
        return llvm::createStringError("a kernel argument has more than 4 dims");
      // The row-wise tail views one row; a square slot has no such row.
      if (arg->source == KernelArg::Source::Slot &&
          (program.slots[size_t(arg->index)].square ||
           program.slots[size_t(arg->index)].cross) &&
          int64_t(&step - program.steps.data()) >= program.rowwiseTail)
        return llvm::createStringError("the row-wise tail reads scores");
    }
  }
  context.loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                      func::FuncDialect, LLVM::LLVMDialect>();
  OwningOpRef<ModuleOp> host =
      HostBuilder(context, program, weightRanges).build();
  // Folded constants and merged blocks make host.mlir readable.
  PassManager pm(&context);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(verify(*host)) || failed(pm.run(*host)))
    return llvm::createStringError("the host program failed to verify");
  return host;
}

llvm::Error mlir::r1::emitHostObject(ModuleOp host, llvm::StringRef triple,
                                     llvm::StringRef path) {
  MLIRContext &context = *host.getContext();
  PassManager pm(&context);
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (failed(pm.run(host)))
    return llvm::createStringError("the host program did not lower to LLVM");

  registerBuiltinDialectTranslation(context);
  registerLLVMDialectTranslation(context);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module =
      translateModuleToLLVMIR(host, llvmContext, "r1_host");
  if (!module)
    return llvm::createStringError("the host program did not translate to LLVM IR");

  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86AsmPrinter();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple.str(), error);
  if (!target)
    return llvm::createStringError("no LLVM target for " + triple + ": " + error);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, "generic", "", llvm::TargetOptions(), llvm::Reloc::PIC_));
  module->setTargetTriple(triple);
  module->setDataLayout(machine->createDataLayout());
  // Only the entry point and the layout are model.so's interface; the
  // helpers inline and go.
  for (llvm::Function &fn : *module)
    if (!fn.isDeclaration() && fn.getName() != "r1_host_run")
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);

  // -O2: @r1_buffer and the hooks inline into r1_host_run.
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder passes(machine.get());
  passes.registerModuleAnalyses(mam);
  passes.registerCGSCCAnalyses(cgam);
  passes.registerFunctionAnalyses(fam);
  passes.registerLoopAnalyses(lam);
  passes.crossRegisterProxies(lam, fam, cgam, mam);
  passes.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2)
      .run(*module, mam);

  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot write " + path + ": " + ec.message());
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, out, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("LLVM cannot emit an object for " + triple);
  codegen.run(*module);
  out.close();
  if (out.has_error())
    return llvm::createStringError("cannot write " + path);
  return llvm::Error::success();
}
