"""Compares the artifacts of dtype.test: weight storage and logits."""
import json
import os
import sys

import numpy as np

work = sys.argv[1]


def linears(name):
    with open(os.path.join(work, name + ".r1", "manifest.json")) as f:
        tensors = json.load(f)["weights"]["tensors"]
    panels = [t for t in tensors if t["layout"] == "panels16"]
    return (sum(t["dtype"] == "bf16" for t in panels),
            sum(t["dtype"] == "f32" for t in panels))


def size(name):
    return os.path.getsize(os.path.join(work, name + ".r1", "weights.bin"))


def logits(name):
    return np.load(os.path.join(work, name + ".npy"))


for name, base in (("f32-as-bf16", "f32"), ("bf16-as-f32", "bf16")):
    bf16, f32 = linears(name)
    print(f"{name}: {bf16} bf16 linears, {f32} f32 linears, weights.bin "
          f"{size(name) / size(base):.2f} of {base}.r1's")
    got, want = logits(name), logits(base)
    rel = float(np.abs(got - want).max() / np.ptp(want))
    if name == "f32-as-bf16":
        # bf16 keeps 8 bits of mantissa: a few parts in a thousand, not zero.
        ok = 0 < rel < 0.05
        print(f"{name}: logits {'differ' if ok else 'WRONG'} from {base}.r1's, "
              f"by at most {rel:.4f} of their range")
    else:
        print(f"{name}: logits " + ("equal" if rel < 1e-5 else f"DIFFER ({rel})")
              + f" {base}.r1's up to f32 rounding")
