#!/usr/bin/python3
"""Held-out perplexity of a checkpoint folder under simulated weight quantization.

    /usr/bin/python3 bench/perplexity.py [MODEL_DIR] [--limit N] [--modes f32,bf16,int8,int4]

MODEL_DIR (default models/fortune-v3) holds config.json, model.safetensors,
tokenizer.json and heldout.txt (fortune format: each document followed by a
`%` line). Each held-out document is encoded as BOS + text + EOS, truncated
to max_position_embeddings, and scored with test/reference/r1_reference.py
in f32; perplexity = exp(mean NLL over every predicted token, EOS included).

The quantized rows round the linear weights (every 2-D `*.weight` except the
token embedding, a lookup, and the MoE router `mlp.gate.weight`, which
DeepSeek keeps unquantized) and compute in f32 with the rounded values:
  bf16  round to nearest even
  int8  symmetric per output channel: scale = max|row| / 127
  int4  symmetric, groups of 32 along the input dim: scale = max|group| / 7
This is the yardstick for r1c's own quantized kernels.
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import r1_reference as ref  # noqa: E402
from train_fortune_model import Tokenizer, read_fortune_file  # noqa: E402


def quantize(w, mode):
    """Simulated quantization of one [out, in] weight: the dequantized f32 values."""
    if mode == "bf16":
        return w.to(torch.bfloat16).to(torch.float32)
    if mode == "int8":
        s = w.abs().amax(1, keepdim=True).clamp(min=1e-12) / 127
        return (w / s).round().clamp(-127, 127) * s
    if mode == "int4":
        n, k = w.shape
        if k % 32:
            raise ValueError(f"int4 groups of 32 need in-features divisible by 32, got {k}")
        g = w.reshape(n, k // 32, 32)
        s = g.abs().amax(-1, keepdim=True).clamp(min=1e-12) / 7
        return ((g / s).round().clamp(-7, 7) * s).reshape(n, k)
    raise ValueError(mode)


def is_quantized(name, w):
    return (w.dim() == 2 and name.endswith(".weight") and name != "model.embed_tokens.weight"
            and not name.endswith("mlp.gate.weight"))


def mean_nll(model, seqs):
    total, count = 0.0, 0
    for s in seqs:
        logits = model.forward(s[:-1])
        total += float(F.cross_entropy(logits, torch.tensor(s[1:]), reduction="sum"))
        count += len(s) - 1
    return total / count, count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", nargs="?", default=os.path.join(ROOT, "models", "fortune-v3"))
    ap.add_argument("--limit", type=int, help="score only the first N held-out documents")
    ap.add_argument("--modes", default="f32,bf16,int8,int4")
    args = ap.parse_args()
    torch.set_num_threads(1)

    tok = Tokenizer(os.path.join(args.model_dir, "tokenizer.json"))
    docs = read_fortune_file(os.path.join(args.model_dir, "heldout.txt"))[:args.limit]
    model = ref.load(args.model_dir, torch.float32)
    max_len = model.cfg.get("max_position_embeddings", 4096)
    seqs = [(tok.encode(d) + [tok.eos])[:max_len] for d in docs]
    original = dict(model.w)
    quantized = [n for n, w in original.items() if is_quantized(n, w)]
    n_q = sum(original[n].numel() for n in quantized)
    print(f"{args.model_dir}: {len(docs)} held-out documents; {len(quantized)} linear weights "
          f"({n_q:,} of {sum(w.numel() for w in original.values()):,} parameters) quantized")

    rows, base = [], None
    for mode in args.modes.split(","):
        model.w = dict(original)
        if mode != "f32":
            for n in quantized:
                model.w[n] = quantize(original[n], mode)
        t = time.time()
        nll, count = mean_nll(model, seqs)
        base = nll if base is None else base
        rows.append((mode, nll, math.exp(nll), count, time.time() - t))
    print(f"\n{'weights':<8} {'nll/token':>10} {'perplexity':>11} {'vs first':>9} {'tokens':>8}")
    for mode, nll, ppl, count, _ in rows:
        print(f"{mode:<8} {nll:>10.4f} {ppl:>11.2f} {ppl / math.exp(base) - 1:>+8.2%} {count:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
