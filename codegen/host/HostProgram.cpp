//===- HostProgram.cpp - the r1k module as compiled host code -------------===//
//
// r1_host_run is the r1k module's forward region converted, with MLIR's
// dialect conversion, to func/cf/arith/llvm ops: a kernel call fills one
// r1_host_arg per view (frame-allocated once, filled by the helper
// @r1_arg) and calls the runtime's `call` hook with the kernel's index,
// which makes them the kernel's halide_buffer_ts;
// a cache append is a memcpy; r1k.layer_skip and r1k.fresh_prefill become
// conditional branches around their inlined regions; every other step is
// the runtime's `step` hook. A nonzero status from a hook returns at once.
//
//===----------------------------------------------------------------------===//

#include "codegen/host/HostProgram.h"

#include "codegen/KernelModule.h"
#include "ir/r1k/R1kDialect.h"
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
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
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
namespace k = mlir::r1k;

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

// r1_host_arg's fields, by index: host, type code, type bits, dimensions,
// then the 4 extents; every field is 8 bytes.
enum ArgField { kArgHost, kArgTypeCode, kArgTypeBits, kArgDims, kArgExtent };
static_assert(offsetof(r1_host_arg, dimensions) == kArgDims * 8 &&
                  offsetof(r1_host_arg, extent) == kArgExtent * 8 &&
                  sizeof(r1_host_arg) == (kArgExtent + 4) * 8,
              "ArgField must follow r1host.h");

constexpr int64_t kMaxArgs = R1_HOST_MAX_ARGS;

/// r1_host_run's values, defined in its entry block.
struct HostValues {
  Block *fail = nullptr; // returns its argument, a nonzero status
  Value framePtr, rows, position, contextRows, weights, length, tailRows,
      tailFirst, args;
};

/// Builds the module's functions; `b` inserts at the current op.
class HostBuilder {
public:
  /// `layout` is r1_host_layout's text.
  HostBuilder(MLIRContext &context, std::string layout)
      : ctx(&context), b(&context), loc(UnknownLoc::get(&context)),
        layout(std::move(layout)) {
    ptr = LLVM::LLVMPointerType::get(ctx);
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    i64 = b.getI64Type();
    frame = named("r1_host_frame", SmallVector<Type>(kFrameFields, i64));
    argType = named("r1_host_arg", {ptr, i64, i64, i64, i64, i64, i64, i64});
  }

  /// The host module: the layout, the hooks and helpers, and r1_host_run
  /// with `forward`'s steps copied in, still r1k ops; `v` gets the frame's
  /// values.
  OwningOpRef<ModuleOp> build(k::ForwardOp forward, HostValues &v,
                              func::FuncOp &run) {
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc, "r1_host");
    b.setInsertionPointToEnd(module->getBody());
    std::string text = layout + '\0';
    b.create<LLVM::GlobalOp>(
        loc, LLVM::LLVMArrayType::get(i8, text.size()), /*isConstant=*/true,
        LLVM::Linkage::External, "r1_host_layout", b.getStringAttr(text));
    buildHookCall("r1_call", kCall, {i64, ptr, i64}, i32);
    buildHookCall("r1_step", kStep, {i64}, i32);
    buildHookCall("r1_branch", kBranch, {i64}, {});
    buildArgHelper();
    buildAnyAtLeast();
    run = buildRun(forward, v);
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

