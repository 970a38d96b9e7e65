#!/usr/bin/python3
"""Independent references for evomerge's newer merge methods (mergekit semantics), written from the methods'
definitions, and the golden file the Java tests read:
  /usr/bin/python3 scripts/goldens/merge_methods.py > src/test/resources/dev/evomerge/merge/methods/goldens.json
Made with torch 1.13.0 and numpy 1.24.2. Element-wise methods are computed in float32 in mergekit's order (the
Java result must match bit for bit); whole-tensor methods are computed in float64 from float32 inputs (the Java
result, float32 with double statistics, must match within the stated tolerance).
"""
import json
import math

import numpy as np
import torch


def f32(a):
    return torch.tensor(np.asarray(a, dtype=np.float32))


def nearswap(base, models, t):
    a, b = base, models[0]
    w = (torch.tensor(t, dtype=torch.float32) / (a - b).abs().clamp(min=1e-6)).clamp(0, 1)
    return w * b + (1 - w) * a


def multislerp(base, models, weights, normalize_weights=True, eps=1e-8):
    # Barycentric interpolation on the sphere (Goddard's multislerp): tangent space at the weighted mean direction.
    x = torch.stack([m.double() for m in models])
    b = None if base is None else base.double()
    if len(models) == 1:
        return models[0].double()
    if b is not None:
        x = x - b
    w = torch.tensor(weights, dtype=torch.float64)
    if normalize_weights:
        w = w / w.sum()
    flat = x.reshape(len(models), -1)
    norms = flat.norm(dim=-1, keepdim=True)
    units = flat / (norms + eps)
    mean = (units * w.view(-1, 1)).sum(0)
    mn = mean.norm()
    if mn < eps:
        assert len(models) == 2
        r = (flat[0] * w[0] + flat[1] * w[1]).reshape(models[0].shape)
        return r if b is None else r + b
    mean = mean / mn
    dots = (units * mean).sum(-1, keepdim=True)
    tangent = ((units - dots * mean) * w.view(-1, 1)).sum(0)
    tn = tangent.norm() + eps
    r = mean * torch.cos(tn) + tangent * (torch.sin(tn) / tn)
    r = (r * (norms.squeeze(-1) * w).sum()).reshape(models[0].shape)
    return r if b is None else r + b


def karcher(models, max_iter=10, tol=1e-5):
    # Riemannian (Karcher) mean of the directions by fixed-point iteration, scaled by the mean norm; equal weights.
    ts = [m.double().flatten() for m in models]
    if len(ts) == 1:
        return models[0].double()
    alphas = [1.0 / len(ts)] * len(ts)
    norms = [float(t.norm()) for t in ts]
    units = [t / n if n > 0 else torch.zeros_like(t) for t, n in zip(ts, norms)]
    valid = [i for i, n in enumerate(norms) if n > tol]
    if not valid:
        return torch.zeros_like(models[0].double())
    asum = sum(alphas[i] for i in valid)
    a = [alphas[i] / asum for i in valid]
    us = [units[i] for i in valid]
    u = sum(ai * ui for ai, ui in zip(a, us))
    nu = float(u.norm())
    u = us[0].clone() if nu < tol else u / nu
    for _ in range(max_iter):
        T = torch.zeros_like(u)
        for ai, ui in zip(a, us):
            d = float(torch.clamp(u @ ui, -1.0, 1.0))
            th = math.acos(d)
            if th < tol:
                continue
            T += ai * (th / math.sin(th)) * (ui - d * u)
        nt = float(T.norm())
        if nt < tol:
            break
        u = math.cos(nt) * u + math.sin(nt) * (T / nt)
        un = float(u.norm())
        if un > tol:
            u = u / un
    s = sum(al * n for al, n in zip(alphas, norms))
    return (s * u).reshape(models[0].shape)


def sce(base, models, select_topk=1.0):
    # SCE (arXiv:2408.07990): select by variance across models, weight by mean square, erase minority signs.
    tv = torch.stack([m.double() - base.double() for m in models])
    if select_topk < 1:
        var = tv.var(dim=0, unbiased=False).flatten()
        if select_topk <= 0:
            mask = torch.zeros_like(var)
        else:
            k = int(int((var != 0).sum()) * select_topk)
            mask = torch.zeros_like(var)
            if k > 0:
                # ties in variance: lowest index first (a stable sort), as evomerge breaks them
                order = sorted(range(var.numel()), key=lambda i: (-float(var[i]), i))
                mask[order[:k]] = 1
        tv = tv * mask.view(base.shape).unsqueeze(0)
    majority = torch.where(tv.sum(0) >= 0, 1.0, -1.0).double()
    erase = (tv.sign() == majority).double()
    w = (tv ** 2).reshape(len(models), -1).mean(dim=1)
    ws = float(w.sum())
    w = torch.full_like(w, 1.0 / len(models)) if abs(ws) < 1e-6 else w / ws
    ew = w.view(-1, *([1] * base.dim())) * erase
    merged = (tv * ew).sum(0) / ew.sum(0).clamp(min=1e-6)
    return base.double() + merged


