#!/usr/bin/python3
"""Whole-model benchmark: r1c beside PyTorch eager and the roofline.

    bench/model_bench.py [--size small|large|both] [--dtype f32|bf16]
                         [--build build] [--work DIR]

For each size, in one run on the same random Llama-style checkpoint (vocab
32000; f32, or bf16 as HuggingFace ships R1-Distill, which r1c keeps bf16 in
its linears' packed weights and torch runs in f32 on the same values): r1c
compiles it for the host and r1-bench measures it as a user runs it
(`r1-bench ART -p 128 -n 32 -o json --roofline`: pp128, a 128-token
prefill, and tg32, 32 decode steps after a 16-token prompt; each the mean of
5 runs after a warm-up, on every core); PyTorch eager (Debian's torch, KV
cache, best of 1 and 2 threads, after a warm-up forward) prefills 128
tokens, and decodes 32 after a 16-token prompt. The bounds are r1-bench's (README, r1-bench):
this machine's FMA peak and read bandwidth, measured at r1-bench's thread
count, over the FLOPs of a prefill token (2 per weight but the embedding, a
one-row gather, and the head, once per prompt: only the last position's
logits are computed, by both) and the bytes a decode step reads (every
weight but the embedding table, and the KV cache).

  small: hidden 512, 8 layers, 8/2 heads, ffn 1408   (~55M params)
  large: hidden 1536, 24 layers, 12/2 heads, ffn 8960 (~1.2B params, 4.9 GB)
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = {
    "small": dict(hidden=512, layers=8, heads=8, kv_heads=2, ffn=1408),
    "large": dict(hidden=1536, layers=24, heads=12, kv_heads=2, ffn=8960),
}
VOCAB, PROMPT, DECODE = 32000, 128, 32
# r1-bench's tgN decodes after a prompt of this many tokens; torch does too.
TG_PROMPT = 16


def tensor_shapes(s):
    h, d = s["hidden"], s["hidden"] // s["heads"]
    kv = s["kv_heads"] * d
    yield "model.embed_tokens.weight", (VOCAB, h)
    for i in range(s["layers"]):
        p = f"model.layers.{i}."
        yield p + "input_layernorm.weight", (h,)
        yield p + "self_attn.q_proj.weight", (h, h)
        yield p + "self_attn.k_proj.weight", (kv, h)
        yield p + "self_attn.v_proj.weight", (kv, h)
        yield p + "self_attn.o_proj.weight", (h, h)
        yield p + "post_attention_layernorm.weight", (h,)
        yield p + "mlp.gate_proj.weight", (s["ffn"], h)
        yield p + "mlp.up_proj.weight", (s["ffn"], h)
        yield p + "mlp.down_proj.weight", (h, s["ffn"])
    yield "model.norm.weight", (h,)
    yield "lm_head.weight", (VOCAB, h)


def to_bf16(a):
    """f32 → bf16 bits, rounded to nearest even."""
    bits = a.view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def write_checkpoint(path, s, dtype="f32"):
    """A random checkpoint (f32 or bf16), streamed tensor by tensor."""
    os.makedirs(path, exist_ok=True)
    shapes = list(tensor_shapes(s))
    size = 2 if dtype == "bf16" else 4
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes:
        n = size * math.prod(shape)
        header[name] = {"dtype": dtype.upper(), "shape": list(shape),
                        "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    rng = np.random.default_rng(0)
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text)
        for name, shape in shapes:
            if len(shape) == 1:
                a = np.ones(shape, np.float32)
            else:
                a = rng.standard_normal(shape, dtype=np.float32) * np.float32(shape[-1] ** -0.5)
            f.write((to_bf16(a) if dtype == "bf16" else a).tobytes())
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": s["hidden"], "intermediate_size": s["ffn"],
              "num_hidden_layers": s["layers"], "num_attention_heads": s["heads"],
              "num_key_value_heads": s["kv_heads"], "vocab_size": VOCAB,
              "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": False,
              "torch_dtype": "bfloat16" if dtype == "bf16" else "float32"}
    json.dump(config, open(os.path.join(path, "config.json"), "w"))
    return sum(math.prod(sh) for _, sh in shapes)


def load_torch(path):
    """The checkpoint's tensors as torch tensors."""
    data = open(os.path.join(path, "model.safetensors"), "rb").read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        if t["dtype"] == "BF16":
            bits = np.frombuffer(data, np.uint16, (b - a) // 2, base + a).astype(np.uint32)
            values = (bits << 16).view(np.float32)
        else:
            values = np.frombuffer(data, np.float32, (b - a) // 4, base + a)
        out[name] = torch.from_numpy(values.reshape(t["shape"]).copy())
    return out


class TorchLlama:
    """Llama in PyTorch eager with a KV cache, as a fair peer."""

    def __init__(self, w, s):
        self.w, self.s = w, s
        self.d = s["hidden"] // s["heads"]
        self.inv = 1.0 / 10000.0 ** (torch.arange(0, self.d, 2, dtype=torch.float64) / self.d)
        self.reset()

    def reset(self):
        self.cache = [[None, None] for _ in range(self.s["layers"])]
        self.pos = 0

    def rope(self, x, cos, sin):
        h = x.shape[-1] // 2
        x1, x2 = x[..., :h], x[..., h:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)

    def norm(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    @torch.no_grad()
    def forward(self, ids):
        s, w, n = self.s, self.w, len(ids)
        ang = torch.outer(torch.arange(self.pos, self.pos + n, dtype=torch.float64), self.inv)
        cos, sin = ang.cos().float()[:, None], ang.sin().float()[:, None]
        x = w["model.embed_tokens.weight"][torch.tensor(ids)]
        H, KV, d = s["heads"], s["kv_heads"], self.d
        mask = torch.full((n, self.pos + n), float("-inf")).triu(self.pos + 1)
        for i in range(s["layers"]):
            p = f"model.layers.{i}."
            y = self.norm(x, w[p + "input_layernorm.weight"])
            q = self.rope(F.linear(y, w[p + "self_attn.q_proj.weight"]).view(n, H, d), cos, sin)
            k = self.rope(F.linear(y, w[p + "self_attn.k_proj.weight"]).view(n, KV, d), cos, sin)
            v = F.linear(y, w[p + "self_attn.v_proj.weight"]).view(n, KV, d)
            c = self.cache[i]
            c[0] = k if c[0] is None else torch.cat([c[0], k])
            c[1] = v if c[1] is None else torch.cat([c[1], v])
            kk = c[0].repeat_interleave(H // KV, 1).transpose(0, 1)
            vv = c[1].repeat_interleave(H // KV, 1).transpose(0, 1)
            att = torch.softmax(q.transpose(0, 1) @ kk.transpose(1, 2) * d ** -0.5 + mask, -1)
            o = (att @ vv).transpose(0, 1).reshape(n, H * d)
            x = x + F.linear(o, w[p + "self_attn.o_proj.weight"])
            y = self.norm(x, w[p + "post_attention_layernorm.weight"])
            g = F.linear(y, w[p + "mlp.gate_proj.weight"])
            u = F.linear(y, w[p + "mlp.up_proj.weight"])
            x = x + F.linear(F.silu(g) * u, w[p + "mlp.down_proj.weight"])
        # Only the last position's logits, as r1-run computes them.
        x = self.norm(x[-1:], w["model.norm.weight"])
        self.pos += n
        return F.linear(x, w["lm_head.weight"])


def torch_speed(model, prompt):
    """(prefill tok/s, decode tok/s), best over 1 and 2 threads."""
    best = (0.0, 0.0, 0)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        model.reset()
        model.forward(prompt[:8])  # warm-up, as r1-bench runs one
        model.reset()
        t0 = time.perf_counter()
        model.forward(prompt)
        t1 = time.perf_counter()
        model.reset()
        token = int(model.forward(prompt[:TG_PROMPT])[-1].argmax())
        t2 = time.perf_counter()
        for _ in range(DECODE):
            token = int(model.forward([token])[-1].argmax())
        t3 = time.perf_counter()
        pre, dec = len(prompt) / (t1 - t0), DECODE / (t3 - t2)
        best = (max(best[0], pre), max(best[1], dec), threads if dec > best[1] else best[2])
    return best


def r1c_speed(build, ckpt, art):
    """Compile time and r1-bench's pp and tg rows (JSON objects)."""
    t0 = time.perf_counter()
    subprocess.run([os.path.join(build, "bin", "r1c"), ckpt, "-q", "-o", art], check=True)
    compile_s = time.perf_counter() - t0
    out = subprocess.run([os.path.join(build, "bin", "r1-bench"), art,
                          "-p", str(PROMPT), "-n", str(DECODE), "-o", "json", "--roofline"],
                         capture_output=True, text=True, check=True).stdout
    rows = {row["test"]: row for row in json.loads(out)}
    return compile_s, rows[f"pp{PROMPT}"], rows[f"tg{DECODE}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["small", "large", "both"], default="small")
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default="/tmp/r1-model-bench")
    args = ap.parse_args()
    sizes = ["small", "large"] if args.size == "both" else [args.size]
    for size in sizes:
        s = SIZES[size]
        ckpt = os.path.join(args.work, size + ("-bf16" if args.dtype == "bf16" else ""))
        params = write_checkpoint(ckpt, s, args.dtype)
        size_of = 2 if args.dtype == "bf16" else 4
        prompt = [int(t) for t in np.random.default_rng(1).integers(0, VOCAB, PROMPT)]
        compile_s, pre, dec = r1c_speed(args.build, ckpt, ckpt + ".r1")
        tpre, tdec, tthreads = torch_speed(TorchLlama(load_torch(ckpt), s), prompt)
        print(f"machine: FMA peak {pre['fma_gflops']:.1f} GFLOP/s, read bandwidth "
              f"{dec['bandwidth_gbps']:.1f} GB/s (r1-bench --roofline, {pre['threads']} threads)")
        print(f"\n{size}: {params / 1e6:.0f}M params, {size_of * params / 1e9:.2f} GB {args.dtype}; "
              f"r1c compile {compile_s:.1f}s")
        print(f"  {'':8} {'r1c tok/s':>10} {'torch tok/s':>12} {'r1c/torch':>10} "
              f"{'bound tok/s':>12} {'r1c % of bound':>15}")
        for name, row, peer in (("prefill", pre, tpre), ("decode", dec, tdec)):
            ours = row["ts_mean"]
            print(f"  {name:8} {ours:10.1f} {peer:12.1f} {ours / peer:9.2f}x "
                  f"{row['bound_ts']:12.1f} {row['bound_pct']:14.0f}%")
        print(f"  (r1c: r1-bench {pre['test']} and {dec['test']}, mean of {pre['repetitions']} runs, "
              f"sd {pre['ts_stddev']:.1f} and {dec['ts_stddev']:.1f} tok/s, {pre['threads']} threads;"
              f"\n   torch: best of 1 and 2 threads, decode best with {tthreads}; "
              f"prompt {PROMPT}, decode {DECODE} tokens after {TG_PROMPT})")


if __name__ == "__main__":
    sys.exit(main())
