"""Golden LoRA folds for LoraFoldTest, computed independently in float64 with numpy.

Made with /usr/bin/python3 (numpy 1.24.2; torch 1.13.0a0 present but unused):
    cd src/test/resources/dev/evomerge/checkpoint/lora && /usr/bin/python3 make_goldens.py

PEFT's merge_and_unload semantics, written from its documentation:
  Linear:              W[out, in] + s * (B[out, r] @ A[r, in])
  fan_in_fan_out:      W[in, out] + s * (B @ A).T            (GPT-2 Conv1D stores weights transposed)
  Embedding:           W[num, dim] + s * (B[dim, r] @ A[r, num]).T   (keys lora_embedding_A / lora_embedding_B)
  s = alpha / r, or alpha / sqrt(r) with use_rslora; r and alpha per module from rank_pattern / alpha_pattern.
  modules_to_save: the adapter's tensor replaces the base's.
"""
import json
import struct

import numpy as np

rng = np.random.default_rng(20261206)
P = "base_model.model."


def write(path, tensors):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        dt = {np.float32: "F32", np.float64: "F64"}[arr.dtype.type]
        b = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


H, V, Q, KV = 16, 32, 24, 8
base = {
    "model.embed_tokens.weight": f32(V, H),
    "model.layers.0.self_attn.q_proj.weight": f32(Q, H),
    "model.layers.0.self_attn.k_proj.weight": f32(KV, H),
    "model.layers.0.self_attn.v_proj.weight": f32(KV, H),
    "model.layers.0.attn.c_attn.weight": f32(H, 3 * H),  # Conv1D layout [in, out]
    "model.norm.weight": f32(H),
    "lm_head.weight": f32(V, H),
}
write("base/model.safetensors", base)
with open("base/config.json", "w") as f:
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": 1,
               "hidden_size": H, "vocab_size": V}, f, indent=1)


def d(name):
    return base[name].astype(np.float64)


def adapter(dirname, config, tensors, expected):
    with open(dirname + "/adapter_config.json", "w") as f:
        json.dump(config, f, indent=1)
    write(dirname + "/adapter_model.safetensors", tensors)
    write(dirname + "/expected.safetensors", expected)


# r 4, alpha 8, plain: s = 2 on q and v.
t, e = {}, {}
for m, out in (("q_proj", Q), ("v_proj", KV)):
    key = "model.layers.0.self_attn." + m
    a, b = f32(4, H), f32(out, 4)
    t[P + key + ".lora_A.weight"], t[P + key + ".lora_B.weight"] = a, b
    e[key + ".weight"] = d(key + ".weight") + (8 / 4) * (b.astype(np.float64) @ a.astype(np.float64))
adapter("r4", {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"],
               "fan_in_fan_out": False, "use_rslora": False}, t, e)

# r 8 with rslora (s = 16 / sqrt(8)); v_proj at rank 2 with alpha 4 by pattern (s = 4 / sqrt(2)); the embedding
# adapted; lm_head replaced (modules_to_save).
t, e = {}, {}
q = "model.layers.0.self_attn.q_proj"
a, b = f32(8, H), f32(Q, 8)
t[P + q + ".lora_A.weight"], t[P + q + ".lora_B.weight"] = a, b
e[q + ".weight"] = d(q + ".weight") + (16 / np.sqrt(8)) * (b.astype(np.float64) @ a.astype(np.float64))
v = "model.layers.0.self_attn.v_proj"
a, b = f32(2, H), f32(KV, 2)
t[P + v + ".lora_A.weight"], t[P + v + ".lora_B.weight"] = a, b
e[v + ".weight"] = d(v + ".weight") + (4 / np.sqrt(2)) * (b.astype(np.float64) @ a.astype(np.float64))
emb = "model.embed_tokens"
a, b = f32(8, V), f32(H, 8)
t[P + emb + ".lora_embedding_A"], t[P + emb + ".lora_embedding_B"] = a, b
e[emb + ".weight"] = d(emb + ".weight") + (16 / np.sqrt(8)) * (b.astype(np.float64) @ a.astype(np.float64)).T
head = f32(V, H)
t[P + "lm_head.weight"] = head
e["lm_head.weight"] = head.astype(np.float64)
adapter("r8-rslora", {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "use_rslora": True,
                      "target_modules": ["q_proj", "v_proj", "embed_tokens"], "modules_to_save": ["lm_head"],
                      "rank_pattern": {"v_proj": 2}, "alpha_pattern": {"v_proj": 4}}, t, e)

# fan_in_fan_out on a Conv1D weight, r 4, alpha 4 (s = 1).
t, e = {}, {}
c = "model.layers.0.attn.c_attn"
a, b = f32(4, H), f32(3 * H, 4)
t[P + c + ".lora_A.weight"], t[P + c + ".lora_B.weight"] = a, b
e[c + ".weight"] = d(c + ".weight") + 1.0 * (b.astype(np.float64) @ a.astype(np.float64)).T
adapter("fan-in-fan-out", {"peft_type": "LORA", "r": 4, "lora_alpha": 4, "fan_in_fan_out": True,
                           "target_modules": ["c_attn"]}, t, e)
