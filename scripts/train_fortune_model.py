#!/usr/bin/python3
"""Trains models/fortune-v3: a small DeepSeek-V3-architecture model on fortunes.

    /usr/bin/python3 scripts/train_fortune_model.py [--minutes 35] [--out models/fortune-v3]
                     [--steps N] [--seed 0] [--check-tokenizer r1-tokenizer-encode]

Needs Debian's `fortunes` (the text) and `python3-regex` (the DeepSeek-V3
pre-tokenizer patterns use \\p{..} classes, which `re` lacks):
    apt-get install -y fortunes python3-regex

Steps, all deterministic for a given seed and step count:
  1. Documents: every fortune of /usr/share/games/fortunes/* (`%` lines
     separate them; overstrike sequences "x\\bx" removed; ascii-art dropped,
     as it is pictures, not prose; exact duplicates dropped). A document
     whose sha256 is 0 mod 20 (~5%) is held out: written to heldout.txt and
     used for nothing but the final evaluation.
  2. Tokenizer: byte-level BPE trained on the training documents after
     DeepSeek-V3's Split pre-tokenizer, written as tokenizer.json the way
     DeepSeek-V3 ships it (Split patterns + ByteLevel, BOS added by a
     TemplateProcessing post-processor, the R1 special tokens).
  3. Model: a batched torch module of exactly the architecture
     test/reference/r1_reference.py implements (MLA with q-LoRA, interleaved
     RoPE, V3 sigmoid router with e_score_correction_bias, group limiting,
     norm_topk_prob, routed_scaling_factor, one shared expert). Each document
     is one sequence BOS + text + EOS from position 0 (no packing, so training
     matches inference), truncated to MAX_LEN tokens. AdamW, warmup + cosine;
     the step count is fitted to --minutes after timing the first steps
     (--steps fixes it, for exact reproduction). Router balancing is DeepSeek's
     aux-loss-free rule: after each step bias_e += 1e-3 * sign(mean load - load_e).
  4. Output, written to a temp dir then renamed: config.json, model.safetensors
     (f32, HF names), tokenizer.json, heldout.txt, README.md. The checkpoint is
     then loaded with r1_reference.load and its logits on held-out documents
     must equal the training module's (max abs diff < 1e-4).
"""
import argparse
import collections
import glob
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import regex
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
sys.path.insert(0, os.path.join(ROOT, "test", "fixtures"))
import r1_reference as ref  # noqa: E402
from make_checkpoint import deepseek_config, write_safetensors  # noqa: E402
from byte_bpe import bytes_to_unicode, learn_merges  # noqa: E402

FORTUNES = "/usr/share/games/fortunes"
SKIP_FILES = {"ascii-art"}
MAX_LEN = 256                       # tokens per document, BOS and EOS included

BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
SPECIAL = [BOS, EOS, "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>"]
VOCAB = 2048                        # 256 bytes + merges + the 6 special tokens

# DeepSeek-V3's tokenizer.json pre-tokenizer: three Isolated Splits, then
# ByteLevel without its own regex.
DEEPSEEK_SPLITS = [
    r"\p{N}{1,3}",
    "[一-龥\u3040-ゟ゠-ヿ]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|"
    "[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|"
    "\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
]

MODEL = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
             q_lora_rank=96, kv_lora_rank=64, qk_nope_head_dim=32, qk_rope_head_dim=16,
             v_head_dim=32, intermediate_size=512, moe_intermediate_size=96,
             n_routed_experts=8, num_experts_per_tok=2, n_group=2, topk_group=1,
             n_shared_experts=1, first_k_dense_replace=1, routed_scaling_factor=2.5)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def read_fortunes():
    """All fortunes as stripped documents, duplicates dropped, in file order."""
    docs, seen = [], set()
    for path in sorted(glob.glob(os.path.join(FORTUNES, "*"))):
        name = os.path.basename(path)
        # The .u8 files are symlinks to the same text; .dat are indexes.
        if os.path.islink(path) or "." in name or name in SKIP_FILES:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        text = regex.sub(r".\x08", "", text)          # overstrike (bold/underline)
        for doc in regex.split(r"(?m)^%\n", text.replace("\r", "")):
            doc = doc.strip("\n").rstrip()
            doc = regex.sub(r"[^\S\n\t ]|[\x00-\x08\x0b-\x1f\x7f]", " ", doc)
            if doc.strip() and doc not in seen:
                seen.add(doc)
                docs.append(doc)
    return docs


