"""Checks r1-bench's outputs in bench.test: the markdown table's shape, the
CSV and JSON rows (one per artifact x thread count x test, every field, the
statistics of the samples) and the --roofline bounds, re-derived here from
the manifests' weight tables."""
import csv
import json
import math
import os
import sys

work = sys.argv[1]
ARTIFACTS = [os.path.join(work, "a.r1"), os.path.join(work, "b.r1")]
THREADS = [1, 2]
TESTS = ["pp8", "pp32", "tg4"]
REPS = 2
FIELDS = ["artifact", "target", "size_bytes", "params", "threads", "test",
          "n_prompt", "n_gen", "repetitions", "ts_mean", "ts_stddev"]
ROOF = ["bound_by", "fma_gflops", "bandwidth_gbps", "flops_per_token",
        "bytes_per_token", "bound_ts", "bound_pct"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def expect(cond, message):
    if not cond:
        fail(message)


def positive(x, what):
    expect(isinstance(x, (int, float)) and not isinstance(x, bool)
           and math.isfinite(x) and x > 0, f"{what} is {x!r}, not a positive number")


def check_row(r, artifact, threads, test):
    expect(r["artifact"] == artifact and r["threads"] == threads and r["test"] == test,
           f"row {r['artifact']} {r['threads']} {r['test']}, expected {artifact} {threads} {test}")
    manifest = json.load(open(os.path.join(artifact, "manifest.json")))
    tensors = manifest["weights"]["tensors"]
    expect(r["target"] == manifest["target"]["name"], "target is not the manifest's")
    expect(r["size_bytes"] == os.path.getsize(os.path.join(artifact, "weights.bin")),
           "size_bytes is not weights.bin's size")
    expect(r["params"] == sum(math.prod(t["shape"]) for t in tensors),
           "params is not the weight table's element count")
    n = int(test[2:])
    expect((r["n_prompt"], r["n_gen"]) == ((n, 0) if test.startswith("pp") else (16, n)),
           f"{test}: n_prompt {r['n_prompt']}, n_gen {r['n_gen']}")
    expect(r["repetitions"] == REPS, "repetitions")
    positive(r["ts_mean"], "ts_mean")
    expect(math.isfinite(r["ts_stddev"]) and r["ts_stddev"] >= 0, "ts_stddev")


rows = {}
# CSV: a header, then a row per artifact x threads x test, in that order.
with open(os.path.join(work, "out.csv"), newline="") as f:
    table = list(csv.DictReader(f))
expect(list(table[0].keys()) == FIELDS, f"csv header {list(table[0].keys())}")
order = [(a, t, test) for a in ARTIFACTS for t in THREADS for test in TESTS]
expect(len(table) == len(order), f"csv has {len(table)} rows, expected {len(order)}")
for r, want in zip(table, order):
    for k in FIELDS[2:]:
        if k != "test":
            r[k] = float(r[k]) if k.startswith("ts_") else int(r[k])
    check_row(r, *want)
print(f"csv: {len(table)} rows, {len(FIELDS)} fields")

# JSON: the same rows with numbers as numbers, and each run's t/s, whose
# mean and sample standard deviation the row reports.
data = json.load(open(os.path.join(work, "out.json")))
expect(len(data) == len(order), f"json has {len(data)} rows")
for r, want in zip(data, order):
    expect(list(r.keys()) == FIELDS + ["samples_ts"], f"json keys {list(r.keys())}")
    check_row(r, *want)
    s = r["samples_ts"]
    expect(len(s) == REPS, "samples_ts length")
    for x in s:
        positive(x, "a sample")
    mean = sum(s) / len(s)
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / (len(s) - 1))
    expect(math.isclose(r["ts_mean"], mean, rel_tol=1e-12), "ts_mean is not the samples' mean")
    expect(math.isclose(r["ts_stddev"], sd, rel_tol=1e-9, abs_tol=1e-9),
           "ts_stddev is not the samples' sample standard deviation")
print(f"json: {len(data)} rows, mean and sample sd of their samples")

# --roofline (one thread, a.r1): FLOPs per prefill token from the table
# (2 per weight but the gathered embedding and the head, the head once per
# prompt), bytes per decode step (all but the embedding's, plus the cache).
data = json.load(open(os.path.join(work, "roof.json")))
expect(len(data) == len(TESTS), f"roofline json has {len(data)} rows")
artifact = ARTIFACTS[0]
manifest = json.load(open(os.path.join(artifact, "manifest.json")))
tensors = manifest["weights"]["tensors"]
params = sum(math.prod(t["shape"]) for t in tensors)
embed = [t for t in tensors if t["name"] == "model.embed_tokens.weight" and t["layout"] == "plain"]
head = [t for t in tensors if t["name"] == "lm_head.weight"]
expect(len(embed) == 1 and len(head) == 1, "the fixture has an untied head")
embed_n, head_n = math.prod(embed[0]["shape"]), math.prod(head[0]["shape"])
kv = manifest["kv_cache"]["bytes_per_token"]
for r, test in zip(data, TESTS):
    expect(list(r.keys()) == FIELDS + ROOF + ["samples_ts"], f"roofline keys {list(r.keys())}")
    check_row(r, artifact, 1, test)
    positive(r["fma_gflops"], "fma_gflops")
    positive(r["bandwidth_gbps"], "bandwidth_gbps")
    n = int(test[2:])
    if test.startswith("pp"):
        flops = 2 * (params - embed_n - head_n) + 2 * head_n / n
        expect(r["bound_by"] == "fma" and r["bytes_per_token"] is None, test)
        expect(math.isclose(r["flops_per_token"], flops, rel_tol=1e-12), f"{test}: flops_per_token")
        bound = r["fma_gflops"] * 1e9 / flops
    else:
        read = sum(t["bytes"] for t in tensors) - embed[0]["bytes"] + kv * (16 + (n + 1) / 2)
        expect(r["bound_by"] == "bandwidth" and r["flops_per_token"] is None, test)
        expect(math.isclose(r["bytes_per_token"], read, rel_tol=1e-12), f"{test}: bytes_per_token")
        bound = r["bandwidth_gbps"] * 1e9 / read
    expect(math.isclose(r["bound_ts"], bound, rel_tol=1e-9), f"{test}: bound_ts")
    expect(math.isclose(r["bound_pct"], 100 * r["ts_mean"] / bound, rel_tol=1e-9), f"{test}: bound_pct")
print(f"roofline: {len(data)} rows, bounds from the weight table")

# Markdown: a header, a rule, a row per artifact x threads x test; every
# line the same width (the columns padded), then a note.
lines = open(os.path.join(work, "out.md"), encoding="utf-8").read().split("\n")
body = lines[2:2 + len(order)]
expect(all(len(l) == len(lines[0]) for l in lines[:2 + len(order)]), "table lines differ in width")
expect(all(l.count("|") == 8 for l in lines[:2 + len(order)]), "a line without 7 columns")
for line, (a, t, test) in zip(body, order):
    cells = [c.strip() for c in line.strip("|").split("|")]
    expect(cells[0] == a and cells[4] == str(t) and cells[5] == test, f"markdown row {line}")
expect(lines[2 + len(order)] == "", "no blank line after the table")
print(f"markdown: {len(body)} rows")
