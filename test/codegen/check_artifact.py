#!/usr/bin/env python3
"""Checks an r1c artifact folder against the checkpoint it came from.

    check_artifact.py ARTIFACT CHECKPOINT

Every file's size and SHA-256 match the manifest; every tensor starts on the
manifest's alignment and holds exactly the checkpoint's values in the
declared dtype (bf16/f16 widened or rounded to nearest even, FP8 and scales
byte for byte, MoE stacks expert by expert). Prints "ok: N tensors".
"""
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "reference"))
from r1_reference import read_checkpoint, read_raw_safetensors  # noqa: E402



def as_declared(dtype, raw, declared):
    """The bytes r1c must have written for a checkpoint tensor."""
    if declared in ("f8e4m3fn", "i8", "i32", "i64") or \
            (dtype, declared) in (("F32", "f32"), ("BF16", "bf16"), ("F16", "f16")):
        return raw
    if dtype == "F32":
        f = np.frombuffer(raw, np.float32)
    elif dtype == "BF16":
        f = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
    else:
        f = np.frombuffer(raw, np.float16).astype(np.float32)
    if declared == "f32":
        return f.astype(np.float32).tobytes()
    if declared == "f16":
        return f.astype(np.float16).tobytes()
    u = f.view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16).tobytes()


def main():
    art, ckpt = sys.argv[1], sys.argv[2]
    manifest = json.load(open(os.path.join(art, "manifest.json")))
    assert manifest["format"] == "r1c-artifact" and manifest["format_version"] == 1
    for name, entry in manifest["files"].items():
        data = open(os.path.join(art, name), "rb").read()
        assert len(data) == entry["bytes"], name
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
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
        expected = b"".join(as_declared(raw[s][0], raw[s][2], t["dtype"])
                            for s in stacks.get(t["name"], [t["name"]]))
        got = weights[t["offset"]:t["offset"] + t["bytes"]]
        assert got == expected, f"{t['name']}: bytes differ"
    assert len(weights) % align == 0
    print(f"ok: {len(manifest['weights']['tensors'])} tensors")


if __name__ == "__main__":
    main()
