#!/usr/bin/env python3
"""An independent PyTorch reference forward pass for every r1c model family.

    r1_reference.py MODEL_DIR --tokens 1,2,3 [-n N] [--dump-logits out.npy]
                    [--image img.npy] [--audio audio.npy] [--classify]

Written from the published equations (HF modeling_llama / modeling_qwen2 /
DeepSeek-V3 modeling_deepseek.py) and the r1 extension semantics of the
README; it shares no code with r1c. Computes in float64 and returns float32.

Conventions (r1c implements exactly these):
- RMSNorm: x * rsqrt(mean(x²) + eps) * w. SwiGLU: down(silu(gate x) * up x).
- Llama/Qwen2 RoPE is rotate-half: feature i pairs with i + d/2, frequency
  theta^(-2i/d); llama3 and linear scaling as HF. GQA: kv head h serves query
  heads h*g .. h*g+g-1 (repeat_interleave).
- DeepSeek-V3 RoPE on q_pe/k_pe: HF de-interleaves then rotates halves; the
  permutation cancels in q·k, so this is rotation of pairs (2i, 2i+1) with
  frequency i. YaRN as DeepseekV3YarnRotaryEmbedding: inv_freq blended by a
  linear ramp between the beta_fast/beta_slow correction dims, cos/sin times
  mscale(f, mscale)/mscale(f, mscale_all_dim), softmax scale times
  mscale(f, mscale_all_dim)² (mscale(s, m) = 0.1 m ln s + 1 for s > 1).
- DeepSeek-V3 MoE: sigmoid (or softmax) scores; selection on scores +
  e_score_correction_bias; group score = sum of the top-2 (sigmoid) or max
  (softmax) per group; experts outside the topk_group best groups are masked
  with -inf (DeepSeek's inference code; some HF revisions use 0.0); weights =
  unbiased scores of the chosen experts, normalised when norm_topk_prob,
  times routed_scaling_factor; plus the shared experts. MTP layer ignored.
- FP8 weights: W = e4m3fn(q) * weight_scale_inv[row // bn, col // bk].
- r1 extensions: see README and the functions below (LSH, memory unit,
  layer skip, encoders, classification).
"""
import argparse
import json
import math
import os

import numpy as np
import torch

DT = torch.float64


# --- checkpoint reading -----------------------------------------------------

def _e4m3_table():
    vals = np.zeros(256)
    for b in range(256):
        s, e, m = b >> 7, (b >> 3) & 0xF, b & 7
        if e == 0xF and m == 7:
            v = np.nan
        elif e == 0:
            v = (m / 8.0) * 2.0 ** -6
        else:
            v = (1 + m / 8.0) * 2.0 ** (e - 7)
        vals[b] = -v if s else v
    return vals


def read_safetensors(path):
    """name -> (dtype string, numpy array; FP8 stays as uint8 codes)."""
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = blob[base + b:base + e]
        dt, shape = info["dtype"], info["shape"]
        if dt == "F32":
            a = np.frombuffer(raw, np.float32)
        elif dt == "BF16":
            a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        elif dt == "F16":
            a = np.frombuffer(raw, np.float16).astype(np.float32)
        elif dt == "F8_E4M3":
            a = np.frombuffer(raw, np.uint8)
        else:
            raise ValueError(f"{path}: unsupported dtype {dt} of {name}")
        out[name] = (dt, a.reshape(shape))
    return out


