#!/usr/bin/python3
"""Whole-model benchmark: r1c beside PyTorch eager and the roofline.

    bench/model_bench.py [--size small|large|both] [--dtype f32|bf16]
                         [--build build] [--work DIR]

For each size, in one run on the same random Llama-style checkpoint (vocab
32000; f32, or bf16 as HuggingFace ships R1-Distill, which r1c keeps bf16 in
its linears' packed weights and torch runs in f32 on the same values): r1c compiles it for the host, r1-run prefills a 128-token
prompt and decodes 32 tokens (timing its second such call, after a warm-up
one); PyTorch eager (Debian's torch, KV cache, best of 1 and 2 threads,
after a warm-up forward) does the same; r1-roofline measures the FMA peak
and read bandwidth. Bounds: decode = bandwidth / bytes read per token (every
weight but the embedding table, a one-row gather), prefill =
peak / FLOPs per token (the head's once per prompt: only the last position's
logits are computed, by both).

  small: hidden 512, 8 layers, 8/2 heads, ffn 1408   (~55M params)
  large: hidden 1536, 24 layers, 12/2 heads, ffn 8960 (~1.2B params, 4.9 GB)
"""
import argparse
import json
import math
import os
import re
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
        model.forward(prompt[:8])  # warm-up, as r1-run's first call is
        model.reset()
        t0 = time.perf_counter()
        logits = model.forward(prompt)
        t1 = time.perf_counter()
        token = int(logits[-1].argmax())
        for _ in range(DECODE):
            token = int(model.forward([token])[-1].argmax())
        t2 = time.perf_counter()
        pre, dec = len(prompt) / (t1 - t0), DECODE / (t2 - t1)
        best = (max(best[0], pre), max(best[1], dec), threads if dec > best[1] else best[2])
    return best


def roofline(build):
    out = subprocess.run([os.path.join(build, "bin", "r1-roofline")], capture_output=True,
                         text=True, check=True).stdout
    values = dict(line.split()[:2] for line in out.splitlines() if len(line.split()) >= 2)
    return float(values["fma_peak_gflops"]), float(values["read_bandwidth_gbps"])


def r1c_speed(build, ckpt, art, prompt):
    t0 = time.perf_counter()
    subprocess.run([os.path.join(build, "bin", "r1c"), ckpt, "-q", "-o", art], check=True)
    compile_s = time.perf_counter() - t0
    runs = []
    for _ in range(2):
        # --calls 2: the timed generation is the second in the process, after
        # a warm-up one (thread pool started, buffers allocated).
        err = subprocess.run([os.path.join(build, "bin", "r1-run"), art,
                              "--calls", "2", "--tokens", ",".join(map(str, prompt)),
                              "-n", str(DECODE + 1)],
                             capture_output=True, text=True, check=True).stderr
        m = re.search(r"prefill \d+ tokens ([\d.]+) tok/s, decode \d+ tokens ([\d.]+) tok/s", err)
        runs.append((float(m.group(1)), float(m.group(2))))
    return compile_s, max(r[0] for r in runs), max(r[1] for r in runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["small", "large", "both"], default="small")
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default="/tmp/r1-model-bench")
    args = ap.parse_args()
    sizes = ["small", "large"] if args.size == "both" else [args.size]
    peak, bandwidth = roofline(args.build)
    print(f"machine: FMA peak {peak:.1f} GFLOP/s, read bandwidth {bandwidth:.1f} GB/s "
          f"(r1-roofline, 2 threads)")
    for size in sizes:
        s = SIZES[size]
        ckpt = os.path.join(args.work, size + ("-bf16" if args.dtype == "bf16" else ""))
        params = write_checkpoint(ckpt, s, args.dtype)
        # Per token the embedding is a gather (one row), every other weight
        # is read whole: the FLOPs and the bytes a decode step must read
        # (bf16 linears: 2 bytes a weight; r1c keeps the norms in f32).
        size_of = 2 if args.dtype == "bf16" else 4
        weight_bytes = size_of * params
        norms = (2 * s["layers"] + 1) * s["hidden"]
        # A prefill computes the last position's logits only (as does the
        # torch peer): the head's FLOPs are once per prompt.
        head = VOCAB * s["hidden"]
        flops = 2 * (params - VOCAB * s["hidden"] - head) + 2 * head / PROMPT
        read_bytes = size_of * (params - VOCAB * s["hidden"] - norms) + 4 * norms
        prompt = [int(t) for t in np.random.default_rng(1).integers(0, VOCAB, PROMPT)]
        compile_s, pre, dec = r1c_speed(args.build, ckpt, ckpt + ".r1", prompt)
        tpre, tdec, tthreads = torch_speed(TorchLlama(load_torch(ckpt), s), prompt)
        dec_bound = bandwidth * 1e9 / read_bytes
        pre_bound = peak * 1e9 / flops
        print(f"\n{size}: {params / 1e6:.0f}M params, {weight_bytes / 1e9:.2f} GB {args.dtype}; "
              f"r1c compile {compile_s:.1f}s")
        print(f"  {'':8} {'r1c tok/s':>10} {'torch tok/s':>12} {'r1c/torch':>10} "
              f"{'bound tok/s':>12} {'r1c % of bound':>15}")
        for name, ours, peer, bound in (("prefill", pre, tpre, pre_bound),
                                        ("decode", dec, tdec, dec_bound)):
            print(f"  {name:8} {ours:10.1f} {peer:12.1f} {ours / peer:9.2f}x "
                  f"{bound:12.1f} {100 * ours / bound:14.0f}%")
        print(f"  (torch: best of 1 and 2 threads; decode best with {tthreads}; "
              f"prompt {PROMPT}, decode {DECODE} tokens)")


if __name__ == "__main__":
    sys.exit(main())