  /// @r1_arg(arg, host, type code, bits, rank, e0, e1, e2, e3): an
  /// r1_host_arg, dims innermost first.
  void buildArgHelper() {
    OpBuilder::InsertionGuard guard(b);
    func::FuncOp fn =
        function("r1_arg", {ptr, ptr, i64, i64, i64, i64, i64, i64, i64}, {});
    b.setInsertionPointToStart(fn.addEntryBlock());
    Value arg = fn.getArgument(0);
    for (int32_t f = kArgHost; f < kArgExtent + 4; ++f) {
      Value at = b.create<LLVM::GEPOp>(loc, ptr, argType, arg,
                                       ArrayRef<LLVM::GEPArg>{0, f});
      b.create<LLVM::StoreOp>(loc, fn.getArgument(unsigned(1 + f)), at);
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

  /// r1_host_run: the frame's values in the entry block, then the forward
  /// region's steps, converted by the patterns below.
  func::FuncOp buildRun(k::ForwardOp forward, HostValues &v) {
    OpBuilder::InsertionGuard guard(b);
    func::FuncOp fn = function("r1_host_run", {ptr}, {i32}, /*exported=*/true);
    Block *entry = fn.addEntryBlock();
    Block *steps = fn.addBlock();
    v.fail = fn.addBlock();
    v.fail->addArgument(i32, loc);

    b.setInsertionPointToStart(entry);
    v.framePtr = fn.getArgument(0);
    v.rows = field(v.framePtr, kRows, i64);
    v.position = field(v.framePtr, kPosition, i64);
    v.contextRows = field(v.framePtr, kContextRows, i64);
    v.weights = field(v.framePtr, kWeights, ptr);
    v.length = b.create<arith::AddIOp>(loc, v.position, v.rows);
    // The row-wise tail on the last row alone: one row, from row rows - 1.
    Value lastOnly = b.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::ne, field(v.framePtr, kLastOnly, i64),
        constant(i64, 0));
    v.tailRows =
        b.create<arith::SelectOp>(loc, lastOnly, constant(i64, 1), v.rows);
    v.tailFirst = b.create<arith::SelectOp>(
        loc, lastOnly, b.create<arith::SubIOp>(loc, v.rows, constant(i64, 1)),
        constant(i64, 0));
    v.args = b.create<LLVM::AllocaOp>(
        loc, ptr, LLVM::LLVMArrayType::get(argType, kMaxArgs), constant(i64, 1),
        16);
    b.create<cf::BranchOp>(loc, steps);

    // The steps as they are, then success; the patterns rewrite each.
    b.setInsertionPointToStart(steps);
    for (Operation &op : forward.getBody().front())
      b.clone(op);
    b.create<func::ReturnOp>(loc, constant(i32, 0));
    b.setInsertionPointToStart(v.fail);
    b.create<func::ReturnOp>(loc, v.fail->getArgument(0));
    return fn;
  }

public:
  Type ptr, i8, i32, i64, frame, argType;

private:
  MLIRContext *ctx;
  OpBuilder b;
  Location loc;
  std::string layout;
};

//===----------------------------------------------------------------------===//
// r1k.forward's steps → calls of the frame's hooks, memcpys and branches
//===----------------------------------------------------------------------===//

/// What every pattern reads: the program's buffers, each symbol's index,
/// the frame's values, and which steps are row-wise tail calls or runtime
/// steps (and their numbers).
struct HostLowering {
  HostLowering(const KernelProgram &program, const KernelModuleIndex &index,
               llvm::ArrayRef<std::pair<uint64_t, uint64_t>> ranges,
               const HostBuilder &types)
      : program(program), index(index), ranges(ranges), types(types) {}
  const KernelProgram &program;
  const KernelModuleIndex &index;
  llvm::ArrayRef<std::pair<uint64_t, uint64_t>> ranges;
  const HostBuilder &types;
  HostValues v;
  llvm::DenseSet<Operation *> tail;
  llvm::DenseMap<Operation *, int64_t> runtimeStep;
};

/// Helpers a pattern builds with, at the rewriter's insertion point.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc, const HostLowering &h)
      : b(b), loc(loc), h(h), t(h.types) {}

