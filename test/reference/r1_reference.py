#!/usr/bin/env python3
"""Independent PyTorch reference forward pass for the models r1c compiles.

    r1_reference.py MODEL_DIR --tokens 1,2,3 [-n N] [--dump-logits out.npy]
                    [--image img.npy] [--audio audio.npy] [--classify] [--f64]

Reads a HuggingFace-style checkpoint folder (config.json + model.safetensors
or model.safetensors.index.json shards) with its own safetensors reader and
runs the model in float32 (float64 with --f64 / load(dtype=torch.float64)).
Written from the published equations, not from r1c's sources, so the compiler
can be checked against it. Python API:

    m = load(model_dir)            # ReferenceModel
    m.forward(ids)                 # float32 logits [S, vocab]
    m.generate(ids, n)             # greedy ids (prefill, then one position per step)
    m.classify(ids)                # float32 label logits [num_labels]
    m.reset()                      # memory-unit state back to the checkpoint

The CLI prints `generated: a,b,c` and writes the logits of every position:
the prompt's, then one row per generated token's position, [P + n, vocab].

CONVENTIONS (what "correct" means here)
---------------------------------------
Checkpoint reading
  * BF16 tensors widen exactly to f32 (bits << 16). F8_E4M3 is e4m3fn (bias
    7, no infinities, 0x7F/0xFF NaN, max 448), decoded by a 256-entry table;
    a weight W with a `W_scale_inv` tensor is dequantized block-wise:
    W[i, j] = q[i, j] * scale_inv[i // bn, j // bk], [bn, bk] =
    quantization_config.weight_block_size (default [128, 128]), product in
    f32 (as DeepSeek's weight_dequant). Compute is always f32 (or f64): a
    bf16 checkpoint is the f32 model with bf16-rounded weights.
  * Positions are 0..S-1 on every call: there is no KV cache across calls.

Llama / Qwen2 (HF modeling_llama / modeling_qwen2)
  * RMSNorm in the compute dtype: x * rsqrt(mean(x²) + eps) * w.
  * RoPE is rotate-half: dims (i, i + d/2) rotate by pos * inv_freq[i],
    inv_freq[i] = theta^(-2i/d), theta = rope_theta. Angles are computed in
    float64 (HF uses f32; the difference is < 1e-4 rad at position 512).
    rope_scaling "llama3" follows HF _compute_llama3_parameters (wavelen
    thresholds orig/low_freq_factor and orig/high_freq_factor, smooth blend
    in between); "linear" divides inv_freq by factor.
  * GQA: kv head h // (H / KV) serves query head h (repeat_interleave).
    Scores scaled by head_dim^-0.5, causal, softmax in the compute dtype.
  * Biases: any `<proj>.bias` tensor present is added (Qwen2 q/k/v).
  * MLP: down(silu(gate(x)) * up(x)). tie_word_embeddings: the head is
    model.embed_tokens.weight (no lm_head.weight tensor).
  * Qwen2's sliding window is not applied (use_sliding_window is false in
    the R1-Distill-Qwen configs).

DeepSeek-V3 (modeling_deepseek.py / DeepSeek's inference/model.py)
  * MLA: q = q_b_proj(q_a_layernorm(q_a_proj(x))) (q_proj when q_lora_rank is
    null), per head [q_nope (dn), q_pe (dr)]; kv_a_proj_with_mqa(x) = [c (r),
    k_pe (dr)]; kv_b_proj(kv_a_layernorm(c)) per head = [k_nope (dn), v (dv)];
    k_pe is one head shared by all heads.
    q_a_layernorm / kv_a_layernorm use rms_norm_eps (HF builds them with
    its default eps 1e-6, which is what every V3 config says anyway).
  * RoPE on q_pe/k_pe is INTERLEAVED: pairs (2i, 2i+1) rotate with frequency
    i. HF instead de-interleaves (view(d/2, 2).transpose) and then applies
    rotate-half; the same permutation is applied to q_pe and k_pe, so q·k
    (all attention uses) is identical. Outputs stay in interleaved order.
  * YaRN as HF DeepseekV3YarnRotaryEmbedding: low/high =
    find_correction_range(beta_fast, beta_slow, dr, theta, orig_max_pos)
    (floor/ceil, clamped to [0, dr-1]); mask = 1 - clamp((i - low) /
    (high - low), 0, 1) over i < dr/2 (high += 0.001 if equal); inv_freq =
    (theta^(-2i/dr) / factor) * (1 - mask) + theta^(-2i/dr) * mask; cos and
    sin multiplied by mscale(factor, mscale) / mscale(factor, mscale_all_dim)
    with mscale(s, m) = 0.1 m ln s + 1 (1 if s <= 1).
  * softmax_scale = (dn + dr)^-0.5, times mscale(factor, mscale_all_dim)²
    when rope_scaling is yarn with a non-zero mscale_all_dim.
  * The absorbed form (forward(..., mla_absorb=True)) folds W_uk into the
    query (q_lat = q_nope · W_uk_h) and W_uv into the output (o = W_uv_h ·
    Σ p c); it must equal the naive form up to rounding.
  * MoE on layers i >= first_k_dense_replace with i % moe_layer_freq == 0:
    logits = x · gateᵀ (compute dtype, >= f32); scores = sigmoid
    (scoring_func sigmoid) or softmax; choice = scores +
    e_score_correction_bias (if present). Group limiting when n_group > 1
    and topk_method != "greedy": group score = sum of the top-2 choice
    scores per group when a correction bias is present (noaux_tc), else the
    group max; keep the topk_group best groups; experts of the other groups
    get -inf (DeepSeek's official inference code; some HF revisions of
    modeling_deepseek fill 0.0 instead, which differs only when fewer than
    top_k biased scores in the kept groups are positive). Top-k on the
    masked choice scores; weights = the UNBIASED scores of the chosen; if
    norm_topk_prob (and top_k > 1): divide by their sum + 1e-20; times
    routed_scaling_factor. out = Σ w_e · expert_e(x) + shared_experts(x).
  * The MTP layer (index num_hidden_layers) is ignored.

r1 extensions (config key "r1", Llama base; order inside a layer:
self-attn -> cross-attn -> memory -> MLP, each with its residual)
  * LSH self-attention: q_proj makes the shared query/key `qk` (no k_proj,
    no GQA), v_proj values, o_proj; rotate-half RoPE on qk. For round
    r < num_hashes and head h: R[r, h] is D x (nb/2) from splitmix64 (see
    lsh_rotations); bucket = argmax(concat(x·R, -x·R)) (first on ties; x the
    roped qk row; the projection in the compute dtype); positions sorted
    stably by (bucket, position), cut into chunks of chunk_length (the last
    may be partial); chunk c attends to chunks c - chunks_before ..
    c + chunks_after (no wrap-around). Keys k_j = x_j / max(|x_j|, 1e-6),
    score = q_i·k_j / sqrt(D) with q_i = x_i; keys at positions > the
    query's are excluded (causal); the query's own position scores -1e5.
    Per round o_r and lse_r (logsumexp of the row's scores); o =
    Σ_r softmax_r(lse_r) · o_r.
    Chunking makes LSH depend on the whole sequence: the row of position t
    in a forward over S > t+1 tokens can differ from a forward over t+1
    tokens. generate() therefore has prefill + decode semantics: the prompt
    rows come from a forward over the prompt, each later row from a forward
    over the sequence ending at that position. (Without LSH the two agree.)
  * Memory unit: state keys/values [slots, hidden] start from
    model.layers.N.memory.{keys,values}. After the (cross-)attention
    residual, for each row h: s = keys·h / sqrt(hidden); top_k slots; read =
    softmax(s_top)·values[top]; h <- h + sigmoid(h·gateᵀ) ⊙ read. Reads use
    the state at the start of the call. At the end of the call, for every
    position the call processed, in order, with h that position's memory
    input: slot = argmax(keys·h) (first on ties); keys[slot] = decay·keys[slot]
    + (1-decay)·h; values[slot] = decay·values[slot] + (1-decay)·h. A "call"
    is one forward / generate / classify; the state persists across calls of
    one model object until reset(). generate(ids, n) processes the prompt and
    the first n-1 generated tokens (the tokens it feeds back); with
    return_logits=True it also feeds the n-th so that every generated token
    has a logits row, and the memory update then covers it as well.
  * Layer skip: score_t = sigmoid(x_t·w) on the layer input; rows with
    score_t < threshold keep their input; the layer body runs on all rows
    (its attention sees every position) and the other rows take its output.
  * Encoders: image [C, H, W] -> stride-p conv patches (row-major) +
    position_embedding -> LayerNorm(eps 1e-5); audio [N] -> frames
    ((N - L) // hop + 1, tail dropped) · frame_embedᵀ + bias -> LayerNorm.
    context = concat(image ctx, audio ctx). Cross-attention layers (the union
    of the encoders' layer lists): h += o_proj(attn(q_proj(rms(h)),
    k_proj(ctx), v_proj(ctx))), non-causal, no RoPE, GQA, scale D^-0.5;
    nothing without a context.
  * Classification (num_labels, score.weight): score · final-normed hidden of
    the LAST position, f32; probabilities = softmax.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

# --------------------------------------------------------------------------
# safetensors reading
# --------------------------------------------------------------------------

_PLAIN_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8",
                 "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
                 "BOOL": "?"}
_ITEM_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4,
              "I16": 2, "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1}


def e4m3fn_table():
    """The 256 e4m3fn values: bias 7, subnormals, no inf, 0x7F/0xFF NaN."""
    out = np.empty(256, np.float32)
    for code in range(256):
        sign, exp, man = code >> 7, (code >> 3) & 0xF, code & 7
        if exp == 0xF and man == 7:
            v = float("nan")
        elif exp == 0:
            v = man / 8.0 * 2.0 ** -6
        else:
            v = (1.0 + man / 8.0) * 2.0 ** (exp - 7)
        out[code] = -v if sign else v
    return out


_E4M3 = e4m3fn_table()


def decode_tensor(dtype, raw, shape):
    """Raw little-endian bytes -> numpy array (BF16 -> f32, F8_E4M3 -> f32)."""
    if dtype == "BF16":
        bits = np.frombuffer(raw, "<u2").astype(np.uint32) << np.uint32(16)
        arr = bits.view(np.float32)
    elif dtype == "F8_E4M3":
        arr = _E4M3[np.frombuffer(raw, np.uint8)]
    elif dtype in _PLAIN_DTYPES:
        arr = np.frombuffer(raw, _PLAIN_DTYPES[dtype])
    else:
        raise ValueError(f"unsupported safetensors dtype {dtype}")
    return arr.reshape(shape).copy()


def read_raw_safetensors(path):
    """One .safetensors file -> {name: (dtype string, shape, raw bytes)}.

    Format: u64 LE header length n, n bytes of JSON {name: {dtype, shape,
    data_offsets [begin, end)}, "__metadata__": {...}}, then the data
    section; offsets are relative to the data section.
    """
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors header")
    n = int.from_bytes(blob[:8], "little")
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} runs past the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, shape = info["dtype"], tuple(info["shape"])
        begin, end = info["data_offsets"]
        if dtype not in _ITEM_SIZE:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        want = int(np.prod(shape, dtype=np.int64)) * _ITEM_SIZE[dtype]
        if begin < 0 or end - begin != want or end > len(data):
            raise ValueError(f"{path}: tensor {name} has bad data_offsets")
        out[name] = (dtype, shape, bytes(data[begin:end]))
    return out


def read_safetensors(path):
    """One .safetensors file -> {name: (dtype string, numpy array)}."""
    return {name: (dtype, decode_tensor(dtype, raw, shape))
            for name, (dtype, shape, raw) in read_raw_safetensors(path).items()}


def checkpoint_files(model_dir):
    """The .safetensors files of a folder: the index's shards, else
    model.safetensors."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            return sorted(set(json.load(f)["weight_map"].values()))
    return ["model.safetensors"]


