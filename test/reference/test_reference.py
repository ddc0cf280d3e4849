#!/usr/bin/env python3
"""Self-checks of the fixture generator and the PyTorch reference.

    /usr/bin/python3 test/reference/test_reference.py [-v] [TestName ...]

Every checkpoint is generated into one temporary folder by
test/fixtures/make_checkpoint.py (its CLI, as lit uses it) and deleted at the
end. Prints "N passed, M failed" last; exits non-zero on failure.

Tolerances (relative L2 error of the logits of a 16-token prompt against the
f32 checkpoint of the same seed):
  * bf16 weights: < 2e-2 for Llama, Qwen2 and DeepSeek-V3 (measured ~5e-3 to
    7e-3). The r1ext model is not compared tightly: LSH buckets, top-k memory
    slots and the layer-skip threshold are discontinuous in the weights, so
    bf16 rounding can flip them (measured ~0.1); it must only stay < 0.3.
  * fp8 (e4m3, 128x128 block scales): < 0.3 (measured 0.12 with q-LoRA, 0.19
    without; e4m3 has a 3-bit mantissa, ~3.6% rms weight error, and routing
    can flip). The dequantized weights themselves are checked exactly: every
    element is within half an e4m3 ulp of the f32 weight,
    |Wq - W| <= max(2^-4 |W|, 2^-10 * scale) (normal / subnormal range).
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import traceback
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import r1_reference as ref  # noqa: E402

MAKE = os.path.join(HERE, "..", "fixtures", "make_checkpoint.py")
FAMILIES = ["llama", "llama3", "qwen2", "deepseek_v3", "deepseek_v3_noqlora", "r1ext"]
PROMPT = [3, 17, 42, 99, 5, 200, 7, 1, 2, 3, 100, 150, 255, 0, 8, 9]
_TMP = tempfile.TemporaryDirectory(prefix="r1ref-")


def checkpoint(family, *flags):
    """Path of a generated checkpoint (made once per flag set)."""
    out = os.path.join(_TMP.name, family + "".join(f.strip("-").replace("-", "_") + "_" for f in flags))
    if not os.path.exists(out):
        subprocess.run([sys.executable, MAKE, family, out, *flags], check=True)
    return out


_MODELS = {}


def model(family, *flags, dtype=torch.float32):
    """A fresh-state loaded model (cached; reset() before handing it out)."""
    key = (family, flags, dtype)
    if key not in _MODELS:
        _MODELS[key] = ref.load(checkpoint(family, *flags), dtype)
    _MODELS[key].reset()
    return _MODELS[key]


def rel_err(a, b):
    """||a - b|| / ||b|| in f64."""
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm())


class Families(unittest.TestCase):
    def test_every_family_loads_with_varied_logits(self):
        for fam in FAMILIES:
            logits = model(fam).forward(PROMPT)
            self.assertEqual(tuple(logits.shape), (len(PROMPT), 256), fam)
            self.assertEqual(logits.dtype, torch.float32, fam)
            self.assertTrue(torch.isfinite(logits).all(), fam)
            self.assertGreater(float(logits.std()), 0.3, fam)
            self.assertGreater(len(set(logits.argmax(-1).tolist())), 4, fam)

    def test_config_keys_and_tensor_names(self):
        with open(os.path.join(checkpoint("deepseek_v3"), "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["architectures"], ["DeepseekV3ForCausalLM"])
        for k in ("q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim",
                  "v_head_dim", "n_group", "topk_group", "topk_method", "scoring_func",
                  "routed_scaling_factor", "first_k_dense_replace", "num_nextn_predict_layers",
                  "moe_layer_freq", "norm_topk_prob", "rope_scaling", "seq_aux", "aux_loss_alpha"):
            self.assertIn(k, cfg)
        names = ref.read_checkpoint(checkpoint("deepseek_v3")).keys()
        L = cfg["num_hidden_layers"]
        for n in ("model.layers.0.self_attn.q_a_proj.weight", "model.layers.0.mlp.gate_proj.weight",
                  "model.layers.1.mlp.gate.e_score_correction_bias",
                  "model.layers.1.mlp.experts.7.down_proj.weight",
                  "model.layers.1.mlp.shared_experts.up_proj.weight",
                  f"model.layers.{L}.eh_proj.weight", f"model.layers.{L}.shared_head.head.weight",
                  "lm_head.weight"):
            self.assertIn(n, names)
        noq = ref.read_checkpoint(checkpoint("deepseek_v3_noqlora")).keys()
        self.assertIn("model.layers.0.self_attn.q_proj.weight", noq)
        self.assertNotIn("model.layers.0.self_attn.q_a_proj.weight", noq)
        l3 = ref.read_checkpoint(checkpoint("llama3")).keys()
        self.assertNotIn("lm_head.weight", l3)                  # tied embeddings
        q2 = ref.read_checkpoint(checkpoint("qwen2")).keys()
        self.assertIn("model.layers.0.self_attn.k_proj.bias", q2)
        self.assertNotIn("model.layers.0.self_attn.o_proj.bias", q2)

    def test_safetensors_layout(self):
        path = os.path.join(checkpoint("llama"), "model.safetensors")
        with open(path, "rb") as f:
            blob = f.read()
        n = int.from_bytes(blob[:8], "little")
        self.assertEqual(n % 8, 0)
        header = json.loads(blob[8:8 + n])
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        spans = sorted(v["data_offsets"] for k, v in header.items() if k != "__metadata__")
        self.assertEqual(spans[0][0], 0)
        for (a, b), (c, d) in zip(spans, spans[1:]):
            self.assertEqual(b, c)                              # contiguous
        self.assertEqual(spans[-1][1], len(blob) - 8 - n)

    def test_llama_greedy_generation_not_constant(self):
        out = model("llama").generate(PROMPT[:5], 16)
        self.assertEqual(len(out), 16)
        self.assertGreater(len(set(out)), 4, out)
        for fam in FAMILIES:                                    # no family is stuck
            self.assertGreater(len(set(model(fam).generate(PROMPT[:5], 16))), 2, fam)

    def test_generate_matches_full_forward_without_lsh(self):
        m = model("llama")
        out, rows = m.generate(PROMPT[:5], 8, return_logits=True)
        full = m.forward(PROMPT[:5] + out)
        self.assertEqual(tuple(rows.shape), (13, 256))
        self.assertLess(float((rows - full).abs().max()), 1e-4)
        self.assertEqual(out, full[4:12].argmax(-1).tolist())

    def test_sharded_equals_unsharded(self):
        base = ref.read_checkpoint(checkpoint("llama"))
        shards = checkpoint("llama", "--shards", "3")
        with open(os.path.join(shards, "model.safetensors.index.json")) as f:
            index = json.load(f)
        self.assertEqual(set(index["weight_map"]), set(base))
        self.assertEqual(len(set(index["weight_map"].values())), 3)
        self.assertEqual(index["metadata"]["total_size"],
                         sum(a.nbytes for _, a in base.values()))
        self.assertTrue(torch.equal(model("llama").forward(PROMPT),
                                    model("llama", "--shards", "3").forward(PROMPT)))
        v3 = model("deepseek_v3", "--fp8", "--shards", "4").forward(PROMPT)
        self.assertTrue(torch.equal(v3, model("deepseek_v3", "--fp8").forward(PROMPT)))


class StorageFormats(unittest.TestCase):
    def test_bf16_close_to_f32(self):
        for fam in ["llama", "qwen2", "deepseek_v3", "llama3"]:
            self.assertEqual(json.load(open(os.path.join(
                checkpoint(fam, "--dtype", "bf16"), "config.json")))["torch_dtype"], "bfloat16")
            err = rel_err(model(fam, "--dtype", "bf16").forward(PROMPT), model(fam).forward(PROMPT))
            self.assertLess(err, 2e-2, fam)
        err = rel_err(model("r1ext", "--dtype", "bf16").forward(PROMPT), model("r1ext").forward(PROMPT))
        self.assertLess(err, 0.3)

    def test_bf16_values_are_rounded_f32(self):
        a = ref.read_checkpoint(checkpoint("llama"))
        b = ref.read_checkpoint(checkpoint("llama", "--dtype", "bf16"))
        for name, (dt, w) in b.items():
            self.assertEqual(dt, "BF16", name)
            w32 = a[name][1]
            # round-to-nearest: error at most half a bf16 ulp (2^-8 relative)
            self.assertTrue(np.all(np.abs(w - w32) <= np.abs(w32) * 2.0 ** -8 + 1e-30), name)

    def test_fp8_weights_within_half_ulp(self):
        raw = ref.read_checkpoint(checkpoint("deepseek_v3", "--fp8"))
        f32 = ref.read_checkpoint(checkpoint("deepseek_v3"))
        with open(os.path.join(checkpoint("deepseek_v3", "--fp8"), "config.json")) as f:
            qc = json.load(f)["quantization_config"]
        self.assertEqual(qc, {"activation_scheme": "dynamic", "fmt": "e4m3",
                              "quant_method": "fp8", "weight_block_size": [128, 128]})
        quantized = [n for n, (dt, _) in raw.items() if dt == "F8_E4M3"]
        for must in ("model.layers.0.self_attn.q_a_proj.weight", "model.layers.0.self_attn.o_proj.weight",
                     "model.layers.0.mlp.down_proj.weight", "model.layers.1.mlp.experts.3.up_proj.weight",
                     "model.layers.1.mlp.shared_experts.gate_proj.weight"):
            self.assertIn(must, quantized)
        self.assertEqual(raw["model.layers.1.mlp.gate.weight"][0], "F32")   # router stays
        weights = ref.load_weights(checkpoint("deepseek_v3", "--fp8"),
                                   {"quantization_config": qc})
        for name in quantized:
            scale_dt, scale = raw[name + "_scale_inv"]
            n, k = raw[name][1].shape
            self.assertEqual(scale_dt, "F32")
            self.assertEqual(scale.shape, (math.ceil(n / 128), math.ceil(k / 128)))
            w, wq = f32[name][1].astype(np.float64), weights[name].astype(np.float64)
            # Each element's own block scale: half an e4m3 ulp (relative
            # 2^-4), or half the smallest subnormal's step, times it.
            s = np.repeat(np.repeat(scale.astype(np.float64), 128, 0), 128, 1)[:n, :k]
            bound = np.maximum(np.abs(w) * 2.0 ** -4, s * 2.0 ** -10) * (1 + 1e-6) + 1e-12
            self.assertTrue(np.all(np.abs(wq - w) <= bound), name)
            # Every block's largest value is scaled to e4m3's largest, 448.
            for bi in range(scale.shape[0]):
                for bj in range(scale.shape[1]):
                    block = wq[bi * 128:(bi + 1) * 128, bj * 128:(bj + 1) * 128]
                    sb = float(scale[bi, bj])
                    self.assertAlmostEqual(float(np.abs(block).max()), 448.0 * sb,
                                           delta=448.0 * sb * 1e-6)

    def test_fp8_model_close_to_f32(self):
        for fam in ["deepseek_v3", "deepseek_v3_noqlora"]:
            want = model(fam).forward(PROMPT)
            for flags in [("--fp8",), ("--fp8", "--dtype", "bf16")]:
                got = model(fam, *flags).forward(PROMPT)
                self.assertLess(rel_err(got, want), 0.3, (fam, flags))
                # Most greedy tokens must still agree.
                agree = (got.argmax(-1) == want.argmax(-1)).double().mean()
                self.assertGreaterEqual(float(agree), 0.7, (fam, flags))

    def test_e4m3_codec(self):
        table = ref.e4m3fn_table()
        self.assertEqual(table[0x7E], 448.0)
        self.assertEqual(table[0x08], 2.0 ** -6)
        self.assertEqual(table[0x01], 2.0 ** -9)
        self.assertEqual(table[0x38], 1.0)
        self.assertTrue(np.isnan(table[0x7F]) and np.isnan(table[0xFF]))
        self.assertFalse(np.isinf(table).any())
        # The generator's encoder (numpy, round-to-nearest-even) round-trips
        # every finite code and rounds ties to the even mantissa.
        sys.path.insert(0, os.path.dirname(MAKE))
        import make_checkpoint as mk
        finite = [c for c in range(256) if not np.isnan(table[c]) and c != 0x80]
        codes = mk.to_e4m3(table[finite].astype(np.float64))
        self.assertEqual(codes.tolist(), finite)
        mid = (1.0 + 1.125) / 2                                # tie between 0x38 and 0x39
        self.assertEqual(int(mk.to_e4m3(np.array([mid]))[0]), 0x38)
        mid = (1.125 + 1.25) / 2                               # tie between 0x39 and 0x3A
        self.assertEqual(int(mk.to_e4m3(np.array([-mid]))[0]), 0x80 | 0x3A)


class Attention(unittest.TestCase):
    def test_mla_naive_equals_absorbed(self):
        for fam in ["deepseek_v3", "deepseek_v3_noqlora"]:
            m = model(fam)
            a, b = m.forward(PROMPT), m.forward(PROMPT, mla_absorb=True)
            self.assertLess(float((a - b).abs().max()), 1e-5, fam)
            m64 = model(fam, dtype=torch.float64)
            a, b = m64.forward(PROMPT), m64.forward(PROMPT, mla_absorb=True)
            self.assertLess(float((a - b).abs().max()), 1e-6, fam)

    def test_interleaved_rope_equals_hf_deinterleave(self):
        """HF: view(d/2, 2).transpose then rotate-half; q·k must be the same."""
        torch.manual_seed(0)
        S, H, d = 9, 3, 8
        q, k = torch.randn(S, H, d, dtype=torch.float64), torch.randn(S, 1, d, dtype=torch.float64)
        cos, sin = ref.cos_sin(S, ref.rope_inv_freq(d, 10000.0, None), torch.float64, 1.3)

        def hf(x):
            x = x.view(S, x.shape[1], d // 2, 2).transpose(-1, -2).reshape(S, x.shape[1], d)
            c, s = torch.cat([cos, cos], -1)[:, None], torch.cat([sin, sin], -1)[:, None]
            rot = torch.cat([-x[..., d // 2:], x[..., :d // 2]], -1)
            return x * c + rot * s
        ours = torch.einsum("shd,td->hst", ref.rope_interleaved(q, cos, sin), ref.rope_interleaved(k, cos, sin)[:, 0])
        theirs = torch.einsum("shd,td->hst", hf(q), hf(k)[:, 0])
        self.assertLess(float((ours - theirs).abs().max()), 1e-12)

    def test_yarn_parameters(self):
        s = {"beta_fast": 32, "beta_slow": 1, "factor": 4, "mscale": 1.0, "mscale_all_dim": 1.0,
             "original_max_position_embeddings": 128, "type": "yarn"}
        inv, m = ref.yarn_inv_freq_and_mscale(8, 10000.0, s)
        base = 1.0 / 10000.0 ** (np.arange(0, 8, 2) / 8)
        # correction range: floor(-0.196) -> 0, ceil(1.309) -> 2; ramp [0, .5, 1, 1]
        want = np.array([base[0], 0.5 * base[1] + 0.5 * base[1] / 4, base[2] / 4, base[3] / 4])
        np.testing.assert_allclose(inv, want, rtol=1e-15)
        self.assertEqual(m, 1.0)
        self.assertAlmostEqual(24 ** -0.5 * ref.yarn_mscale(4, 1.0) ** 2,
                               (0.1 * math.log(4) + 1) ** 2 / math.sqrt(24), places=12)

    def test_llama3_frequencies(self):
        s = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
             "original_max_position_embeddings": 128, "rope_type": "llama3"}
        base = ref.rope_inv_freq(16, 500000.0, None)
        got = ref.rope_inv_freq(16, 500000.0, s)
        wavelen = 2 * math.pi / base
        for b, g, wl in zip(base, got, wavelen):
            if wl < 128 / 4:
                self.assertEqual(g, b)                         # high frequency: unchanged
            elif wl > 128 / 1:
                self.assertAlmostEqual(g, b / 8, delta=1e-18)  # low frequency: / factor
            else:
                smooth = (128 / wl - 1) / 3
                self.assertAlmostEqual(g, (1 - smooth) * b / 8 + smooth * b, delta=1e-15)
        self.assertTrue(any(wl > 128 for wl in wavelen) and any(wl < 32 for wl in wavelen))

    def test_router_against_loop_implementation(self):
        """Sigmoid/noaux_tc routing, written per token as in DeepSeek's Gate."""
        m = model("deepseek_v3")
        c = m.cfg
        torch.manual_seed(1)
        x = torch.randn(12, c["hidden_size"])
        weights, idx = m.route(1, x)
        W = m.w["model.layers.1.mlp.gate.weight"]
        bias = m.w["model.layers.1.mlp.gate.e_score_correction_bias"]
        E, G = c["n_routed_experts"], c["n_group"]
        per = E // G
        for t in range(x.shape[0]):
            scores = [1 / (1 + math.exp(-float(x[t] @ W[e]))) for e in range(E)]
            biased = [scores[e] + float(bias[e]) for e in range(E)]
            gs = [sum(sorted(biased[g * per:(g + 1) * per])[-2:]) for g in range(G)]
            keep = sorted(range(G), key=lambda g: -gs[g])[:c["topk_group"]]
            cand = [e for e in range(E) if e // per in keep]
            chosen = sorted(cand, key=lambda e: -biased[e])[:c["num_experts_per_tok"]]
            total = sum(scores[e] for e in chosen) + 1e-20
            want = {e: scores[e] / total * c["routed_scaling_factor"] for e in chosen}
            got = dict(zip(idx[t].tolist(), weights[t].tolist()))
            self.assertEqual(set(got), set(want))
            for e in want:
                self.assertAlmostEqual(got[e], want[e], places=5)


def lsh_loops(x, v, nh, nb, L, before, after, seed):
    """LSH attention walked literally: sort, chunk, attend; plain Python loops."""
    S, H, D = x.shape
    R = ref.lsh_rotations(seed, nh, H, D, nb).astype(np.float64)
    x, v = x.numpy(), v.numpy()
    out = np.zeros((S, H, D))
    for h in range(H):
        outs, lses = [], []
        for r in range(nh):
            buckets = []
            for p in range(S):
                proj = [sum(x[p, h, d] * R[r, h, d, j] for d in range(D)) for j in range(nb // 2)]
                vals = proj + [-a for a in proj]
                buckets.append(vals.index(max(vals)))
            order = sorted(range(S), key=lambda p: (buckets[p], p))
            chunks = [order[i:i + L] for i in range(0, S, L)]
            o, lse = np.zeros((S, D)), np.zeros(S)
            for c, chunk in enumerate(chunks):
                keys = [k for cc in range(max(0, c - before), min(len(chunks), c + after + 1))
                        for k in chunks[cc]]
                for q in chunk:
                    ks = [k for k in keys if k <= q]
                    sc = np.array([-1e5 if k == q else
                                   float(x[q, h] @ (x[k, h] / max(np.linalg.norm(x[k, h]), 1e-6))) / math.sqrt(D)
                                   for k in ks])
                    mx = sc.max()
                    lse[q] = mx + math.log(np.exp(sc - mx).sum())
                    o[q] = (np.exp(sc - lse[q])[:, None] * v[ks, h]).sum(0)
            outs.append(o)
            lses.append(lse)
        w = np.exp(np.array(lses) - np.array(lses).max(0))
        w /= w.sum(0)
        out[:, h] = sum(w[r][:, None] * outs[r] for r in range(nh))
    return torch.tensor(out)


class Lsh(unittest.TestCase):
    def test_splitmix64_vectors(self):
        self.assertEqual(ref.splitmix64(0), 0xE220A8397B1DCDAF)
        self.assertEqual(ref.splitmix64(0x9E3779B97F4A7C15), 0x6E789E6AA1B965F4)
        xs = [0, 1, 1234, (1 << 64) - 1, 0xDEADBEEFCAFEBABE]
        got = ref._splitmix64_np(np.array(xs, dtype=np.uint64)).tolist()
        self.assertEqual(got, [ref.splitmix64(x) for x in xs])

    def test_rotations(self):
        R = ref.lsh_rotations(1234, 2, 4, 16, 8)
        self.assertEqual(R.shape, (2, 4, 16, 4))
        self.assertEqual(R.dtype, np.float32)
        self.assertTrue(np.array_equal(R, ref.lsh_rotations(1234, 2, 4, 16, 8)))
        # Element i is a function of i alone: a smaller tensor is a prefix.
        self.assertTrue(np.array_equal(R[0].reshape(-1)[:64], ref.lsh_rotations(1234, 1, 1, 16, 8).reshape(-1)))
        big = ref.lsh_rotations(7, 4, 8, 64, 16)
        self.assertLess(abs(float(big.mean())), 0.05)
        self.assertLess(abs(float(big.std()) - 1.0), 0.05)
        # Element 0 by hand.
        s = ref.splitmix64(1234)
        a, b = ref.splitmix64(s), ref.splitmix64(s + 1)
        u1, u2 = ((a >> 11) + 1) * 2.0 ** -53, (b >> 11) * 2.0 ** -53
        self.assertEqual(R[0, 0, 0, 0], np.float32(math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)))

    def test_one_chunk_equals_dense_shared_qk(self):
        torch.manual_seed(2)
        S, H, D = 11, 3, 16
        x, v = torch.randn(S, H, D, dtype=torch.float64), torch.randn(S, H, D, dtype=torch.float64)
        dense = ref.shared_qk_attention(x, v)
        for nh, L in [(1, S), (2, S), (3, 64)]:
            got = ref.lsh_attention(x, v, nh, 8, L, 1, 0, 1234)
            self.assertLess(float((got - dense).abs().max()), 1e-12, (nh, L))
        # With small chunks LSH really drops keys.
        small = ref.lsh_attention(x, v, 2, 8, 2, 0, 0, 1234)
        self.assertGreater(float((small - dense).abs().max()), 1e-3)
        # The first position can only see itself.
        self.assertLess(float((small[0] - v[0]).abs().max()), 1e-12)

    def test_vectorized_equals_literal_walk(self):
        torch.manual_seed(3)
        S, H, D = 13, 2, 8
        x, v = torch.randn(S, H, D, dtype=torch.float64), torch.randn(S, H, D, dtype=torch.float64)
        for nb, L, before, after in [(4, 3, 1, 0), (8, 2, 1, 1), (6, 4, 0, 0), (8, 5, 2, 1)]:
            got = ref.lsh_attention(x, v, 2, nb, L, before, after, 99)
            want = lsh_loops(x, v, 2, nb, L, before, after, 99)
            self.assertLess(float((got - want).abs().max()), 1e-10, (nb, L, before, after))


class R1Extensions(unittest.TestCase):
    def test_memory_persists_and_reset_restores(self):
        m = model("r1ext")
        keys0 = m.memory[0][0].clone()
        first = m.forward(PROMPT)
        self.assertFalse(torch.equal(m.memory[0][0], keys0))       # updated at the end
        second = m.forward(PROMPT)
        self.assertGreater(float((first - second).abs().max()), 1e-4)
        m.reset()
        self.assertTrue(torch.equal(m.memory[0][0], keys0))
        self.assertTrue(torch.equal(m.forward(PROMPT), first))
        # The checkpoint tensors themselves are never modified.
        self.assertTrue(torch.equal(m.w["model.layers.0.memory.keys"], keys0))

    def test_memory_update_rule(self):
        m = model("r1ext")
        keys, values = (t.clone() for t in m.memory[0])
        torch.manual_seed(4)
        hs = torch.randn(5, m.hidden)
        m._memory_update({0: hs})
        for h in hs:                                               # literal rule
            slot = int(np.argmax((keys @ h).numpy()))
            keys[slot] = 0.9 * keys[slot] + 0.1 * h
            values[slot] = 0.9 * values[slot] + 0.1 * h
        self.assertTrue(torch.allclose(m.memory[0][0], keys) and torch.allclose(m.memory[0][1], values))

    def test_generate_updates_memory_over_fed_positions(self):
        # Memory layer 0 precedes the LSH layer, so its inputs are causal:
        # one generate call must leave the state a forward over the fed
        # tokens leaves.
        m = model("r1ext")
        out = m.generate(PROMPT[:6], 5)
        after_gen = [t.clone() for t in m.memory[0]]
        m.reset()
        m.forward(PROMPT[:6] + out[:-1])
        self.assertTrue(all(torch.allclose(a, b, atol=1e-6) for a, b in zip(after_gen, m.memory[0])))
        m.reset()
        out2, rows = m.generate(PROMPT[:6], 5, return_logits=True)
        self.assertEqual(out, out2)
        self.assertEqual(tuple(rows.shape), (11, 256))

    def test_layer_skip_is_mixed(self):
        m = model("r1ext")
        skip = m.r1["layer_skip"]
        real = m.forward(PROMPT)
        try:
            skip["threshold"] = 0.0                                 # no row skipped
            m.reset()
            never = m.forward(PROMPT)
            skip["threshold"] = 1.01                                # every row skipped
            m.reset()
            always = m.forward(PROMPT)
        finally:
            skip["threshold"] = 0.5
        self.assertGreater(float((real - never).abs().max()), 1e-4)
        self.assertGreater(float((real - always).abs().max()), 1e-4)

    def test_encoders_and_classification(self):
        m = model("r1ext")
        rng = np.random.default_rng(0)
        image = rng.standard_normal((3, 16, 16)).astype(np.float32)
        audio = rng.standard_normal(200).astype(np.float32)
        self.assertEqual(tuple(m.context(image, None).shape), (16, 64))
        self.assertEqual(tuple(m.context(None, audio).shape), ((200 - 32) // 16 + 1, 64))
        self.assertEqual(tuple(m.context(image, audio).shape), (16 + 11, 64))
        self.assertIsNone(m.context(None, audio[:20]))              # too short: no frame
        plain = m.forward(PROMPT)
        m.reset()
        both = m.forward(PROMPT, image, audio)
        m.reset()
        self.assertGreater(float((both - plain).abs().max()), 1e-3)
        self.assertTrue(torch.equal(m.forward(PROMPT, None, audio[:20]), plain))
        m.reset()
        labels = m.classify(PROMPT, image, audio)
        self.assertEqual(tuple(labels.shape), (3,))
        self.assertEqual(labels.dtype, torch.float32)
        # Last-position pooling: appending a token changes it, the head is linear.
        m.reset()
        hidden, _ = m._hidden(PROMPT, image, audio)
        self.assertTrue(torch.allclose(labels, hidden[-1] @ m.w["score.weight"].T))

    def test_cli(self):
        d = checkpoint("r1ext")
        rng = np.random.default_rng(1)
        img, aud, npy = (os.path.join(_TMP.name, n) for n in ("img.npy", "aud.npy", "logits.npy"))
        np.save(img, rng.standard_normal((3, 16, 16)).astype(np.float32))
        np.save(aud, rng.standard_normal(100).astype(np.float32))
        r = subprocess.run([sys.executable, os.path.join(HERE, "r1_reference.py"), d,
                            "--tokens", "1,2,3,4", "-n", "5", "--dump-logits", npy,
                            "--image", img, "--audio", aud, "--classify"],
                           check=True, capture_output=True, text=True)
        lines = dict(line.split(": ", 1) for line in r.stdout.strip().splitlines())
        gen = [int(t) for t in lines["generated"].split(",")]
        self.assertEqual(len(gen), 5)
        self.assertAlmostEqual(sum(float(p) for p in lines["probabilities"].split(",")), 1.0, places=5)
        logits = np.load(npy)
        self.assertEqual((logits.shape, logits.dtype), ((9, 256), np.float32))
        m = model("r1ext")
        out, rows = m.generate([1, 2, 3, 4], 5, np.load(img), np.load(aud), return_logits=True)
        self.assertEqual(gen, out)
        np.testing.assert_allclose(logits, rows.numpy(), atol=1e-5)



class PrefillThenDecode(unittest.TestCase):
    """generate() computes each position once, as a KV cache does."""

    def test_equals_one_long_forward_without_lsh(self):
        for family in ["llama", "qwen2", "deepseek_v3"]:
            m = model(family, dtype=torch.float64)
            out, logits = m.generate(PROMPT[:5], 6, return_logits=True)
            full = m.forward(PROMPT[:5] + out)
            self.assertLess(float((logits - full).abs().max()), 1e-8, family)

    def test_lsh_prompt_rows_match_the_prompt_forward(self):
        m = model("r1ext", dtype=torch.float64)
        first = m.forward(PROMPT[:9])
        m.reset()
        out, logits = m.generate(PROMPT[:9], 5, return_logits=True)
        self.assertEqual(tuple(logits.shape), (14, 256))
        self.assertLess(float((logits[:9] - first).abs().max()), 1e-8)


def main():
    verbose = "-v" in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    loader = unittest.TestLoader()
    suite = (loader.loadTestsFromNames(names, sys.modules[__name__]) if names
             else loader.loadTestsFromModule(sys.modules[__name__]))
    passed, failed, skipped = 0, 0, 0
    for test in _flatten(suite):
        result = unittest.TestResult()
        test.run(result)
        problems = result.failures + result.errors
        if result.skipped and not problems:
            skipped += 1
            print(f"skip {test.id()}: {result.skipped[0][1]}")
        elif problems:
            failed += 1
            print(f"FAIL {test.id()}")
            for _, tb in problems:
                print(tb)
        else:
            passed += 1
            if verbose:
                print(f"ok   {test.id()}")
    _TMP.cleanup()
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:                                              # pragma: no cover
        traceback.print_exc()
        sys.exit(2)