  Value constant(Type type, int64_t value) {
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, value));
  }
  Value field(FrameField f, Type type) {
    Value at = b.create<LLVM::GEPOp>(loc, t.ptr, t.frame, h.v.framePtr,
                                     ArrayRef<LLVM::GEPArg>{0, int32_t(f)});
    return b.create<LLVM::LoadOp>(loc, type, at);
  }
  /// The pointer in entry `i` of the frame's slot or cache table.
  Value tableEntry(FrameField table, int64_t i) {
    Value at = b.create<LLVM::GEPOp>(loc, t.ptr, t.ptr, field(table, t.ptr),
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    return b.create<LLVM::LoadOp>(loc, t.ptr, at);
  }
  Value offsetBytes(Value base, Value bytes) {
    return b.create<LLVM::GEPOp>(loc, t.ptr, b.getI8Type(), base,
                                 ValueRange{bytes});
  }
  /// Ends the block: on to `fail` with `status` when it is nonzero, else to
  /// `next`.
  void checkStatus(Value status, Block *next) {
    Value bad = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, status,
                                        constant(t.i32, 0));
    b.create<cf::CondBranchOp>(loc, bad, h.v.fail, ValueRange{status}, next,
                               ValueRange{});
  }

  KernelArg arg(k::ViewAttr view) {
    auto [source, i] = h.index.buffers.lookup(view.getBuffer().getValue());
    return {source, i, SmallVector<int64_t, 4>(view.getDims())};
  }

  /// The pointer kernel argument `arg` starts at, and its extents.
  void describe(const KernelArg &arg, bool tail, Value &host,
                SmallVector<Value, 4> &extents) {
    Value rowsHere = tail ? h.v.tailRows : h.v.rows;
    Value first = tail ? h.v.tailFirst : nullptr;
    switch (arg.source) {
    case KernelArg::Source::Slot: {
      const ProgramSlot &slot = h.program.slots[size_t(arg.index)];
      host = tableEntry(kSlots, arg.index);
      if (slot.context) {
        rowsHere = h.v.contextRows;
      } else if (first) {
        Value bytes = b.create<arith::MulIOp>(
            loc, first, constant(t.i64, slot.width * 4));
        host = offsetBytes(host, bytes);
      }
      break;
    }
    case KernelArg::Source::Weight:
      host = offsetBytes(
          h.v.weights,
          constant(t.i64, int64_t(h.ranges[size_t(arg.index)].first)));
      break;
    case KernelArg::Source::Cache:
      host = tableEntry(kCaches, arg.index);
      break;
    }
    for (int64_t d : arg.dims) {
      Value extent;
      if (d > 0)
        extent = constant(t.i64, d);
      else if (d == KernelArg::kContext)
        extent = h.v.contextRows;
      else if (arg.source == KernelArg::Source::Cache)
        extent = h.v.length;
      else
        extent = b.create<arith::MulIOp>(loc, rowsHere, constant(t.i64, -d));
      extents.push_back(extent);
    }
  }

  /// The halide_type_code_t and bits of `arg`'s elements: i32, f32, or a
  /// bf16 weight's u16.
  std::pair<int64_t, int64_t> elementType(const KernelArg &arg) const {
    bool isInt = false;
    if (arg.source == KernelArg::Source::Slot)
      isInt = h.program.slots[size_t(arg.index)].isInt;
    else if (arg.source == KernelArg::Source::Cache)
      isInt = h.program.caches[size_t(arg.index)].isInt;
    else if (h.program.weights[size_t(arg.index)].bf16)
      return {1, 16};
    return {isInt ? 0 : 2, 32};
  }

  OpBuilder &b;
  Location loc;
  const HostLowering &h;
  const HostBuilder &t;
};

/// The block after `op` (which stays last in its own).
Block *splitAfter(ConversionPatternRewriter &rewriter, Operation *op) {
  return rewriter.splitBlock(op->getBlock(), std::next(Block::iterator(op)));
}

/// A pattern of r1k op `Op` that reads the lowering's shared state.
template <typename Op> struct HostPattern : OpConversionPattern<Op> {
  HostPattern(MLIRContext *ctx, const HostLowering &h)
      : OpConversionPattern<Op>(ctx), h(h) {}
  const HostLowering &h;
};

