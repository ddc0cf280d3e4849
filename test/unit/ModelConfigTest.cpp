//===- ModelConfigTest.cpp - config.json of the real model families ------===//
//
// The published configs of DeepSeek-V3, R1-Distill-Qwen-1.5B and
// R1-Distill-Llama-8B read correctly; every rule has a hostile config.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelConfig.h"
#include "TestFiles.h"
#include "checkpoint/JsonDocument.h"

#include <gmock/gmock.h>

using namespace r1::checkpoint;
using namespace r1::frontend;
using ::testing::HasSubstr;

namespace {

const char *kDeepseekV3 = R"({
  "architectures": ["DeepseekV3ForCausalLM"], "attention_bias": false,
  "bos_token_id": 0, "eos_token_id": 1, "first_k_dense_replace": 3,
  "hidden_act": "silu", "hidden_size": 7168, "intermediate_size": 18432,
  "kv_lora_rank": 512, "max_position_embeddings": 163840,
  "model_type": "deepseek_v3", "moe_intermediate_size": 2048,
  "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256,
  "n_shared_experts": 1, "norm_topk_prob": true, "num_attention_heads": 128,
  "num_experts_per_tok": 8, "num_hidden_layers": 61,
  "num_key_value_heads": 128, "num_nextn_predict_layers": 1,
  "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
  "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3",
    "quant_method": "fp8", "weight_block_size": [128, 128]},
  "rms_norm_eps": 1e-06,
  "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40,
    "mscale": 1.0, "mscale_all_dim": 1.0,
    "original_max_position_embeddings": 4096, "type": "yarn"},
  "rope_theta": 10000, "routed_scaling_factor": 2.5,
  "scoring_func": "sigmoid", "tie_word_embeddings": false,
  "topk_group": 4, "topk_method": "noaux_tc", "torch_dtype": "bfloat16",
  "v_head_dim": 128, "vocab_size": 129280})";

const char *kQwen = R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
  "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu",
  "hidden_size": 1536, "initializer_range": 0.02, "intermediate_size": 8960,
  "max_position_embeddings": 131072, "max_window_layers": 21,
  "model_type": "qwen2", "num_attention_heads": 12, "num_hidden_layers": 28,
  "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 10000,
  "sliding_window": 4096, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "use_cache": true, "use_mrope": false,
  "use_sliding_window": false, "vocab_size": 151936})";

const char *kLlama = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false,
  "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu",
  "hidden_size": 4096, "intermediate_size": 14336,
  "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0,
    "low_freq_factor": 1.0, "original_max_position_embeddings": 8192,
    "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "vocab_size": 128256})";

const char *kR1Ext = R"({
  "architectures": ["LlamaForCausalLM"], "hidden_size": 64,
  "intermediate_size": 128, "num_attention_heads": 4,
  "num_key_value_heads": 2, "num_hidden_layers": 4, "vocab_size": 256,
  "r1": {"attention": ["dense", "lsh", "dense", "dense"],
    "lsh": {"num_hashes": 2, "num_buckets": 8, "chunk_length": 4, "seed": 7},
    "memory": {"slots": 16, "top_k": 4, "decay": 0.9, "layers": [0]},
    "layer_skip": {"threshold": 0.5, "layers": [2]},
    "encoders": {"image": {"channels": 3, "image_size": 16, "patch_size": 4,
                           "layers": [1, 3]},
                 "audio": {"frame_length": 32, "hop_length": 16,
                           "layers": [3]}},
    "num_labels": 3}})";

llvm::Expected<ModelConfig> parse(llvm::StringRef text) {
  auto json = parseUntrustedJson(text, "config.json");
  if (!json)
    return json.takeError();
  return ModelConfig::fromJSON(*json->getAsObject(), "config.json");
}

/// `text` with `key`'s value replaced (a crude but explicit edit).
std::string with(llvm::StringRef text, llvm::StringRef from,
                 llvm::StringRef to) {
  std::string s = text.str();
  size_t at = s.find(from.str());
  EXPECT_NE(at, std::string::npos) << from.str();
  if (at != std::string::npos)
    s.replace(at, from.size(), to.str());
  return s;
}

