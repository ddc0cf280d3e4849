// r1c MODEL -o NAME.r1 writes the compiled artifact: model.so, weights.bin
// (every weight the kernels read as f32 in their layout, 64-byte aligned),
// program.txt, model.mlir, host.mlir and manifest.json with their digests; a failed compile
// leaves an existing artifact as it was.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mkckpt llama %t/llama --dtype bf16
// RUN: r1c %t/llama -o %t/llama.r1 2>&1 | FileCheck %s --check-prefix=PROGRESS
// PROGRESS: r1c: import+passes
// PROGRESS-NEXT: r1c: weights
// PROGRESS-NEXT: r1c: kernels 1/{{[0-9]+}} 2/
// PROGRESS-NEXT: r1c: link
// Two layers cache 2 kv heads × 16 dims for keys and for values: 512 bytes.
// PROGRESS-NEXT: r1c: wrote {{.*}}llama.r1 ({{[0-9.]+}} MB, KV cache 512 B/token; import+passes {{.*}}s weights {{.*}}s kernels {{.*}}s link {{.*}}s)
// RUN: %python %S/check_artifact.py %t/llama.r1 %t/llama | FileCheck %s --check-prefix=LLAMA
// The checkpoint is bf16, so its linears' panels stay bf16 (exactly its
// values) and the norms run before them rather than folded into them:
// 21 = embed + 2 layers × (2 norms, q, k, v, o, gate, up, down) + final norm
// + head.
// LLAMA: ok: 21 tensors
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/llama.r1/manifest.json
// MANIFEST: "format": "r1c-artifact",
// MANIFEST: "kv_cache": {
// MANIFEST-NEXT: "bytes_per_token": 512
// MANIFEST: "architecture": "LlamaForCausalLM",
// MANIFEST: "program": "program.txt",
// MANIFEST: "target": {
// MANIFEST: "kernels": [
// MANIFEST-NEXT: "r1k_embed_64x256_
// MANIFEST: "library": "model.so",
// MANIFEST: "dtype": "bf16",
// MANIFEST-NEXT: "layout": "panels16",
// MANIFEST-NEXT: "name": "model.layers.0.self_attn.q_proj.weight",
// RUN: FileCheck %s --check-prefix=PROGRAM < %t/llama.r1/program.txt
// PROGRAM: r1-program 5
// PROGRAM-NEXT: target host
// PROGRAM-NEXT: file weights.bin
// PROGRAM-NEXT: file model.so
// PROGRAM-NEXT: vocab 256
// PROGRAM: weight {{[0-9]+}} 8192 bf16
// PROGRAM-NOT: call
// PROGRAM-NOT: append
//
// The host program is compiled into model.so; host.mlir is its source. The
// layout it was compiled against names program.txt's slots, caches and
// weights. Each layer appends its keys and values to the caches, then calls
// attention: 4 query heads of 16 over the 2-head caches, `length` rows.
// RUN: nm -D %t/llama.r1/model.so | FileCheck %s --check-prefix=SYMBOLS
// SYMBOLS-DAG: R r1_host_layout
// SYMBOLS-DAG: T r1_host_run
// RUN: FileCheck %s --check-prefix=HOST < %t/llama.r1/host.mlir
// r1-opt parses and verifies host.mlir (func, cf, arith and llvm).
// RUN: r1-opt %t/llama.r1/host.mlir -o /dev/null
// HOST: llvm.mlir.global external constant @r1_host_layout("r1-host 2 slots 1i,1i,{{[0-9,]+}} caches 32,32,32,32 weights 0+65536,
// HOST-SAME: kernels {{[0-9]+}} steps 0\00")
// HOST: func.func @r1_host_run(%arg0: !llvm.ptr) -> i32
// HOST: %[[ROWS:.*]] = llvm.load {{.*}} -> i64
// HOST: %[[POS:.*]] = llvm.load {{.*}} -> i64
// HOST: %[[LENGTH:.*]] = arith.addi %[[POS]], %[[ROWS]]
// HOST: "llvm.intr.memcpy"
// HOST: "llvm.intr.memcpy"
// HOST: call @r1_arg({{.*}}, %c16_i64, %c2_i64, %[[LENGTH]], %c1_i64)
// HOST: call @r1_call(%arg0,
//
// Identical kernels are compiled once: two layers, one q/o kernel.
// RUN: grep -c "^kernel r1k_linear_64x64_" %t/llama.r1/program.txt | FileCheck %s --check-prefix=ONCE
// ONCE: 1
//
// An AVX2 build runs anywhere AVX2 does and says so.
// RUN: r1c %t/llama -q --target=x86-64-avx2 -o %t/avx2.r1
// RUN: FileCheck %s --check-prefix=AVX2 < %t/avx2.r1/program.txt
// AVX2: target x86-64-avx2 sse4.1,avx,avx2,fma,f16c{{$}}
// RUN: not r1c %t/llama -q --target=riscv -o %t/bad.r1 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: r1c: unknown or unsupported target 'riscv' (targets: host, x86-64-avx512, x86-64-avx2)
//
// Replacing: a second compile swaps the folder; a failing one keeps it.
// RUN: r1c %t/llama -q -o %t/llama.r1
// RUN: %python %S/check_artifact.py %t/llama.r1 %t/llama | FileCheck %s --check-prefix=LLAMA
// RUN: mv %t/llama/config.json %t/config.json.aside
// RUN: not r1c %t/llama -o %t/llama.r1 2>&1 | FileCheck %s --check-prefix=FAIL
// FAIL: config.json: cannot read
// RUN: mv %t/config.json.aside %t/llama/config.json
// RUN: %python %S/check_artifact.py %t/llama.r1 %t/llama | FileCheck %s --check-prefix=LLAMA
// RUN: ls %t | FileCheck %s --check-prefix=NOTEMP
// NOTEMP-NOT: .tmp-
// NOTEMP-NOT: .old-
// RUN: not r1c %t/llama --emit=artifact 2>&1 | FileCheck %s --check-prefix=NOOUT
// NOOUT: r1c: --emit=artifact needs -o NAME.r1
//
// Every r1 extension compiles: encoder records, context slots, LSH, memory
// state and the classifier appear in the program.
// RUN: %mkckpt r1ext %t/ext
// RUN: r1c %t/ext -q -o %t/ext.r1
// RUN: FileCheck %s --check-prefix=EXT < %t/ext.r1/program.txt
// EXT-DAG: slot 64 f32 context
// EXT-DAG: encoder image 3 16 16 4
// EXT-DAG: encoder audio 32 16
// EXT-DAG: state {{[0-9]+}} 16 64
// EXT-DAG: classify {{[0-9]+ [0-9]+}} -1 3 last
// EXT-DAG: encode {{[0-9]+}}
// LSH: 4 heads of 16, 2 rounds of 8 buckets, chunks of 4 with 1 before;
// each token's buckets and their sorted order are i32 caches (2 × 4).
// EXT-DAG: kernel r1k_lsh_hash_4x16x2x8_
// EXT-DAG: kernel r1k_l2_normalize_4x16_
// EXT-DAG: kernel r1k_lsh_attention_4x16x2x4x1x0_
// EXT-DAG: kernel r1k_merge_rounds_4x16x2_
// EXT-DAG: cache 8 i32
// EXT-DAG: lshsort {{[0-9]+ [0-9]+ [0-9]+}} 8
// EXT-DAG: memread
// EXT-DAG: memrecord
//
// FP8 weights are expanded with their block scales; stacked experts pack
// expert by expert.
// RUN: %mkckpt deepseek_v3 %t/v3 --fp8 --shards 2
// RUN: r1c %t/v3 -q -o %t/v3.r1 2>/dev/null
// 31 = embed + dense layer 0 (11: the kv_a norm, q_a, q_b, kv_a, kv_b as
// W_uk, W_uv and panels for the naive prefill, o, gate/up/down; the input,
// q_a and post-attention norms are folded into the projections after them)
// + MoE layer 1 (17: the same 9 for attention, its post-attention norm (the
// router and experts read it too), the router and its bias, 3 shared, 3
// stacked experts) + final norm + head.
// RUN: %python %S/check_artifact.py %t/v3.r1 %t/v3 | FileCheck %s --check-prefix=V3
// V3: ok: 31 tensors