/// A kernel call: one r1_host_arg per argument (@r1_arg), then the frame's
/// `call` hook with the kernel's index and the arguments, which the runtime
/// makes the kernel's halide_buffer_ts; a nonzero status returns.
struct CallLowering : HostPattern<k::CallOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(k::CallOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Block *next = splitAfter(rewriter, op);
    rewriter.setInsertionPoint(op);
    Emitter e(rewriter, op.getLoc(), h);
    SmallVector<KernelArg, kMaxArgs> args;
    for (Attribute view : op.getInputs())
      args.push_back(e.arg(cast<k::ViewAttr>(view)));
    args.push_back(e.arg(op.getOutput()));
    bool tail = h.tail.contains(op);
    for (auto [i, arg] : llvm::enumerate(args)) {
      Value host;
      SmallVector<Value, 4> extents;
      e.describe(arg, tail, host, extents);
      while (extents.size() < 4)
        extents.push_back(e.constant(h.types.i64, 1));
      Value at = rewriter.create<LLVM::GEPOp>(
          op.getLoc(), h.types.ptr, h.types.argType, h.v.args,
          ArrayRef<LLVM::GEPArg>{int32_t(i)});
      auto [code, bits] = e.elementType(arg);
      SmallVector<Value> operands{
          at, host, e.constant(h.types.i64, code),
          e.constant(h.types.i64, bits),
          e.constant(h.types.i64, int64_t(arg.dims.size()))};
      operands.append(extents.begin(), extents.end());
      rewriter.create<func::CallOp>(op.getLoc(), "r1_arg", TypeRange{},
                                    operands);
    }
    int64_t kernel = h.index.kernels.lookup(op.getKernel());
    Value status =
        rewriter
            .create<func::CallOp>(
                op.getLoc(), "r1_call", TypeRange{h.types.i32},
                ValueRange{h.v.framePtr, e.constant(h.types.i64, kernel),
                           h.v.args,
                           e.constant(h.types.i64, int64_t(args.size()))})
            .getResult(0);
    e.checkStatus(status, next);
    rewriter.eraseOp(op);
    return success();
  }
};

/// A cache append: the slot's rows copied to the cache at the call's
/// first position.
struct AppendLowering : HostPattern<k::AppendOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(k::AppendOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc(), h);
    int64_t cacheIndex = h.index.buffers.lookup(op.getCache()).second;
    int64_t slotIndex = h.index.buffers.lookup(op.getSlot()).second;
    int64_t rowBytes = h.program.caches[size_t(cacheIndex)].width * 4;
    Value cache = e.tableEntry(kCaches, cacheIndex);
    Value slot = e.tableEntry(kSlots, slotIndex);
    Value rowBytesV = e.constant(h.types.i64, rowBytes);
    Value to = e.offsetBytes(
        cache, rewriter.create<arith::MulIOp>(op.getLoc(), h.v.position,
                                              rowBytesV));
    Value bytes =
        rewriter.create<arith::MulIOp>(op.getLoc(), h.v.rows, rowBytesV);
    rewriter.create<LLVM::MemcpyOp>(op.getLoc(), to, slot, bytes,
                                    /*isVolatile=*/false);
    rewriter.eraseOp(op);
    return success();
  }
};

/// A step the runtime performs (routing, experts, LSH sort, memory,
/// encoders): the frame's `step` hook with its number, in program order.
struct RuntimeStepLowering : ConversionPattern {
  RuntimeStepLowering(MLIRContext *ctx, const HostLowering &h)
      : ConversionPattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), h(h) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value>,
                  ConversionPatternRewriter &rewriter) const override {
    auto it = h.runtimeStep.find(op);
    if (it == h.runtimeStep.end())
      return failure();
    Block *next = splitAfter(rewriter, op);
    rewriter.setInsertionPoint(op);
    Emitter e(rewriter, op->getLoc(), h);
    Value status =
        rewriter
            .create<func::CallOp>(
                op->getLoc(), "r1_step", TypeRange{h.types.i32},
                ValueRange{h.v.framePtr, e.constant(h.types.i64, it->second)})
            .getResult(0);
    e.checkStatus(status, next);
    rewriter.eraseOp(op);
    return success();
  }
  const HostLowering &h;
};

