#!/usr/bin/python3
"""PyTorch baseline for `evomerge bench merge`: mergekit's per-tensor operations done in torch on the same
safetensors files, to disk (one BF16 safetensors file, fsync), so the Java engine can be compared with what
mergekit's torch code costs on the same machine. Not mergekit itself (no lazy loader, no graph, no sharding):
a lower bound on mergekit's time, float32 compute as mergekit's default on CPU.

  /usr/bin/python3 scripts/bench/torch_merge.py METHOD OUT_FILE THREADS BASE_DIR MODEL_DIR...

Prints "seconds S" (from the first read to the fsync, imports excluded). Written against torch 1.13.0 and numpy
1.24.2; needs no safetensors package (the format is read and written here).
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch


def open_st(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    return header, data


def tensor(st, name):
    header, data = st
    h = header[name]
    a, b = h["data_offsets"]
    raw = data[a:b]
    if h["dtype"] == "BF16":
        t = torch.from_numpy(np.frombuffer(raw, dtype=np.int16).copy()).view(torch.bfloat16)
    elif h["dtype"] == "F16":
        t = torch.from_numpy(np.frombuffer(raw, dtype=np.float16).copy())
    else:
        t = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).copy())
    return t.reshape(h["shape"]).float()


def magnitude_mask(d, density):
    k = int(density * d.numel())
    if k <= 0:
        return torch.zeros_like(d, dtype=torch.bool)
    w = d.abs().view(-1)
    topk = torch.argsort(w, descending=True)[:k]
    mask = torch.zeros_like(w, dtype=torch.bool)
    mask[topk] = True
    return mask.view(d.shape)


def rescale(d, masked):
    before, after = d.abs().sum(), masked.abs().sum()
    if before < 1e-7 or after < 1e-7:
        return masked
    return masked * (before / after)


def della_mask(d, density, epsilon, gen):
    rows = d.view(d.shape[0], -1) if d.dim() > 1 else d.view(1, -1)
    ranks = torch.argsort(torch.argsort(rows.abs(), dim=1), dim=1).float()
    probs = ranks / max(rows.shape[1] - 1, 1) * 2 * epsilon + (density - epsilon)
    return (torch.rand(rows.shape, generator=gen) < probs).view(d.shape)


def task_arithmetic(method, base, xs, weight=0.4, density=0.5):
    gen = torch.Generator().manual_seed(1)
    ds = []
    for x in xs:
        d = x - base
        if method in ("ties", "breadcrumbs_ties", "breadcrumbs"):
            d = d * magnitude_mask(d, density)
        elif method in ("dare_ties", "dare_linear"):
            d = rescale(d, d * torch.bernoulli(torch.full_like(d, density), generator=gen))
        elif method in ("della", "della_linear"):
            d = rescale(d, d * della_mask(d, density, 0.15, gen))
        ds.append(d * weight)
    stacked = torch.stack(ds)
    w = torch.full((len(xs),) + (1,) * base.dim(), weight)
    if method in ("ties", "dare_ties", "breadcrumbs_ties", "della"):
        sign = torch.sign(stacked.sum(dim=0))
        sign[sign == 0] = 1
        mask = torch.sign(stacked) == sign
        mixed = (stacked * mask).sum(dim=0)
        divisor = (w * mask).sum(dim=0)
        divisor[divisor == 0] = 1
        if method != "dare_ties":
            mixed = mixed / divisor
    else:
        mixed = stacked.sum(dim=0)
    return base + mixed


def slerp(t, v0, v1):
    a, b = v0 / max(v0.norm(), 1e-8), v1 / max(v1.norm(), 1e-8)
    dot = (a * b).sum()
    if dot.abs() > 0.9995:
        return (1 - t) * v0 + t * v1
    theta = torch.acos(dot)
    s = torch.sin(theta)
    return torch.sin((1 - t) * theta) / s * v0 + torch.sin(t * theta) / s * v1


def model_stock(base, xs):
    offsets = [x - base for x in xs]
    cos = []
    for i in range(len(offsets)):
        for j in range(i + 1, len(offsets)):
            a, b = offsets[i].view(-1), offsets[j].view(-1)
            cos.append(torch.clamp((a @ b) / max((a.norm() * b.norm()).item(), 1e-6), -1, 1))
    c = torch.stack(cos).mean()
    n = len(xs)
    t = n * c / (1 + (n - 1) * c)
    return t * torch.stack(xs).mean(dim=0) + (1 - t) * base


def nearswap(t, a, b):
    w = (t / (a - b).abs().clamp_min(1e-6)).clamp(0, 1)
    return w * b + (1 - w) * a


def multislerp(base, xs, eps=1e-8):
    """mergekit multislerp.py with equal weights, task vectors from the base."""
    w = torch.full((len(xs),), 1.0 / len(xs))
    flat = torch.stack([(x - base).view(-1) for x in xs])
    norms = flat.norm(dim=-1, keepdim=True)
    unit = flat / (norms + eps)
    mean = (unit * w[:, None]).sum(0)
    mean = mean / mean.norm()
    dots = unit @ mean
    tangent = ((unit - dots[:, None] * mean) * w[:, None]).sum(0)
    tn = tangent.norm()
    res = mean if tn < eps else torch.cos(tn) * mean + torch.sin(tn) * tangent / tn
    return base + (res * (norms.squeeze(-1) * w).sum()).view(base.shape)


def karcher(xs, max_iter=10, tol=1e-5):
    """mergekit karcher.py: Riemannian mean of the directions, scaled by the mean norm."""
    norms = [x.norm() for x in xs]
    units = [x / n for x, n in zip(xs, norms)]
    a = [1.0 / len(xs)] * len(xs)
    u = sum(ai * ui for ai, ui in zip(a, units))
    u = u / u.norm()
    for _ in range(max_iter):
        t = torch.zeros_like(u)
        for ai, ui in zip(a, units):
            cos = torch.clamp((u * ui).sum(), -1, 1)
            theta = torch.acos(cos)
            if theta < tol:
                continue
            t += ai * (theta / torch.sin(theta)) * (ui - cos * u)
        tn = t.norm()
        if tn < tol:
            break
        u = torch.cos(tn) * u + torch.sin(tn) * t / tn
        u = u / u.norm()
    return u * (sum(norms) / len(norms))


def sce(base, xs, topk=0.5):
    """mergekit sce.py: top-k variance mask, mean-square weights, TIES sign election."""
    d = torch.stack([x - base for x in xs])
    if topk < 1:
        var = torch.var(d, dim=0, unbiased=False)
        nonzero = int((var != 0).sum())
        k = int(nonzero * topk)
        mask = torch.zeros_like(var, dtype=torch.bool).view(-1)
        if k > 0:
            mask[torch.topk(var.abs().view(-1), k=k).indices] = True
        d = d * mask.view(var.shape)
    w = (d ** 2).mean(dim=tuple(range(1, d.dim())))
    w = w / w.sum() if w.sum().abs() >= 1e-6 else torch.full_like(w, 1.0 / len(xs))
    sign = torch.sign(d.sum(dim=0))
    sign[sign == 0] = 1
    erase = torch.sign(d) == sign
    ww = w.view((-1,) + (1,) * (d.dim() - 1)) * erase
    return base + (d * ww).sum(dim=0) / ww.sum(dim=0).clamp_min(1e-6)


def ram(base, xs, plus=False, eps=1e-5, r=0.1, alpha=0.2):
    """mergekit ram.py (ram, ramplus_tl): unique deltas whole, shared ones averaged over the models changing them."""
    d = torch.stack([x - base for x in xs])
    sig = d.abs() > eps
    c = sig.sum(dim=0)
    lam = torch.ones(len(xs))
    if plus:
        shared = (sig & (c > 1)).view(len(xs), -1).sum(dim=1).float()
        unique = (sig & (c == 1)).view(len(xs), -1).sum(dim=1).float()
        lam = 1 + r * torch.clamp(shared / unique.clamp_min(eps), 0, alpha)
    lam = lam.view((-1,) + (1,) * base.dim())
    contrib = torch.where(c == 1, lam * d, d / c.clamp_min(1)) * sig
    return base + contrib.sum(dim=0)


def arcee_fusion(a, b):
    """mergekit arcee_fusion.py: per-row KL importance, median + 1.5 IQR threshold (quantiles of 1e6 samples)."""
    rows_a = a.view(-1, a.shape[-1])
    rows_b = b.view(-1, b.shape[-1])
    p = torch.softmax(rows_b, dim=-1) + 1e-8
    q = torch.softmax(rows_a, dim=-1) + 1e-8
    kl = (p * torch.log(p / q)).sum(dim=-1, keepdim=True)
    importance = ((rows_b - rows_a).abs() * kl).view(-1)
    sample = importance
    if importance.numel() > 1_000_000:
        sample = importance[torch.randperm(importance.numel())[:1_000_000]]
    median, q1, q3 = (torch.quantile(sample, q) for q in (0.5, 0.25, 0.75))
    mask = (importance >= median + 1.5 * (q3 - q1)).view(a.shape)
    return a + (b - a) * mask


def merge(method, base, xs):
    if method == "linear":
        return sum(x * 1.0 for x in [base] + xs) / (len(xs) + 1)
    if method == "slerp":
        return slerp(0.4, base, xs[0])
    if method == "nuslerp":
        return base + slerp(0.5, xs[0] - base, xs[1] - base)
    if method == "model_stock":
        return model_stock(base, xs)
    if method == "nearswap":
        return nearswap(0.001, base, xs[0])
    if method == "multislerp":
        return multislerp(base, xs)
    if method == "karcher":
        return karcher(xs)
    if method == "sce":
        return sce(base, xs)
    if method in ("ram", "ramplus_tl"):
        return ram(base, xs, plus=method == "ramplus_tl")
    if method == "arcee_fusion":
        return arcee_fusion(base, xs[0])
    return task_arithmetic(method, base, xs)


def main():
    method, out_path, threads, base_dir, *model_dirs = sys.argv[1:]
    torch.set_num_threads(int(threads))
    if method in ("slerp", "nearswap", "arcee_fusion"):
        model_dirs = model_dirs[:1]
    elif method == "nuslerp":
        model_dirs = model_dirs[:2]
    t0 = time.time()
    base = open_st(os.path.join(base_dir, "model.safetensors"))
    models = [open_st(os.path.join(m, "model.safetensors")) for m in model_dirs]
    names = list(base[0].keys())
    header, offset, shapes = {}, 0, {}
    for name in names:
        n = math.prod(base[0][name]["shape"]) * 2
        header[name] = {"dtype": "BF16", "shape": base[0][name]["shape"], "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(out_path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in names:
            out = merge(method, tensor(base, name), [tensor(m, name) for m in models])
            f.write(out.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
        f.flush()
        os.fsync(f.fileno())
    print("seconds %.3f" % (time.time() - t0))


if __name__ == "__main__":
    main()
