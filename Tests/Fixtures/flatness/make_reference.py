#!/usr/bin/env python3
"""Reference values for FlatnessMeasuresTests, computed independently with numpy.

Writes tiny_reference.json next to this script. Run: python3 make_reference.py
(numpy only; the Swift tests read the JSON and never need Python).

Contents:
- a 2-4-3 ReLU MLP (parameters in gapdb's flat layout: W1 row-major (4x2), b1, W2 (3x4), b2),
  its initial parameters, 7 examples with labels;
- mean cross-entropy, accuracy, mean gradient (flat layout), per-example squared gradient
  norms and the per-example gradient variance (1/n) sum_i ||g_i - g_mean||^2;
- the PAC-Bayes closed forms of spec G.2/G.4/G.6 evaluated at fixed sigma, alpha, m, eps.
"""
import json
import math
import os

import numpy as np

rng = np.random.default_rng(20261129)
sizes = [2, 4, 3]
W1 = rng.uniform(-1, 1, (4, 2))
b1 = rng.uniform(-0.5, 0.5, 4)
W2 = rng.uniform(-1, 1, (3, 4))
b2 = rng.uniform(-0.5, 0.5, 3)
theta = np.concatenate([W1.ravel(), b1, W2.ravel(), b2])
theta0 = theta + rng.normal(0, 0.3, theta.shape)
X = rng.normal(0, 1.5, (7, 2))
y = np.array([0, 1, 2, 0, 1, 2, 1])

# Round the parameters to float32 first, since gapdb stores them as Float.
theta = theta.astype(np.float32).astype(np.float64)
theta0 = theta0.astype(np.float32).astype(np.float64)


def unpack(t):
    W1 = t[0:8].reshape(4, 2)
    b1 = t[8:12]
    W2 = t[12:24].reshape(3, 4)
    b2 = t[24:27]
    return W1, b1, W2, b2


def per_example(t, x, label):
    W1, b1, W2, b2 = unpack(t)
    z1 = W1 @ x + b1
    a1 = np.maximum(z1, 0)
    z2 = W2 @ a1 + b2
    m = z2.max()
    p = np.exp(z2 - m)
    p /= p.sum()
    loss = -(z2[label] - m - math.log(np.exp(z2 - m).sum()))
    d2 = p.copy()
    d2[label] -= 1
    gW2 = np.outer(d2, a1)
    gb2 = d2
    d1 = (W2.T @ d2) * (z1 > 0)
    gW1 = np.outer(d1, x)
    gb1 = d1
    grad = np.concatenate([gW1.ravel(), gb1, gW2.ravel(), gb2])
    return loss, int(np.argmax(z2) == label), grad, z2


# Label the first four examples with the network's own prediction, so accuracy is 4/7.
for i in range(4):
    y[i] = int(np.argmax(per_example(theta, X[i], 0)[3]))

losses, hits, grads, logits = zip(*(per_example(theta, X[i], y[i]) for i in range(len(y))))
grads = np.array(grads)
gmean = grads.mean(axis=0)
variance = float(np.mean(np.sum((grads - gmean) ** 2, axis=1)))

# Closed forms (weights only: indices of W1 and W2).
wmask = np.zeros(27, bool)
wmask[0:8] = True
wmask[12:24] = True
w = theta[wmask]
w0 = theta0[wmask]
omega = int(wmask.sum())
m = 50000
sigma = 0.05
eps = 1e-3
dist2 = float(np.sum((w - w0) ** 2))
norm2 = float(np.sum(w ** 2))


def pacbayes(r, s):
    return r / (4 * s * s) + math.log(m / s) + 10


def mag(r, s, c):
    num = eps ** 2 + c * r / omega
    den = eps ** 2 + s ** 2 * (w - w0) ** 2
    return float(0.25 * np.sum(np.log(num / den)) + math.log(m / s) + 10)


alpha = 0.02
delta = 1.0
logf = math.log(2 * omega / delta)
out = {
    "sizes": sizes,
    "parameters": theta.tolist(),
    "initial_parameters": theta0.tolist(),
    "inputs": X.tolist(),
    "labels": y.tolist(),
    "logits": [list(map(float, z)) for z in logits],
    "mean_loss": float(np.mean(losses)),
    "accuracy": float(np.mean(hits)),
    "mean_gradient": gmean.tolist(),
    "per_example_gradient_norm_sq": np.sum(grads ** 2, axis=1).tolist(),
    "gradient_variance": variance,
    "bounds": {
        "m": m, "sigma": sigma, "epsilon": eps, "alpha": alpha, "delta": delta, "omega": omega,
        "dist_init_sq": dist2, "norm_sq": norm2,
        "pacbayes_init": pacbayes(dist2, sigma), "pacbayes_orig": pacbayes(norm2, sigma),
        "pacbayes_mag_init": mag(dist2, sigma, sigma ** 2 + 1),
        "pacbayes_mag_orig": mag(norm2, sigma, sigma ** 2 + 1),
        "sharpness_init": dist2 * logf / (4 * alpha ** 2) + math.log(m / alpha) + 10,
        "sharpness_orig": norm2 * logf / (4 * alpha ** 2) + math.log(m / alpha) + 10,
        "sharpness_mag_init": mag(dist2, alpha, alpha ** 2 + 4 * logf),
        "sharpness_mag_orig": mag(norm2, alpha, alpha ** 2 + 4 * logf),
    },
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
