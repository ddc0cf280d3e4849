#!/usr/bin/python3
"""MoE decode cost against the number of experts, at a fixed top-k.

    bench/moe_bench.py [--experts 8,16,32,64] [--build build]

DeepSeek-V3-style checkpoints (hidden 512, 4 MoE layers after one dense
layer, experts of intermediate 512, top-2, one shared expert) that differ
only in the number of routed experts. r1c compiles each, r1-run decodes 32
tokens after a 16-token prompt. Decode reads only the chosen experts'
weights, so its time should stay flat while the total expert weight grows;
the last column is what reading every expert each token would cost at the
measured read bandwidth.
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

LAYERS, HIDDEN, EXPERT = 5, 512, 512


def write(path, experts):
    """A random V3-style checkpoint with `experts` routed experts."""
    mk.write_deepseek(path, {
        "num_hidden_layers": LAYERS, "n_routed_experts": experts,
        "moe_intermediate_size": EXPERT, "num_experts_per_tok": 2,
        "n_group": 1, "topk_group": 1, "num_nextn_predict_layers": 0,
        "num_attention_heads": 8, "q_lora_rank": 128, "kv_lora_rank": 128,
        "qk_nope_head_dim": 32, "qk_rope_head_dim": 16, "v_head_dim": 32,
        "rope_scaling": None, "max_position_embeddings": 4096},
        hidden=HIDDEN, inter=1024, vocab=32000)
    expert_bytes = 3 * HIDDEN * EXPERT * 4 * experts * (LAYERS - 1)
    return expert_bytes


def decode_rate(build, art):
    ids = ",".join(map(str, np.random.default_rng(0).integers(0, 32000, 16)))
    best = 0.0
    for _ in range(3):
        err = subprocess.run([os.path.join(build, "bin", "r1-run"), art,
                              "--tokens", ids, "-n", "33"], capture_output=True, text=True,
                             check=True).stderr
        best = max(best, float(re.search(r"decode \d+ tokens ([\d.]+) tok/s", err).group(1)))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experts", default="8,16,32,64")
    ap.add_argument("--build", default=os.path.join(model_bench.ROOT, "build"))
    ap.add_argument("--work", default="/tmp/r1-moe-bench")
    args = ap.parse_args()
    _, bandwidth = model_bench.roofline(args.build)
    print(f"decode, top-2 of E experts ({LAYERS - 1} MoE layers, experts "
          f"{HIDDEN}x{EXPERT}), read bandwidth {bandwidth:.1f} GB/s")
    print(f"{'experts':>8} {'expert MB':>10} {'decode tok/s':>13} {'ms/token':>9} "
          f"{'all-experts ms':>15}")
    for experts in (int(e) for e in args.experts.split(",")):
        ckpt = os.path.join(args.work, f"e{experts}")
        expert_bytes = write(ckpt, experts)
        subprocess.run([os.path.join(args.build, "bin", "r1c"), ckpt, "-q", "-o", ckpt + ".r1"],
                       check=True, stderr=subprocess.DEVNULL)
        rate = decode_rate(args.build, ckpt + ".r1")
        print(f"{experts:8d} {expert_bytes / 1e6:10.0f} {rate:13.1f} {1e3 / rate:9.2f} "
              f"{expert_bytes / bandwidth / 1e6:15.2f}")


if __name__ == "__main__":
    sys.exit(main())
