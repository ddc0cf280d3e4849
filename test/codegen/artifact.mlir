// r1c --emit=artifact writes NAME.r1/: weights.bin with every declared
// weight (converted to its declared type, 64-byte aligned, MoE experts
// stacked), model.mlir and manifest.json with SHA-256s; a failed compile
// leaves an existing artifact as it was.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mkckpt llama %t/llama --dtype bf16
// RUN: r1c %t/llama --emit=artifact --dtype f32 -o %t/llama.r1
// RUN: %python %S/check_artifact.py %t/llama.r1 %t/llama | FileCheck %s --check-prefix=LLAMA
// LLAMA: ok: 21 tensors
// RUN: %mkckpt deepseek_v3 %t/v3 --fp8 --dtype bf16 --shards 2
// RUN: r1c %t/v3 --emit=artifact -o %t/v3.r1 2>/dev/null
// RUN: %python %S/check_artifact.py %t/v3.r1 %t/v3 | FileCheck %s --check-prefix=V3
// V3: ok: {{[0-9]+}} tensors
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/v3.r1/manifest.json
// MANIFEST: "format": "r1c-artifact",
// MANIFEST: "architecture": "DeepseekV3ForCausalLM",
// MANIFEST: "dtype": "f8e4m3fn",
// MANIFEST-NEXT: "name": "model.layers.0.self_attn.q_a_proj.weight",
//
// Replacing: a second compile swaps the folder; a failing one keeps it.
// RUN: r1c %t/llama --emit=artifact -o %t/llama.r1
// RUN: %python %S/check_artifact.py %t/llama.r1 %t/llama | FileCheck %s --check-prefix=LLAMA
// RUN: rm %t/llama/config.json
// RUN: not r1c %t/llama --emit=artifact -o %t/llama.r1 2>&1 | FileCheck %s --check-prefix=FAIL
// FAIL: config.json: cannot read
// RUN: %python %S/check_artifact.py %t/llama.r1 %t/llama | FileCheck %s --check-prefix=LLAMA
// RUN: ls %t | FileCheck %s --check-prefix=NOTEMP
// NOTEMP-NOT: .tmp-
// NOTEMP-NOT: .old-
// RUN: not r1c %t/v3 --emit=artifact 2>&1 | FileCheck %s --check-prefix=NOOUT
// NOOUT: r1c: --emit=artifact needs -o NAME.r1
