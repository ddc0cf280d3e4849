"""Compares the artifacts of dtype.test: weight storage and logits."""
import json
import os
import sys

import numpy as np

work = sys.argv[1]


def tensors(name):
    with open(os.path.join(work, name + ".r1", "manifest.json")) as f:
        return {t["name"]: t for t in json.load(f)["weights"]["tensors"]}


def logits(name):
    return np.load(os.path.join(work, name + ".npy"))


for name, base, want in (("f32-as-bf16", "f32", "bf16"),
                         ("bf16-as-f32", "bf16", "f32")):
    got, ref = tensors(name), tensors(base)
    linears = [t for t in got if got[t]["layout"] == "panels16"]
    # Every linear in the wanted type at its bytes per value; every other
    # tensor both hold as in the base artifact. (Only a bf16 artifact holds
    # the RMSNorm gains: an f32 one folds them into the linears.)
    scale = {"bf16": 0.5, "f32": 2.0}[want]
    stored = all(got[t]["dtype"] == want and
                 got[t]["bytes"] == ref[t]["bytes"] * scale for t in linears)
    others = all(got[t]["bytes"] == ref[t]["bytes"] and got[t]["dtype"] == "f32"
                 for t in got if t not in linears and t in ref)
    print(f"{name}: {len(linears)} linears stored {want} "
          f"{'at their size' if stored else 'WRONGLY'}, the other tensors "
          f"{'as' if others else 'NOT as'} in {base}.r1")
    a, b = logits(name), logits(base)
    rel = float(np.abs(a - b).max() / np.ptp(b))
    if want == "bf16":
        # bf16 keeps 8 bits of mantissa: a few parts in a thousand, not zero.
        ok = 0 < rel < 0.05
        print(f"{name}: logits {'differ' if ok else 'WRONG'} from {base}.r1's, "
              f"by at most {rel:.4f} of their range")
    else:
        print(f"{name}: logits " + ("equal" if rel < 1e-5 else f"DIFFER ({rel})")
              + f" {base}.r1's up to f32 rounding")