def read_checkpoint(model_dir, reader=read_safetensors):
    """All tensors of a folder, read by `reader` file by file."""
    tensors = {}
    for fname in checkpoint_files(model_dir):
        for name, entry in reader(os.path.join(model_dir, fname)).items():
            if name in tensors:
                raise ValueError(f"tensor {name} appears in two shards")
            tensors[name] = entry
    return tensors


def dequantize_fp8(q, scale_inv, block):
    """Block-scaled fp8: W[i, j] = q[i, j] * scale_inv[i // bn, j // bk] (f32)."""
    bn, bk = block
    n, k = q.shape
    s = np.repeat(np.repeat(scale_inv.astype(np.float32), bn, 0), bk, 1)[:n, :k]
    return q.astype(np.float32) * s


def load_weights(model_dir, cfg):
    """Tensors as f32 numpy arrays, fp8 weights dequantized, scales dropped."""
    raw = read_checkpoint(model_dir)
    block = (cfg.get("quantization_config") or {}).get("weight_block_size", [128, 128])
    out = {}
    for name, (dtype, arr) in raw.items():
        if name.endswith("_scale_inv") and name[:-len("_scale_inv")] in raw:
            continue
        if dtype == "F8_E4M3":
            scale = raw.get(name + "_scale_inv")
            if scale is None:
                raise ValueError(f"fp8 tensor {name} has no {name}_scale_inv")
            arr = dequantize_fp8(arr, scale[1], block)
        out[name] = arr if arr.dtype == np.float64 else arr.astype(np.float32)
    return out


