//===- PlanBuffers.cpp - r1k-plan-buffers: slots reused once dead ---------===//
//
// The lowering gives every value its own slot; this pass maps them onto as
// few as a linear scan over the forward region's steps (in program order,
// branches included) needs: a slot takes a free one of the same width,
// element and rows at the step that first writes it, and frees it after the
// step that last reads it. A step's outputs never share its inputs'
// buffers. ids, positions, logits and the classifier's hidden state keep
// their own. Planned slots are renamed @s0, @s1, ... in order of first use.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelModule.h"

#include "ir/r1k/R1kDialect.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>
#include <tuple>

using namespace mlir;
using namespace mlir::r1;
namespace k = mlir::r1k;

namespace {

/// The slots a step reads and writes (views may name weights and caches
/// too; only slots are planned).
void slotUses(Operation *op, SmallVectorImpl<StringRef> &reads,
              SmallVectorImpl<StringRef> &writes) {
  auto ref = [](FlatSymbolRefAttr r) { return r.getValue(); };
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](k::CallOp call) {
        for (Attribute view : call.getInputs())
          reads.push_back(ref(cast<k::ViewAttr>(view).getBuffer()));
        writes.push_back(ref(call.getOutput().getBuffer()));
      })
      .Case([&](k::AppendOp append) { reads.push_back(append.getSlot()); })
      .Case([&](k::EncodeOp encode) { writes.push_back(encode.getSlot()); })
      .Case([&](k::RouteOp route) {
        reads.push_back(route.getLogits());
        writes.append({route.getWeights(), route.getIndices()});
      })
      .Case([&](k::ExpertsOp experts) {
        reads.append({experts.getInput(), experts.getIndices()});
        writes.push_back(experts.getOutput());
      })
      .Case([&](k::LayerSkipOp skip) { reads.push_back(skip.getScore()); })
      .Case([&](k::MemoryReadOp read) {
        reads.append({read.getInput(), read.getGate()});
        writes.push_back(read.getOutput());
      })
      .Case([&](k::MemoryRecordOp record) {
        reads.push_back(record.getInput());
      });
}

struct PlanBuffersPass
    : PassWrapper<PlanBuffersPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(PlanBuffersPass)
  StringRef getArgument() const override { return "r1k-plan-buffers"; }
  StringRef getDescription() const override {
    return "Map an r1k module's slots onto fewer, reusing each once its "
           "value is dead";
  }
  void runOnOperation() override {
    if (failed(planBuffers(getOperation())))
      signalPassFailure();
  }
};

} // namespace

LogicalResult mlir::r1::planBuffers(ModuleOp module) {
  auto forwards = module.getOps<k::ForwardOp>();
  if (forwards.empty())
    return module.emitError() << "the r1k module has no r1k.forward";
  k::ForwardOp forward = *forwards.begin();
  llvm::StringMap<k::SlotOp> slots;
  for (auto slot : module.getOps<k::SlotOp>())
    slots[slot.getSymName()] = slot;

  // The steps in program order, and each slot's last read.
  SmallVector<std::pair<SmallVector<StringRef>, SmallVector<StringRef>>> steps;
  forward.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    auto &[reads, writes] = steps.emplace_back();
    slotUses(op, reads, writes);
  });
  auto isSlot = [&](StringRef name) { return slots.count(name) != 0; };
  llvm::StringMap<size_t> lastRead;
  for (auto [i, step] : llvm::enumerate(steps))
    for (StringRef name : step.first)
      lastRead[name] = i;

  llvm::StringSet<> pinned;
  for (FlatSymbolRefAttr ref : {forward.getIdsAttr(), forward.getPositionsAttr(),
                                forward.getLogitsAttr()})
    pinned.insert(ref.getValue());
  for (auto classify : module.getOps<k::ClassifyOp>())
    pinned.insert(classify.getHidden());

  // Physical slots in order of first use: the virtual slot each copies its
  // type from.
  SmallVector<k::SlotOp> physical;
  llvm::StringMap<int64_t> assigned; // virtual → physical, once acquired
  llvm::StringSet<> released;
  using Key = std::tuple<int64_t, bool, k::Rows>;
  auto keyOf = [](k::SlotOp s) {
    return Key{int64_t(s.getWidth()), s.getElement().isInteger(32),
               s.getRows()};
  };
  std::multimap<Key, int64_t> free;
  auto acquire = [&](StringRef name) {
    if (!isSlot(name) || assigned.count(name))
      return;
    k::SlotOp slot = slots[name];
    auto it = pinned.contains(name) ? free.end() : free.find(keyOf(slot));
    if (it != free.end()) {
      assigned[name] = it->second;
      free.erase(it);
    } else {
      assigned[name] = int64_t(physical.size());
      physical.push_back(slot);
    }
  };
  acquire(forward.getIds());
  acquire(forward.getPositions());
  for (auto [i, step] : llvm::enumerate(steps)) {
    for (StringRef name : step.second)
      acquire(name);
    for (StringRef name : step.first) // read before any write: its own
      acquire(name);
    for (StringRef name : step.first) {
      if (!isSlot(name) || lastRead[name] != i || pinned.contains(name) ||
          !assigned.count(name) || !released.insert(name).second)
        continue;
      free.insert({keyOf(slots[name]), assigned[name]});
    }
  }
  // Slots no step touches are dropped; the forward's and the classifier's
  // are kept.
  acquire(forward.getLogits());
  for (auto classify : module.getOps<k::ClassifyOp>())
    acquire(classify.getHidden());

  // Rename every reference at once, then replace the slot declarations.
  MLIRContext *ctx = module.getContext();
  auto physicalName = [&](int64_t i) {
    return FlatSymbolRefAttr::get(ctx, ("s" + Twine(i)).str());
  };
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](FlatSymbolRefAttr ref)
                              -> std::optional<Attribute> {
    auto it = assigned.find(ref.getValue());
    if (it == assigned.end())
      return std::nullopt;
    return physicalName(it->second);
  });
  Operation *firstSlot = *module.getOps<k::SlotOp>().begin();
  for (Operation &op : module.getBody()->getOperations())
    if (!isa<k::SlotOp>(op))
      replacer.recursivelyReplaceElementsIn(&op, /*replaceAttrs=*/true,
                                            /*replaceLocs=*/false,
                                            /*replaceTypes=*/false);
  OpBuilder b(firstSlot);
  for (auto [i, slot] : llvm::enumerate(physical))
    b.create<k::SlotOp>(slot.getLoc(), physicalName(int64_t(i)).getAttr(),
                        slot.getWidthAttr(), slot.getElementAttr(),
                        slot.getRowsAttr());
  for (auto &[name, slot] : slots)
    slot->erase();
  return success();
}

void mlir::r1::registerPlanBuffersPass() { PassRegistration<PlanBuffersPass>(); }
