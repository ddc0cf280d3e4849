//===- Qwen2Importer.cpp - Qwen2ForCausalLM ---------------------*- C++ -*-===//
//
// This file imports Qwen2 decoders (R1-Distill-Qwen): the Llama structure
// with biases on the q/k/v projections and none on o_proj.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importers.h"

using namespace mlir;
using namespace mlir::r1;

FailureOr<Value> mlir::r1::importQwen2Decoder(GraphBuilder &b,
                                              const ModelConfig &config,
                                              DecoderIO &io) {
  LlamaStyle style;
  style.qkvBias = true;
  style.outputBias = false;
  return importLlamaDecoder(b, config, io, style);
}
