#!/usr/bin/python3
"""LSH attention against dense attention as the sequence grows.

    bench/lsh_bench.py [--lengths 4096,8192,16384,32768] [--build build]

Two one-layer Llama-style models (hidden 256, 4 heads of 64, the same random
weights), one with the r1 extension's LSH self-attention (2 hash rounds, 64
buckets, chunks of 64, one chunk before), one dense; r1c compiles both and
r1-run prefills N random tokens. Prints the prefill time per length and
its growth per doubling: dense attention grows ~4x (n^2), LSH ~2x
(n log n: hashing and chunked attention are linear, the sort n log n).
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_bench  # noqa: E402

SHAPE = dict(hidden=256, layers=1, heads=4, kv_heads=4, ffn=512)
LSH = {"num_hashes": 2, "num_buckets": 64, "chunk_length": 64,
       "chunks_before": 1, "chunks_after": 0, "seed": 7}


def prefill_seconds(build, art, n):
    ids = ",".join(map(str, np.random.default_rng(n).integers(0, model_bench.VOCAB, n)))
    path = art + f".tokens-{n}"
    with open(path, "w") as f:
        f.write(ids)
    best = None
    for _ in range(2):
        err = subprocess.run([os.path.join(build, "bin", "r1-run"), art,
                              "--tokens-file", path, "-n", "1"], capture_output=True,
                             text=True, check=True).stderr
        rate = float(re.search(r"prefill \d+ tokens ([\d.]+) tok/s", err).group(1))
        best = max(best or 0, rate)
    return n / best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default="4096,8192,16384,32768")
    ap.add_argument("--build", default=os.path.join(model_bench.ROOT, "build"))
    ap.add_argument("--work", default="/tmp/r1-lsh-bench")
    args = ap.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    arts = {}
    for kind in ("dense", "lsh"):
        ckpt = os.path.join(args.work, kind)
        model_bench.write_checkpoint(ckpt, SHAPE)
        path = os.path.join(ckpt, "config.json")
        config = json.load(open(path))
        config["max_position_embeddings"] = max(lengths)
        if kind == "lsh":
            config["r1"] = {"attention": ["lsh"], "lsh": LSH}
        json.dump(config, open(path, "w"))
        arts[kind] = ckpt + ".r1"
        subprocess.run([os.path.join(args.build, "bin", "r1c"), ckpt, "-q", "-o", arts[kind]],
                       check=True, stderr=subprocess.DEVNULL)
    print("prefill of one layer (hidden 256, 4 heads of 64), best of 2, 2 threads")
    print(f"{'tokens':>8} {'dense s':>9} {'growth':>7} {'lsh s':>9} {'growth':>7} {'dense/lsh':>10}")
    last = {}
    for n in lengths:
        t = {kind: prefill_seconds(args.build, arts[kind], n) for kind in arts}
        growth = {k: (f"{t[k] / last[k]:6.2f}x" if k in last else "      -") for k in t}
        print(f"{n:8d} {t['dense']:9.3f} {growth['dense']} {t['lsh']:9.3f} {growth['lsh']} "
              f"{t['dense'] / t['lsh']:9.2f}x")
        last = t


if __name__ == "__main__":
    sys.exit(main())