# --------------------------------------------------------------------------
# shared numerics
# --------------------------------------------------------------------------

def rms_norm(x, w, eps):
    """HF RMSNorm: x * rsqrt(mean(x²) + eps) * w."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def layer_norm(x, w, b, eps=1e-5):
    """Standard LayerNorm over the last dim (biased variance)."""
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def rope_kind(scaling):
    """The rope_scaling type ("default" when absent), HF spelling rope_type/type."""
    s = scaling or {}
    return s.get("rope_type", s.get("type", "default"))


def rope_inv_freq(dim, theta, scaling):
    """inv_freq[i] = theta^(-2i/dim), i < dim/2, with linear/llama3 scaling (f64)."""
    inv = 1.0 / theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    kind = rope_kind(scaling)
    if kind == "linear":
        inv = inv / scaling["factor"]
    elif kind == "llama3":
        # HF _compute_llama3_parameters.
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wl, high_wl = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = np.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wl) & ~(wavelen > low_wl)
        inv = np.where(medium, smoothed, scaled)
    elif kind not in ("default", "yarn"):
        raise ValueError(f"unsupported rope_scaling {kind}")
    return inv


def yarn_mscale(scale, mscale):
    """DeepSeek yarn_get_mscale: 0.1 * mscale * ln(scale) + 1 for scale > 1."""
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def yarn_inv_freq_and_mscale(dim, theta, s):
    """HF DeepseekV3YarnRotaryEmbedding: blended inv_freq and the cos/sin scale."""
    def correction_dim(rotations):
        # yarn_find_correction_dim
        return (dim * math.log(s["original_max_position_embeddings"] / (rotations * 2 * math.pi))
                / (2 * math.log(theta)))
    low = max(math.floor(correction_dim(s.get("beta_fast", 32))), 0)
    high = min(math.ceil(correction_dim(s.get("beta_slow", 1))), dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
    mask = 1.0 - ramp                                      # 1: keep extrapolated freq
    extra = 1.0 / theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    inter = extra / s["factor"]
    inv = inter * (1 - mask) + extra * mask
    m = (yarn_mscale(s["factor"], s.get("mscale", 1))
         / yarn_mscale(s["factor"], s.get("mscale_all_dim", 0)))
    return inv, m


def cos_sin(n, inv_freq, dtype, mscale=1.0):
    """cos/sin [n, len(inv_freq)] of pos * inv_freq (times mscale), in f64."""
    ang = np.outer(np.arange(n, dtype=np.float64), inv_freq)
    return (torch.tensor(np.cos(ang) * mscale, dtype=dtype),
            torch.tensor(np.sin(ang) * mscale, dtype=dtype))


def rope_half(x, cos, sin):
    """Rotate-half RoPE on x [S, H, D]: pairs (i, i + D/2) with freq i."""
    d = x.shape[-1] // 2
    c, s = cos[:, None, :], sin[:, None, :]
    x1, x2 = x[..., :d], x[..., d:]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], -1)


def rope_interleaved(x, cos, sin):
    """Interleaved RoPE on x [S, H, D]: pairs (2i, 2i+1) with freq i."""
    c, s = cos[:, None, :], sin[:, None, :]
    xe, xo = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = xe * c - xo * s
    out[..., 1::2] = xo * c + xe * s
    return out


def attention(q, k, v, scale, causal):
    """softmax(q·kᵀ·scale [+ causal mask])·v; q [S, H, D], k/v [T, H, *] (GQA-expanded)."""
    scores = torch.einsum("shd,thd->hst", q, k) * scale
    if causal:
        s, t = q.shape[0], k.shape[0]
        mask = torch.ones(s, t, dtype=torch.bool).triu(1 + t - s)
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.einsum("hst,thd->shd", torch.softmax(scores, -1), v)


# --------------------------------------------------------------------------
# LSH attention (r1 extension)
# --------------------------------------------------------------------------

_M64 = (1 << 64) - 1


def splitmix64(x):
    """splitmix64 finalizer on a Python int (all mod 2^64): x += golden gamma, mix."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _splitmix64_np(x):
    """splitmix64 on a numpy uint64 array (wrap-around arithmetic)."""
    u = np.uint64
    with np.errstate(over="ignore"):
        x = x + u(0x9E3779B97F4A7C15)
        z = (x ^ (x >> u(30))) * u(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> u(27))) * u(0x94D049BB133111EB)
    return z ^ (z >> u(31))


