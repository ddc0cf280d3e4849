#!/usr/bin/env python3
"""Checks an r1c artifact folder against the checkpoint it came from.

    check_artifact.py ARTIFACT CHECKPOINT

Every file's size and SHA-256 match the manifest and program.txt; every
tensor starts on the manifest's alignment and holds exactly the checkpoint's
values as f32 in the layout its kernel reads (plain row-major, or 16-wide
panels [N/16][K][16] for a linear's weight; MoE stacks expert by expert).
Prints "ok: N tensors".
"""
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "reference"))
from r1_reference import read_checkpoint, read_raw_safetensors  # noqa: E402



def as_f32(dtype, raw):
    """A checkpoint tensor's values as f32 (bf16/f16 widened exactly)."""
    if dtype == "F32":
        return np.frombuffer(raw, np.float32)
    if dtype == "BF16":
        return (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
    if dtype == "F16":
        return np.frombuffer(raw, np.float16).astype(np.float32)
    raise ValueError(f"unexpected dtype {dtype}")


def packed(values, layout, shape):
    """The bytes of `values` in an x86 kernel layout."""
    if layout == "plain":
        return values.astype(np.float32).tobytes()
    assert layout == "panels16", layout
    n, k = shape
    panels = -(-n // 16)
    w = np.zeros((panels * 16, k), np.float32)
    w[:n] = values.reshape(n, k)
    # [panel][k][lane]
    return w.reshape(panels, 16, k).transpose(0, 2, 1).copy().tobytes()


def main():
    art, ckpt = sys.argv[1], sys.argv[2]
    manifest = json.load(open(os.path.join(art, "manifest.json")))
    assert manifest["format"] == "r1c-artifact" and manifest["format_version"] == 1
    for name, entry in manifest["files"].items():
        data = open(os.path.join(art, name), "rb").read()
        assert len(data) == entry["bytes"], name
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    for line in open(os.path.join(art, "program.txt")):
        if line.startswith("file "):
            _, name, size, sha = line.split()
            assert manifest["files"][name] == {"bytes": int(size), "sha256": sha}, name
    weights = open(os.path.join(art, manifest["weights"]["file"]), "rb").read()
    align = manifest["weights"]["alignment"]
    stacks = {}
    for line in open(os.path.join(art, "model.mlir")):
        if "r1.weight_decl" in line and "stack = [" in line:
            decl = line.split("@")[1].split()[0]
            stack = line.split("stack = [")[1].split("]")[0]
            stacks[decl] = [s.strip().strip('"') for s in stack.split(",")]
    raw = read_checkpoint(ckpt, reader=read_raw_safetensors)
    end = 0
    for t in manifest["weights"]["tensors"]:
        assert t["offset"] % align == 0, t["name"]
        assert t["offset"] >= end, t["name"]
        end = t["offset"] + t["bytes"]
        assert t["dtype"] == "f32", t["name"]
        values = np.concatenate([as_f32(raw[s][0], raw[s][2])
                                 for s in stacks.get(t["name"], [t["name"]])])
        expected = packed(values, t["layout"], t["shape"])
        got = weights[t["offset"]:t["offset"] + t["bytes"]]
        assert got == expected, f"{t['name']}: bytes differ"
    assert len(weights) % align == 0
    print(f"ok: {len(manifest['weights']['tensors'])} tensors")


if __name__ == "__main__":
    main()