def ties_count(base, models, weights, normalize=True, lam=1.0):
    # TIES with mergekit's "count" consensus at density 1: the majority sign is the sign of the count of positive
    # minus negative weighted deltas (>= 0 is positive).
    d = torch.stack([m - base for m in models])
    w = torch.tensor(weights, dtype=torch.float32).view(-1, *([1] * base.dim()))
    wd = d * w
    sign = wd.sign()
    majority = torch.where(sign.sum(0) >= 0, 1.0, -1.0)
    mask = (sign == majority).float()
    mixed = (wd * mask).sum(0)
    div = (w * mask).sum(0)
    div[div == 0] = 1
    if normalize:
        mixed = mixed / div
    if lam != 1:
        mixed = mixed * lam
    return base + mixed


def ram(base, models, epsilon=1e-5, plus=False, r=0.1, alpha=0.2):
    # RAM (arXiv:2601.13572): significant deltas (|d| > epsilon) kept whole where one model has them, averaged
    # where several do; RAM+ (tensor-local) scales a model's unique deltas by 1 + r * clamp(shared / unique, 0, alpha).
    d = torch.stack([m.double() - base.double() for m in models]).reshape(len(models), -1)
    sig = d.abs() > epsilon
    count = sig.sum(0)
    lam = torch.ones(len(models), dtype=torch.float64)
    if plus:
        shared = (sig & (count > 1)).sum(1).double()
        unique = (sig & (count == 1)).sum(1).double()
        lam = 1 + r * (shared / unique.clamp(min=epsilon)).clamp(0, alpha)
    dz = d * sig
    unique_term = dz * (count == 1) * lam.view(-1, 1)
    shared_term = dz * (count > 1) / count.clamp(min=1)
    return base.double() + (unique_term + shared_term).sum(0).reshape(base.shape)


def arcee_fusion(base, model):
    # Importance |b - a| * KL(softmax(b) || softmax(a)) of each row, kept at or above median + 1.5 IQR (all elements).
    a, b = base.double(), model.double()
    a2 = a.reshape(-1, a.shape[-1])
    b2 = b.reshape(-1, b.shape[-1])
    p = torch.softmax(b2, dim=-1) + 1e-8
    q = torch.softmax(a2, dim=-1) + 1e-8
    kl = (p * torch.log(p / q)).sum(-1, keepdim=True)
    imp = ((b2 - a2).abs() * kl).flatten()
    s, _ = torch.sort(imp)
    n = s.numel()
    at = lambda f: s[int(f * (n - 1))]
    thr = at(0.5) + 1.5 * (at(0.75) - at(0.25))
    keep = (imp >= thr).double().reshape(a.shape)
    return a + (b - a) * keep


def case(method, base, models, model_params, global_params, expected, abs_tol, rel_tol, note):
    return {"method": method, "note": note, "shape": list(expected.shape),
            "base": None if base is None else [float(v) for v in base.flatten()],
            "models": [[float(v) for v in m.flatten()] for m in models],
            "model_params": model_params, "global_params": global_params,
            "expected": [float(v) for v in expected.flatten()], "abs": abs_tol, "rel": rel_tol}


