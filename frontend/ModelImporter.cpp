//===- ModelImporter.cpp - checkpoint folder to r1 module -------*- C++ -*-===//
//
// This file implements importModel: read config and checkpoint, build the
// module skeleton (@decoder, @forward, @classify), dispatch to the family
// importer, and report unused tensors.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelImporter.h"
#include "frontend/Importers.h"

#include "mlir/IR/Verifier.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::r1;
using ::r1::frontend::Architecture;
using ::r1::checkpoint::Checkpoint;
using ::r1::checkpoint::DType;

namespace {

/// The compute type: the option, else the embedding's dtype, else f32.
FailureOr<Type> chooseComputeType(MLIRContext *ctx, const Checkpoint &ckpt,
                                  StringRef option) {
  Builder b(ctx);
  if (option == "f32")
    return Type(b.getF32Type());
  if (option == "bf16")
    return Type(b.getBF16Type());
  if (option == "f16")
    return Type(b.getF16Type());
  if (!option.empty())
    return failure();
  if (const auto *embed = ckpt.find("model.embed_tokens.weight")) {
    if (embed->dtype == DType::BF16)
      return Type(b.getBF16Type());
    if (embed->dtype == DType::F16)
      return Type(b.getF16Type());
  }
  return Type(b.getF32Type());
}

LogicalResult reportError(MLIRContext *ctx, llvm::Error err) {
  std::string message = llvm::toString(std::move(err));
  emitError(UnknownLoc::get(ctx)) << message;
  return failure();
}

} // namespace

