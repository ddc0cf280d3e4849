"""The reference side of perplexity.test and perplexity-fortune-v3.test.

    perplexity.test.py ppl CKPT IDS OUTPUT --ctx N [--stride S] [--chunks K]
                       [--bos ID] [--logits FILE]
    perplexity.test.py kl BASE_LOGITS LOGITS OUTPUT [--quantized]

ppl recomputes r1-perplexity's figure from the definition in the README,
independently of it: the windows over the ids in IDS (--dump-tokens'
file), each window's logits from test/reference/r1_reference.py, NLL in
float64, perplexity exp(mean NLL) and its ± ppl × the standard error of
the mean; OUTPUT's "perplexity:" line must agree within 1e-4 relative and
its counts exactly. With --logits it also reads the saved logits file by
its documented format and checks its header, tokens and logits.

kl recomputes the KL divergence statistics from two saved logits files and
checks OUTPUT's "kl-divergence:" and "top-1 agreement:" lines against
them; --quantized also requires the divergence of an artifact from its f32
base to be small and positive.
"""
import argparse
import math
import os
import re
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reference"))

RELATIVE = 1e-4     # perplexity and its ± against the reference (f32 gives ~1e-7;
                    # 1e-4 still tells n - 1 from n in the standard error)
LOGITS = 1e-4       # saved logits against the reference, of their range


def fail(message):
    sys.exit("FAILED: " + message)


def windows(ids, ctx, stride, chunks, bos):
    """The README's windows: [k*stride, k*stride + ctx), BOS first when the
    sequence starts with it; each scores rows ctx//2 .. ctx-2 against the
    next token."""
    count = (len(ids) - ctx) // stride + 1
    if chunks:
        count = min(count, chunks)
    for k in range(count):
        w = list(ids[k * stride:k * stride + ctx])
        if bos is not None and ids[0] == bos:
            w[0] = bos
        yield w


def read_logits(path):
    """The saved logits file, read by its documented layout."""
    with open(path, "rb") as f:
        data = f.read()
    magic, version, reserved, vocab, count, ctx, stride = struct.unpack_from(
        "<8sIIQQQQ", data)
    if magic != b"R1LOGITS" or version != 1 or reserved != 0:
        fail(f"{path}: header {magic!r} version {version} reserved {reserved}")
    if len(data) != 48 + count * 4 * (1 + vocab):
        fail(f"{path}: {len(data)} bytes for {count} records of {vocab}")
    rec = np.frombuffer(data, dtype=np.dtype([("token", "<i4"), ("logits", "<f4", vocab)]),
                        offset=48)
    return {"vocab": vocab, "ctx": ctx, "stride": stride,
            "tokens": rec["token"].astype(np.int64), "logits": rec["logits"].astype(np.float64)}


def log_softmax(x):
    top = x.max(axis=1, keepdims=True)
    return x - top - np.log(np.exp(x - top).sum(axis=1, keepdims=True))


def mean_and_stderr(values):
    values = np.asarray(values, dtype=np.float64)
    return values.mean(), values.std(ddof=1) / math.sqrt(len(values))


def parse(output, pattern, what):
    with open(output) as f:
        text = f.read()
    match = re.search(pattern, text, re.M)
    if not match:
        fail(f"no {what} line in {output}:\n{text}")
    return match.groups()


def close(got, want, rel, absolute=0.0):
    return abs(got - want) <= rel * abs(want) + absolute


