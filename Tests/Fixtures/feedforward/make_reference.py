#!/usr/bin/env python3
"""Reference values for FeedForwardTests, computed independently with numpy in float64.

A 3-4-3-2 ReLU network with biases (weights drawn from numpy's generator, rounded to 1/64 so
they are exact in float32), 5 inputs with labels:
  - logits, mean softmax cross-entropy (nats) and its gradients by hand-written backprop;
  - the Path-SGD factors kappa_e = d(phi_2^2)/d(w_e^2) and phi_2^2, by explicit enumeration of
    every input->output path (biases are edges from an always-1 unit), not by the
    forward/backward trick the Swift code uses.
Run from this folder: python3 make_reference.py
"""
import itertools
import json

import numpy as np

rng = np.random.default_rng(2024)
sizes = [3, 4, 3, 2]
W = [np.round(rng.uniform(-1, 1, (o, i)) * 64) / 64 for i, o in zip(sizes[:-1], sizes[1:])]
b = [np.round(rng.uniform(-0.5, 0.5, o) * 64) / 64 for o in sizes[1:]]
X = np.round(rng.uniform(-1, 1, (5, 3)) * 64) / 64
y = np.array([0, 1, 1, 0, 1])

# Forward.
acts = [X]
h = X
for li in range(3):
    z = h @ W[li].T + b[li]
    h = np.maximum(z, 0) if li < 2 else z
    acts.append(h)
logits = acts[-1]
m = logits.max(axis=1, keepdims=True)
lse = np.log(np.exp(logits - m).sum(axis=1, keepdims=True)) + m
losses = lse[:, 0] - logits[np.arange(5), y]
loss = losses.mean()
# Backward.
p = np.exp(logits - lse)
d = p.copy()
d[np.arange(5), y] -= 1
d /= 5
gW = [None] * 3
gb = [None] * 3
for li in (2, 1, 0):
    gW[li] = d.T @ acts[li]
    gb[li] = d.sum(axis=0)
    if li > 0:
        d = (d @ W[li]) * (acts[li] > 0)

# Path enumeration. Units: layer 0 inputs, plus a bias unit feeding each layer >= 1.
kW = [np.zeros_like(w) for w in W]
kb = [np.zeros_like(v) for v in b]
phi = 0.0
# A path starts either at an input unit (layer 0) or at the bias of some unit layer L >= 1
# (bias b[L-1] entering unit u of layer L), then follows weights to an output unit.
def paths():
    for src in range(sizes[0]):
        for units in itertools.product(*[range(sizes[l]) for l in range(1, 4)]):
            edges = []
            prev = src
            for k, u in enumerate(units):
                edges.append(("w", k, u, prev))  # W[k] maps unit layer k -> k+1
                prev = u
            yield edges
    for L in range(1, 4):
        for units in itertools.product(*[range(sizes[l]) for l in range(L, 4)]):
            edges = [("b", L - 1, units[0], None)]
            prev = units[0]
            for k, u in enumerate(units[1:]):
                edges.append(("w", L + k, u, prev))
                prev = u
            yield edges

for edges in paths():
    vals = [W[li][r, c] ** 2 if kind == "w" else b[li][r] ** 2 for kind, li, r, c in edges]
    prod = float(np.prod(vals))
    phi += prod
    for e, (kind, li, r, c) in enumerate(edges):
        rest = float(np.prod([v for j, v in enumerate(vals) if j != e]))
        if kind == "w":
            kW[li][r, c] += rest
        else:
            kb[li][r] += rest

# phi without biases, for the spec's 2-3-2 example cross-check.
W1 = np.array([[1, -2], [0.5, 1], [-1, 0]])
W2 = np.array([[2, 1, -1], [0, -1, 3]])
phi_spec = float(((W2 ** 2) @ (W1 ** 2) @ np.ones(2)).sum())

out = {
    "layer_sizes": sizes,
    "weights": [w.tolist() for w in W],
    "biases": [v.tolist() for v in b],
    "inputs": X.tolist(),
    "labels": y.tolist(),
    "logits": logits.tolist(),
    "mean_loss": float(loss),
    "weight_gradients": [g.tolist() for g in gW],
    "bias_gradients": [g.tolist() for g in gb],
    "kappa_weights": [k.tolist() for k in kW],
    "kappa_biases": [k.tolist() for k in kb],
    "squared_path_norm": phi,
    "spec_example_squared_path_norm_nobias": phi_spec,
}
json.dump(out, open("mlp_reference.json", "w"), indent=1)
print("loss", loss, "phi", phi, "spec", phi_spec)
