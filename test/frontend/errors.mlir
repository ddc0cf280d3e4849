// Bad checkpoints are a clear one-line error naming the tensor or key and a
// non-zero exit; tensors the model does not use are a warning.
// RUN: rm -rf %t && %mkckpt llama %t/missing --drop model.layers.1.mlp.up_proj.weight
// RUN: not r1c %t/missing 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: model.layers.1.mlp.up_proj.weight: error: checkpoint has no tensor 'model.layers.1.mlp.up_proj.weight' (expected shape [128, 64])

// RUN: %mkckpt llama %t/shape --reshape model.layers.0.self_attn.k_proj.weight=64x64
// RUN: not r1c %t/shape 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64, 64], but the config implies [32, 64]

// RUN: %mkckpt qwen2 %t/nobias --drop model.layers.0.self_attn.v_proj.bias
// RUN: not r1c %t/nobias 2>&1 | FileCheck %s --check-prefix=NOBIAS
// NOBIAS: checkpoint has no tensor 'model.layers.0.self_attn.v_proj.bias' (expected shape [32])

// A Qwen2 checkpoint read as Llama leaves its biases unused: a warning each.
// RUN: %mkckpt qwen2 %t/unused
// RUN: sed -i 's/Qwen2ForCausalLM/LlamaForCausalLM/' %t/unused/config.json
// RUN: r1c %t/unused --emit=mlir-imported -o %t/unused.mlir 2>&1 | FileCheck %s --check-prefix=UNUSED
// UNUSED: model.layers.0.self_attn.q_proj.bias: warning: checkpoint tensor 'model.layers.0.self_attn.q_proj.bias' is not used by the model

// RUN: %mkckpt llama %t/config
// RUN: sed -i 's/"num_key_value_heads": 2/"num_key_value_heads": 3/' %t/config/config.json
// RUN: not r1c %t/config 2>&1 | FileCheck %s --check-prefix=CONFIG
// CONFIG: config.json: 'num_key_value_heads' (3) must divide 'num_attention_heads' (4)

// RUN: %mkckpt llama %t/arch
// RUN: sed -i 's/LlamaForCausalLM/MistralForCausalLM/' %t/arch/config.json
// RUN: not r1c %t/arch 2>&1 | FileCheck %s --check-prefix=ARCH
// ARCH: config.json: architecture 'MistralForCausalLM' is not supported

// RUN: %mkckpt llama %t/trunc
// RUN: %python -c "import os,sys; p=sys.argv[1]; os.truncate(p, os.path.getsize(p) - 3)" %t/trunc/model.safetensors
// RUN: not r1c %t/trunc 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: model.safetensors: tensor 'lm_head.weight' data range [{{[0-9]+}}, {{[0-9]+}}) runs past the {{[0-9]+}}-byte data section

// RUN: %mkckpt llama %t/escape --shards 2
// RUN: sed -i 's/model-00002-of-00002.safetensors/..\/escape\/model-00002-of-00002.safetensors/' %t/escape/model.safetensors.index.json
// RUN: not r1c %t/escape 2>&1 | FileCheck %s --check-prefix=ESCAPE
// ESCAPE: model.safetensors.index.json: shard path '../escape/model-00002-of-00002.safetensors' leaves the model folder through '..'

// RUN: not r1c %t/nonexistent 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: config.json: cannot read

// RUN: not r1c %t/shape --dtype f64 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: compute type must be f32, bf16 or f16, got 'f64'

// A tensor stored as an integer (or FP8 outside a projection) where a float
// is expected is an error before any op is built, never an abort.
// RUN: %mkckpt llama %t/i32 --retype model.layers.0.self_attn.q_proj.weight=I32
// RUN: not r1c %t/i32 2>&1 | FileCheck %s --check-prefix=I32
// I32: model.layers.0.self_attn.q_proj.weight: error: tensor 'model.layers.0.self_attn.q_proj.weight' is I32; a float tensor (F32, F16 or BF16) is expected here
// RUN: %mkckpt llama %t/i8norm --retype model.norm.weight=I8
// RUN: not r1c %t/i8norm 2>&1 | FileCheck %s --check-prefix=I8
// I8: error: tensor 'model.norm.weight' is I8; a float tensor (F32, F16 or BF16) is expected here
// RUN: %mkckpt llama %t/f8embed --retype model.embed_tokens.weight=F8_E4M3
// RUN: not r1c %t/f8embed 2>&1 | FileCheck %s --check-prefix=F8
// F8: error: tensor 'model.embed_tokens.weight' is F8_E4M3; a float tensor (F32, F16 or BF16) is expected here
// RUN: %mkckpt deepseek_v3 %t/expert --retype model.layers.1.mlp.experts.0.gate_proj.weight=I64
// RUN: not r1c %t/expert 2>&1 | FileCheck %s --check-prefix=EXPERT
// EXPERT: error: tensor 'model.layers.1.mlp.experts.0.gate_proj.weight' is I64; a float tensor
// RUN: %mkckpt deepseek_v3 %t/scale --fp8 --retype model.layers.0.self_attn.o_proj.weight_scale_inv=I32
// RUN: not r1c %t/scale 2>&1 | FileCheck %s --check-prefix=SCALE
// SCALE: error: tensor 'model.layers.0.self_attn.o_proj.weight_scale_inv' is I32; a float tensor
