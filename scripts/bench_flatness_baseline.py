#!/usr/bin/env python3
"""PyTorch baseline for `gapdb-bench flatness`: the same perturbation suite, same settings.

Trains an MLP 784-1024-10 (SGD, batch 128, lr 0.01, PyTorch default init) on the 60,000
Fashion-MNIST training images for --epochs epochs (each epoch timed), then runs on a seeded
10,000-example subset of the training set:
  - PAC-Bayes sigma search, isotropic (std sigma) and magnitude-aware (std sqrt(s^2 w^2 + eps^2)):
    bisection on [0, 2], depth 15, 10 draws, target 0.1, tolerance 0.01, common random numbers;
  - sharpness alpha search, plain box |u| <= a and magnitude-aware |u| <= a|w| + 1e-6: same
    bisection, 3 restarts (restart 0 at w), 20 steps of projected sign-gradient ascent on the
    training CE (minibatch 128, step 0.125 of the box), deviation = acc(w) - worst accuracy;
  - Keskar eps-sharpness, eps = 1e-3 and 5e-4, box eps(|w|+1), 10 full-batch sign-ascent steps;
  - gradient noise: exact per-example gradient variance (per-example norms by the outer-product
    identity, written out for one hidden layer).
All parameters (weights and biases) are perturbed. Prints seconds per search, probe counts and
values, and writes JSON (--out). Used side by side with the Swift suite by `gapdb-bench flatness`.

Example:
  /work/baseline-scratch/venv/bin/python scripts/bench_flatness_baseline.py --epochs 1 --out /tmp/flat.json
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def bisect(dev, lower=0.0, upper=2.0, depth=15, target=0.1, tol=0.01):
    lo, hi, probes = lower, upper, []
    s = (lo + hi) / 2
    for _ in range(depth):
        s = (lo + hi) / 2
        d = dev(s)
        probes.append((s, d))
        if abs(d - target) < tol:
            return s, probes, "converged"
        if d != d or d > target:
            hi = s
        else:
            lo = s
    return s, probes, "depth_exhausted"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--subset", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="./results_flatness_baseline.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.from_numpy(read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    epoch_seconds = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(x.shape[0], generator=gen)
        for s in range(0, x.shape[0], 128):
            idx = perm[s:s + 128]
            opt.zero_grad(set_to_none=True)
            lossf(model(x[idx]), y[idx]).backward()
            opt.step()
        epoch_seconds.append(time.perf_counter() - t0)

    rng = np.random.default_rng(args.seed)
    sub = torch.from_numpy(np.sort(rng.choice(x.shape[0], args.subset, replace=False)))
    xs, ys = x[sub], y[sub]
    params = list(model.parameters())
    w = nn.utils.parameters_to_vector(params).detach().clone()
    P = w.numel()

    def load(v):
        nn.utils.vector_to_parameters(v, params)

    @torch.no_grad()
    def evaluate(v):
        load(v)
        correct, loss = 0, 0.0
        for s in range(0, xs.shape[0], 1000):
            z = model(xs[s:s + 1000])
            correct += int((z.argmax(1) == ys[s:s + 1000]).sum())
            loss += float(nn.functional.cross_entropy(z, ys[s:s + 1000], reduction="sum"))
        return correct / xs.shape[0], loss / xs.shape[0]

    def grad(v, xb, yb):
        load(v)
        model.zero_grad(set_to_none=True)
        loss = lossf(model(xb), yb)
        loss.backward()
        return loss.item(), torch.cat([p.grad.reshape(-1) for p in params])

    acc0, loss0 = evaluate(w)
    results = {"bench": "flatness_baseline", "torch": torch.__version__, "threads": args.threads,
               "epoch_seconds": epoch_seconds, "subset": args.subset, "parameters": P,
               "baseline_accuracy": acc0, "baseline_loss": loss0, "searches": {}}
    noise = []
    for k in range(10):
        g = torch.Generator().manual_seed(1000 + k)
        noise.append(torch.randn(P, generator=g))

    def pacbayes(mag):
        def dev(s):
            total = 0.0
            for z in noise:
                std = (s * s * w * w + 1e-6).sqrt() if mag else s
                total += evaluate(w + std * z)[0]
            return abs(total / len(noise) - acc0)
        return bisect(dev)

    def sharpness(mag):
        starts = [torch.zeros(P)] + [torch.rand(P, generator=torch.Generator().manual_seed(2000 + r)) * 2 - 1 for r in (1, 2)]

        def dev(a):
            radii = a * w.abs() + 1e-6 if mag else torch.full((P,), a)
            worst = 1.0
            for r, unit in enumerate(starts):
                u = unit * radii
                bg = torch.Generator().manual_seed(3000 + r)
                for _ in range(20):
                    idx = torch.randint(0, xs.shape[0], (128,), generator=bg)
                    _, gr = grad(w + u, xs[idx], ys[idx])
                    u = torch.clamp(u + 0.125 * radii * torch.sign(gr), -radii, radii)
                worst = min(worst, evaluate(w + u)[0])
            return acc0 - worst
        return bisect(dev)

    def keskar(eps):
        radii = eps * (w.abs() + 1)
        y_ = torch.zeros(P)
        best = loss0
        for _ in range(10):
            l, gr = grad(w + y_, xs, ys)
            best = max(best, l)
            y_ = torch.clamp(y_ + 0.25 * radii * torch.sign(gr), -radii, radii)
        best = max(best, evaluate(w + y_)[1])
        return 100 * (best - loss0) / (1 + loss0)

    def grad_noise():
        _, gm = grad(w, xs, ys)
        load(w)
        W1, b1, W2, b2 = params
        total = 0.0
        with torch.no_grad():
            for s in range(0, xs.shape[0], 1000):
                xb, yb = xs[s:s + 1000], ys[s:s + 1000]
                a1 = torch.relu(xb @ W1.T + b1)
                d2 = torch.softmax(a1 @ W2.T + b2, 1)
                d2[torch.arange(len(yb)), yb] -= 1
                d1 = (d2 @ W2) * (a1 > 0)
                total += float(((d2 * d2).sum(1) * ((a1 * a1).sum(1) + 1) + (d1 * d1).sum(1) * ((xb * xb).sum(1) + 1)).sum())
        return total / xs.shape[0] - float((gm * gm).sum())

    for name, fn in [("pacbayes", lambda: pacbayes(False)), ("pacbayes_mag", lambda: pacbayes(True)),
                     ("sharpness", lambda: sharpness(False)), ("sharpness_mag", lambda: sharpness(True)),
                     ("keskar", lambda: [keskar(1e-3), keskar(5e-4)]), ("grad_noise", grad_noise)]:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        entry = {"seconds": dt}
        if isinstance(out, tuple):
            entry.update({"scale": out[0], "probes": len(out[1]), "status": out[2]})
        else:
            entry["value"] = out
        results["searches"][name] = entry
        print("%-14s %8.2f s  %s" % (name, dt, {k: v for k, v in entry.items() if k != "seconds"}), flush=True)
    total = sum(e["seconds"] for e in results["searches"].values())
    results["suite_seconds"] = total
    med = float(np.median(epoch_seconds))
    print("training epoch (60k, batch 128): %.2f s; suite %.1f s = %.1f epochs" % (med, total, total / med))
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