def perplexity(args):
    import torch
    from r1_reference import load

    with open(args.ids) as f:
        ids = [int(t) for t in f.read().replace(",", " ").split()]
    stride = args.stride or args.ctx
    model = load(args.ckpt, torch.float32)
    nlls, targets, rows = [], [], []
    first = args.ctx // 2
    count = 0
    for w in windows(ids, args.ctx, stride, args.chunks, args.bos):
        model.reset()
        logits = model.forward(w).double()
        logp = torch.log_softmax(logits, dim=-1)
        for r in range(first, args.ctx - 1):
            nlls.append(-float(logp[r, w[r + 1]]))
            targets.append(w[r + 1])
        if args.logits:
            rows.append(logits[first:args.ctx - 1].numpy())
        count += 1
    mean, se = mean_and_stderr(nlls)
    want, want_pm = math.exp(mean), math.exp(mean) * se
    got, got_pm, scored, windows_run = parse(
        args.output, r"^perplexity: ([0-9.]+) ± ([0-9.]+) \((\d+) tokens scored, (\d+) windows\)$",
        "perplexity")
    got, got_pm = float(got), float(got_pm)
    if int(scored) != len(nlls) or int(windows_run) != count:
        fail(f"{scored} tokens in {windows_run} windows, the reference scores "
             f"{len(nlls)} in {count}")
    if not close(got, want, RELATIVE) or not close(got_pm, want_pm, RELATIVE, 1e-4):
        fail(f"perplexity {got} ± {got_pm}, the reference's {want:.6f} ± {want_pm:.6f}")
    print(f"ok: perplexity {got} ± {got_pm} is the reference's {want:.4f} ± {want_pm:.4f} "
          f"within {abs(got - want) / want:.1g} ({len(nlls)} tokens, {count} windows)")

    if args.logits:
        saved = read_logits(args.logits)
        ref = np.concatenate(rows)
        if saved["ctx"] != args.ctx or saved["stride"] != stride or \
                saved["vocab"] != ref.shape[1]:
            fail(f"{args.logits}: ctx {saved['ctx']} stride {saved['stride']} vocab "
                 f"{saved['vocab']}, the run's {args.ctx} {stride} {ref.shape[1]}")
        if saved["tokens"].tolist() != targets:
            fail(f"{args.logits}: its tokens are not the reference's scored tokens")
        span = ref.max() - ref.min()
        err = float(np.abs(saved["logits"] - ref).max() / span)
        if not err <= LOGITS:
            fail(f"{args.logits}: logits differ from the reference's by {err:.3g} of the range")
        print(f"ok: {os.path.basename(args.logits)} holds the {len(targets)} scored tokens "
              f"and their logits, within {err:.1g} of the reference's range")


def divergence(args):
    base, ours = read_logits(args.base), read_logits(args.logits)
    if base["tokens"].tolist() != ours["tokens"].tolist():
        fail("the two files score different tokens")
    lb, lo = log_softmax(base["logits"]), log_softmax(ours["logits"])
    kl = (np.exp(lb) * (lb - lo)).sum(axis=1)
    mean, se = mean_and_stderr(kl)
    want = [mean, se, kl.max(), np.percentile(kl, 99), np.percentile(kl, 90)]
    got = [float(v) for v in parse(
        args.output, r"^kl-divergence: mean (\S+) ± (\S+), max (\S+), p99 (\S+), p90 (\S+)$",
        "kl-divergence")]
    # Printed with 6 significant digits; an absolute slack for values near 0.
    for name, g, w in zip(["mean", "±", "max", "p99", "p90"], got, want):
        if not close(g, w, 1e-5, 1e-12):
            fail(f"KL {name} {g}, recomputed from the files {w:.6g}")
    same = int((base["logits"].argmax(axis=1) == ours["logits"].argmax(axis=1)).sum())
    agree, of = (int(v) for v in parse(
        args.output, r"^top-1 agreement: [0-9.]+% \((\d+) of (\d+) tokens\)$", "agreement"))
    if (agree, of) != (same, len(kl)):
        fail(f"top-1 agreement {agree} of {of}, recomputed {same} of {len(kl)}")
    print(f"ok: KL divergence and top-1 agreement recomputed from the files "
          f"({len(kl)} tokens)")
    if args.quantized:
        # bf16 weights keep 8 bits of mantissa: the softmaxes move a little.
        if not (0 < mean < 1e-3 and same >= 0.9 * len(kl)):
            fail(f"mean KL {mean:.3g}, top-1 agreement {same} of {len(kl)}: not a small "
                 f"positive divergence")
        print("ok: a small positive divergence from the f32 base")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("ppl")
    p.add_argument("ckpt")
    p.add_argument("ids")
    p.add_argument("output")
    p.add_argument("--ctx", type=int, required=True)
    p.add_argument("--stride", type=int)
    p.add_argument("--chunks", type=int)
    p.add_argument("--bos", type=int)
    p.add_argument("--logits")
    k = sub.add_parser("kl")
    k.add_argument("base")
    k.add_argument("logits")
    k.add_argument("output")
    k.add_argument("--quantized", action="store_true")
    args = ap.parse_args()
    perplexity(args) if args.mode == "ppl" else divergence(args)


if __name__ == "__main__":
    main()
