//===- ModelConfig.h - a validated config.json ------------------*- C++ -*-===//
//
// This file declares ModelConfig: the HuggingFace config.json of a Llama,
// Qwen2 or DeepSeek-V3 checkpoint, plus r1c's own `r1` extension keys, typed
// and checked (positive sizes, dims that divide, limits on absurd sizes).
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_MODELCONFIG_H
#define R1_FRONTEND_MODELCONFIG_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace r1::frontend {

enum class Architecture { Llama, Qwen2, DeepseekV3 };

struct RopeScaling {
  enum class Kind { Linear, Llama3, Yarn } kind;
  double factor = 1.0;
  int64_t originalMaxPosition = 0;
  double lowFreqFactor = 1.0, highFreqFactor = 4.0; // llama3
  double betaFast = 32.0, betaSlow = 1.0;           // yarn
  double mscale = 1.0, mscaleAllDim = 0.0;          // yarn
};

struct MoeConfig {
  int64_t numRoutedExperts = 0;
  int64_t numSharedExperts = 0;
  int64_t expertsPerToken = 0;
  int64_t intermediateSize = 0;
  int64_t firstKDenseReplace = 0;
  int64_t layerFreq = 1;
  /// Group-limited routing; both are 1 when `topk_method` is "greedy".
  int64_t numGroups = 1;
  int64_t topkGroup = 1;
  bool sigmoidScoring = false;
  bool normTopkProb = false;
  double routedScalingFactor = 1.0;

  bool isMoeLayer(int64_t layer) const {
    return layer >= firstKDenseReplace && layer % layerFreq == 0;
  }
};

struct MlaConfig {
  std::optional<int64_t> qLoraRank; // none: a plain q_proj
  int64_t kvLoraRank = 0;
  int64_t qkNopeHeadDim = 0;
  int64_t qkRopeHeadDim = 0;
  int64_t vHeadDim = 0;
};

/// r1c's own extensions (config key "r1"); see README.
struct R1Extensions {
  /// Per layer: true for LSH attention.
  llvm::SmallVector<bool> lshLayers;
  struct Lsh {
    int64_t numHashes = 1, numBuckets = 2, chunkLength = 1;
    int64_t chunksBefore = 1, chunksAfter = 0, seed = 0;
  };
  std::optional<Lsh> lsh;
  struct Memory {
    int64_t slots = 0, topK = 0;
    double decay = 0.0;
    llvm::SmallVector<int64_t> layers;
  };
  std::optional<Memory> memory;
  struct LayerSkip {
    double threshold = 0.5;
    llvm::SmallVector<int64_t> layers;
  };
  std::optional<LayerSkip> layerSkip;
  struct ImageEncoder {
    int64_t channels = 3, imageSize = 0, patchSize = 0;
    llvm::SmallVector<int64_t> layers;
  };
  std::optional<ImageEncoder> image;
  struct AudioEncoder {
    int64_t frameLength = 0, hopLength = 0;
    llvm::SmallVector<int64_t> layers;
  };
  std::optional<AudioEncoder> audio;
  std::optional<int64_t> numLabels;

  bool isLsh(int64_t layer) const {
    return layer < static_cast<int64_t>(lshLayers.size()) && lshLayers[layer];
  }
  bool hasMemory(int64_t layer) const;
  bool hasLayerSkip(int64_t layer) const;
  bool hasCrossAttention(int64_t layer) const;
};

struct ModelConfig {
  Architecture architecture = Architecture::Llama;
  std::string architectureName;
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t maxPositionEmbeddings = 0;
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  bool tieWordEmbeddings = false;
  bool attentionBias = false;
  std::string torchDtype;
  std::optional<RopeScaling> ropeScaling;
  llvm::SmallVector<int64_t> bosTokenIds, eosTokenIds;

  // DeepSeek-V3.
  std::optional<MlaConfig> mla;
  std::optional<MoeConfig> moe;
  int64_t numNextnPredictLayers = 0;
  /// FP8 (e4m3) block quantization (quantization_config): the block of
  /// weights one scale covers, e.g. {128, 128}.
  std::optional<std::pair<int64_t, int64_t>> fp8Block;
  /// quantization_config.activation_scheme: "dynamic" or "static".
  std::string fp8ActivationScheme;

  R1Extensions r1;

  /// Reads and validates `path` (a config.json).
  static llvm::Expected<ModelConfig> load(llvm::StringRef path);
  /// Validates an already parsed object; errors name `fileName` and the key.
  static llvm::Expected<ModelConfig> fromJSON(const llvm::json::Object &object,
                                              llvm::StringRef fileName);
};

} // namespace r1::frontend

#endif // R1_FRONTEND_MODELCONFIG_H
