#!/usr/bin/python3
"""Differential test: r1's tokenizer against tokenizers.js, HuggingFace's
independent pure-JavaScript implementation.

Trains a small byte-level BPE on text installed with Debian (licenses,
fortunes), writes it as tokenizer.json in the styles of DeepSeek-V3/R1,
R1-Distill-Qwen (Qwen2), R1-Distill-Llama (Llama 3) and GPT-2, encodes a
varied corpus with both implementations and requires identical ids and
identical decoded text.

Needs node and the npm package, which this script does not install:
    cd /tmp && npm install --ignore-scripts @huggingface/tokenizers
It looks in $R1_TOKENIZERS_JS, then /tmp/node_modules/@huggingface/tokenizers;
without it (or without node) the test exits 77, which ctest reports as
skipped.
"""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fixtures"))
from byte_bpe import bytes_to_unicode, learn_merges  # noqa: E402

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))

BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
ADDED = [BOS, EOS, "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>"]

QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
         r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3 = QWEN2.replace(r"\p{N}|", r"\p{N}{1,3}|")
DEEPSEEK = [
    r"\p{N}{1,3}",
    "[一-龥\u3040-ゟ゠-ヿ]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|"
    "[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|"
    "\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
]


B2U = bytes_to_unicode()


def training_text():
    paths = sorted(glob.glob("/usr/share/common-licenses/*") +
                   glob.glob("/usr/share/games/fortunes/*.u8") +
                   glob.glob("/usr/share/games/fortunes/fortunes"))
    parts = []
    for p in paths:
        if os.path.isfile(p) and not os.path.islink(p):
            with open(p, encoding="utf-8", errors="ignore") as f:
                parts.append(f.read())
    # A little CJK, kana, Hangul and emoji so that multi-byte merges exist.
    parts.append(("中文分词测试。我们的模型在这里运行。日本語のテキストです。"
                  "カタカナとひらがな。한국어 문장입니다. 👍🙂🚀 ") * 40)
    return "\n".join(parts)


def train_bpe(text, num_merges):
    """Plain BPE training over words (letters, digits, other) with a leading
    space kept, as GPT-2 style vocabularies are built."""
    words = collections.Counter(
        re.findall(r" ?[^\W\d_]+| ?\d{1,3}| ?[^\w\s]+|\s+", text))
    corpus = [(tuple(B2U[b] for b in w.encode("utf-8")), c)
              for w, c in words.most_common(8000)]
    corpus = [[list(s), c] for s, c in corpus]
    merges = learn_merges(corpus, num_merges)
    vocab = {}
    for b in range(256):
        vocab.setdefault(B2U[b], len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return vocab, merges


def split(pattern):
    return {"type": "Split", "pattern": {"Regex": pattern},
            "behavior": "Isolated", "invert": False}


def byte_level(use_regex, prefix_space=False):
    return {"type": "ByteLevel", "add_prefix_space": prefix_space,
            "trim_offsets": False, "use_regex": use_regex}


def template(bos_id):
    return {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": BOS, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": BOS, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": BOS, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {BOS: {"id": BOS, "ids": [bos_id],
                                     "tokens": [BOS]}}}


def tokenizer_json(style, vocab, merges):
    base = len(vocab)
    added = [{"id": base + i, "content": t, "single_word": False,
              "lstrip": False, "rstrip": False, "normalized": False,
              "special": not t.endswith("think>")}
             for i, t in enumerate(ADDED)]
    pair_merges = style in ("qwen2", "llama3")
    model = {"type": "BPE", "dropout": None, "unk_token": None,
             "continuing_subword_prefix": None, "end_of_word_suffix": None,
             "fuse_unk": False, "byte_fallback": False,
             "ignore_merges": style == "llama3", "vocab": vocab,
             "merges": [[a, b] if pair_merges else f"{a} {b}"
                        for a, b in merges]}
    if style == "deepseek":
        pre = [split(p) for p in DEEPSEEK] + [byte_level(False)]
    elif style == "qwen2":
        pre = [split(QWEN2), byte_level(False)]
    elif style == "llama3":
        pre = [split(LLAMA3), byte_level(False)]
    elif style == "gpt2-prefix":
        # RoBERTa-style: a space before the text, then the GPT-2 split.
        pre = [byte_level(True, prefix_space=True)]
    elif style == "split-prefix":
        # A space before each piece a Split made.
        pre = [split(QWEN2), byte_level(False, prefix_space=True)]
    else:
        pre = [byte_level(True)]
    post = None
    if not style.startswith(("gpt2", "split")):
        post = {"type": "Sequence",
                "processors": [byte_level(True), template(base)]}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": added,
            "normalizer": {"type": "NFC"} if style == "qwen2" else None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": pre},
            "post_processor": post,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                        "trim_offsets": True, "use_regex": True},
            "model": model}