def lsh_rotations(seed, num_hashes, heads, dim, num_buckets):
    """R [num_hashes, heads, dim, nb/2] f32, counter-based Box-Muller.

    s = splitmix64(seed); flat index i = ((r*H + h)*D + d)*(nb/2) + j;
    a = splitmix64(s + 2i), b = splitmix64(s + 2i + 1) (sums mod 2^64);
    u1 = ((a >> 11) + 1) * 2^-53, u2 = (b >> 11) * 2^-53;
    R = f32(sqrt(-2 ln u1) * cos(2 pi u2)), evaluated in f64.
    """
    half = num_buckets // 2
    count = num_hashes * heads * dim * half
    s = np.uint64(splitmix64(seed & _M64))
    i2 = np.arange(count, dtype=np.uint64) * np.uint64(2)
    with np.errstate(over="ignore"):
        a = _splitmix64_np(s + i2)
        b = _splitmix64_np(s + i2 + np.uint64(1))
    u1 = ((a >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0 ** -53
    u2 = (b >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    r = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return r.astype(np.float32).reshape(num_hashes, heads, dim, half)


def lsh_buckets(x, rot):
    """Bucket per row of x [S, D]: argmax(concat(x·R, -x·R)), first index on ties."""
    proj = x @ rot
    return np.argmax(torch.cat([proj, -proj], -1).numpy(), axis=-1)


def lsh_chunks(buckets, chunk_length):
    """Chunk index per position: stable sort by (bucket, position), cut every chunk_length."""
    pos = np.arange(len(buckets))
    order = np.lexsort((pos, buckets))                 # last key is the primary key
    rank = np.empty(len(buckets), np.int64)
    rank[order] = pos
    return rank // chunk_length


def lsh_attention(x, v, num_hashes, num_buckets, chunk_length, chunks_before,
                  chunks_after, seed, causal=True):
    """Reformer-style shared-QK LSH attention; x (roped qk), v: [S, H, D] -> [S, H, D].

    See the module docstring for the rules. Per round and head this builds
    the [S, S] mask "key's chunk within [c - before, c + after] of the
    query's chunk c (and, causal, key position <= query position)", which is
    the same key set as walking the sorted, chunked sequence.
    """
    S, H, D = x.shape
    rot = torch.tensor(lsh_rotations(seed, num_hashes, H, D, num_buckets), dtype=x.dtype)
    keys = x / torch.clamp(x.norm(dim=-1, keepdim=True), min=1e-6)
    causal_ok = torch.ones(S, S, dtype=torch.bool).tril()
    outs, lses = [], []
    for r in range(num_hashes):
        o_r = torch.empty_like(v)
        lse_r = torch.empty(S, H, dtype=x.dtype)
        for h in range(H):
            chunk = torch.tensor(lsh_chunks(lsh_buckets(x[:, h], rot[r, h]), chunk_length))
            allowed = ((chunk[None, :] >= chunk[:, None] - chunks_before)
                       & (chunk[None, :] <= chunk[:, None] + chunks_after))
            if causal:
                allowed &= causal_ok
            scores = (x[:, h] @ keys[:, h].T) / math.sqrt(D)
            scores = scores.masked_fill(torch.eye(S, dtype=torch.bool), -1e5)
            scores = scores.masked_fill(~allowed, float("-inf"))
            lse = torch.logsumexp(scores, -1)
            lse_r[:, h] = lse
            o_r[:, h] = torch.exp(scores - lse[:, None]) @ v[:, h]
        outs.append(o_r)
        lses.append(lse_r)
    w = torch.softmax(torch.stack(lses), 0)             # [R, S, H]: softmax over rounds
    return (w[..., None] * torch.stack(outs)).sum(0)


def shared_qk_attention(x, v, causal=True):
    """Dense attention with LSH's conventions (normalized keys, self at -1e5)."""
    S, H, D = x.shape
    keys = x / torch.clamp(x.norm(dim=-1, keepdim=True), min=1e-6)
    scores = torch.einsum("shd,thd->hst", x, keys) / math.sqrt(D)
    scores = scores.masked_fill(torch.eye(S, dtype=torch.bool), -1e5)
    if causal:
        scores = scores.masked_fill(torch.ones(S, S, dtype=torch.bool).triu(1), float("-inf"))
    return torch.einsum("hst,thd->shd", torch.softmax(scores, -1), v)


# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------

class ReferenceModel:
    """A loaded checkpoint; see the module docstring for every convention."""

    def __init__(self, cfg, weights, dtype=torch.float32):
        self.cfg = cfg
        self.dtype = dtype
        self.w = {k: torch.tensor(v, dtype=dtype) for k, v in weights.items()}
        arch = (cfg.get("architectures") or ["LlamaForCausalLM"])[0]
        if arch not in ("LlamaForCausalLM", "Qwen2ForCausalLM", "DeepseekV3ForCausalLM"):
            raise ValueError(f"unsupported architecture {arch}")
        self.arch = arch
        self.deepseek = arch == "DeepseekV3ForCausalLM"
        self.r1 = cfg.get("r1") or {}
        self.hidden = cfg["hidden_size"]
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads") or self.heads
        self.head_dim = cfg.get("head_dim") or self.hidden // self.heads
        self.eps = cfg["rms_norm_eps"]
        self.theta = float(cfg.get("rope_theta", 10000.0))
        self.scaling = cfg.get("rope_scaling")
        mem = self.r1.get("memory") or {}
        self.memory_layers = [i for i in range(self.layers) if i in mem.get("layers", [])]
        self.reset()

    # -- helpers ---------------------------------------------------------------
    def linear(self, x, prefix):
        """x · Wᵀ (+ b when `<prefix>.bias` exists), W = `<prefix>.weight`."""
        y = x @ self.w[prefix + ".weight"].T
        b = self.w.get(prefix + ".bias")
        return y if b is None else y + b

    def mlp(self, x, prefix):
        """SwiGLU with HF names: down_proj(silu(gate_proj(x)) * up_proj(x))."""
        return self.linear(F.silu(self.linear(x, prefix + ".gate_proj"))
                           * self.linear(x, prefix + ".up_proj"), prefix + ".down_proj")

    def rms(self, x, name):
        """RMSNorm with weight tensor `name` and the config's rms_norm_eps."""
        return rms_norm(x, self.w[name], self.eps)

    def reset(self):
        """Memory-unit state back to the checkpoint's initial slots."""
        self.memory = {i: (self.w[f"model.layers.{i}.memory.keys"].clone(),
                           self.w[f"model.layers.{i}.memory.values"].clone())
                       for i in self.memory_layers}

    # -- Llama / Qwen2 / r1 ------------------------------------------------------
    def _dense_self_attention(self, i, h, cs):
        """Causal GQA attention with rotate-half RoPE (HF Llama / Qwen2)."""
        S, H, KV, D = h.shape[0], self.heads, self.kv_heads, self.head_dim
        p = f"model.layers.{i}.self_attn"
        q = rope_half(self.linear(h, p + ".q_proj").view(S, H, D), *cs)
        k = rope_half(self.linear(h, p + ".k_proj").view(S, KV, D), *cs)
        v = self.linear(h, p + ".v_proj").view(S, KV, D)
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        o = attention(q, k, v, D ** -0.5, causal=True)
        return self.linear(o.reshape(S, H * D), p + ".o_proj")

    def _lsh_self_attention(self, i, h, cs):
        """r1 LSH layer: shared qk = q_proj (roped), v_proj, o_proj."""
        S, H, D = h.shape[0], self.heads, self.head_dim
        p = f"model.layers.{i}.self_attn"
        x = rope_half(self.linear(h, p + ".q_proj").view(S, H, D), *cs)
        v = self.linear(h, p + ".v_proj").view(S, H, D)
        L = self.r1["lsh"]
        o = lsh_attention(x, v, L["num_hashes"], L["num_buckets"], L["chunk_length"],
                          L.get("chunks_before", 1), L.get("chunks_after", 0),
                          L.get("seed", 0), causal=True)
        return self.linear(o.reshape(S, H * D), p + ".o_proj")

    def _cross_attention(self, i, x, ctx):
        """x + o_proj(attn(q(rms(x)), k(ctx), v(ctx))): no mask, no RoPE, GQA."""
        S, T, H, KV, D = x.shape[0], ctx.shape[0], self.heads, self.kv_heads, self.head_dim
        p = f"model.layers.{i}.cross_attn"
        q = self.linear(self.rms(x, f"model.layers.{i}.cross_attn_layernorm.weight"),
                        p + ".q_proj").view(S, H, D)
        k = self.linear(ctx, p + ".k_proj").view(T, KV, D).repeat_interleave(H // KV, 1)
        v = self.linear(ctx, p + ".v_proj").view(T, KV, D).repeat_interleave(H // KV, 1)
        o = attention(q, k, v, D ** -0.5, causal=False)
        return x + self.linear(o.reshape(S, H * D), p + ".o_proj")

    def _memory_read(self, i, x):
        """x + sigmoid(x·gateᵀ) ⊙ softmax(top_k(keys·x/√hidden))·values (call-start state)."""
        keys, values = self.memory[i]
        scores = x @ keys.T / math.sqrt(self.hidden)
        top, idx = torch.topk(scores, self.r1["memory"]["top_k"], dim=-1)
        read = torch.einsum("sk,skd->sd", torch.softmax(top, -1), values[idx])
        gate = torch.sigmoid(x @ self.w[f"model.layers.{i}.memory.gate.weight"].T)
        return x + gate * read

    def _memory_update(self, inputs):
        """End-of-call update: per position in order, slot = argmax(keys·h) (first), EMA."""
        if not inputs:
            return
        decay = self.r1["memory"]["decay"]
        for i, hs in inputs.items():
            keys, values = self.memory[i]
            for h in hs:
                slot = int(np.argmax((keys @ h).numpy()))
                keys[slot] = decay * keys[slot] + (1 - decay) * h
                values[slot] = decay * values[slot] + (1 - decay) * h

    def context(self, image=None, audio=None):
        """Encoder context [T, hidden] (image patches, then audio frames) or None."""
        enc = self.r1.get("encoders") or {}
        if (image is not None and "image" not in enc) or (audio is not None and "audio" not in enc):
            raise ValueError("this model has no encoder for the given input")
        parts = []
        if image is not None:
            p = enc["image"]["patch_size"]
            img = torch.as_tensor(np.asarray(image), dtype=self.dtype)
            y = F.conv2d(img[None], self.w["model.vision.patch_embed.weight"],
                         self.w["model.vision.patch_embed.bias"], stride=p)[0]
            y = y.flatten(1).T + self.w["model.vision.position_embedding"]   # row-major patches
            parts.append(layer_norm(y, self.w["model.vision.norm.weight"],
                                    self.w["model.vision.norm.bias"]))
        if audio is not None:
            L, hop = enc["audio"]["frame_length"], enc["audio"]["hop_length"]
            a = torch.as_tensor(np.asarray(audio), dtype=self.dtype).reshape(-1)
            n = max(0, (a.shape[0] - L) // hop + 1)
            if n > 0:
                frames = torch.stack([a[t * hop:t * hop + L] for t in range(n)])
                y = self.linear(frames, "model.audio.frame_embed")
                parts.append(layer_norm(y, self.w["model.audio.norm.weight"],
                                        self.w["model.audio.norm.bias"]))
        return torch.cat(parts) if parts else None

    def _llama_hidden(self, ids, image, audio, cached=None, inputs=None):
        """Final-normed hidden [S, hidden] and {memory layer: memory inputs [S, hidden]}.

        With `cached` ({layer: its inputs for the first t positions, as they
        were when those positions were processed}), only positions t.. are
        computed, the way a KV cache works: earlier positions' keys and
        values come from their cached layer inputs and are never recomputed.
        This matters for LSH layers only, where a long forward would rehash
        earlier positions together with later ones. `inputs`, when given, is
        filled with every layer's inputs for all positions.
        """
        r1 = self.r1
        kinds = r1.get("attention") or ["dense"] * self.layers
        skip = r1.get("layer_skip") or {}
        cross_layers = set()
        for e in (r1.get("encoders") or {}).values():
            cross_layers.update(e.get("layers", []))
        ctx = self.context(image, audio)
        t = next(iter(cached.values())).shape[0] if cached else 0
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids[t:], dtype=torch.long)]
        cs = cos_sin(len(ids), rope_inv_freq(self.head_dim, self.theta, self.scaling), self.dtype)
        mem_inputs = {}
        for i in range(self.layers):
            p = f"model.layers.{i}"
            full = torch.cat([cached[i], x]) if cached else x
            if inputs is not None:
                inputs[i] = full

            def body(x, i=i, p=p):
                h = self.rms(x, p + ".input_layernorm.weight")
                if kinds[i] == "lsh":
                    x = x + self._lsh_self_attention(i, h, cs)
                else:
                    x = x + self._dense_self_attention(i, h, cs)
                if i in cross_layers and ctx is not None:
                    x = self._cross_attention(i, x, ctx)
                if i in self.memory_layers:
                    mem_inputs[i] = x[t:]
                    x = self._memory_read(i, x)
                return x + self.mlp(self.rms(x, p + ".post_attention_layernorm.weight"), p + ".mlp")

            if i in skip.get("layers", []):
                score = torch.sigmoid(x @ self.w[p + ".skip_gate.weight"])
                keep = (score < skip["threshold"])[:, None]
                x = torch.where(keep, x, body(full)[t:])
            else:
                x = body(full)[t:]
        return self.rms(x, "model.norm.weight"), mem_inputs

    # -- DeepSeek-V3 ---------------------------------------------------------------
    def _mla(self, i, h, absorb=False):
        """Multi-head latent attention of layer i on normed h (naive or absorbed form)."""
        c = self.cfg
        S, H = h.shape[0], self.heads
        dn, dr, dv = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
        r = c["kv_lora_rank"]
        p = f"model.layers.{i}.self_attn"
        if c.get("q_lora_rank"):
            q = self.linear(self.rms(self.linear(h, p + ".q_a_proj"), p + ".q_a_layernorm.weight"),
                            p + ".q_b_proj")
        else:
            q = self.linear(h, p + ".q_proj")
        q = q.view(S, H, dn + dr)
        q_nope, q_pe = q[..., :dn], q[..., dn:]
        ckv = self.linear(h, p + ".kv_a_proj_with_mqa")
        lat = self.rms(ckv[:, :r], p + ".kv_a_layernorm.weight")       # normed latent c
        k_pe = ckv[:, r:].reshape(S, 1, dr)

        s = self.scaling or {}
        yarn = rope_kind(s) == "yarn"
        if yarn:
            inv, ms = yarn_inv_freq_and_mscale(dr, self.theta, s)
        else:
            inv, ms = rope_inv_freq(dr, self.theta, self.scaling), 1.0
        cos, sin = cos_sin(S, inv, self.dtype, ms)
        q_pe, k_pe = rope_interleaved(q_pe, cos, sin), rope_interleaved(k_pe, cos, sin)
        scale = (dn + dr) ** -0.5
        if yarn and s.get("mscale_all_dim"):
            m = yarn_mscale(s["factor"], s["mscale_all_dim"])
            scale *= m * m

        wkv = self.w[p + ".kv_b_proj.weight"]
        if not absorb:
            kv = (lat @ wkv.T).view(S, H, dn + dv)
            k = torch.cat([kv[..., :dn], k_pe.expand(S, H, dr)], -1)
            o = attention(torch.cat([q_nope, q_pe], -1), k, kv[..., dn:], scale, causal=True)
        else:
            w3 = wkv.view(H, dn + dv, r)
            w_uk, w_uv = w3[:, :dn], w3[:, dn:]                   # [H, dn, r], [H, dv, r]
            q_lat = torch.einsum("shd,hdr->shr", q_nope, w_uk)     # W_uk folded into q
            scores = (torch.einsum("shr,tr->hst", q_lat, lat)
                      + torch.einsum("shd,td->hst", q_pe, k_pe[:, 0])) * scale
            scores = scores.masked_fill(torch.ones(S, S, dtype=torch.bool).triu(1), float("-inf"))
            o_lat = torch.einsum("hst,tr->shr", torch.softmax(scores, -1), lat)
            o = torch.einsum("shr,hvr->shv", o_lat, w_uv)          # W_uv folded into output
        return self.linear(o.reshape(S, H * dv), p + ".o_proj")

    def route(self, i, x):
        """DeepSeek-V3 router of layer i: (weights [S, k], expert ids [S, k])."""
        c = self.cfg
        p = f"model.layers.{i}.mlp.gate"
        logits = x @ self.w[p + ".weight"].T
        if c.get("scoring_func", "softmax") == "sigmoid":
            scores = torch.sigmoid(logits)
        else:
            scores = torch.softmax(logits, -1)
        bias = self.w.get(p + ".e_score_correction_bias")
        choice = scores + bias if bias is not None else scores.clone()
        E, groups = scores.shape[-1], c.get("n_group") or 1
        if groups > 1 and c.get("topk_method") != "greedy":
            g = choice.view(-1, groups, E // groups)
            # r1.router's rule: top-2 sum for sigmoid scoring (V3's noaux_tc),
            # max for softmax scoring (V2's group_limited_greedy).
            sigmoid = c.get("scoring_func", "softmax") == "sigmoid"
            gscore = g.topk(2, -1)[0].sum(-1) if sigmoid else g.amax(-1)
            keep = torch.zeros_like(gscore, dtype=torch.bool)
            keep.scatter_(1, gscore.topk(c["topk_group"], -1)[1], True)
            choice = g.masked_fill(~keep[..., None], float("-inf")).view(-1, E)
        k = c["num_experts_per_tok"]
        idx = choice.topk(k, -1)[1]
        weights = scores.gather(1, idx)
        if c.get("norm_topk_prob") and k > 1:
            weights = weights / (weights.sum(-1, keepdim=True) + 1e-20)
        return weights * c.get("routed_scaling_factor", 1.0), idx

    def _moe(self, i, x):
        """Σ_chosen w_e · expert_e(x) + shared_experts(x)."""
        p = f"model.layers.{i}.mlp"
        weights, idx = self.route(i, x)
        out = torch.zeros_like(x)
        for e in range(self.cfg["n_routed_experts"]):
            hit = idx == e                                         # [S, k]
            rows = hit.any(-1)
            if rows.any():
                w_e = (weights * hit).sum(-1)[rows, None]
                out[rows] += w_e * self.mlp(x[rows], f"{p}.experts.{e}")
        if self.cfg.get("n_shared_experts"):
            out = out + self.mlp(x, p + ".shared_experts")
        return out

    def is_moe_layer(self, i):
        """i >= first_k_dense_replace and i % moe_layer_freq == 0 (with routed experts)."""
        c = self.cfg
        return (c.get("n_routed_experts") is not None and i >= c.get("first_k_dense_replace", 0)
                and i % c.get("moe_layer_freq", 1) == 0)

    def _deepseek_hidden(self, ids, absorb=False):
        """Final-normed hidden of DeepSeek-V3 (the MTP layer is not run)."""
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]
        for i in range(self.layers):
            p = f"model.layers.{i}"
            x = x + self._mla(i, self.rms(x, p + ".input_layernorm.weight"), absorb)
            h = self.rms(x, p + ".post_attention_layernorm.weight")
            x = x + (self._moe(i, h) if self.is_moe_layer(i) else self.mlp(h, p + ".mlp"))
        return self.rms(x, "model.norm.weight"), {}

    # -- public API ------------------------------------------------------------------
    def _hidden(self, ids, image=None, audio=None, mla_absorb=False):
        ids = [int(t) for t in ids]
        if not ids:
            raise ValueError("empty token sequence")
        if self.deepseek:
            if image is not None or audio is not None:
                raise ValueError("DeepSeek-V3 models take no image/audio input")
            return self._deepseek_hidden(ids, mla_absorb)
        return self._llama_hidden(ids, image, audio)

    def _logits(self, hidden):
        """hidden · headᵀ as f32; the head is lm_head.weight, or the embedding when tied."""
        tied = self.cfg.get("tie_word_embeddings") or "lm_head.weight" not in self.w
        head = self.w["model.embed_tokens.weight" if tied else "lm_head.weight"]
        return (hidden @ head.T).to(torch.float32)

    def forward(self, ids, image=None, audio=None, mla_absorb=False):
        """Logits [S, vocab] (f32) of one call over ids; memory updated after."""
        with torch.no_grad():
            hidden, mem = self._hidden(ids, image, audio, mla_absorb)
            logits = self._logits(hidden)
            self._memory_update(mem)
        return logits

    def _step(self, seq, image, audio, cache):
        """Processes the positions of `seq` not in `cache` (None: no cache,
        the whole sequence); `cache` then holds every position's inputs."""
        if cache is None:
            return self._hidden(seq, image, audio)
        inputs = {}
        hidden, mem = self._llama_hidden(seq, image, audio, cached=cache or None,
                                         inputs=inputs)
        cache.update(inputs)
        return hidden, mem

    def generate(self, ids, n, image=None, audio=None, return_logits=False):
        """Greedy decoding, prefill then decode: each position is computed once,
        when it is fed, from the cached layer inputs of earlier positions.

        Returns the n new ids; with return_logits also the logits [P + n,
        vocab] (prompt rows, then one row per generated token's position).
        Memory reads use the state at the start of the call; the update at
        the end covers the positions processed (see module docstring).
        """
        ids = [int(t) for t in ids]
        with torch.no_grad():
            # Layer inputs of the positions processed so far (the KV cache).
            cache = None if self.deepseek else {}
            hidden, mem = self._step(ids, image, audio, cache)
            rows = [self._logits(hidden)]
            mem_rows = {i: [h] for i, h in mem.items()}
            seq, out = list(ids), []
            fed = n if return_logits else max(n - 1, 0)      # generated tokens fed back
            for step in range(n):
                tok = int(torch.argmax(rows[-1][-1]))
                out.append(tok)
                seq.append(tok)
                if step < fed:
                    hidden, mem = self._step(seq, image, audio, cache)
                    rows.append(self._logits(hidden[-1:]))
                    for i, h in mem.items():
                        mem_rows[i].append(h[-1:])
            self._memory_update({i: torch.cat(hs) for i, hs in mem_rows.items()})
        if return_logits:
            return out, torch.cat(rows)
        return out

    def classify(self, ids, image=None, audio=None):
        """Label logits [num_labels] (f32) from the last position's final-normed hidden."""
        with torch.no_grad():
            hidden, mem = self._hidden(ids, image, audio)
            self._memory_update(mem)
            return (hidden[-1] @ self.w["score.weight"].T).to(torch.float32)


def load(model_dir, dtype=torch.float32):
    """Reads config.json and the safetensors of model_dir into a ReferenceModel."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    return ReferenceModel(cfg, load_weights(model_dir, cfg), dtype)


def main(argv=None):
    """CLI: generate greedily, print the ids, optionally dump logits / classify."""
    ap = argparse.ArgumentParser(description="r1 reference forward pass")
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", required=True, help="comma-separated prompt ids")
    ap.add_argument("-n", type=int, default=0, help="tokens to generate greedily (default 0)")
    ap.add_argument("--dump-logits", help="write logits [P + n, vocab] f32 .npy")
    ap.add_argument("--image", help=".npy [C, H, W] image input")
    ap.add_argument("--audio", help=".npy [N] audio samples")
    ap.add_argument("--classify", action="store_true", help="print label logits/probabilities")
    ap.add_argument("--f64", action="store_true", help="compute in float64")
    args = ap.parse_args(argv)

    ids = [int(t) for t in args.tokens.replace(" ", "").split(",") if t]
    image = np.load(args.image) if args.image else None
    audio = np.load(args.audio) if args.audio else None
    model = load(args.model_dir, torch.float64 if args.f64 else torch.float32)
    # One process is one call: memory reads use the checkpoint's state.
    if args.classify:
        logits = model.classify(ids, image, audio)
        model.reset()
        print("label_logits:", ",".join(f"{v:.7g}" for v in logits.tolist()))
        print("probabilities:", ",".join(f"{v:.7g}" for v in torch.softmax(logits, -1).tolist()))
        print("label:", int(torch.argmax(logits)))
    out, logits = model.generate(ids, args.n, image, audio, return_logits=True)
    print("generated:", ",".join(str(t) for t in out))
    if args.dump_logits:
        np.save(args.dump_logits, logits.numpy().astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())
