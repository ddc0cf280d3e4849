#!/usr/bin/env python3
"""Checks an r1c artifact folder against the checkpoint it came from.

    check_artifact.py ARTIFACT CHECKPOINT

Every file's size and SHA-256 match the manifest and program.txt; every
tensor starts on the manifest's alignment and holds exactly the checkpoint's
values as f32 in the layout its kernel reads (plain row-major, 16-wide
panels [N/16][K][16] for a linear's weight, MoE stacks expert by expert, or
MLA's per-head W_uk / W_uv), FP8 weights times their block scales.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fixtures"))
from make_checkpoint import e4m3_table  # noqa: E402



def as_f32(dtype, raw):
    """A checkpoint tensor's values as f32 (bf16/f16 widened exactly)."""
    if dtype == "F8_E4M3":
        return e4m3_table().astype(np.float32)[np.frombuffer(raw, np.uint8)]
    if dtype == "F32":
        return np.frombuffer(raw, np.float32)
    if dtype == "BF16":
        return (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
    if dtype == "F16":
        return np.frombuffer(raw, np.float16).astype(np.float32)
    raise ValueError(f"unexpected dtype {dtype}")


def dequantize(values, scales, shape, block):
    """values · the scale of their [rows, cols] block, per stacked matrix."""
    n, k = shape[-2:]
    w = values.reshape(-1, n, k)
    s = scales.reshape(w.shape[0], -(-n // block[0]), -(-k // block[1]))
    s = s.repeat(block[0], 1)[:, :n].repeat(block[1], 2)[:, :, :k]
    return (w * s).reshape(-1)


def packed(values, layout, shape, params):
    """The bytes of `values` in an x86 kernel layout."""
    if layout == "plain":
        return values.astype(np.float32).tobytes()
    if layout in ("mla_uk", "mla_uv"):
        # kv_b [H·(dn+dv), r] → W_uk [H][dn][r] or W_uv [H][r][dv].
        h, dn, dv = params
        w = values.reshape(h, dn + dv, shape[1])
        w = w[:, :dn] if layout == "mla_uk" else w[:, dn:].transpose(0, 2, 1)
        return np.ascontiguousarray(w, np.float32).tobytes()
    assert layout == "panels16", layout
    n, k = shape[-2:]
    panels = -(-n // 16)
    out = b""
    for m in values.reshape(-1, n, k):
        w = np.zeros((panels * 16, k), np.float32)
        w[:n] = m
        # [panel][k][lane]
        out += w.reshape(panels, 16, k).transpose(0, 2, 1).copy().tobytes()
    return out


def main():
    art, ckpt = sys.argv[1], sys.argv[2]
    manifest = json.load(open(os.path.join(art, "manifest.json")))
    assert manifest["format"] == "r1c-artifact" and manifest["format_version"] == 2
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
        def read(name):
            return np.concatenate([as_f32(raw[s][0], raw[s][2])
                                   for s in stacks.get(name, [name])])
        values = read(t["name"])
        if "scale" in t:
            values = dequantize(values, read(t["scale"]), t["shape"], t["block"])
        expected = packed(values, t["layout"], t["shape"], t.get("params"))
        got = weights[t["offset"]:t["offset"] + t["bytes"]]
        assert got == expected, f"{t['name']}: bytes differ"
    assert len(weights) % align == 0
    print(f"ok: {len(manifest['weights']['tensors'])} tensors")


if __name__ == "__main__":
    main()