std::string errorOf(llvm::StringRef text) {
  auto config = parse(text);
  if (config)
    return "";
  std::string message = llvm::toString(config.takeError());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

TEST(ModelConfigTest, DeepseekV3) {
  auto c = parse(kDeepseekV3);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->architecture, Architecture::DeepseekV3);
  ASSERT_TRUE(c->mla && c->moe && c->ropeScaling && c->fp8Block);
  EXPECT_EQ(c->mla->qLoraRank, 1536);
  EXPECT_EQ(c->mla->kvLoraRank, 512);
  EXPECT_EQ(c->headDim, 192);
  EXPECT_EQ(c->moe->numRoutedExperts, 256);
  EXPECT_TRUE(c->moe->sigmoidScoring);
  EXPECT_FALSE(c->moe->isMoeLayer(2));
  EXPECT_TRUE(c->moe->isMoeLayer(3));
  EXPECT_EQ(c->ropeScaling->kind, RopeScaling::Kind::Yarn);
  EXPECT_EQ(c->ropeScaling->factor, 40.0);
  EXPECT_EQ(c->ropeScaling->originalMaxPosition, 4096);
  EXPECT_EQ(c->fp8Block->first, 128);
  EXPECT_EQ(c->numNextnPredictLayers, 1);
}

TEST(ModelConfigTest, DeepseekV3WithoutQLora) {
  auto c = parse(
      with(kDeepseekV3, R"("q_lora_rank": 1536)", R"("q_lora_rank": null)"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_FALSE(c->mla->qLoraRank.has_value());
}

TEST(ModelConfigTest, QwenDistill) {
  auto c = parse(kQwen);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->architecture, Architecture::Qwen2);
  EXPECT_EQ(c->headDim, 128);
  EXPECT_EQ(c->numKvHeads, 2);
  EXPECT_EQ(c->eosTokenIds, llvm::SmallVector<int64_t>({151643}));
}

TEST(ModelConfigTest, LlamaDistill) {
  auto c = parse(kLlama);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  ASSERT_TRUE(c->ropeScaling.has_value());
  EXPECT_EQ(c->ropeScaling->kind, RopeScaling::Kind::Llama3);
  EXPECT_EQ(c->ropeScaling->originalMaxPosition, 8192);
  EXPECT_EQ(c->ropeTheta, 500000.0);
}

TEST(ModelConfigTest, R1Extensions) {
  auto c = parse(kR1Ext);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_TRUE(c->r1.isLsh(1));
  EXPECT_FALSE(c->r1.isLsh(0));
  EXPECT_EQ(c->r1.lsh->chunksBefore, 1);
  EXPECT_TRUE(c->r1.hasMemory(0));
  EXPECT_TRUE(c->r1.hasLayerSkip(2));
  EXPECT_TRUE(c->r1.hasCrossAttention(1));
  EXPECT_TRUE(c->r1.hasCrossAttention(3));
  EXPECT_FALSE(c->r1.hasCrossAttention(0));
  EXPECT_EQ(c->r1.numLabels, 3);
}

TEST(ModelConfigTest, EosList) {
  auto c = parse(with(kQwen, R"("eos_token_id": 151643)",
                      R"("eos_token_id": [151643, 151645])"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->eosTokenIds.size(), 2u);
}

struct Bad {
  const char *base;
  const char *from, *to;
  const char *message;
};

class ModelConfigErrorTest : public ::testing::TestWithParam<Bad> {};

TEST_P(ModelConfigErrorTest, IsOneLineNamingTheKey) {
  const Bad &bad = GetParam();
  EXPECT_THAT(errorOf(with(bad.base, bad.from, bad.to)),
              HasSubstr(bad.message));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ModelConfigErrorTest,
    ::testing::Values(
        Bad{kQwen, R"("hidden_size": 1536)", R"("hidden_size": "1536")",
            "'hidden_size' must be an integer, got string"},
        Bad{kQwen, R"("hidden_size": 1536)", R"("hidden_size": 0)",
            "'hidden_size' (0) must be in [1, 65536]"},
        Bad{kQwen, R"("hidden_size": 1536)", R"("hidden_size": 100000)",
            "'hidden_size' (100000) must be in [1, 65536]"},
        Bad{kQwen, R"("vocab_size": 151936)", R"("vocab_size": 99999999)",
            "'vocab_size' (99999999) must be in"},
        Bad{kQwen, R"("num_hidden_layers": 28)", R"("num_hidden_layers": -1)",
            "'num_hidden_layers' (-1) must be in"},
        Bad{kQwen, R"("num_key_value_heads": 2)", R"("num_key_value_heads": 5)",
            "'num_key_value_heads' (5) must divide 'num_attention_heads' (12)"},
        Bad{kQwen, R"("num_attention_heads": 12)",
            R"("num_attention_heads": 14)",
            "'num_attention_heads' (14) must divide 'hidden_size' (1536)"},
        Bad{kQwen, R"("rope_theta": 10000)", R"("rope_theta": 0)",
            "'rope_theta' (0) must be > 0"},
        Bad{kQwen, R"("rms_norm_eps": 1e-06)", R"("rms_norm_eps": 2)",
            "'rms_norm_eps' (2) must be in (0, 1)"},
        Bad{kQwen, R"("tie_word_embeddings": false)",
            R"("tie_word_embeddings": "no")",
            "'tie_word_embeddings' must be a boolean, got string"},
        Bad{kQwen, R"("Qwen2ForCausalLM")", R"("GPT2LMHeadModel")",
            "architecture 'GPT2LMHeadModel' is not supported"},
        Bad{kQwen, R"(["Qwen2ForCausalLM"])", R"([])",
            "'architectures' must be a non-empty list"},
        Bad{kQwen, R"(["Qwen2ForCausalLM"])", R"("Qwen2ForCausalLM")",
            "'architectures' must be a list of strings, got string"},
        Bad{kQwen, R"(["Qwen2ForCausalLM"])", R"([7])",
            "'architectures' must hold strings, got number 7"},
        Bad{kQwen, R"("architectures": ["Qwen2ForCausalLM"], )", "",
            "missing 'architectures'"},
        Bad{kQwen, R"("hidden_size": 1536)", R"("hidden_size": 1536.5)",
            "'hidden_size' must be an integer, got number 1536.5"},
        Bad{kQwen, R"("hidden_size": 1536)",
            R"("hidden_size": 9223372036854775808.0)",
            "'hidden_size' must be an integer, got number"},
        Bad{kQwen, R"("hidden_size": 1536)", R"("hidden_size": null)",
            "missing 'hidden_size'"},
        Bad{kQwen, R"("num_attention_heads": 12)",
            R"("num_attention_heads": 2048)",
            "'num_attention_heads' (2048) must be in [1, 1024]"},
        Bad{kQwen, R"("num_hidden_layers": 28)", R"("num_hidden_layers": 1025)",
            "'num_hidden_layers' (1025) must be in [1, 1024]"},
        Bad{kQwen, R"("intermediate_size": 8960)",
            R"("intermediate_size": 2000000)",
            "'intermediate_size' (2000000) must be in [1, 1048576]"},
        Bad{kQwen, R"("vocab_size": 151936)", R"("vocab_size": 0)",
            "'vocab_size' (0) must be in [1, 4194304]"},
        Bad{kQwen, R"("num_key_value_heads": 2)",
            R"("num_key_value_heads": 24)",
            "'num_key_value_heads' (24) must divide 'num_attention_heads' "
            "(12)"},
        Bad{kQwen, R"("rms_norm_eps": 1e-06)", R"("rms_norm_eps": 0)",
            "'rms_norm_eps' (0) must be in (0, 1)"},
        // Kept as an f32 attribute, 1e-50 would become 0.
        Bad{kQwen, R"("rms_norm_eps": 1e-06)", R"("rms_norm_eps": 1e-50)",
            "'rms_norm_eps' (1e-50) must be in (0, 1)"},
        Bad{kR1Ext, R"("decay": 0.9)", R"("decay": 0.9999999999)",
            "'r1.memory.decay' must be in (0, 1)"},
        Bad{kDeepseekV3, R"("routed_scaling_factor": 2.5)",
            R"("routed_scaling_factor": 1e300)",
            "'routed_scaling_factor' must be positive and finite as an f32"},
        Bad{kQwen, R"("rms_norm_eps": 1e-06)", R"("rms_norm_eps": "tiny")",
            "'rms_norm_eps' must be a finite number, got string"},
        Bad{kQwen, R"("rope_theta": 10000)", R"("rope_theta": 1e999)",
            "'rope_theta' must be a finite number, got number inf"},
        Bad{kQwen, R"("eos_token_id": 151643)", R"("eos_token_id": 151936)",
            "'eos_token_id' has 151936, outside [0, 151935]"},
        Bad{kQwen, R"("bos_token_id": 151643)", R"("bos_token_id": -1)",
            "'bos_token_id' has -1, outside [0, 151935]"},
        Bad{kQwen, R"("torch_dtype": "bfloat16")", R"("torch_dtype": 16)",
            "'torch_dtype' must be a string, got number"},
        Bad{kQwen, R"("rope_theta": 10000)",
            R"("rope_theta": 10000, "rope_scaling": "yarn")",
            "'rope_scaling' must be an object, got string"},
        Bad{kQwen, R"("rope_theta": 10000)",
            R"("rope_theta": 10000, "head_dim": 0)",
            "'head_dim' (0) must be in [1, 4096]"},
        Bad{kQwen, R"("intermediate_size": 8960,)", "",
            "missing 'intermediate_size'"},
        Bad{kQwen, R"("eos_token_id": 151643)", R"("eos_token_id": [1.5])",
            "'eos_token_id' must hold integers, got number"},
        Bad{kQwen, R"("rope_theta": 10000)",
            R"("rope_theta": 10000, "rope_scaling": {"rope_type": "dynamic", "factor": 2})",
            "'rope_scaling.rope_type' 'dynamic' is not supported"},
        Bad{kLlama, R"("original_max_position_embeddings": 8192,)", "",
            "missing 'rope_scaling.original_max_position_embeddings'"},
        Bad{kLlama, R"("low_freq_factor": 1.0)", R"("low_freq_factor": 5.0)",
            "'rope_scaling.high_freq_factor' must exceed 'low_freq_factor'"},
        Bad{kLlama, R"("factor": 8.0)", R"("factor": 0.5)",
            "'rope_scaling.factor' (0.5) must be in [1, 1e6]"},
        Bad{kDeepseekV3, R"("beta_fast": 32)", R"("beta_fast": 0.5)",
            "'rope_scaling.beta_fast' must exceed 'beta_slow'"},
        Bad{kDeepseekV3, R"("original_max_position_embeddings": 4096, )", "",
            "missing 'rope_scaling.original_max_position_embeddings'"},
        Bad{kDeepseekV3, R"("num_experts_per_tok": 8)",
            R"("num_experts_per_tok": 300)",
            "'num_experts_per_tok' (300) must not exceed 'n_routed_experts' "
            "(256)"},
        Bad{kDeepseekV3, R"("n_group": 8)", R"("n_group": 7)",
            "'n_group' (7) must divide 'n_routed_experts' (256)"},
        Bad{kDeepseekV3, R"("topk_group": 4)", R"("topk_group": 9)",
            "'topk_group' (9) must not exceed 'n_group' (8)"},
        Bad{kDeepseekV3, R"("n_group": 8)", R"("n_group": 256)",
            "'num_experts_per_tok' (8) exceeds the experts of the "
            "'topk_group' groups"},
        Bad{kDeepseekV3, R"("scoring_func": "sigmoid")",
            R"("scoring_func": "relu")",
            "'scoring_func' 'relu' must be softmax or sigmoid"},
        Bad{kDeepseekV3, R"("topk_method": "noaux_tc")",
            R"("topk_method": "noaux-tc")",
            "'topk_method' 'noaux-tc' must be noaux_tc, group_limited_greedy "
            "or greedy"},
        Bad{kDeepseekV3, R"("kv_lora_rank": 512, )", "",
            "missing 'kv_lora_rank'"},
        Bad{kDeepseekV3, R"("qk_rope_head_dim": 64)",
            R"("qk_rope_head_dim": 63)",
            "'qk_rope_head_dim' (63) must be even"},
        Bad{kDeepseekV3, R"("quant_method": "fp8")",
            R"("quant_method": "gptq")",
            "'quantization_config.quant_method' 'gptq' is not supported (fp8)"},
        Bad{kDeepseekV3, R"("fmt": "e4m3")", R"("fmt": "e5m2")",
            "'quantization_config.fmt' 'e5m2' is not supported (e4m3)"},
        Bad{kDeepseekV3, R"("activation_scheme": "dynamic")",
            R"("activation_scheme": "per_token")",
            "'quantization_config.activation_scheme' 'per_token' must be "
            "dynamic or static"},
        // quantization_config is checked for every family: a GPTQ Llama
        // stores packed weights we would misread.
        Bad{kLlama, R"("mlp_bias": false)",
            R"("mlp_bias": false, "quantization_config": {"quant_method": "gptq", "bits": 4})",
            "'quantization_config.quant_method' 'gptq' is not supported"},
        Bad{kDeepseekV3, R"("n_routed_experts": 256)",
            R"("n_routed_experts": 5000)",
            "'n_routed_experts' (5000) must be in [1, 4096]"},
        Bad{kDeepseekV3, R"("q_lora_rank": 1536)", R"("q_lora_rank": "big")",
            "'q_lora_rank' must be an integer, got string"},
        Bad{kDeepseekV3, R"("norm_topk_prob": true)", R"("norm_topk_prob": 1)",
            "'norm_topk_prob' must be a boolean, got number"},
        Bad{kDeepseekV3, R"("moe_layer_freq": 1)", R"("moe_layer_freq": 0)",
            "'moe_layer_freq' (0) must be in [1, 1024]"},
        Bad{kDeepseekV3, R"("weight_block_size": [128, 128])",
            R"("weight_block_size": [128])",
            "'quantization_config.weight_block_size' must be two positive "
            "integers"},
        Bad{kDeepseekV3, R"("routed_scaling_factor": 2.5)",
            R"("routed_scaling_factor": -1)",
            "'routed_scaling_factor' must be positive and finite as an f32"},
        Bad{kR1Ext, R"("num_buckets": 8)", R"("num_buckets": 7)",
            "'r1.lsh.num_buckets' (7) must be even"},
        Bad{kR1Ext, R"("chunk_length": 4)", R"("chunk_length": 0)",
            "'r1.lsh.chunk_length' (0) must be in"},
        Bad{kR1Ext, R"("num_buckets": 8)", R"("num_buckets": 0)",
            "'r1.lsh.num_buckets' (0) must be in [2, 65536]"},
        Bad{kR1Ext, R"("seed": 7)", R"("seed": 7, "chunks_after": 1)",
            "'r1.lsh.chunks_after' (1) must be 0: LSH attention in a decoder "
            "is causal"},
        Bad{kR1Ext, R"("seed": 7)", R"("seed": 7, "num_bucket": 4)",
            "'r1.lsh.num_bucket' is not a known key"},
        Bad{kR1Ext, R"("num_labels": 3)", R"("num_labels": 3, "lhs": {})",
            "'r1.lhs' is not a known key (expected one of attention, lsh, "
            "memory, layer_skip, encoders, num_labels)"},
        Bad{kR1Ext, R"("dense", "lsh", "dense", "dense")",
            R"("dense", "lsh", 3, "dense")",
            "'r1.attention' entries must be \"dense\" or \"lsh\", got "
            "number 3"},
        Bad{kR1Ext, R"("decay": 0.9, )", "", "missing 'r1.memory.decay'"},
        Bad{kR1Ext, R"("decay": 0.9)", R"("decay": 0)",
            "'r1.memory.decay' must be in (0, 1)"},
        Bad{kR1Ext, R"("layers": [0])", R"("layers": [0, 0])",
            "'r1.memory.layers' lists layer 0 twice"},
        Bad{kR1Ext, R"("layers": [0])", R"("layers": [-1])",
            "'r1.memory.layers' has -1, outside [0, 3]"},
        Bad{kR1Ext, R"("layers": [2])", R"("layers": [4])",
            "'r1.layer_skip.layers' has 4, outside [0, 3]"},
        Bad{kR1Ext, R"("layers": [1, 3])", R"("layers": [1, 7])",
            "'r1.encoders.image.layers' has 7, outside [0, 3]"},
        Bad{kR1Ext, R"("image_size": 16)", R"("image_size": 0)",
            "'r1.encoders.image.image_size' (0) must be in"},
        Bad{kR1Ext, R"("slots": 16)", R"("slots": 0)",
            "'r1.memory.slots' (0) must be in"},
        Bad{kR1Ext, R"("image": {)", R"("video": {}, "image": {)",
            "'r1.encoders.video' is not a known key"},
        Bad{kR1Ext, R"("dense", "lsh", "dense", "dense")", R"("dense", "lsh")",
            "'r1.attention' has 2 entries for 4 layers"},
        Bad{kR1Ext, R"("dense", "lsh", "dense", "dense")",
            R"("dense", "sparse", "dense", "dense")",
            "'r1.attention' entries must be \"dense\" or \"lsh\""},
        Bad{kR1Ext, R"("top_k": 4)", R"("top_k": 17)",
            "'r1.memory.top_k' (17) must not exceed 'slots' (16)"},
        Bad{kR1Ext, R"("decay": 0.9)", R"("decay": 1.5)",
            "'r1.memory.decay' must be in (0, 1)"},
        Bad{kR1Ext, R"("layers": [0])", R"("layers": [9])",
            "'r1.memory.layers' has 9, outside [0, 3]"},
        Bad{kR1Ext, R"("threshold": 0.5)", R"("threshold": 2)",
            "'r1.layer_skip.threshold' must be in [0, 1]"},
        Bad{kR1Ext, R"("patch_size": 4)", R"("patch_size": 5)",
            "'r1.encoders.image.patch_size' (5) must divide 'image_size' (16)"},
        Bad{kR1Ext, R"("hop_length": 16)", R"("hop_length": "16")",
            "'r1.encoders.audio.hop_length' must be an integer, got string"},
        Bad{kR1Ext, R"("num_labels": 3)", R"("num_labels": 1)",
            "'r1.num_labels' must be at least 2"},
        Bad{kQwen, R"("rope_theta": 10000)",
            R"("rope_theta": 10000, "r1": {"encoders": 3})",
            "'r1.encoders' must be an object, got number"},
        Bad{kQwen, R"("rope_theta": 10000)", R"("rope_theta": 10000, "r1": [])",
            "'r1' must be an object, got array"},
        Bad{kR1Ext,
            R"("lsh": {"num_hashes": 2, "num_buckets": 8, "chunk_length": 4, "seed": 7},)",
            "", "'r1.lsh' is required when a layer uses LSH attention"}));

TEST(ModelConfigTest, DeepseekV3Details) {
  auto c = parse(kDeepseekV3);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->vocabSize, 129280);
  EXPECT_EQ(c->hiddenSize, 7168);
  EXPECT_EQ(c->numLayers, 61);
  EXPECT_EQ(c->numKvHeads, 128);
  EXPECT_EQ(c->mla->qkNopeHeadDim, 128);
  EXPECT_EQ(c->mla->qkRopeHeadDim, 64);
  EXPECT_EQ(c->mla->vHeadDim, 128);
  EXPECT_EQ(c->moe->numSharedExperts, 1);
  EXPECT_EQ(c->moe->expertsPerToken, 8);
  EXPECT_EQ(c->moe->intermediateSize, 2048);
  EXPECT_EQ(c->moe->numGroups, 8);
  EXPECT_EQ(c->moe->topkGroup, 4);
  EXPECT_TRUE(c->moe->normTopkProb);
  EXPECT_EQ(c->moe->routedScalingFactor, 2.5);
  EXPECT_EQ(c->ropeScaling->betaFast, 32.0);
  EXPECT_EQ(c->ropeScaling->mscaleAllDim, 1.0);
  EXPECT_EQ(c->fp8ActivationScheme, "dynamic");
  EXPECT_EQ(c->torchDtype, "bfloat16");
}

TEST(ModelConfigTest, DeepseekRoutingMethod) {
  // Without topk_method, routing is V3's group-limited noaux_tc.
  auto c = parse(with(kDeepseekV3, R"("topk_method": "noaux_tc", )", ""));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->moe->numGroups, 8);
  EXPECT_EQ(c->moe->topkGroup, 4);
  // V2's greedy top-k ignores the groups, even ones that would not fit.
  c = parse(with(kDeepseekV3, R"("topk_method": "noaux_tc")",
                 R"("topk_method": "greedy")"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->moe->numGroups, 1);
  EXPECT_EQ(c->moe->topkGroup, 1);
  c = parse(with(with(kDeepseekV3, R"("topk_method": "noaux_tc")",
                      R"("topk_method": "greedy")"),
                 R"("n_group": 8)", R"("n_group": 7)"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->moe->numGroups, 1);
}

TEST(ModelConfigTest, DeepseekDenseWhenNoRoutedExperts) {
  auto c = parse(with(kDeepseekV3, R"("n_routed_experts": 256)",
                      R"("n_routed_experts": null)"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_FALSE(c->moe.has_value());
}

TEST(ModelConfigTest, DeepseekHeadsNeedNotDivideHidden) {
  // MLA head dims come from qk_nope/qk_rope/v_head_dim, not hidden/heads.
  auto c = parse(
      with(kDeepseekV3, R"("hidden_size": 7168)", R"("hidden_size": 7000)"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->headDim, 192);
}

TEST(ModelConfigTest, YarnDefaults) {
  auto c =
      parse(with(kQwen, R"("rope_theta": 10000)",
                 R"("rope_theta": 10000, "rope_scaling": {"type": "yarn", )"
                 R"("factor": 4, "original_max_position_embeddings": 32768})"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  ASSERT_TRUE(c->ropeScaling.has_value());
  EXPECT_EQ(c->ropeScaling->kind, RopeScaling::Kind::Yarn);
  EXPECT_EQ(c->ropeScaling->betaFast, 32.0);
  EXPECT_EQ(c->ropeScaling->betaSlow, 1.0);
  EXPECT_EQ(c->ropeScaling->mscale, 1.0);
  EXPECT_EQ(c->ropeScaling->mscaleAllDim, 0.0);
}

TEST(ModelConfigTest, LinearAndDefaultRopeScaling) {
  auto linear = parse(with(kQwen, R"("rope_theta": 10000)",
                           R"("rope_theta": 10000, "rope_scaling": )"
                           R"({"rope_type": "linear", "factor": 2.0})"));
  ASSERT_TRUE(!!linear) << llvm::toString(linear.takeError());
  EXPECT_EQ(linear->ropeScaling->kind, RopeScaling::Kind::Linear);
  EXPECT_EQ(linear->ropeScaling->factor, 2.0);
  auto none = parse(with(kQwen, R"("rope_theta": 10000)",
                         R"("rope_theta": 10000, "rope_scaling": )"
                         R"({"rope_type": "default"})"));
  ASSERT_TRUE(!!none) << llvm::toString(none.takeError());
  EXPECT_FALSE(none->ropeScaling.has_value());
}

TEST(ModelConfigTest, Defaults) {
  auto c = parse(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 32,
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "bos_token_id": null, "rope_scaling": null,
    "quantization_config": null, "r1": null})");
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->numKvHeads, 4);
  EXPECT_EQ(c->headDim, 16);
  EXPECT_TRUE(c->bosTokenIds.empty());
  EXPECT_FALSE(c->ropeScaling || c->fp8Block || c->mla || c->moe);
  EXPECT_FALSE(c->r1.lsh || c->r1.memory || c->r1.numLabels);
}

TEST(ModelConfigTest, ExplicitHeadDim) {
  auto c = parse(with(kQwen, R"("rope_theta": 10000)",
                      R"("rope_theta": 10000, "head_dim": 96)"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->headDim, 96);
}

TEST(ModelConfigTest, OneAttentionStringForAllLayers) {
  auto c =
      parse(with(kR1Ext, R"(["dense", "lsh", "dense", "dense"])", R"("lsh")"));
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  for (int64_t layer = 0; layer < 4; ++layer)
    EXPECT_TRUE(c->r1.isLsh(layer));
  EXPECT_EQ(c->r1.lsh->numBuckets, 8);
  EXPECT_EQ(c->r1.lsh->seed, 7);
  EXPECT_EQ(c->r1.lsh->chunksAfter, 0);
}

TEST(ModelConfigTest, R1ExtensionValues) {
  auto c = parse(kR1Ext);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  ASSERT_TRUE(c->r1.memory && c->r1.layerSkip && c->r1.image && c->r1.audio);
  EXPECT_EQ(c->r1.memory->slots, 16);
  EXPECT_EQ(c->r1.memory->topK, 4);
  EXPECT_EQ(c->r1.memory->decay, 0.9);
  EXPECT_EQ(c->r1.layerSkip->threshold, 0.5);
  EXPECT_EQ(c->r1.image->patchSize, 4);
  EXPECT_EQ(c->r1.image->imageSize, 16);
  EXPECT_EQ(c->r1.audio->frameLength, 32);
  EXPECT_EQ(c->r1.audio->hopLength, 16);
}

TEST(ModelConfigTest, LoadReadsAFile) {
  r1::testing::TempDir dir;
  std::string path = dir.write("config.json", kQwen);
  auto c = ModelConfig::load(path);
  ASSERT_TRUE(!!c) << llvm::toString(c.takeError());
  EXPECT_EQ(c->numLayers, 28);
}

TEST(ModelConfigTest, LoadErrorsNameThePath) {
  r1::testing::TempDir dir;
  std::string path =
      dir.write("config.json", with(kQwen, R"("num_key_value_heads": 2)",
                                    R"("num_key_value_heads": 5)"));
  auto c = ModelConfig::load(path);
  ASSERT_FALSE(!!c);
  EXPECT_EQ(llvm::toString(c.takeError()),
            path + ": 'num_key_value_heads' (5) must divide "
                   "'num_attention_heads' (12)");
}

TEST(ModelConfigTest, LoadRejectsANonObject) {
  r1::testing::TempDir dir;
  auto c = ModelConfig::load(dir.write("config.json", "[1]"));
  ASSERT_FALSE(!!c);
  EXPECT_THAT(llvm::toString(c.takeError()),
              HasSubstr("must hold a JSON object, got array"));
}

TEST(ModelConfigTest, LoadRejectsDuplicateKeys) {
  r1::testing::TempDir dir;
  auto c = ModelConfig::load(dir.write(
      "config.json", with(kQwen, R"("hidden_size": 1536)",
                          R"("hidden_size": 1536, "hidden_size": 8)")));
  ASSERT_FALSE(!!c);
  EXPECT_THAT(llvm::toString(c.takeError()),
              HasSubstr("duplicate key 'hidden_size'"));
}

TEST(ModelConfigTest, LoadReportsMissingFile) {
  auto c = ModelConfig::load("/nonexistent/config.json");
  ASSERT_FALSE(!!c);
  EXPECT_EQ(llvm::toString(c.takeError()),
            "/nonexistent/config.json: cannot read: no such file or directory");
}

} // namespace