def is_heldout(doc):
    """Deterministic ~5% split by content hash."""
    return int.from_bytes(hashlib.sha256(doc.encode()).digest()[:8], "little") % 20 == 0


def write_fortune_file(path, docs):
    """Fortune format: each document followed by a `%` line."""
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(d + "\n%\n")


def read_fortune_file(path):
    with open(path, encoding="utf-8") as f:
        return [d.strip("\n") for d in regex.split(r"(?m)^%\n", f.read()) if d.strip()]


# --------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------

B2U = bytes_to_unicode()
_SPLITS = [regex.compile(p) for p in DEEPSEEK_SPLITS]


def pretokenize(text):
    """HF Sequence of Split(Isolated): matches and the gaps between them are pieces."""
    pieces = [text]
    for pat in _SPLITS:
        out = []
        for piece in pieces:
            pos = 0
            for m in pat.finditer(piece):
                if m.start() > pos:
                    out.append(piece[pos:m.start()])
                if m.end() > m.start():
                    out.append(m.group())
                pos = m.end()
            if pos < len(piece):
                out.append(piece[pos:])
        pieces = out
    return ["".join(B2U[b] for b in p.encode("utf-8")) for p in pieces]


def train_bpe(docs, num_merges):
    """Greedy BPE over pre-tokens: merge the most frequent pair (ties: larger pair)."""
    words = collections.Counter()
    for d in docs:
        words.update(pretokenize(d))
    corpus = [[list(w), c] for w, c in sorted(words.items())]
    return learn_merges(corpus, num_merges)