def main():
    rng = np.random.default_rng(20261206)
    g = lambda *s: f32(rng.standard_normal(s))
    cases = []
    # nearswap: element-wise float32, bit for bit
    a = g(7, 5)
    b = a + f32(rng.standard_normal((7, 5)) * np.where(rng.random((7, 5)) < 0.5, 1e-3, 1.0))
    b[0, 0] = a[0, 0]  # |a - b| = 0: clamped to 1e-6, w = 1
    for t in (0.0, 0.0005, 0.1, 2.0):
        cases.append(case("nearswap", a, [b], [{}], {"t": t}, nearswap(a, [b], t), 0, 0,
                          "t=%g" % t))
    # multislerp
    base = g(6, 4)
    ms = [base + 0.1 * g(6, 4) for _ in range(3)]
    cases.append(case("multislerp", base, ms, [{"weight": 0.5}, {"weight": 0.3}, {"weight": 0.2}], {},
                      multislerp(base, ms, [0.5, 0.3, 0.2]), 1e-6, 1e-6, "three task vectors"))
    cases.append(case("multislerp", None, ms, [{"weight": 1.0}, {"weight": 3.0}, {"weight": 2.0}], {},
                      multislerp(None, ms, [1.0, 3.0, 2.0]), 1e-6, 1e-6, "no base, weights normalized"))
    cases.append(case("multislerp", base, ms[:2], [{"weight": 0.7}, {"weight": 0.6}],
                      {"normalize_weights": False}, multislerp(base, ms[:2], [0.7, 0.6], False), 1e-6, 1e-6,
                      "unnormalized weights"))
    v = g(10)
    cases.append(case("multislerp", torch.zeros(10), [v, -v], [{"weight": 0.5}, {"weight": 0.5}], {},
                      multislerp(torch.zeros(10), [v, -v], [0.5, 0.5]), 1e-6, 1e-6, "antipodal pair: lerp"))
    # karcher
    ks = [g(5, 6) for _ in range(3)]
    cases.append(case("karcher", None, ks, [{}, {}, {}], {}, karcher(ks), 1e-6, 1e-6, "three models"))
    cases.append(case("karcher", None, ks, [{}, {}, {}], {"max_iter": 2, "tol": 1e-9},
                      karcher(ks, 2, 1e-9), 1e-6, 1e-6, "two iterations"))
    k2 = [ks[0], torch.zeros(5, 6), 2 * ks[1]]
    cases.append(case("karcher", None, k2, [{}, {}, {}], {}, karcher(k2), 1e-6, 1e-6, "a zero model"))
    # sce
    base = g(8, 5)
    ss = [base + 0.1 * g(8, 5) for _ in range(3)]
    for k in (1.0, 0.3):
        cases.append(case("sce", base, ss, [{}, {}, {}], {"select_topk": k}, sce(base, ss, k), 1e-6, 1e-6,
                          "select_topk=%g" % k))
    # ram and ramplus_tl: task vectors with exact zeros and sub-epsilon entries, so unique and shared elements mix
    base = g(10, 6)
    rs = []
    for j in range(3):
        dj = 0.1 * g(10, 6)
        dj[torch.tensor(rng.random((10, 6)) < 0.4)] = 0
        dj[torch.tensor(rng.random((10, 6)) < 0.1)] = 1e-7
        rs.append(base + dj)
    cases.append(case("ram", base, rs, [{}, {}, {}], {}, ram(base, rs), 1e-6, 1e-6, "defaults"))
    cases.append(case("ram", base, rs, [{}, {}, {}], {"epsilon": 0.05}, ram(base, rs, 0.05), 1e-6, 1e-6,
                      "epsilon 0.05"))
    cases.append(case("ramplus_tl", base, rs, [{}, {}, {}], {}, ram(base, rs, plus=True), 1e-6, 1e-6, "defaults"))
    cases.append(case("ramplus_tl", base, rs, [{}, {}, {}], {"r": 0.5, "alpha": 2.0, "epsilon": 0.02},
                      ram(base, rs, 0.02, True, 0.5, 2.0), 1e-6, 1e-6, "r 0.5, alpha 2"))
    # arcee_fusion: rows of different spread, heavy-tailed deltas so some elements clear the threshold
    base = g(12, 8)
    other = base + f32(0.05 * rng.standard_normal((12, 8)) * rng.pareto(2.0, (12, 8))) * torch.linspace(0.2, 3, 12).view(-1, 1)
    cases.append(case("arcee_fusion", base, [other], [{}], {}, arcee_fusion(base, other), 1e-6, 1e-6, "matrix"))
    v0 = g(50)
    v1 = v0 + f32(0.1 * rng.standard_normal(50) * rng.pareto(2.0, 50))
    cases.append(case("arcee_fusion", v0, [v1], [{}], {}, arcee_fusion(v0, v1), 1e-6, 1e-6, "vector"))
    # ties with count consensus (density 1): float32, bit for bit
    base = g(9, 4)
    ts = [base + 0.1 * g(9, 4) for _ in range(4)]
    wts = [0.9, 0.2, 0.5, 0.4]
    cases.append(case("ties", base, ts, [{"weight": w} for w in wts], {"consensus_method": "count"},
                      ties_count(base, ts, wts), 0, 0, "count consensus"))
    json.dump({"cases": cases}, __import__("sys").stdout, indent=1)


if __name__ == "__main__":
    main()
