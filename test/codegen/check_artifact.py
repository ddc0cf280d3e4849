#!/usr/bin/env python3
"""Checks an r1c artifact folder against the checkpoint it came from.

    check_artifact.py ARTIFACT CHECKPOINT

Every file's size and digest (runtime/Digest.h: XXH3-128 of 64 MiB chunks,
recomputed here with python3-xxhash) match the manifest and program.txt; every
tensor starts on the manifest's alignment and holds exactly the checkpoint's
values as f32 in the layout its kernel reads (plain row-major, 16-wide
panels [N/16][K][16] for a linear's weight, MoE stacks expert by expert, or
MLA's per-head W_uk / W_uv beside kv_b_proj's panels), FP8 weights times
their block scales; the panels of a bf16 checkpoint's linears stay bf16.
Prints "ok: N tensors".
"""
import json
import os
import struct
import sys

import numpy as np
import xxhash

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "reference"))
from r1_reference import dequantize_fp8, read_checkpoint  # noqa: E402


CHUNK_BYTES = 64 << 20


def digest(data):
    """runtime/Digest.h: XXH3-128 of the canonical XXH3-128 hashes of each
    64 MiB chunk, in order, then the size as 8 little-endian bytes."""
    chunks = b"".join(xxhash.xxh3_128(data[i:i + CHUNK_BYTES]).digest()
                      for i in range(0, len(data), CHUNK_BYTES))
    return xxhash.xxh3_128(chunks + struct.pack("<Q", len(data))).hexdigest()


def expected_entry(name, shape, cfg, quantized):
    """What the manifest must say of a tensor, from the config alone: the
    layouts its kernels may read it in, their params, the FP8 block."""
    tied = cfg.get("tie_word_embeddings", False)
    if name.endswith("kv_b_proj.weight"):
        # Split for the absorbed form, or panels for the naive prefill's
        # kv_b_proj.
        layouts = {"mla_uk", "mla_uv", "panels16"}
        params = [cfg["num_attention_heads"], cfg["qk_nope_head_dim"], cfg["v_head_dim"]]
    elif name == "model.embed_tokens.weight":
        layouts, params = {"plain", "panels16"} if tied else {"plain"}, None
    else:
        layouts, params = {"panels16"} if len(shape) >= 2 else {"plain"}, None
    block = (cfg.get("quantization_config") or {}).get("weight_block_size")
    return layouts, params, block if quantized else None


def packed(values, layout, shape, params, dtype="f32"):
    """The bytes of `values` in an x86 kernel layout."""
    if dtype == "bf16":
        # bf16 values: the high halves of their f32s, nothing lost.
        assert layout == "panels16", layout
        wide = np.frombuffer(packed(values, layout, shape, params), np.uint32)
        assert not (wide & 0xFFFF).any(), "a bf16 weight is not bf16"
        return (wide >> 16).astype(np.uint16).tobytes()
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
    assert manifest["format"] == "r1c-artifact" and manifest["format_version"] == 5
    assert manifest["file_digest"] == {"algorithm": "xxh3-128-chunked",
                                       "chunk_bytes": CHUNK_BYTES}
    for name, entry in manifest["files"].items():
        data = open(os.path.join(art, name), "rb").read()
        assert len(data) == entry["bytes"], name
        assert digest(data) == entry["digest"], name
    for line in open(os.path.join(art, "program.txt")):
        if line.startswith("file "):
            _, name, size, hexdigest = line.split()
            assert manifest["files"][name] == {"bytes": int(size),
                                               "digest": hexdigest}, name
    weights = open(os.path.join(art, manifest["weights"]["file"]), "rb").read()
    align = manifest["weights"]["alignment"]
    stacks = {}
    for line in open(os.path.join(art, "model.mlir")):
        if "r1.weight_decl" in line and "stack = [" in line:
            decl = line.split("@")[1].split()[0]
            stack = line.split("stack = [")[1].split("]")[0]
            stacks[decl] = [s.strip().strip('"') for s in stack.split(",")]
    cfg = json.load(open(os.path.join(ckpt, "config.json")))
    tensors = read_checkpoint(ckpt)
    end = 0
    for t in manifest["weights"]["tensors"]:
        assert t["offset"] % align == 0, t["name"]
        assert t["offset"] >= end, t["name"]
        end = t["offset"] + t["bytes"]
        parts = stacks.get(t["name"], [t["name"]])
        shape = list(tensors[parts[0]][1].shape)
        if t["name"] in stacks:
            shape = [len(parts)] + shape
        quantized = parts[0] + "_scale_inv" in tensors
        # bf16 only for a bf16 checkpoint's linears, not FP8-scaled ones.
        assert t["dtype"] == "f32" or (
            t["dtype"] == "bf16" and t["layout"] == "panels16" and not quantized
            and tensors[parts[0]][0] == "BF16"), t["name"]
        layouts, params, block = expected_entry(t["name"], shape, cfg, quantized)
        if t["layout"] == "panels16":
            params = None
        assert t["shape"] == shape, f"{t['name']}: shape {t['shape']}, checkpoint {shape}"
        assert t["layout"] in layouts, f"{t['name']}: layout {t['layout']}, want {layouts}"
        assert t.get("params") == params, f"{t['name']}: params {t.get('params')}"
        assert t.get("block") == block, f"{t['name']}: block {t.get('block')}"
        # Each part in f32, FP8 parts times their block scales.
        values = np.concatenate([
            (dequantize_fp8(tensors[p][1], tensors[p + "_scale_inv"][1], block)
             if quantized else tensors[p][1].astype(np.float32)).reshape(-1)
            for p in parts])
        if "column_scale" in t:
            # An RMSNorm gain folded into the columns: the norm r1c fused
            # into this linear must be the one its layer applies first.
            gain = tensors[t["column_scale"]][1].astype(np.float32)
            assert t["column_scale"].endswith("layernorm.weight") or \
                t["column_scale"].endswith("norm.weight"), t["column_scale"]
            values = (values.reshape(-1, shape[-1]) * gain).reshape(-1)
        expected = packed(values, t["layout"], t["shape"], t.get("params"), t["dtype"])
        got = weights[t["offset"]:t["offset"] + t["bytes"]]
        assert got == expected, f"{t['name']}: bytes differ"
    assert len(weights) % align == 0
    print(f"ok: {len(manifest['weights']['tensors'])} tensors")


if __name__ == "__main__":
    main()
