#!/usr/bin/python3
"""MLA prefill: the absorbed form alone against absorbed + naive prefill.

    bench/mla_bench.py [--lengths 64,256,1024,4096] [--build build]

A one-layer DeepSeek-V3 checkpoint with V3's per-head MLA dims (16 heads,
kv_lora_rank 512, nope 128, rope 64, v 128; hidden 1024) compiled twice:
with r1-absorb-mla's naive-prefill-rows=0 (every call attends in the
absorbed form over the latent) and with the default (a fresh prefill of at
least r·(dn + dv) / (2r - dn - dv) = 171 rows expands k and v of its rows
and attends in the naive form). r1-run prefills N random tokens; decode after
the prompt is the absorbed form in both.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test", "fixtures"))
import make_checkpoint as mk  # noqa: E402
import model_bench  # noqa: E402

VOCAB = 4096


def write(path, longest):
    mk.write_deepseek(path, {
        "num_hidden_layers": 1, "first_k_dense_replace": 1,
        "num_nextn_predict_layers": 0, "num_attention_heads": 16,
        "num_key_value_heads": 16, "q_lora_rank": 384, "kv_lora_rank": 512,
        "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
        "rope_scaling": None, "max_position_embeddings": longest + 64},
        hidden=1024, inter=2048, vocab=VOCAB)


def rates(build, art, n):
    path = art + f".tokens-{n}"
    with open(path, "w") as f:
        f.write(",".join(map(str, np.random.default_rng(n).integers(0, VOCAB, n))))
    prefill = decode = 0.0
    for _ in range(2):
        err = subprocess.run([os.path.join(build, "bin", "r1-run"), art,
                              "--tokens-file", path, "-n", "9"], capture_output=True,
                             text=True, check=True).stderr
        prefill = max(prefill, float(re.search(r"prefill \d+ tokens ([\d.]+) tok/s", err).group(1)))
        decode = max(decode, float(re.search(r"decode \d+ tokens ([\d.]+) tok/s", err).group(1)))
    return n / prefill, 1e3 / decode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default="64,256,1024,4096")
    ap.add_argument("--build", default=os.path.join(model_bench.ROOT, "build"))
    ap.add_argument("--work", default="/tmp/r1-mla-bench")
    args = ap.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    ckpt = os.path.join(args.work, "v3")
    write(ckpt, max(lengths))
    r1c = os.path.join(args.build, "bin", "r1c")
    arts = {"absorbed": ckpt + "-absorbed.r1", "chosen": ckpt + "-chosen.r1"}
    subprocess.run([r1c, ckpt, "-q", "-o", arts["absorbed"],
                    "--pass-options=r1-absorb-mla{naive-prefill-rows=0}"],
                   check=True, stderr=subprocess.DEVNULL)
    subprocess.run([r1c, ckpt, "-q", "-o", arts["chosen"]], check=True,
                   stderr=subprocess.DEVNULL)
    print("one MLA layer (16 heads, r 512, nope 128, rope 64, v 128), best of 2, "
          "2 threads")
    print(f"{'tokens':>8} {'absorbed s':>11} {'+naive s':>9} {'speedup':>8} "
          f"{'decode ms (absorbed, +naive)':>30}")
    for n in lengths:
        a_prefill, a_decode = rates(args.build, arts["absorbed"], n)
        c_prefill, c_decode = rates(args.build, arts["chosen"], n)
        print(f"{n:8d} {a_prefill:11.3f} {c_prefill:9.3f} {a_prefill / c_prefill:7.2f}x "
              f"{a_decode:20.2f} {c_decode:9.2f}")


if __name__ == "__main__":
    sys.exit(main())