/// Moves `region`'s blocks before `before`, its last block ending in a
/// branch to `then`; the region's entry, or `then` when it is empty.
Block *inlineRegion(ConversionPatternRewriter &rewriter, Region &region,
                    Block *before, Block *then, Location loc) {
  if (region.empty())
    return then;
  Block *first = &region.front(), *last = &region.back();
  rewriter.inlineRegionBefore(region, before);
  rewriter.setInsertionPointToEnd(last);
  rewriter.create<cf::BranchOp>(loc, then);
  return first;
}

/// A layer-skip gate: the body runs when a row's score reaches the
/// threshold; the frame's `branch` hook hears which it was.
struct LayerSkipLowering : HostPattern<k::LayerSkipOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(k::LayerSkipOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block *next = splitAfter(rewriter, op);
    Block *body = inlineRegion(rewriter, op.getBody(), next, next, loc);
    rewriter.setInsertionPoint(op);
    Emitter e(rewriter, loc, h);
    int64_t score = h.index.buffers.lookup(op.getScore()).second;
    Value scores = e.tableEntry(kSlots, score);
    Value threshold = rewriter.create<arith::ConstantOp>(
        loc, rewriter.getF32FloatAttr(float(op.getThreshold().convertToDouble())));
    Value ran = rewriter
                    .create<func::CallOp>(loc, "r1_any_at_least",
                                          TypeRange{rewriter.getI1Type()},
                                          ValueRange{scores, h.v.rows, threshold})
                    .getResult(0);
    rewriter.create<func::CallOp>(
        loc, "r1_branch", TypeRange{},
        ValueRange{h.v.framePtr,
                   rewriter.create<arith::ExtUIOp>(loc, h.types.i64, ran)});
    rewriter.create<cf::CondBranchOp>(loc, ran, body, next);
    rewriter.eraseOp(op);
    return success();
  }
};

