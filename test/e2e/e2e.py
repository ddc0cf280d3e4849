#!/usr/bin/env python3
"""End-to-end check: compile a tiny checkpoint with r1c, run it with r1-run,
and compare with the PyTorch reference (test/reference/r1_reference.py).

    e2e.py FAMILY|CHECKPOINT_DIR WORKDIR [--bin DIR] [--dtype bf16] [--fp8]
           [--prompt N] [-n N] [--features LIST] [--r1c-flag FLAG]...

Checks that program.txt prints back byte for byte through the runtime's
schema (r1rt-reprint-program), then, printing one "ok:" line each:
  * logits at every position (prompt, then each generated token) within
    1e-4 of the reference logits' range (f32 compute on both sides);
  * the greedy tokens over -n decode steps are identical, also when the
    prefill computes only the last position's logits;
  * prefill-then-decode equals one long prefill of the same tokens.
Exits non-zero with the worst position on a mismatch.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MKCKPT = os.path.join(ROOT, "test", "fixtures", "make_checkpoint.py")
REFERENCE = os.path.join(ROOT, "test", "reference", "r1_reference.py")

TOLERANCE = 1e-4  # of the reference logits' range


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result.stdout


def compare(name, got, want, tolerance):
    if got.shape != want.shape:
        sys.exit(f"FAILED {name}: shape {got.shape}, reference {want.shape}")
    span = float(want.max() - want.min())
    err = np.abs(got - want).max(axis=1)
    worst = int(err.argmax())
    rel = float(err[worst]) / span
    if not rel <= tolerance:
        sys.exit(f"FAILED {name}: position {worst} differs by {err[worst]:.3g} "
                 f"({rel:.3g} of the range {span:.3g}, allowed {tolerance})")
    return rel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family")
    ap.add_argument("work")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--dtype", default="f32")
    ap.add_argument("--fp8", action="store_true")
    ap.add_argument("--prompt", type=int, default=12)
    ap.add_argument("-n", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--features", help="r1ext: the extensions to keep")
    ap.add_argument("--calls", type=int, default=1,
                    help="generate this many times in one session/model and "
                         "compare the last (the memory unit carries over)")
    ap.add_argument("--classify", action="store_true",
                    help="compare the classification head's label logits instead")
    ap.add_argument("--r1c-flag", action="append", default=[])
    args = ap.parse_args()

    os.makedirs(args.work, exist_ok=True)
    ckpt = os.path.join(args.work, "ckpt")
    art = os.path.join(args.work, "model.r1")
    if os.path.isdir(args.family):
        ckpt = args.family  # an existing checkpoint folder
    else:
        flags = ["--dtype", args.dtype] + (["--fp8"] if args.fp8 else [])
        if args.features:
            flags += ["--features", args.features]
        run([sys.executable, MKCKPT, args.family, ckpt, "--seed", str(args.seed)] + flags)
    run([os.path.join(args.bin, "r1c"), ckpt, "-o", art, "-q"] + args.r1c_flag)
    # program.txt is the runtime schema's text (runtime/Program.h): parsed
    # and printed again, it is the same bytes.
    program = os.path.join(art, "program.txt")
    reprinted = run([os.path.join(args.bin, "r1rt-reprint-program"), program])
    if reprinted != open(program).read():
        sys.exit(f"FAILED: {program} is not what printProgram writes for it")

    import json
    config = json.load(open(os.path.join(ckpt, "config.json")))
    vocab = config["vocab_size"]
    rng = np.random.default_rng(args.seed)
    prompt = [int(t) for t in rng.integers(0, vocab, args.prompt)]
    ids = ",".join(map(str, prompt))
    # Encoder inputs of the r1 extension, given to both sides.
    inputs, arrays = [], {}
    encoders = (config.get("r1") or {}).get("encoders") or {}
    if "image" in encoders:
        e = encoders["image"]
        arrays["image"] = rng.standard_normal(
            (e["channels"], e["image_size"], e["image_size"])).astype(np.float32)
    if "audio" in encoders:
        e = encoders["audio"]
        arrays["audio"] = rng.standard_normal(e["frame_length"] + 5 * e["hop_length"] + 3
                                              ).astype(np.float32)
    for name, a in arrays.items():
        path = os.path.join(args.work, name + ".npy")
        np.save(path, a)
        inputs += ["--" + name, path]

    ours = os.path.join(args.work, "ours.npy")
    if args.classify:
        def labels(text):
            line = next(l for l in text.splitlines() if l.startswith("label_logits:"))
            return np.array([float(v) for v in line.split(":")[1].replace(" ", "").split(",")])
        got = labels(run([os.path.join(args.bin, "r1-run"), art, "--tokens", ids, "--classify"]
                         + inputs))
        want = labels(run([sys.executable, REFERENCE, ckpt, "--tokens", ids, "--classify"]
                          + inputs))
        err = compare("classify", got[None], want[None], TOLERANCE)
        if got.argmax() != want.argmax():
            sys.exit(f"FAILED classify: label {got.argmax()}, reference {want.argmax()}")
        print(f"ok: {len(got)} label logits within {err:.2g}, label {int(got.argmax())}")
        return

    calls = ["--calls", str(args.calls)]
    generated = run([os.path.join(args.bin, "r1-run"), art, "--tokens", ids,
                     "-n", str(args.n), "--dump-logits", ours] + calls + inputs).split()
    ref = os.path.join(args.work, "ref.npy")
    if args.calls == 1:
        out = run([sys.executable, REFERENCE, ckpt, "--tokens", ids, "-n", str(args.n),
                   "--dump-logits", ref] + inputs)
        ref_generated = out.split("generated:")[1].split()[0].split(",")
    else:
        sys.path.insert(0, os.path.dirname(REFERENCE))
        import torch
        from r1_reference import load
        model = load(ckpt, torch.float32)
        for _ in range(args.calls):
            out_ids, logits = model.generate(prompt, args.n, arrays.get("image"),
                                             arrays.get("audio"), return_logits=True)
        np.save(ref, logits.numpy().astype(np.float32))
        ref_generated = [str(t) for t in out_ids]

    got, want = np.load(ours), np.load(ref)
    rel = compare("logits", got, want, TOLERANCE)
    print(f"ok: logits at {len(got)} positions within {rel:.2g} of the range")
    if generated != ref_generated:
        first = next(i for i, (a, b) in enumerate(zip(generated, ref_generated)) if a != b)
        sys.exit(f"FAILED greedy tokens: step {first}: {generated[first]} vs "
                 f"reference {ref_generated[first]}")
    print(f"ok: {len(generated)} greedy tokens match")
    if args.calls > 1:
        # Later checks would feed the memory unit other rows than the
        # reference's calls (without a dump the last token is not fed).
        return
    # Without a dump r1-run computes only the last position's logits.
    last_only = run([os.path.join(args.bin, "r1-run"), art, "--tokens", ids,
                     "-n", str(args.n)] + inputs).split()
    if last_only != generated:
        sys.exit(f"FAILED last-position prefill: {last_only} vs {generated}")

    # The same tokens as one prefill: every position's logits must agree
    # with prefill-then-decode.
    if "lsh" in (config.get("r1") or {}).get("attention", []):
        # An LSH row depends on the whole sequence's buckets: by definition a
        # row comes from a forward over the sequence ending at it.
        print("ok: LSH layers: prefill and decode rows follow the reference's"
              " definition, not one long prefill")
        return
    whole = os.path.join(args.work, "whole.npy")
    run([os.path.join(args.bin, "r1-run"), art, "--tokens",
         ",".join([ids] + generated[:-1]), "-n", "1", "--dump-logits", whole] + inputs)
    rel = compare("prefill vs decode", np.load(whole)[:-1], got[:-1], TOLERANCE)
    print(f"ok: one prefill equals prefill+decode within {rel:.2g}")


if __name__ == "__main__":
    main()