def load_weights(model_dir, block=(128, 128)):
    """All tensors as float64 torch tensors, FP8 ones dequantized."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    files = (sorted(set(json.load(open(index))["weight_map"].values()))
             if os.path.exists(index) else ["model.safetensors"])
    raw = {}
    for f in files:
        raw.update(read_safetensors(os.path.join(model_dir, f)))
    table = _e4m3_table()
    weights = {}
    for name, (dt, a) in raw.items():
        if name.endswith("_scale_inv"):
            continue
        if dt == "F8_E4M3":
            q = table[a]
            s = raw[name + "_scale_inv"][1].astype(np.float64)
            s = np.repeat(np.repeat(s, block[0], 0), block[1], 1)[:q.shape[0], :q.shape[1]]
            weights[name] = torch.tensor(q * s, dtype=DT)
        else:
            weights[name] = torch.tensor(a.astype(np.float64), dtype=DT)
    return weights


# --- building blocks ----------------------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def layer_norm(x, w, b, eps=1e-5):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def silu(x):
    return x * torch.sigmoid(x)


def yarn_mscale(scale, m):
    return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0


def rope_tables(cfg, dim, positions):
    """cos/sin [S, dim/2] for the config's rope_theta and rope_scaling."""
    base = cfg["rope_theta"]
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=DT) / dim))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    mult = 1.0
    if kind == "linear":
        inv = inv / rs["factor"]
    elif kind == "llama3":
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        llama = torch.where(wavelen > old / low, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < old / high) & ~(wavelen > old / low)
        inv = torch.where(medium, smoothed, llama)
    elif kind == "yarn":
        factor, old = rs["factor"], rs["original_max_position_embeddings"]
        bf, bs = rs.get("beta_fast", 32), rs.get("beta_slow", 1)

        def corr_dim(rot):
            return dim * math.log(old / (rot * 2 * math.pi)) / (2 * math.log(base))
        lo = max(math.floor(corr_dim(bf)), 0)
        hi = min(math.ceil(corr_dim(bs)), dim - 1)
        if lo == hi:
            hi += 0.001
        ramp = ((torch.arange(dim // 2, dtype=DT) - lo) / (hi - lo)).clamp(0, 1)
        extra_mask = 1.0 - ramp
        inv = (inv / factor) * (1 - extra_mask) + inv * extra_mask
        mult = yarn_mscale(factor, rs.get("mscale", 1)) / yarn_mscale(factor, rs.get("mscale_all_dim", 0))
    ang = torch.tensor(positions, dtype=DT)[:, None] * inv[None, :]
    return torch.cos(ang) * mult, torch.sin(ang) * mult


def rope_half(x, cos, sin):
    """x [S, H, D]; pairs (i, i + D/2)."""
    d = x.shape[-1] // 2
    c, s = cos[:, None, :], sin[:, None, :]
    x1, x2 = x[..., :d], x[..., d:]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], -1)


def rope_interleaved(x, cos, sin):
    """x [S, H, D]; pairs (2i, 2i + 1)."""
    c, s = cos[:, None, :], sin[:, None, :]
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = x1 * c - x2 * s
    out[..., 1::2] = x2 * c + x1 * s
    return out


def attention(q, k, v, scale, causal):
    """q [S, H, D], k [T, Hkv, D], v [T, Hkv, Dv] -> [S, H*Dv]; GQA."""
    g = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(g, 1)
    v = v.repeat_interleave(g, 1)
    s = torch.einsum("shd,thd->hst", q, k) * scale
    if causal:
        S, T = q.shape[0], k.shape[0]
        mask = torch.arange(T)[None, :] > (torch.arange(S)[:, None] + T - S)
        s = s.masked_fill(mask, float("-inf"))
    p = torch.softmax(s, -1)
    return torch.einsum("hst,thd->shd", p, v).reshape(q.shape[0], -1)


# --- LSH attention (r1 extension) -------------------------------------------

M64 = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def lsh_rotations(seed, rounds, heads, dim, buckets):
    """R[r, h] in R^{D x nb/2}: counter-based normals (Box-Muller)."""
    half = buckets // 2
    s = splitmix64(seed)
    out = np.zeros((rounds, heads, dim, half), np.float32)
    for idx in range(rounds * heads * dim * half):
        a = splitmix64((s + 2 * idx) & M64)
        b = splitmix64((s + 2 * idx + 1) & M64)
        u1 = ((a >> 11) + 1) * 2.0 ** -53
        u2 = (b >> 11) * 2.0 ** -53
        out.flat[idx] = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
    return torch.tensor(out, dtype=DT)


def lsh_attention(qk, v, lsh, causal=True):
    """qk [S, H, D] (roped), v [S, H, Dv] -> [S, H, Dv]."""
    S, H, D = qk.shape
    R = lsh_rotations(lsh.get("seed", 0), lsh["num_hashes"], H, D, lsh["num_buckets"])
    L, before, after = lsh["chunk_length"], lsh.get("chunks_before", 1), lsh.get("chunks_after", 0)
    keys = qk / qk.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    outs, lses = [], []
    for r in range(lsh["num_hashes"]):
        o = torch.zeros(S, H, v.shape[-1], dtype=DT)
        lse = torch.zeros(S, H, dtype=DT)
        for h in range(H):
            rot = qk[:, h, :] @ R[r, h]
            buckets = torch.argmax(torch.cat([rot, -rot], -1), -1)
            order = sorted(range(S), key=lambda p: (int(buckets[p]), p))
            chunks = [order[i:i + L] for i in range(0, S, L)]
            for c, chunk in enumerate(chunks):
                cand = [p for cc in range(max(c - before, 0), min(c + after, len(chunks) - 1) + 1)
                        for p in chunks[cc]]
                for i in chunk:
                    js = [j for j in cand if not (causal and j > i)]
                    sc = torch.stack([(qk[i, h] @ keys[j, h]) / math.sqrt(D) if j != i
                                      else torch.tensor(-1e5, dtype=DT) for j in js])
                    p = torch.softmax(sc, 0)
                    o[i, h] = (p[:, None] * v[js, h]).sum(0)
                    lse[i, h] = torch.logsumexp(sc, 0)
        outs.append(o)
        lses.append(lse)
    w = torch.softmax(torch.stack(lses), 0)
    return (w[..., None] * torch.stack(outs)).sum(0)


# --- the model ---------------------------------------------------------------

class Model:
    def __init__(self, model_dir):
        self.cfg = json.load(open(os.path.join(model_dir, "config.json")))
        qc = self.cfg.get("quantization_config") or {}
        self.w = load_weights(model_dir, tuple(qc.get("weight_block_size", (128, 128))))
        self.arch = self.cfg["architectures"][0]
        self.ext = self.cfg.get("r1", {})
        self.reset()

    def reset(self):
        """Memory state back to the checkpoint's slots."""
        self.memory = {}
        for i in self.ext.get("memory", {}).get("layers", []):
            p = f"model.layers.{i}.memory"
            self.memory[i] = (self.w[p + ".keys"].clone(), self.w[p + ".values"].clone())

    # Pieces.
    def lin(self, x, name, bias=False):
        y = x @ self.w[name + ".weight"].T
        return y + self.w[name + ".bias"] if bias else y

    def mlp(self, x, p):
        return self.lin(silu(self.lin(x, p + ".gate_proj")) * self.lin(x, p + ".up_proj"), p + ".down_proj")

    def dense_attention(self, h, p, positions, bias):
        c = self.cfg
        H, Hkv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        D = c.get("head_dim") or c["hidden_size"] // H
        q = self.lin(h, p + ".q_proj", bias).view(-1, H, D)
        k = self.lin(h, p + ".k_proj", bias).view(-1, Hkv, D)
        v = self.lin(h, p + ".v_proj", bias).view(-1, Hkv, D)
        cos, sin = rope_tables(c, D, positions)
        a = attention(rope_half(q, cos, sin), rope_half(k, cos, sin), v, 1 / math.sqrt(D), True)
        return self.lin(a, p + ".o_proj", bias and self.arch == "LlamaForCausalLM")

    def lsh_layer_attention(self, h, p, positions):
        c = self.cfg
        H = c["num_attention_heads"]
        D = c.get("head_dim") or c["hidden_size"] // H
        qk = self.lin(h, p + ".q_proj").view(-1, H, D)
        v = self.lin(h, p + ".v_proj").view(-1, H, D)
        cos, sin = rope_tables(c, D, positions)
        o = lsh_attention(rope_half(qk, cos, sin), v, self.ext["lsh"])
        return self.lin(o.reshape(h.shape[0], -1), p + ".o_proj")

    def cross_attention(self, x, i, ctx):
        c = self.cfg
        H, Hkv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        D = c.get("head_dim") or c["hidden_size"] // H
        p = f"model.layers.{i}.cross_attn"
        h = rms_norm(x, self.w[f"model.layers.{i}.cross_attn_layernorm.weight"], c["rms_norm_eps"])
        q = self.lin(h, p + ".q_proj").view(-1, H, D)
        k = self.lin(ctx, p + ".k_proj").view(-1, Hkv, D)
        v = self.lin(ctx, p + ".v_proj").view(-1, Hkv, D)
        return x + self.lin(attention(q, k, v, 1 / math.sqrt(D), False), p + ".o_proj")

    def memory_read(self, x, i, keys, values):
        m = self.ext["memory"]
        sc = x @ keys.T / math.sqrt(x.shape[-1])
        top, idx = sc.topk(m["top_k"], -1)
        read = (torch.softmax(top, -1)[..., None] * values[idx]).sum(-2)
        gate = torch.sigmoid(x @ self.w[f"model.layers.{i}.memory.gate.weight"].T)
        return x + gate * read

    def memory_update(self, xs, keys, values):
        d = self.ext["memory"]["decay"]
        keys, values = keys.clone(), values.clone()
        for h in xs:
            s = int(torch.argmax(keys @ h))
            keys[s] = d * keys[s] + (1 - d) * h
            values[s] = d * values[s] + (1 - d) * h
        return keys, values

    def mla_projections(self, h, p):
        """q [S, H, dn+dr], the compressed kv [S, r+dr], the normed latent."""
        c = self.cfg
        H, r, eps = c["num_attention_heads"], c["kv_lora_rank"], c["rms_norm_eps"]
        if c.get("q_lora_rank"):
            qa = rms_norm(self.lin(h, p + ".q_a_proj"), self.w[p + ".q_a_layernorm.weight"], eps)
            q = self.lin(qa, p + ".q_b_proj")
        else:
            q = self.lin(h, p + ".q_proj")
        q = q.view(-1, H, c["qk_nope_head_dim"] + c["qk_rope_head_dim"])
        ckv = self.lin(h, p + ".kv_a_proj_with_mqa")
        return q, ckv, rms_norm(ckv[:, :r], self.w[p + ".kv_a_layernorm.weight"], eps)

    def mla_scale(self):
        """(dn+dr)^-1/2, times YaRN's mscale(factor, mscale_all_dim)²."""
        c = self.cfg
        scale = 1 / math.sqrt(c["qk_nope_head_dim"] + c["qk_rope_head_dim"])
        rs = c.get("rope_scaling") or {}
        if rs.get("type", rs.get("rope_type")) == "yarn" and rs.get("mscale_all_dim"):
            scale *= yarn_mscale(rs["factor"], rs["mscale_all_dim"]) ** 2
        return scale

    def mla(self, h, p, positions):
        c = self.cfg
        H, dn, dr, dv = c["num_attention_heads"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
        r = c["kv_lora_rank"]
        q, ckv, lat = self.mla_projections(h, p)
        kv = self.lin(lat, p + ".kv_b_proj").view(-1, H, dn + dv)
        cos, sin = rope_tables(c, dr, positions)
        q_pe = rope_interleaved(q[..., dn:], cos, sin)
        k_pe = rope_interleaved(ckv[:, r:].view(-1, 1, dr), cos, sin).expand(-1, H, dr)
        qf = torch.cat([q[..., :dn], q_pe], -1)
        kf = torch.cat([kv[..., :dn], k_pe], -1)
        scale = self.mla_scale()
        return self.lin(attention(qf, kf, kv[..., dn:], scale, True), p + ".o_proj")

    def mla_absorbed(self, h, p, positions):
        """MLA with W_uk folded into q and W_uv into the output (same math)."""
        c = self.cfg
        H, dn, dr, dv = c["num_attention_heads"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
        r = c["kv_lora_rank"]
        q, ckv, lat = self.mla_projections(h, p)
        wkv = self.w[p + ".kv_b_proj.weight"].view(H, dn + dv, r)
        w_uk, w_uv = wkv[:, :dn], wkv[:, dn:]
        cos, sin = rope_tables(c, dr, positions)
        q_pe = rope_interleaved(q[..., dn:], cos, sin)
        k_pe = rope_interleaved(ckv[:, r:].view(-1, 1, dr), cos, sin)[:, 0]
        q_lat = torch.einsum("shd,hdr->shr", q[..., :dn], w_uk)
        scores = torch.einsum("shr,tr->hst", q_lat, lat) + torch.einsum("shd,td->hst", q_pe, k_pe)
        scale = self.mla_scale()
        scores = scores * scale
        S = h.shape[0]
        scores = scores.masked_fill(torch.arange(S)[None, :] > torch.arange(S)[:, None], float("-inf"))
        o_lat = torch.einsum("hst,tr->shr", torch.softmax(scores, -1), lat)
        o = torch.einsum("shr,hvr->shv", o_lat, w_uv).reshape(S, -1)
        return self.lin(o, p + ".o_proj")

    def moe(self, x, p):
        c = self.cfg
        E, k = c["n_routed_experts"], c["num_experts_per_tok"]
        G, TG = c.get("n_group", 1), c.get("topk_group", 1)
        logits = x @ self.w[p + ".gate.weight"].T
        sigmoid = c.get("scoring_func", "softmax") == "sigmoid"
        scores = torch.sigmoid(logits) if sigmoid else torch.softmax(logits, -1)
        bias = self.w.get(p + ".gate.e_score_correction_bias")
        choice = scores + bias if bias is not None else scores
        grouped = choice.view(-1, G, E // G)
        gs = grouped.topk(2, -1).values.sum(-1) if sigmoid else grouped.max(-1).values
        keep = torch.zeros_like(gs).scatter_(1, gs.topk(TG, -1).indices, 1.0)
        keep = keep[:, :, None].expand(-1, G, E // G).reshape(-1, E)
        idx = choice.masked_fill(keep == 0, float("-inf")).topk(k, -1).indices
        wts = scores.gather(1, idx)
        if c.get("norm_topk_prob"):
            wts = wts / (wts.sum(-1, keepdim=True) + 1e-20)
        wts = wts * c.get("routed_scaling_factor", 1.0)
        out = torch.zeros_like(x)
        for t in range(x.shape[0]):
            for j in range(k):
                out[t] += wts[t, j] * self.mlp(x[t:t + 1], f"{p}.experts.{int(idx[t, j])}")[0]
        if c.get("n_shared_experts"):
            out = out + self.mlp(x, p + ".shared_experts")
        return out

    def context(self, image, audio):
        parts = []
        enc = self.ext.get("encoders", {})
        if image is not None and "image" in enc:
            p = enc["image"]["patch_size"]
            img = torch.tensor(image, dtype=DT)
            w = self.w["model.vision.patch_embed.weight"]
            y = torch.nn.functional.conv2d(img[None], w, self.w["model.vision.patch_embed.bias"], stride=p)
            y = y[0].flatten(1).T + self.w["model.vision.position_embedding"]
            parts.append(layer_norm(y, self.w["model.vision.norm.weight"], self.w["model.vision.norm.bias"]))
        if audio is not None and "audio" in enc:
            L, hop = enc["audio"]["frame_length"], enc["audio"]["hop_length"]
            a = torch.tensor(audio, dtype=DT)
            frames = a.unfold(0, L, hop)
            y = self.lin(frames, "model.audio.frame_embed", True)
            parts.append(layer_norm(y, self.w["model.audio.norm.weight"], self.w["model.audio.norm.bias"]))
        return torch.cat(parts, 0) if parts else None

    def hidden(self, ids, image=None, audio=None, absorbed=False):
        """Final normed hidden states [S, hidden] and memory inputs."""
        c, eps = self.cfg, self.cfg["rms_norm_eps"]
        positions = list(range(len(ids)))
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids)]
        ctx = self.context(image, audio)
        memory_inputs = {}
        deepseek = self.arch == "DeepseekV3ForCausalLM"
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}"

            def layer(x):
                h = rms_norm(x, self.w[p + ".input_layernorm.weight"], eps)
                if deepseek:
                    attn = (self.mla_absorbed if absorbed else self.mla)(h, p + ".self_attn", positions)
                elif self.ext.get("attention", ["dense"] * 999)[i] == "lsh" or self.ext.get("attention") == "lsh":
                    attn = self.lsh_layer_attention(h, p + ".self_attn", positions)
                else:
                    attn = self.dense_attention(h, p + ".self_attn", positions,
                                                self.arch == "Qwen2ForCausalLM" or c.get("attention_bias", False))
                x = x + attn
                enc_layers = [l for e in self.ext.get("encoders", {}).values() for l in e["layers"]]
                if i in enc_layers and ctx is not None:
                    x = self.cross_attention(x, i, ctx)
                if i in self.memory:
                    memory_inputs[i] = x
                    x = self.memory_read(x, i, *self.memory[i])
                h2 = rms_norm(x, self.w[p + ".post_attention_layernorm.weight"], eps)
                moe = deepseek and c.get("n_routed_experts") and i >= c.get("first_k_dense_replace", 0) \
                    and i % c.get("moe_layer_freq", 1) == 0
                return x + (self.moe(h2, p + ".mlp") if moe else self.mlp(h2, p + ".mlp"))

            if i in self.ext.get("layer_skip", {}).get("layers", []):
                score = torch.sigmoid(x @ self.w[p + ".skip_gate.weight"])
                run = score >= self.ext["layer_skip"]["threshold"]
                x = torch.where(run[:, None], layer(x), x)
            else:
                x = layer(x)
        return rms_norm(x, self.w["model.norm.weight"], eps), memory_inputs

    def logits_of(self, h):
        head = self.w.get("lm_head.weight", self.w["model.embed_tokens.weight"]) \
            if not self.cfg.get("tie_word_embeddings") else self.w["model.embed_tokens.weight"]
        return h @ head.T

    def forward(self, ids, image=None, audio=None, absorbed=False, update_memory=True):
        """Logits [S, vocab] (float32) of one call; updates the memory."""
        h, mem_in = self.hidden(ids, image, audio, absorbed)
        if update_memory:
            for i, xs in mem_in.items():
                self.memory[i] = self.memory_update(xs, *self.memory[i])
        return self.logits_of(h).float()

    def classify(self, ids, image=None, audio=None):
        h, _ = self.hidden(ids, image, audio)
        return (h[-1] @ self.w["score.weight"].T).float()

    def generate(self, ids, n, image=None, audio=None):
        """Greedy: (generated ids, logits [len(ids) + n, vocab]).

        The rows are the logits after each prompt token, then after each
        generated token. The whole call counts as one for the memory unit:
        its update sees every token, the generated ones included.
        """
        seq = list(ids)
        for _ in range(n):
            logits = self.forward(seq, image, audio, update_memory=False)
            seq.append(int(torch.argmax(logits[-1])))
        return seq[len(ids):], self.forward(seq, image, audio)


def load(model_dir):
    return Model(model_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("-n", type=int, default=0)
    ap.add_argument("--dump-logits")
    ap.add_argument("--image")
    ap.add_argument("--audio")
    ap.add_argument("--classify", action="store_true")
    args = ap.parse_args()
    m = load(args.model)
    ids = [int(t) for t in args.tokens.split(",")]
    image = np.load(args.image) if args.image else None
    audio = np.load(args.audio) if args.audio else None
    if args.classify:
        logits = m.classify(ids, image, audio)
        print(" ".join(f"{p:.6f}" for p in torch.softmax(logits.double(), -1).tolist()))
        return
    gen, logits = m.generate(ids, args.n, image, audio)
    print(",".join(str(t) for t in gen))
    if args.dump_logits:
        np.save(args.dump_logits, logits.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
