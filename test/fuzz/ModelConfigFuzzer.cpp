//===- ModelConfigFuzzer.cpp - config.json on arbitrary bytes -------------===//
//
// The input is a config.json, read as ModelConfig::load reads one. A config
// that validates must also be safe to ask what the importers ask of it:
// each layer's kind (MoE, LSH, memory, layer skip, cross-attention).
//
//===----------------------------------------------------------------------===//

#include "checkpoint/JsonDocument.h"
#include "frontend/ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace r1::checkpoint;
using namespace r1::frontend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llvm::json::Value> value =
      parseUntrustedJson(text, "config.json");
  if (!value) {
    llvm::consumeError(value.takeError());
    return 0;
  }
  const llvm::json::Object *object = value->getAsObject();
  if (!object)
    return 0;
  llvm::Expected<ModelConfig> config =
      ModelConfig::fromJSON(*object, "config.json");
  if (!config) {
    std::string message = llvm::toString(config.takeError());
    if (message.empty() || message.find('\n') != std::string::npos)
      std::abort(); // errors are one line
    return 0;
  }
  int64_t layers = 0;
  for (int64_t layer = 0; layer < config->numLayers; ++layer) {
    const R1Extensions &r1 = config->r1;
    layers += r1.isLsh(layer) + r1.hasMemory(layer) + r1.hasLayerSkip(layer) +
              r1.hasCrossAttention(layer);
    if (config->moe)
      layers += config->moe->isMoeLayer(layer);
  }
  return static_cast<int>(layers & 0);
}