class Tokenizer:
    """Encoder for the tokenizer.json this script writes (no added tokens in text)."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.vocab = doc["model"]["vocab"]
        self.ranks = {tuple(m.split(" ")): r for r, m in enumerate(doc["model"]["merges"])}
        self.added = {t["content"]: t["id"] for t in doc["added_tokens"]}
        self.bos, self.eos = self.added[BOS], self.added[EOS]
        u2b = {u: b for b, u in B2U.items()}
        self.id_bytes = {i: bytes(u2b[c] for c in t) for t, i in self.vocab.items()}
        self.cache = {}

    def _bpe(self, word):
        if word not in self.cache:
            syms = list(word)
            while len(syms) > 1:
                rank, k = min((self.ranks.get(p, math.inf), k)
                              for k, p in enumerate(zip(syms, syms[1:])))
                if rank == math.inf:
                    break
                syms[k:k + 2] = [syms[k] + syms[k + 1]]
            self.cache[word] = [self.vocab[s] for s in syms]
        return self.cache[word]

    def encode(self, text, bos=True):
        ids = [self.bos] if bos else []
        for w in pretokenize(text):
            ids.extend(self._bpe(w))
        return ids

    def decode(self, ids):
        return b"".join(self.id_bytes.get(i, b"") for i in ids).decode("utf-8", "replace")


def tokenizer_json(merges):
    """tokenizer.json in DeepSeek-V3's layout; special tokens follow the BPE vocab."""
    vocab = {B2U[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    base = len(vocab)
    added = [{"id": base + i, "content": t, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": not t.endswith("think>")}
             for i, t in enumerate(SPECIAL)]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                  "use_regex": False}
    bos = {"SpecialToken": {"id": BOS, "type_id": 0}}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": p}, "behavior": "Isolated", "invert": False}
            for p in DEEPSEEK_SPLITS] + [byte_level]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}},
                     bos, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {BOS: {"id": BOS, "ids": [base], "tokens": [BOS]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


# --------------------------------------------------------------------------
# model: batched, same equations as r1_reference's DeepSeek-V3 path
# --------------------------------------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return ref.rms_norm(x, self.weight, self.eps)


def linear(n_in, n_out):
    return nn.Linear(n_in, n_out, bias=False)


class MLP(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.gate_proj, self.up_proj, self.down_proj = linear(d, inter), linear(d, inter), linear(inter, d)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class MLA(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, H = c["hidden_size"], c["num_attention_heads"]
        dn, dr, dv, r, qr = (c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"],
                             c["kv_lora_rank"], c["q_lora_rank"])
        if qr:
            self.q_a_proj = linear(d, qr)
            self.q_a_layernorm = RMSNorm(qr, c["rms_norm_eps"])
            self.q_b_proj = linear(qr, H * (dn + dr))
        else:
            self.q_proj = linear(d, H * (dn + dr))
        self.kv_a_proj_with_mqa = linear(d, r + dr)
        self.kv_a_layernorm = RMSNorm(r, c["rms_norm_eps"])
        self.kv_b_proj = linear(r, H * (dn + dv))
        self.o_proj = linear(H * dv, d)

    def forward(self, h, cos, sin, causal_mask):
        c = self.c
        B, S, _ = h.shape
        H, dn, dr, dv, r = (c["num_attention_heads"], c["qk_nope_head_dim"],
                            c["qk_rope_head_dim"], c["v_head_dim"], c["kv_lora_rank"])
        if c["q_lora_rank"]:
            q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(h)))
        else:
            q = self.q_proj(h)
        q = q.view(B, S, H, dn + dr)
        ckv = self.kv_a_proj_with_mqa(h)
        lat = self.kv_a_layernorm(ckv[..., :r])
        k_pe = ref.rope_interleaved(ckv[..., r:].reshape(B, S, 1, dr), cos, sin)
        q = torch.cat([q[..., :dn], ref.rope_interleaved(q[..., dn:], cos, sin)], -1)
        kv = self.kv_b_proj(lat).view(B, S, H, dn + dv)
        k = torch.cat([kv[..., :dn], k_pe.expand(B, S, H, dr)], -1)
        scores = torch.einsum("bshd,bthd->bhst", q, k) * (dn + dr) ** -0.5
        p = torch.softmax(scores.masked_fill(causal_mask, float("-inf")), -1)
        o = torch.einsum("bhst,bthd->bshd", p, kv[..., dn:])
        return self.o_proj(o.reshape(B, S, H * dv))


class Gate(nn.Module):
    def __init__(self, d, experts):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(experts, d))
        # Not trained by gradient: moved by the load-balancing rule.
        self.register_buffer("e_score_correction_bias", torch.zeros(experts))


class MoE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, E, mi = c["hidden_size"], c["n_routed_experts"], c["moe_intermediate_size"]
        self.gate = Gate(d, E)
        self.experts = nn.ModuleList(MLP(d, mi) for _ in range(E))
        self.shared_experts = MLP(d, mi * c["n_shared_experts"])
        self.last_idx = None

    def route(self, x):
        """r1_reference.route on rows x [N, d]: sigmoid, biased choice, groups, top-k."""
        c = self.c
        scores = torch.sigmoid(x @ self.gate.weight.T)
        choice = scores.detach() + self.gate.e_score_correction_bias
        E, G = scores.shape[-1], c["n_group"]
        g = choice.view(-1, G, E // G)
        gscore = g.topk(2, -1)[0].sum(-1)                   # noaux_tc: top-2 sum per group
        keep = torch.zeros_like(gscore, dtype=torch.bool)
        keep.scatter_(1, gscore.topk(c["topk_group"], -1)[1], True)
        choice = g.masked_fill(~keep[..., None], float("-inf")).view(-1, E)
        idx = choice.topk(c["num_experts_per_tok"], -1)[1]
        w = scores.gather(1, idx)
        w = w / (w.sum(-1, keepdim=True) + 1e-20)           # norm_topk_prob
        return w * c["routed_scaling_factor"], idx

    def forward(self, x):
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        w, idx = self.route(x)
        self.last_idx = idx
        out = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if rows.numel():
                out = out.index_add(0, rows, w[rows, slot, None] * expert(x[rows]))
        return (out + self.shared_experts(x)).view(shape)


class Layer(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        d = c["hidden_size"]
        self.input_layernorm = RMSNorm(d, c["rms_norm_eps"])
        self.self_attn = MLA(c)
        self.post_attention_layernorm = RMSNorm(d, c["rms_norm_eps"])
        self.mlp = MoE(c) if i >= c["first_k_dense_replace"] else MLP(d, c["intermediate_size"])

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Layer(c, i) for i in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class DeepseekV3(nn.Module):
    """State dict keys are the HF checkpoint's tensor names."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Backbone(c)
        self.lm_head = linear(c["hidden_size"], c["vocab_size"])
        inv = ref.rope_inv_freq(c["qk_rope_head_dim"], float(c["rope_theta"]), None)
        cos, sin = ref.cos_sin(c["max_position_embeddings"], inv, torch.float32)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def init_weights(self, gen):
        std, L = 0.02, self.c["num_hidden_layers"]
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                continue                                     # RMSNorm weights start at 1
            s = std / math.sqrt(2 * L) if name.endswith(("o_proj.weight", "down_proj.weight")) else std
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=gen) * s)

    def moe_layers(self):
        return [l.mlp for l in self.model.layers if isinstance(l.mlp, MoE)]

    def forward(self, ids):
        S = ids.shape[1]
        mask = torch.ones(S, S, dtype=torch.bool).triu(1)
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, self.cos[:S], self.sin[:S], mask)
        return self.lm_head(self.model.norm(x))


def make_config(tok_base):
    """make_checkpoint's deepseek_config key set with this model's values."""
    c = deepseek_config()
    c.update(MODEL)
    c.update({"bos_token_id": tok_base, "eos_token_id": tok_base + 1, "vocab_size": VOCAB,
              "num_key_value_heads": MODEL["num_attention_heads"],
              "max_position_embeddings": MAX_LEN, "num_nextn_predict_layers": 0,
              "rope_scaling": None, "rope_theta": 10000.0, "topk_method": "noaux_tc",
              "scoring_func": "sigmoid", "norm_topk_prob": True, "moe_layer_freq": 1,
              "torch_dtype": "float32"})
    return c


# --------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------

def batches(seqs, max_tokens, gen):
    """Length-sorted batches of at most max_tokens padded tokens, in seeded random order."""
    order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i]), i))
    out, cur = [], []
    for i in order:
        if cur and (len(cur) + 1) * len(seqs[i]) > max_tokens:
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    perm = torch.randperm(len(out), generator=gen).tolist()
    return [out[k] for k in perm]


def pad(seqs, ids):
    """ids [B, S], padded at the end (causal attention never sees the pads),
    and the mask of real tokens [B, S]."""
    S = max(len(seqs[i]) for i in ids)
    x = torch.zeros(len(ids), S, dtype=torch.long)
    real = torch.zeros(len(ids), S, dtype=torch.bool)
    for r, i in enumerate(ids):
        x[r, :len(seqs[i])] = torch.tensor(seqs[i])
        real[r, :len(seqs[i])] = True
    return x, real


def loss_of(model, x, real):
    """Mean NLL of the real tokens after BOS, and their count."""
    logits = model(x)[:, :-1]
    m = real[:, 1:]
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                          reduction="none").view(m.shape)
    return (nll * m).sum() / m.sum(), int(m.sum())


@torch.no_grad()
def evaluate(model, seqs, max_tokens=4096):
    """Mean NLL per predicted token (text + EOS) over seqs."""
    model.eval()
    total, count = 0.0, 0
    for b in batches(seqs, max_tokens, torch.Generator().manual_seed(0)):
        loss, n = loss_of(model, *pad(seqs, b))
        total += float(loss) * n
        count += n
    model.train()
    return total / count


def update_router_bias(model, real):
    """Aux-loss-free balancing: raise the bias of under-loaded experts, lower the
    rest; the loads count real tokens only."""
    with torch.no_grad():
        for moe in model.moe_layers():
            idx = moe.last_idx[real.reshape(-1)]
            load = torch.bincount(idx.reshape(-1), minlength=moe.c["n_routed_experts"]).float()
            moe.gate.e_score_correction_bias += 1e-3 * torch.sign(load.mean() - load)


def save_checkpoint(model, cfg, path):
    """model.safetensors with the tensors in make_checkpoint.deepseek_weights' order."""
    sd = model.state_dict()
    names = ["model.embed_tokens.weight"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        names.append(p + ".input_layernorm.weight")
        a = p + ".self_attn"
        names += ([a + ".q_a_proj.weight", a + ".q_a_layernorm.weight", a + ".q_b_proj.weight"]
                  if cfg["q_lora_rank"] else [a + ".q_proj.weight"])
        names += [a + ".kv_a_proj_with_mqa.weight", a + ".kv_a_layernorm.weight",
                  a + ".kv_b_proj.weight", a + ".o_proj.weight", p + ".post_attention_layernorm.weight"]
        swiglu = lambda q: [f"{q}.{n}.weight" for n in ("gate_proj", "up_proj", "down_proj")]
        if i >= cfg["first_k_dense_replace"]:
            m = p + ".mlp"
            names += [m + ".gate.weight", m + ".gate.e_score_correction_bias"]
            for e in range(cfg["n_routed_experts"]):
                names += swiglu(f"{m}.experts.{e}")
            names += swiglu(m + ".shared_experts")
        else:
            names += swiglu(p + ".mlp")
    names += ["model.norm.weight", "lm_head.weight"]
    assert sorted(names) == sorted(sd), set(names) ^ set(sd)
    entries = []
    for n in names:
        a = sd[n].detach().to(torch.float32).contiguous().numpy()
        entries.append((n, "F32", a.shape, a.tobytes()))
    write_safetensors(path, entries)


def check_tokenizer(binary, tok_path, tok, docs):
    """r1's C++ tokenizer must give the ids this script trains on."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\0".join(docs))
    try:
        lines = subprocess.run([binary, tok_path, f.name], capture_output=True, text=True,
                               check=True).stdout.split("\n")
    finally:
        os.unlink(f.name)
    bad = sum(lines[2 * k].split() != [str(t) for t in tok.encode(d)] for k, d in enumerate(docs))
    print(f"tokenizer check against {binary}: {len(docs)} documents, {bad} differ", flush=True)
    return bad == 0


README = """# fortune-v3

A small model in the DeepSeek-V3 architecture, trained from scratch on CPU on
the fortune cookies of Debian's `fortunes` package by
`scripts/train_fortune_model.py`. It exists so that r1c has a real, trained
checkpoint of the V3 family to compile, run and quantize: its output reads
like (not very wise) fortunes, where a random checkpoint's is noise.

Architecture ({params:,} parameters, f32): hidden {hidden_size}, {num_hidden_layers} layers
(layer 0 dense with intermediate {intermediate_size}, layers 1-{last} MoE), MLA with
{num_attention_heads} heads, q_lora_rank {q_lora_rank}, kv_lora_rank {kv_lora_rank},
qk_nope {qk_nope_head_dim} / qk_rope {qk_rope_head_dim} (interleaved RoPE, theta 10000, no
rope_scaling) / v {v_head_dim}; MoE with {n_routed_experts} routed experts (intermediate
{moe_intermediate_size}) + 1 shared expert, top-{num_experts_per_tok}, V3 router: sigmoid scores +
e_score_correction_bias, n_group {n_group} / topk_group {topk_group} (noaux_tc),
norm_topk_prob, routed_scaling_factor {routed_scaling_factor}. Context {max_position_embeddings} tokens.

Tokenizer: byte-level BPE, {vocab} ids ({merges} merges, the 6 special tokens
`<｜begin▁of▁sentence｜>` (BOS, id {bos}, prepended by the post-processor),
`<｜end▁of▁sentence｜>` (EOS, id {eos}), `<｜User｜>`, `<｜Assistant｜>`, `<think>`,
`</think>`), DeepSeek-V3's Split pre-tokenizer patterns + ByteLevel.

Training: {n_train} fortunes (each one sequence BOS + text + EOS, truncated at
{max_position_embeddings} tokens), {steps} AdamW steps, {minutes:.1f} minutes on one CPU thread,
seed {seed}. {n_held} fortunes (sha256 of the text = 0 mod 20) are held out
and are in `heldout.txt` (fortune format, `%` after each).

| | loss (nats/token) | perplexity |
|---|---|---|
| train (same-size sample of training fortunes) | {train_loss:.3f} | {train_ppl:.1f} |
| held-out | {held_loss:.3f} | {held_ppl:.1f} |

Greedy from BOS + "{prompt}":

```
{sample}
```

`bench/perplexity.py models/fortune-v3` measures the held-out perplexity
with test/reference/r1_reference.py in f32 and with simulated bf16 / int8 /
int4 weights.

Licence of the text: Debian's /usr/share/doc/fortunes/copyright says the
package "falls under the BSD copyright" (Copyright (c) 1991 The Regents of
the University of California; the 3-clause BSD licence with the advertising
clause deleted), notes that the "cookie" file is from Karl Lehenbauer's
postings to alt.sources, and carries the header of the atheism cookie file.
It does not call the quotations public domain; they are quotations and
jokes collected from many sources, distributed by Debian (main, DFSG-free)
under that licence. This folder (weights trained on that text, heldout.txt
copied from it) is redistributed under the same terms.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=35.0, help="training time budget")
    ap.add_argument("--steps", type=int, help="fixed step count (overrides --minutes)")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "fortune-v3"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--check-tokenizer", metavar="R1_TOKENIZER_ENCODE",
                    help="compare the ids with r1's C++ tokenizer (build/bin/r1-tokenizer-encode)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    t0 = time.time()

    docs = read_fortunes()
    train_docs = [d for d in docs if not is_heldout(d)]
    held_docs = [d for d in docs if is_heldout(d)]
    print(f"{len(docs)} fortunes: {len(train_docs)} train, {len(held_docs)} held out", flush=True)

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".", dir=os.path.dirname(out))
    try:
        merges = train_bpe(train_docs, VOCAB - 256 - len(SPECIAL))
        tok_path = os.path.join(tmp, "tokenizer.json")
        with open(tok_path, "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(merges), f, ensure_ascii=False)
        tok = Tokenizer(tok_path)
        assert tok.bos + len(SPECIAL) == VOCAB
        if args.check_tokenizer and not check_tokenizer(args.check_tokenizer, tok_path, tok,
                                                        held_docs[:300]):
            sys.exit("tokenizer mismatch")
        train = [(tok.encode(d) + [tok.eos])[:MAX_LEN] for d in train_docs]
        held = [(tok.encode(d) + [tok.eos])[:MAX_LEN] for d in held_docs]
        ntok = sum(map(len, train))
        print(f"tokenizer: {len(merges)} merges; {ntok} train tokens "
              f"({sum(len(d) for d in train_docs) / ntok:.2f} chars/token), "
              f"{sum(map(len, held))} held-out; {time.time() - t0:.0f}s", flush=True)

        cfg = make_config(tok.bos)
        gen = torch.Generator().manual_seed(args.seed)
        model = DeepseekV3(cfg)
        model.init_weights(gen)
        params = sum(p.numel() for p in model.parameters())
        print(f"model: {params:,} parameters", flush=True)
        decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n]
        other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "embed" not in n)]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                 {"params": other, "weight_decay": 0.0}],
                                lr=args.lr, betas=(0.9, 0.95))

        # The step count is fitted to the budget after timing the first steps;
        # the schedule is then fixed (warmup, cosine to 10%).
        total, warmup, probe = args.steps, 30, 10
        queue, step, ema, t_train = [], 0, None, time.time()
        while total is None or step < total:
            if not queue:
                queue = batches(train, args.batch_tokens, gen)
            if total is None and step == probe:
                per = (time.time() - t_train) / probe
                total = max(probe + 1, int(args.minutes * 60 / per))
                print(f"{per:.2f}s/step -> {total} steps", flush=True)
            T = total or 10 ** 9
            frac = max(0.0, (step - warmup) / max(1, T - warmup))
            lr = args.lr * (min(1.0, (step + 1) / warmup) if step < warmup
                            else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
            for g in opt.param_groups:
                g["lr"] = lr
            x, real = pad(train, queue.pop())
            loss, _ = loss_of(model, x, real)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            update_router_bias(model, real)
            ema = float(loss) if ema is None else 0.98 * ema + 0.02 * float(loss)
            step += 1
            if step % 25 == 0 or step == total:
                print(f"step {step}/{total} loss {ema:.3f} lr {lr:.2e} "
                      f"{(time.time() - t_train) / 60:.1f} min", flush=True)
        minutes = (time.time() - t_train) / 60

        model.eval()
        sample_train = train[::max(1, len(train) // len(held))][:len(held)]
        train_loss, held_loss = evaluate(model, sample_train), evaluate(model, held)
        print(f"final: train loss {train_loss:.3f} ppl {math.exp(train_loss):.1f}; "
              f"held-out loss {held_loss:.3f} ppl {math.exp(held_loss):.1f}", flush=True)
        for moe_i, moe in enumerate(model.moe_layers()):
            print(f"router bias of MoE layer {moe_i + 1}: "
                  + " ".join(f"{v:+.3f}" for v in moe.gate.e_score_correction_bias.tolist()))

        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        save_checkpoint(model, cfg, os.path.join(tmp, "model.safetensors"))
        write_fortune_file(os.path.join(tmp, "heldout.txt"), held_docs)

        # The checkpoint as r1's reference reads it must be the trained model.
        r = ref.load(tmp, torch.float32)
        worst = 0.0
        with torch.no_grad():
            for s in held[:8]:
                mine = model(torch.tensor([s]))[0]
                worst = max(worst, float((r.forward(s) - mine).abs().max()))
        print(f"reference check: max |logits(r1_reference) - logits(training model)| "
              f"over 8 held-out documents = {worst:.2e}", flush=True)
        if not worst < 1e-4:
            sys.exit("reference mismatch")

        prompt = "The"                        # no trailing space: " word" is one pre-token
        ids = tok.encode(prompt)
        gen_ids = r.generate(ids, 60)
        sample = prompt + tok.decode(gen_ids[:gen_ids.index(tok.eos)] if tok.eos in gen_ids
                                     else gen_ids)
        print(f"greedy sample: {sample!r}", flush=True)
        with open(os.path.join(tmp, "README.md"), "w", encoding="utf-8") as f:
            f.write(README.format(
                params=params, last=cfg["num_hidden_layers"] - 1, vocab=VOCAB,
                merges=len(merges), bos=tok.bos, eos=tok.eos, n_train=len(train),
                n_held=len(held), steps=total, minutes=minutes, seed=args.seed,
                train_loss=train_loss, train_ppl=math.exp(train_loss), held_loss=held_loss,
                held_ppl=math.exp(held_loss), prompt=prompt, sample=sample, **cfg))

        # Atomic replace: the old folder is moved aside only once the new one is complete.
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".old.",
                                   dir=os.path.dirname(out))
            os.rename(out, os.path.join(old, "x"))
        os.chmod(tmp, 0o755)
        os.rename(tmp, out)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"wrote {out} ({size / 1e6:.2f} MB); {(time.time() - t0) / 60:.1f} min in all")


if __name__ == "__main__":
    main()
