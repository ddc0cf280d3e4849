//===- Importers.h - the model-family importers -----------------*- C++ -*-===//
//
// This file declares the per-family decoder builders that ModelImporter
// dispatches to (one file each) and the shared pieces they reuse. Internal
// to the frontend.
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_IMPORTERS_H
#define R1_FRONTEND_IMPORTERS_H

#include "frontend/GraphBuilder.h"

namespace mlir::r1 {

using ::r1::frontend::ModelConfig;

/// The arguments of @decoder and the extra results it collects.
struct DecoderIO {
  Value ids;       // tensor<?xi64>
  Value positions; // tensor<?xi64>
  Value image;     // tensor<CxSxSxT> or null
  Value audio;     // tensor<?xT> or null
  /// Memory state per memory layer, in layer order.
  SmallVector<Value> memoryKeys, memoryValues;
  /// Filled by the importer: the updated memory state, same order.
  SmallVector<Value> newMemoryKeys, newMemoryValues;
};

/// The tensor-name prefix of layer `i`.
std::string layerPrefix(int64_t i);

/// The #r1 rotary scaling attribute of the config, or null.
Attribute ropeScalingAttr(MLIRContext *context, const ModelConfig &config);

/// Llama-style decoder (also the base of Qwen2 and of the r1 extensions):
/// returns the final normed hidden states [?, hidden].
struct LlamaStyle {
  bool qkvBias = false;
  bool outputBias = false;
};
FailureOr<Value> importLlamaDecoder(GraphBuilder &b, const ModelConfig &config,
                                    DecoderIO &io, LlamaStyle style);
FailureOr<Value> importQwen2Decoder(GraphBuilder &b, const ModelConfig &config,
                                    DecoderIO &io);
FailureOr<Value> importDeepseekV3Decoder(GraphBuilder &b,
                                         const ModelConfig &config,
                                         DecoderIO &io);

/// The r1 extensions, used by the Llama-style decoder.
namespace extensions {
/// Checks combinations the per-key config checks cannot see.
LogicalResult verify(GraphBuilder &b, const ModelConfig &config);
/// Encoder context [P, hidden] from the image and/or audio inputs, or null.
FailureOr<Value> encoderContext(GraphBuilder &b, const ModelConfig &config,
                                DecoderIO &io);
/// LSH self-attention of layer `i` on normed `h`; returns [?, hidden].
FailureOr<Value> lshSelfAttention(GraphBuilder &b, const ModelConfig &config,
                                  int64_t i, Value h, Value positions);
/// x + cross-attention of layer `i` to `context`.
FailureOr<Value> crossAttention(GraphBuilder &b, const ModelConfig &config,
                                int64_t i, Value x, Value context);
/// The memory unit of layer `i`, reading and updating state `slot`.
FailureOr<Value> memoryUnit(GraphBuilder &b, const ModelConfig &config,
                            int64_t i, Value x, DecoderIO &io, size_t slot);
/// Wraps `body` in the layer-skip gate of layer `i`.
FailureOr<Value> layerGate(GraphBuilder &b, const ModelConfig &config,
                           int64_t i, Value x,
                           function_ref<FailureOr<Value>(Value)> body);
} // namespace extensions

} // namespace mlir::r1

#endif // R1_FRONTEND_IMPORTERS_H