/// MLA's two forms: the fresh one on a call that starts the sequence with
/// at least min_rows rows, the other form otherwise.
struct FreshPrefillLowering : HostPattern<k::FreshPrefillOp> {
  using HostPattern::HostPattern;
  LogicalResult
  matchAndRewrite(k::FreshPrefillOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block *next = splitAfter(rewriter, op);
    // [the fresh form] [the other form] next
    Block *otherwise =
        inlineRegion(rewriter, op.getOtherwise(), next, next, loc);
    Block *fresh = inlineRegion(rewriter, op.getFresh(), otherwise, next, loc);
    rewriter.setInsertionPoint(op);
    Emitter e(rewriter, loc, h);
    Value isFresh = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::eq, h.v.position, e.constant(h.types.i64, 0));
    Value enough = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sge, h.v.rows,
        e.constant(h.types.i64, int64_t(op.getMinRows())));
    Value take = rewriter.create<arith::AndIOp>(loc, isFresh, enough);
    rewriter.create<cf::CondBranchOp>(loc, take, fresh, otherwise);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>> mlir::r1::buildHostProgram(
    ModuleOp kernels,
    llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges) {
  KernelModuleIndex index;
  FailureOr<KernelProgram> program = readKernelModule(kernels, &index);
  if (failed(program))
    return llvm::createStringError("the r1k module is not valid");
  if (weightRanges.size() != program->weights.size())
    return llvm::createStringError(
        "the host program needs the place of each of the " +
        std::to_string(program->weights.size()) + " weights");
  // A call's buffers live in fixed frame arrays.
  for (const ProgramStep &step : program->steps) {
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
          (program->slots[size_t(arg->index)].square ||
           program->slots[size_t(arg->index)].cross) &&
          int64_t(&step - program->steps.data()) >= program->rowwiseTail)
        return llvm::createStringError("the row-wise tail reads scores");
    }
  }
  MLIRContext &context = *kernels.getContext();
  context.loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                      func::FuncDialect, LLVM::LLVMDialect>();
  auto forward = *kernels.getOps<k::ForwardOp>().begin();
  // The host program carries the layout of the program.txt it runs with,
  // which the runtime checks (runtime/Program.h).
  HostBuilder builder(context,
                      r1rt::hostLayout(describeProgram(*program, weightRanges)));
  HostLowering lowering(*program, index, weightRanges, builder);
  func::FuncOp run;
  OwningOpRef<ModuleOp> host = builder.build(forward, lowering.v, run);

  // Top-level steps from rowwise_from on are the row-wise tail; runtime
  // steps are numbered in program order (program.txt's step records).
  Block &steps = *std::next(run.getBody().begin());
  int64_t top = 0, rowwiseFrom = forward.getRowwiseFromAttr().getInt();
  for (Operation &op : steps)
    if (top++ >= rowwiseFrom && isa<k::CallOp>(op))
      lowering.tail.insert(&op);
  run.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<k::RouteOp, k::ExpertsOp, k::MemoryReadOp, k::MemoryRecordOp,
            k::LshSortOp, k::EncodeOp>(op))
      lowering.runtimeStep[op] = int64_t(lowering.runtimeStep.size());
  });

  ConversionTarget target(context);
  target.addLegalDialect<arith::ArithDialect, cf::ControlFlowDialect,
                         func::FuncDialect, LLVM::LLVMDialect>();
  target.addIllegalDialect<k::R1kDialect>();
  RewritePatternSet patterns(&context);
  patterns.add<CallLowering, AppendLowering, RuntimeStepLowering,
               LayerSkipLowering, FreshPrefillLowering>(&context, lowering);
  if (failed(applyPartialConversion(run, target, std::move(patterns))))
    return llvm::createStringError("the r1k steps did not lower to the host "
                                   "program");
  // Folded constants and merged blocks make host.mlir readable.
  PassManager pm(&context);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(verify(*host)) || failed(pm.run(*host)))
    return llvm::createStringError("the host program failed to verify");
  return host;
}

namespace {

/// r1-opt's view of buildHostProgram: the r1k module becomes its host
/// module, weight i at `weight-offsets`[i] (0 when not given).
struct LowerToHostPass
    : PassWrapper<LowerToHostPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerToHostPass)
  LowerToHostPass() = default;
  LowerToHostPass(const LowerToHostPass &other) : PassWrapper(other) {}
  StringRef getArgument() const override { return "r1k-to-host"; }
  StringRef getDescription() const override {
    return "Lower an r1k module to the host program that calls its kernels "
           "(what model.so's r1_host_run runs)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, cf::ControlFlowDialect,
                    func::FuncDialect, LLVM::LLVMDialect>();
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    size_t weights = llvm::range_size(module.getOps<k::WeightOp>());
    std::vector<std::pair<uint64_t, uint64_t>> ranges(weights);
    for (size_t i = 0; i < weights && i < offsets.size(); ++i)
      ranges[i].first = uint64_t(offsets[i]);
    auto host = buildHostProgram(module, ranges);
    if (!host) {
      module.emitError() << llvm::toString(host.takeError());
      return signalPassFailure();
    }
    module.getBody()->clear();
    module.getBody()->getOperations().splice(
        module.getBody()->end(), (*host)->getBody()->getOperations());
    module.setSymName((*host).get().getSymName());
  }
  ListOption<int64_t> offsets{*this, "weight-offsets",
                              llvm::cl::desc("each weight's offset in "
                                             "weights.bin")};
};

} // namespace

void mlir::r1::registerHostProgramPass() {
  PassRegistration<LowerToHostPass>();
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

  // -O2: @r1_arg and the hooks inline into r1_host_run.
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
