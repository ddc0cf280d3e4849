#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora, dictionaries and fixtures.

    make_seeds.py --source SRC --tools BIN --out DATA

Everything comes from the test fixtures and the sources, nothing is
committed: checkpoints from test/fixtures/make_checkpoint.py, the bundled
tokenizer and held-out text, program.txt of fixtures compiled with BIN/r1c,
the .mlir files under test/. Writes DATA/seeds/NAME/ (one folder per fuzz
target), DATA/dicts/NAME.dict (keywords taken from the readers' sources),
DATA/checkpoint-index.shards/ (the shards the index fuzzer's index names)
and DATA/program.artifacts/ (the artifacts the program fuzzer loads).
Seeds are small: what a reader checks is the header and structure, and
libFuzzer mutates small inputs faster.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fixtures"))
import make_checkpoint  # noqa: E402


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy(src, dst)


def read_safetensors(path):
    """(header dict, data bytes) of a .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def safetensors(entries, metadata=None):
    """A file of (name, dtype, shape, bytes) entries, in that order."""
    return make_checkpoint.safetensors_bytes(entries, metadata)


def small_entries(path, limit):
    """The fixture file's tensors of at most `limit` bytes, as entries."""
    header, data = read_safetensors(path)
    out = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        if end - begin <= limit:
            out.append((name, info["dtype"], info["shape"], data[begin:end]))
    return out


def dictionary(path, words):
    """A libFuzzer dictionary: one quoted token a line."""
    lines = []
    for w in sorted(set(words)):
        b = w.encode() if isinstance(w, str) else w
        if not b or len(b) > 64:
            continue
        esc = "".join(chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c)
                      else "\\x%02x" % c for c in b)
        lines.append('"%s"' % esc)
    write(path, "\n".join(lines) + "\n")


def literals(*paths):
    """The short string literals of source files (keys, keywords)."""
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out += re.findall(r'"([A-Za-z0-9_.:\-]{1,40})"', f.read())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True, help="the r1c source folder")
    ap.add_argument("--tools", required=True, help="bin/ of a regular build")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    src, out = args.source, args.out
    mkckpt = [sys.executable, os.path.join(src, "test/fixtures/make_checkpoint.py")]
    r1c = os.path.join(args.tools, "r1c")
    if not os.access(r1c, os.X_OK):
        sys.exit(f"make_seeds.py: no r1c in {args.tools} (build r1c first)")
    # What this script writes; corpus/ and crashes/ (run.sh's) are kept.
    for made in ("seeds", "dicts", "checkpoint-index.shards", "program.artifacts"):
        shutil.rmtree(os.path.join(out, made), ignore_errors=True)
    seeds = lambda name, file: os.path.join(out, "seeds", name, file)
    tmp = tempfile.mkdtemp(prefix="r1-fuzz-seeds-")
    try:
        families = [("llama", []), ("llama3", []), ("qwen2", []),
                    ("deepseek_v3", []), ("deepseek_v3_noqlora", []),
                    ("deepseek_v3", ["--fp8"]), ("r1ext", []),
                    ("llama", ["--dtype", "bf16"])]
        ckpts = []
        for i, (family, flags) in enumerate(families):
            d = os.path.join(tmp, f"ckpt{i}")
            subprocess.run(mkckpt + [family, d, "--tokenizer"] + flags, check=True)
            ckpts.append((f"{family}{''.join(flags)}", d))

        # safetensors: each family's small tensors as a valid file, and its
        # full header over no data (refused, but every field is there).
        for name, d in ckpts:
            st = os.path.join(d, "model.safetensors")
            write(seeds("safetensors", f"{name}.safetensors"),
                  safetensors(small_entries(st, 1024), {"format": "pt"}))
            with open(st, "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                f.seek(0)
                write(seeds("safetensors", f"{name}-header-only.safetensors"),
                      f.read(8 + n))
        write(seeds("safetensors", "empty-header.safetensors"),
              safetensors([]))

        # checkpoint-index: two small shards and indexes naming them.
        shards = os.path.join(out, "checkpoint-index.shards")
        entries = small_entries(os.path.join(ckpts[0][1], "model.safetensors"), 1024)
        half = len(entries) // 2
        names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        weight_map = {}
        for shard, chunk in zip(names, (entries[:half], entries[half:])):
            write(os.path.join(shards, shard), safetensors(chunk, {"format": "pt"}))
            for e in chunk:
                weight_map[e[0]] = shard
        total = sum(len(e[3]) for e in entries)
        index = {"metadata": {"total_size": total}, "weight_map": weight_map}
        write(seeds("checkpoint-index", "valid.json"), json.dumps(index, indent=2))
        spelled = {k: ("./" + v if i % 2 else v) for i, (k, v) in enumerate(weight_map.items())}
        write(seeds("checkpoint-index", "dot-slash.json"),
              json.dumps({"weight_map": spelled}))
        sub = {k: ("sub/" + v if v == names[0] else v) for k, v in weight_map.items()}
        write(seeds("checkpoint-index", "subfolder.json"), json.dumps({"weight_map": sub}))
        out_of = {k: "outside/model/" + v for k, v in weight_map.items()}
        write(seeds("checkpoint-index", "outside.json"), json.dumps({"weight_map": out_of}))
        swapped = dict(weight_map)
        first = next(iter(swapped))
        swapped[first] = names[1] if swapped[first] == names[0] else names[0]
        write(seeds("checkpoint-index", "wrong-shard.json"), json.dumps({"weight_map": swapped}))
        sharded = os.path.join(tmp, "sharded")
        subprocess.run(mkckpt + ["deepseek_v3", sharded, "--shards", "3"], check=True)
        copy(os.path.join(sharded, "model.safetensors.index.json"),
                    seeds("checkpoint-index", "deepseek-v3-fixture.json"))

        # model-config: every family's config.json and the bundled model's.
        for name, d in ckpts:
            copy(os.path.join(d, "config.json"), seeds("model-config", f"{name}.json"))
        copy(os.path.join(src, "models/fortune-v3/config.json"),
                    seeds("model-config", "fortune-v3.json"))

        # tokenizer-json: the bundled tokenizer, a cut-down copy (fewer
        # merges, quicker to mutate) and the fixtures' byte tokenizer.
        fortune = os.path.join(src, "models/fortune-v3/tokenizer.json")
        copy(fortune, seeds("tokenizer-json", "fortune-v3.json"))
        with open(fortune, encoding="utf-8") as f:
            tok = json.load(f)
        vocab = tok["model"]["vocab"]
        keep = {t for t, i in vocab.items() if i < 300}
        merges = []
        for m in tok["model"]["merges"]:
            pair = m.split(" ") if isinstance(m, str) else m
            if pair[0] in keep and pair[1] in keep and "".join(pair) in keep:
                merges.append(m)
        tok["model"]["vocab"] = {t: i for t, i in vocab.items() if t in keep}
        tok["model"]["merges"] = merges
        tok["added_tokens"] = [dict(a, id=300 + k) for k, a in enumerate(tok["added_tokens"])]
        special = tok["post_processor"]["special_tokens"]
        for entry in special.values():
            entry["ids"] = [300]
        write(seeds("tokenizer-json", "fortune-v3-small.json"),
              json.dumps(tok, ensure_ascii=False))
        copy(os.path.join(ckpts[0][1], "tokenizer.json"),
                    seeds("tokenizer-json", "byte-level.json"))

        # tokenizer-encode: held-out text in paragraphs, and special tokens.
        with open(os.path.join(src, "models/fortune-v3/heldout.txt"), "rb") as f:
            text = f.read()
        for k, para in enumerate(text.split(b"\n%\n")[:40]):
            write(seeds("tokenizer-encode", f"heldout-{k:02d}.txt"), para[:512])
        write(seeds("tokenizer-encode", "special.txt"),
              "".join(a["content"] + " x " for a in tok["added_tokens"]))
        write(seeds("tokenizer-encode", "unicode.txt"),
              "Ünïcödé 你好 🙂 1234567 \u200b\r\n\t  ")

        # program: program.txt of compiled fixtures, whose model.so and
        # weights.bin the program fuzzer loads the programs with.
        artifacts = os.path.join(out, "program.artifacts")
        for name, d in ckpts:
            if name not in ("llama", "deepseek_v3", "r1ext"):
                continue
            art = os.path.join(tmp, f"{name}.r1")
            subprocess.run([r1c, d, "-q", "-o", art], check=True)
            copy(os.path.join(art, "program.txt"), seeds("program", f"{name}.txt"))
            copy(os.path.join(art, "model.mlir"), seeds("r1-parser", f"{name}-model.mlir"))
            for f in ("model.so", "weights.bin", "program.txt"):
                copy(os.path.join(art, f), os.path.join(artifacts, name, f))
            # session-state: a state after a prefill and two decode steps
            # (r1ext with its image and audio inputs).
            inputs = []
            if name == "r1ext":
                import numpy as np
                for kind, shape in (("image", (3, 16, 16)), ("audio", (100,))):
                    path = os.path.join(tmp, kind + ".npy")
                    np.save(path, np.linspace(-1, 1, int(np.prod(shape)),
                                              dtype=np.float32).reshape(shape))
                    inputs += ["--" + kind, path]
            state = seeds("session-state", f"{name}.state")
            os.makedirs(os.path.dirname(state), exist_ok=True)
            subprocess.run([os.path.join(args.tools, "r1-run"), art, "--tokens",
                            "1,2,3", "-n", "3", "--save-state", state] + inputs,
                           check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        with open(seeds("program", "llama.txt"), "rb") as f:
            program = f.read()

        # embedded-files: the fuzzer's image format (EmbeddedFilesFuzzer.cpp):
        # a table of offsets, then names, then the files.
        def image(files):
            table = 24 * (len(files) + 1)
            names = b"".join(n + b"\0" for n, _ in files)
            blob, rows, at_name = bytearray(), [], table
            at_data = table + len(names) + (-(table + len(names)) % 8)
            for n, data in files:
                rows.append(struct.pack("<QQQ", at_name, at_data + len(blob), len(data)))
                at_name += len(n) + 1
                blob += data
            pad = b"\0" * (at_data - table - len(names))
            return b"".join(rows) + bytes(24) + names + pad + bytes(blob)
        files = [(b"program.txt", program[:300]), (b"weights.bin", bytes(range(64))),
                 (b"tokenizer.json", b'{"model":{}}')]
        write(seeds("embedded-files", "three.bin"), image(files))
        write(seeds("embedded-files", "one.bin"), image(files[:1]))
        write(seeds("embedded-files", "empty.bin"), image([]))

        # r1-parser: the test suite's .mlir files, split where
        # -split-input-file splits them, without comment lines.
        for root, _, fnames in os.walk(os.path.join(src, "test")):
            for fname in sorted(fnames):
                if not fname.endswith(".mlir"):
                    continue
                with open(os.path.join(root, fname), encoding="utf-8") as f:
                    chunks = f.read().split("// -----")
                for k, chunk in enumerate(chunks):
                    body = "\n".join(l for l in chunk.splitlines()
                                     if not l.lstrip().startswith("//")).strip()
                    if body:
                        write(seeds("r1-parser", f"{fname[:-5]}-{k:02d}.mlir"), body + "\n")

        # Dictionaries: the keywords each reader looks for, from its sources.
        dicts = os.path.join(out, "dicts")
        dtypes = ["F32", "BF16", "F16", "F8_E4M3", "I8", "U8", "I32", "I64", "F64", "BOOL"]
        json_tokens = ["{", "}", "[", "]", ":", ",", "null", "true", "false", "-1",
                       "1e308", "18446744073709551616", "9223372036854775807", "\\u0000"]
        dictionary(os.path.join(dicts, "safetensors.dict"),
                   dtypes + json_tokens + ["dtype", "shape", "data_offsets", "__metadata__"])
        dictionary(os.path.join(dicts, "checkpoint-index.dict"),
                   json_tokens + names + list(weight_map) +
                   ["weight_map", "metadata", "total_size", "./", "../", "sub/",
                    "outside/", "/", "model.safetensors", "model.safetensors.index.json"])
        dictionary(os.path.join(dicts, "model-config.dict"),
                   json_tokens + literals(os.path.join(src, "frontend/ModelConfig.cpp")))
        tokdir = os.path.join(src, "runtime/tokenizer")
        dictionary(os.path.join(dicts, "tokenizer-json.dict"),
                   json_tokens + literals(*(os.path.join(tokdir, f) for f in
                                            ("Tokenizer.cpp", "PreTokenizer.cpp"))) +
                   ["\\p{L}", "\\p{N}", "(?!\\S)", "\\s+", "[^", "]+", "{1,3}"])
        dictionary(os.path.join(dicts, "tokenizer-encode.dict"),
                   [a["content"] for a in tok["added_tokens"]] +
                   ["\r\n", "  ", "\xa0", "\u3000", "123", "'s", "'ll"])
        dictionary(os.path.join(dicts, "program.dict"),
                   literals(os.path.join(src, "runtime/Program.cpp")) +
                   ["\n", " ", "s0:", "w0:", "c0:", ":-1", ",-1", "-1", "0", "64",
                    "2147483647", "4294967296"])
        with open(os.path.join(src, "ir/R1Ops.td"), encoding="utf-8") as f:
            ops = f.read()
        with open(os.path.join(src, "ir/R1Attrs.td"), encoding="utf-8") as f:
            attrs = f.read()
        mnemonics = re.findall(r'def R1_\w+ : R1_\w*<"([a-z_0-9.]+)"', ops)
        attr_names = re.findall(r'R1_(?:Enum)?Attr<\w+, "(\w+)"', attrs)
        attr_names += re.findall(r'R1_Attr<"\w+", "(\w+)"', attrs)
        keywords = re.findall(r"`([A-Za-z_][A-Za-z_0-9]*)`", ops + attrs)
        enums = re.findall(r'I\d+EnumAttrCase<"(\w+)"', ops + attrs)
        with open(os.path.join(src, "ir/r1k/R1kOps.td"), encoding="utf-8") as f:
            r1k_ops = f.read()
        r1k_mnemonics = re.findall(r'def R1k_\w+ : R1k_\w*<"([a-z_0-9.]+)"', r1k_ops)
        dictionary(os.path.join(dicts, "session-state.dict"),
                   ["R1STATE\0", "SESS", "CACH", "MEMS", "MEMR", "HIST", "INPT",
                    "xxh3:", "image", "audio"])
        dictionary(os.path.join(dicts, "r1-parser.dict"),
                   ["r1." + m for m in mnemonics] + ["#r1." + a for a in attr_names] +
                   ["r1k." + m for m in r1k_mnemonics] +
                   ["r1k.kernel." + m for m in re.findall(
                       r'R1k_KernelOp<"([a-z_0-9]+)"', r1k_ops)] +
                   ["#r1k.view<", "#r1k<rows tokens>", "#r1k<layout panels16>",
                    "#r1k.scale_columns<", "#r1k.dequantize_blocks<"] +
                   keywords + enums +
                   ["func.func", "func.return", "tensor<", "xf32>", "xi32>", "xbf16>",
                    "!r1.", "#r1.", "%0", "%arg0", "->", "{", "}", "(", ")", "<", ">",
                    "=", ":", "@", "^bb0", "attributes", "dense<"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