def test_cases(text):
    handmade = [
        "Hello world", "hello  world", "  leading", "trailing  ", "a\tb\t\tc",
        "I'm here, you're there, he'll go, we've seen, it's, 'd 't",
        "I'M HERE, YOU'RE, HE'LL, WE'VE, IT'S, DON'T", "'s start", " 's",
        "x'ſ ꞌs", "1 12 123 1234 12345 123456 1234567 3.14159 -42 1e10",
        "٣٤٥ ١٢٣٤ ¹²³ ½¾ Ⅻ ① ０１２３４", "a1b22c333d4444",
        "中文分词测试，我们的模型在这里运行。", "日本語のテキストです。カタカナ",
        "한국어 문장입니다", "ᄒ\u1161\u11ab ｶﾀｶﾅ", "混合English和中文123数字",
        "😀 👍🏽 👨‍👩‍👧‍👦 🇺🇸🇩🇪 ❤️ ✅", "e\u0301 é a\u0308\u0301 Å Å ñ n\u0303",
        "\u1e9b\u0323 q\u0307\u0323 \u0958 \u2126 \ufb01",
        "line1\nline2\n\nline3\r\nline4\r\n\r\n", "\n\n\n", "  \n  x",
        "x \n \n y", "a\u00a0b\u3000c\u2003d", "tab\t\n\tnext",
        "def f(x):\n    return x ** 2  # square\n\n\nclass A:\n\tpass\n",
        "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
        "if x!=y&&z>=1:print('ok')", "!!!???...", "--foo --bar=baz",
        "https://example.com/path?q=1&r=two#frag", "user@example.org",
        "Привет, мир! Γειά σου Κόσμε", "مرحبا بالعالم", "שלום עולם",
        "नमस्ते दुनिया", "สวัสดีชาวโลก", "Ω≈ç√∫˜µ≤≥÷ ∀x∈ℝ: x²≥0",
        "<｜User｜>What is 2+2?<｜Assistant｜><think>\nfour\n</think>4",
        BOS + "system" + "<｜User｜>hi" + EOS, "<｜User", "<think", "think>",
        "a<think>b</think>c", "<<think>>", "  <think>  ",
        "\u200b\u200d\u2060 zero width", "\x01\x02\x7f control",
        "ﬁ ﬂ ligatures", "Ǆ ǅ ǆ titlecase", "ß ẞ", "",
        " ", "  ", "\t", "x", "'", "''", "1", "A" * 50 + " " + "b" * 30,
    ]
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    sampled = paragraphs[:: max(1, len(paragraphs) // 150)][:150]
    return handmade + sampled


def run_lines(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({out.returncode}): {out.stderr.strip()}")
    return out.stdout.split("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", required=True, help="r1-tokenizer-encode")
    ap.add_argument("--merges", type=int, default=1500)
    args = ap.parse_args()

    module = os.environ.get("R1_TOKENIZERS_JS",
                            "/tmp/node_modules/@huggingface/tokenizers")
    node = shutil.which("node")
    if not node or not os.path.isfile(
            os.path.join(module, "dist", "tokenizers.mjs")):
        print(f"SKIP: needs node and tokenizers.js in {module} "
              "(cd /tmp && npm install --ignore-scripts @huggingface/tokenizers)")
        return SKIP

    text = training_text()
    vocab, merges = train_bpe(text, args.merges)
    cases = test_cases(text)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="r1-tok-diff-") as tmp:
        cases_path = os.path.join(tmp, "cases.txt")
        with open(cases_path, "w", encoding="utf-8", newline="") as f:
            f.write("\0".join(cases))
        for style in ("deepseek", "qwen2", "llama3", "gpt2", "gpt2-prefix",
                      "split-prefix"):
            path = os.path.join(tmp, f"{style}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(tokenizer_json(style, vocab, merges), f,
                          ensure_ascii=False)
            ours = run_lines([args.encoder, path, cases_path])
            theirs = run_lines([node, os.path.join(HERE, "encode_js.mjs"),
                                module, path, cases_path])
            bad = 0
            for i, case in enumerate(cases):
                for what, k in (("ids", 2 * i), ("decoded text", 2 * i + 1)):
                    if ours[k] != theirs[k]:
                        bad += 1
                        if bad <= 5:
                            print(f"[{style}] {what} differ for {case!r}:\n"
                                  f"  r1:              {ours[k]}\n"
                                  f"  tokenizers.js:   {theirs[k]}")
            tokens = sum(len(ours[2 * i].split()) for i in range(len(cases)))
            print(f"[{style}] {len(cases)} texts, {tokens} tokens, "
                  f"{len(merges)} merges: {bad} differences")
            failures += bad
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
