#!/usr/bin/python3
"""Independent reference forward passes for the runtime's newer families (Qwen3, Gemma 2, Gemma 3 text, Phi-3) and for
Llama with attention_bias (biases on q, k, v and o_proj, as transformers' LlamaAttention has them), written
from the architectures' definitions (transformers' modeling files read for semantics; no code shared with evomerge or
transformers), on small random checkpoints this script also writes:
  /usr/bin/python3 scripts/goldens/architectures.py src/test/resources/dev/evomerge/model/arch
Made with torch 1.13.0 and numpy 1.24.2. Weights are random, rounded to bfloat16 and stored as BF16 safetensors; the
reference computes in float64 from those values, one sequence at a time, no cache, naive per-head attention loops.
Each <family>/ gets config.json, model.safetensors and golden.json: per-token log p(next token) of a few random
sequences (longer than the sliding windows) and greedy continuations (full recomputation each step), with the
smallest top-1/top-2 logit margin met while generating (so a float32 runtime cannot flip a tie).
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

F64 = torch.float64

FAMILIES = {
    # head_dim 12 differs from hidden/heads = 8: Qwen3 takes it from the config.
    "qwen3": dict(model_type="qwen3", architectures=["Qwen3ForCausalLM"], vocab_size=64, hidden_size=32,
                  intermediate_size=40, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  head_dim=12, hidden_act="silu", rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=64,
                  tie_word_embeddings=False, attention_bias=False, use_sliding_window=False, sliding_window=4,
                  bos_token_id=1, eos_token_id=2, torch_dtype="bfloat16"),
    # Small caps so that soft-capping changes the numbers; query_pre_attn_scalar differs from head_dim; layer types
    # from the default alternation (no layer_types key).
    "gemma2": dict(model_type="gemma2", architectures=["Gemma2ForCausalLM"], vocab_size=64, hidden_size=32,
                   intermediate_size=40, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                   head_dim=8, hidden_activation="gelu_pytorch_tanh", hidden_act="gelu_pytorch_tanh",
                   rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=64, query_pre_attn_scalar=12,
                   attn_logit_softcapping=2.0, final_logit_softcapping=3.0, sliding_window=4,
                   tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, torch_dtype="bfloat16"),
    # Explicit layer_types; a local rotary base far from the global one, and linear scaling on global layers only.
    "gemma3_text": dict(model_type="gemma3_text", architectures=["Gemma3ForCausalLM"], vocab_size=64, hidden_size=32,
                        intermediate_size=40, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=1,
                        head_dim=16, hidden_activation="gelu_pytorch_tanh", rms_norm_eps=1e-6, rope_theta=1000000.0,
                        rope_local_base_freq=100.0, rope_scaling={"rope_type": "linear", "factor": 4.0},
                        max_position_embeddings=64, query_pre_attn_scalar=16, attn_logit_softcapping=None,
                        final_logit_softcapping=None, sliding_window=4,
                        layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                        tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, torch_dtype="bfloat16"),
    "phi3": dict(model_type="phi3", architectures=["Phi3ForCausalLM"], vocab_size=64, hidden_size=32,
                 intermediate_size=40, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 hidden_act="silu", rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling=None,
                 max_position_embeddings=64, original_max_position_embeddings=64, sliding_window=5,
                 tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, torch_dtype="bfloat16"),
    "llama_bias": dict(model_type="llama", architectures=["LlamaForCausalLM"], vocab_size=64, hidden_size=32,
                       intermediate_size=40, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       hidden_act="silu", rms_norm_eps=1e-5, rope_theta=10000.0, max_position_embeddings=64,
                       attention_bias=True, mlp_bias=False, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
                       torch_dtype="bfloat16"),
}
SEEDS = {"qwen3": 3, "gemma2": 2, "gemma3_text": 33, "phi3": 4, "llama_bias": 5}


def head_dim(c):
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def tensor_shapes(c):
    """Hugging Face names and shapes of every tensor of the family."""
    t = c["model_type"]
    h, f, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    d = head_dim(c)
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    gemma = t.startswith("gemma")
    out = {"model.embed_tokens.weight": (v, h)}
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        out[p + "input_layernorm.weight"] = (h,)
        if t == "phi3":
            out[p + "self_attn.qkv_proj.weight"] = (q + 2 * kv, h)
        else:
            out[p + "self_attn.q_proj.weight"] = (q, h)
            out[p + "self_attn.k_proj.weight"] = (kv, h)
            out[p + "self_attn.v_proj.weight"] = (kv, h)
        if c.get("attention_bias"):
            for proj, n in (("q", q), ("k", kv), ("v", kv), ("o", h)):
                out[p + f"self_attn.{proj}_proj.bias"] = (n,)
        if t in ("qwen3", "gemma3_text"):
            out[p + "self_attn.q_norm.weight"] = (d,)
            out[p + "self_attn.k_norm.weight"] = (d,)
        out[p + "self_attn.o_proj.weight"] = (h, q)
        out[p + "post_attention_layernorm.weight"] = (h,)
        if gemma:
            out[p + "pre_feedforward_layernorm.weight"] = (h,)
            out[p + "post_feedforward_layernorm.weight"] = (h,)
        if t == "phi3":
            out[p + "mlp.gate_up_proj.weight"] = (2 * f, h)
        else:
            out[p + "mlp.gate_proj.weight"] = (f, h)
            out[p + "mlp.up_proj.weight"] = (f, h)
        out[p + "mlp.down_proj.weight"] = (h, f)
    out["model.norm.weight"] = (h,)
    if not c["tie_word_embeddings"]:
        out["lm_head.weight"] = (v, h)
    return out


def random_weights(c, seed):
    """N(0, 0.2) matrices; norms N(1, 0.1), or N(0, 0.1) for Gemma whose norms multiply by (1 + w); bf16-rounded."""
    g = torch.Generator().manual_seed(seed)
    gemma = c["model_type"].startswith("gemma")
    w = {}
    for name, shape in tensor_shapes(c).items():
        x = torch.randn(shape, generator=g, dtype=torch.float32)
        if name.endswith("norm.weight"):
            x = x * 0.1 + (0.0 if gemma else 1.0)
        else:
            x = x * 0.2
        w[name] = x.to(torch.bfloat16)
    return w


def write_safetensors(path, weights):
    header, blobs, offset = {}, [], 0
    for name, t in weights.items():
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(text)))
        fh.write(text)
        for b in blobs:
            fh.write(b)


def rms_norm(x, w, eps, gemma):
    y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)
    return y * (1.0 + w) if gemma else y * w


def rotate(x, positions, theta, linear):
    """x [T, heads, D]: pairs (i, i + D/2) turned by angle pos * theta^(-2i/D) / linear."""
    d = x.shape[-1]
    half = d // 2
    out = x.clone()
    for i in range(half):
        freq = theta ** (-2.0 * i / d) / linear
        ang = positions * freq
        c, s = torch.cos(ang)[:, None], torch.sin(ang)[:, None]
        a, b = x[:, :, i], x[:, :, i + half]
        out[:, :, i] = a * c - b * s
        out[:, :, i + half] = b * c + a * s
    return out


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1.0 + torch.exp(-x))


def is_sliding(c, layer):
    t = c["model_type"]
    if t == "gemma2":
        return layer % 2 == 0  # Gemma 2 paper: local and global layers alternate, starting local
    if t == "gemma3_text":
        return c["layer_types"][layer] == "sliding_attention"
    if t == "phi3":
        return True  # Mistral's window on every layer
    return False


def forward(c, w, tokens):
    """Logits [T, V] (float64) of one sequence at positions 0..T-1."""
    t = c["model_type"]
    gemma = t.startswith("gemma")
    W = {k: v.to(F64) for k, v in w.items()}
    n = len(tokens)
    h, f = c["hidden_size"], c["intermediate_size"]
    nh, nkv, d = c["num_attention_heads"], c["num_key_value_heads"], head_dim(c)
    eps = c["rms_norm_eps"]
    pos = torch.arange(n, dtype=F64)
    x = W["model.embed_tokens.weight"][torch.tensor(tokens)]
    if gemma:
        x = x * math.sqrt(h)
    scale = (c["query_pre_attn_scalar"] if gemma else d) ** -0.5
    attn_cap = c.get("attn_logit_softcapping") if t == "gemma2" else None
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a_in = rms_norm(x, W[p + "input_layernorm.weight"], eps, gemma)
        if t == "phi3":
            qkv = a_in @ W[p + "self_attn.qkv_proj.weight"].T
            q, k, v = qkv[:, :nh * d], qkv[:, nh * d:(nh + nkv) * d], qkv[:, (nh + nkv) * d:]
        else:
            q = a_in @ W[p + "self_attn.q_proj.weight"].T
            k = a_in @ W[p + "self_attn.k_proj.weight"].T
            v = a_in @ W[p + "self_attn.v_proj.weight"].T
        if c.get("attention_bias"):
            q = q + W[p + "self_attn.q_proj.bias"]
            k = k + W[p + "self_attn.k_proj.bias"]
            v = v + W[p + "self_attn.v_proj.bias"]
        q, k, v = q.reshape(n, nh, d), k.reshape(n, nkv, d), v.reshape(n, nkv, d)
        if t in ("qwen3", "gemma3_text"):
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps, gemma)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps, gemma)
        sliding = is_sliding(c, l)
        theta, linear = c["rope_theta"], 1.0
        if t == "gemma3_text":
            if sliding:
                theta = c["rope_local_base_freq"]
            elif c.get("rope_scaling"):
                linear = c["rope_scaling"]["factor"]
        q, k = rotate(q, pos, theta, linear), rotate(k, pos, theta, linear)
        out = torch.zeros(n, nh, d, dtype=F64)
        for head in range(nh):
            g = head // (nh // nkv)
            for i in range(n):
                scores = []
                for j in range(i + 1):
                    if sliding and i - j >= c["sliding_window"]:
                        continue
                    s = float((q[i, head] * k[j, g]).sum()) * scale
                    if attn_cap:
                        s = attn_cap * math.tanh(s / attn_cap)
                    scores.append((j, s))
                m = max(s for _, s in scores)
                z = sum(math.exp(s - m) for _, s in scores)
                for j, s in scores:
                    out[i, head] += math.exp(s - m) / z * v[j, g]
        a = out.reshape(n, nh * d) @ W[p + "self_attn.o_proj.weight"].T
        if c.get("attention_bias"):
            a = a + W[p + "self_attn.o_proj.bias"]
        if gemma:
            a = rms_norm(a, W[p + "post_attention_layernorm.weight"], eps, True)
        x = x + a
        m_in = rms_norm(x, W[p + ("pre_feedforward_layernorm.weight" if gemma else "post_attention_layernorm.weight")],
                        eps, gemma)
        if t == "phi3":
            gu = m_in @ W[p + "mlp.gate_up_proj.weight"].T
            gate, up = gu[:, :f], gu[:, f:]
        else:
            gate = m_in @ W[p + "mlp.gate_proj.weight"].T
            up = m_in @ W[p + "mlp.up_proj.weight"].T
        act = gelu_tanh(gate) if gemma else silu(gate)
        mlp = (act * up) @ W[p + "mlp.down_proj.weight"].T
        if gemma:
            mlp = rms_norm(mlp, W[p + "post_feedforward_layernorm.weight"], eps, True)
        x = x + mlp
    x = rms_norm(x, W["model.norm.weight"], eps, gemma)
    head_w = W["model.embed_tokens.weight"] if c["tie_word_embeddings"] else W["lm_head.weight"]
    logits = x @ head_w.T
    cap = c.get("final_logit_softcapping") if gemma else None
    if cap:
        logits = cap * torch.tanh(logits / cap)
    return logits


def main(out_dir):
    # Self-check of the hand-written activation against torch's own tanh-approximated GELU.
    probe = torch.linspace(-6, 6, 101, dtype=F64)
    assert torch.allclose(gelu_tanh(probe), torch.nn.functional.gelu(probe, approximate="tanh"), atol=1e-12)
    for name, c in FAMILIES.items():
        seed = SEEDS[name]
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        w = random_weights(c, seed)
        write_safetensors(os.path.join(d, "model.safetensors"), w)
        with open(os.path.join(d, "config.json"), "w") as fh:
            json.dump(c, fh, indent=2)
            fh.write("\n")
        rng = np.random.default_rng(seed)
        v = c["vocab_size"]
        sequences = [[1] + rng.integers(3, v, size=n - 1).tolist() for n in (13, 9, 16)]
        scored = []
        for s in sequences:
            lp = torch.log_softmax(forward(c, w, s), -1)
            scored.append([float(lp[i, s[i + 1]]) for i in range(len(s) - 1)])
        prompts = [[1] + rng.integers(3, v, size=n - 1).tolist() for n in (6, 3)]
        generated, margin = [], float("inf")
        for p in prompts:
            seq, new = list(p), []
            for _ in range(10):
                logits = forward(c, w, seq)[-1]
                top = torch.topk(logits, 2).values
                margin = min(margin, float(top[0] - top[1]))
                nxt = int(torch.argmax(logits))
                new.append(nxt)
                seq.append(nxt)
            generated.append(new)
        golden = {"source": "scripts/goldens/architectures.py (torch " + torch.__version__ + ")",
                  "tolerance": 1e-4, "sequences": sequences, "log_probs": scored, "prompts": prompts,
                  "generated": generated, "min_greedy_margin": margin}
        with open(os.path.join(d, "golden.json"), "w") as fh:
            json.dump(golden, fh, indent=1)
            fh.write("\n")
        print(name, "min greedy margin", round(margin, 4), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