FailureOr<OwningOpRef<ModuleOp>>
mlir::r1::importModel(MLIRContext *context, StringRef dir,
                      const ImportOptions &options) {
  context->loadDialect<R1Dialect, func::FuncDialect>();
  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  auto config = ::r1::frontend::ModelConfig::load(configPath);
  if (!config) {
    (void)reportError(context, config.takeError());
    return failure();
  }
  auto checkpoint = Checkpoint::open(dir);
  if (!checkpoint) {
    (void)reportError(context, checkpoint.takeError());
    return failure();
  }
  const ModelConfig &c = *config;
  FailureOr<Type> compute =
      chooseComputeType(context, **checkpoint, options.computeType);
  if (failed(compute)) {
    emitError(UnknownLoc::get(context))
        << "compute type must be f32, bf16 or f16, got '"
        << options.computeType << "'";
    return failure();
  }
  if (c.architecture == Architecture::DeepseekV3 &&
      (c.r1.memory || c.r1.layerSkip || c.r1.image || c.r1.audio ||
       llvm::is_contained(c.r1.lshLayers, true))) {
    emitError(FileLineColLoc::get(context, configPath, 0, 0))
        << "the r1 extensions apply to Llama and Qwen2 decoders, not to "
        << c.architectureName;
    return failure();
  }

  Location loc = FileLineColLoc::get(context, configPath, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  (*module)->setAttr("r1.model", StringAttr::get(context, c.architectureName));
  // The positions the model was trained for: the artifact's context limit.
  (*module)->setAttr("r1.max_positions",
                     IntegerAttr::get(IntegerType::get(context, 64),
                                      c.maxPositionEmbeddings));
  GraphBuilder b(*module, **checkpoint, *compute);
  if (c.fp8Block)
    b.setFp8Block(c.fp8Block->first, c.fp8Block->second);
  OpBuilder &ob = b.builder();

  // @decoder(ids, positions, [image], [audio], [memory state...])
  //   -> (hidden, [new memory state...])
  auto i64Seq = RankedTensorType::get({kDyn}, ob.getI64Type());
  SmallVector<Type> inputs = {i64Seq, i64Seq};
  SmallVector<std::string> inputNames = {"ids", "positions"};
  if (c.r1.image) {
    const auto &img = *c.r1.image;
    inputs.push_back(RankedTensorType::get(
        {img.channels, img.imageSize, img.imageSize}, *compute));
    inputNames.push_back("image");
  }
  if (c.r1.audio) {
    inputs.push_back(RankedTensorType::get({kDyn}, *compute));
    inputNames.push_back("audio");
  }
  SmallVector<int64_t> memoryLayers;
  if (c.r1.memory)
    for (int64_t i = 0; i < c.numLayers; ++i)
      if (c.r1.hasMemory(i))
        memoryLayers.push_back(i);
  auto stateType = RankedTensorType::get(
      {c.r1.memory ? c.r1.memory->slots : 0, c.hiddenSize}, *compute);
  for (int64_t i : memoryLayers) {
    inputs.append({stateType, stateType});
    inputNames.push_back("memory_keys_" + std::to_string(i));
    inputNames.push_back("memory_values_" + std::to_string(i));
  }
  auto hiddenType = RankedTensorType::get({kDyn, c.hiddenSize}, *compute);
  SmallVector<Type> decoderResults = {hiddenType};
  for (size_t k = 0; k < 2 * memoryLayers.size(); ++k)
    decoderResults.push_back(stateType);

  ob.setInsertionPointToEnd(module->getBody());
  auto decoder = ob.create<func::FuncOp>(
      loc, "decoder", ob.getFunctionType(inputs, decoderResults));
  decoder.setPrivate();
  Block *entry = decoder.addEntryBlock();
  ob.setInsertionPointToStart(entry);
  DecoderIO io;
  io.ids = entry->getArgument(0);
  io.positions = entry->getArgument(1);
  unsigned next = 2;
  if (c.r1.image)
    io.image = entry->getArgument(next++);
  if (c.r1.audio)
    io.audio = entry->getArgument(next++);
  for (int64_t layer : memoryLayers) {
    // The state starts from the checkpoint's slots; the runtime keeps it.
    std::string p = layerPrefix(layer) + ".memory";
    for (StringRef part : {"keys", "values"}) {
      std::string name = p + "." + part.str();
      FailureOr<Value> init =
          b.weight(name, {c.r1.memory->slots, c.hiddenSize});
      if (failed(init))
        return failure();
      init->getDefiningOp()->erase();
      decoder.setArgAttr(next, "r1.initial_state",
                         FlatSymbolRefAttr::get(context, name));
      (part == "keys" ? io.memoryKeys : io.memoryValues)
          .push_back(entry->getArgument(next++));
    }
  }

  FailureOr<Value> hidden = failure();
  switch (c.architecture) {
  case Architecture::Llama: {
    LlamaStyle style;
    style.qkvBias = style.outputBias = c.attentionBias;
    hidden = importLlamaDecoder(b, c, io, style);
    break;
  }
  case Architecture::Qwen2:
    hidden = importQwen2Decoder(b, c, io);
    break;
  case Architecture::DeepseekV3:
    hidden = importDeepseekV3Decoder(b, c, io);
    break;
  }
  if (failed(hidden))
    return failure();
  // Results follow the argument order: (keys, values) per memory layer.
  SmallVector<Value> paired = {*hidden};
  for (size_t k = 0; k < io.newMemoryKeys.size(); ++k)
    paired.append({io.newMemoryKeys[k], io.newMemoryValues[k]});
  ob.create<func::ReturnOp>(loc, paired);
  for (auto [i, name] : llvm::enumerate(inputNames))
    decoder.setArgAttr(i, "r1.name", ob.getStringAttr(name));

  // @forward: logits of every position; @classify: label logits.
  auto emitHead = [&](StringRef name, Type headType,
                      function_ref<FailureOr<Value>(Value)> head)
      -> LogicalResult {
    SmallVector<Type> outs = {headType};
    outs.append(decoderResults.begin() + 1, decoderResults.end());
    ob.setInsertionPointToEnd(module->getBody());
    auto func = ob.create<func::FuncOp>(loc, name,
                                        ob.getFunctionType(inputs, outs));
    Block *body = func.addEntryBlock();
    ob.setInsertionPointToStart(body);
    for (unsigned k = 0; k < inputs.size(); ++k)
      if (Attribute a = decoder.getArgAttr(k, "r1.initial_state"))
        func.setArgAttr(k, "r1.initial_state", a);
    for (auto [k, argName] : llvm::enumerate(inputNames))
      func.setArgAttr(k, "r1.name", ob.getStringAttr(argName));
    auto call = ob.create<func::CallOp>(loc, decoder, body->getArguments());
    FailureOr<Value> out = head(call.getResult(0));
    if (failed(out))
      return failure();
    SmallVector<Value> rets = {*out};
    rets.append(call.getResults().begin() + 1, call.getResults().end());
    ob.create<func::ReturnOp>(loc, rets);
    return success();
  };
  b.setLoc(NameLoc::get(ob.getStringAttr("lm_head")));
  auto logitsType =
      RankedTensorType::get({kDyn, c.vocabSize}, ob.getF32Type());
  if (failed(emitHead("forward", logitsType, [&](Value h) -> FailureOr<Value> {
        StringRef headName = c.tieWordEmbeddings ? "model.embed_tokens.weight"
                                                 : "lm_head.weight";
        FailureOr<Value> w = b.weight(headName, {c.vocabSize, c.hiddenSize});
        if (failed(w))
          return failure();
        return ob.create<LmHeadOp>(b.loc(), h, *w).getResult();
      })))
    return failure();
  if (c.r1.numLabels) {
    int64_t labels = *c.r1.numLabels;
    b.setLoc(NameLoc::get(ob.getStringAttr("score")));
    auto labelType = RankedTensorType::get({labels}, ob.getF32Type());
    if (failed(emitHead("classify", labelType, [&](Value h) -> FailureOr<Value> {
          FailureOr<Value> w = b.weight("score.weight", {labels, c.hiddenSize});
          if (failed(w))
            return failure();
          return ob.create<ClassifyOp>(b.loc(), h, *w, Value(), Pooling::last)
              .getResult();
        })))
      return failure();
  }

  // The MTP layer of DeepSeek-V3 (index num_hidden_layers) is not part of
  // the forward pass; rotary caches some checkpoints carry are recomputed.
  std::string mtpPrefix = layerPrefix(c.numLayers) + ".";
  bool sawMtp = false;
  b.warnUnused([&](StringRef name) {
    if (c.numNextnPredictLayers > 0 && name.starts_with(mtpPrefix)) {
      sawMtp = true;
      return true;
    }
    return name.ends_with("rotary_emb.inv_freq");
  });
  if (sawMtp)
    emitRemark(loc) << "skipping the multi-token-prediction layer "
                    << c.numLayers << " (not used for generation)";

  if (failed(verify(*module)))
    return failure();
  return module;
}
