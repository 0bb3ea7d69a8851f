#!/usr/bin/env python3
"""Independent reference values for Tests/ConvolutionKernelsTests (writes reference.json here).

Written from the definitions, with no code shared with the Swift module:
- convolution: PyTorch's cross-correlation by direct loops over (out, position, in, tap), with
  zero or circular (wrap-around) padding, stride, dilation, groups;
- the dense operator matrix of each conv (conv applied to every basis vector), its transpose
  applied to a random output-shaped vector, and its exact 2-norm by np.linalg.svd;
- the frequency-domain norm as Dziugaite et al.'s measures.py does it (np.fft.fft2 of the
  'hwio' kernel zero-padded to the grid, np.linalg.svd per frequency, max), with groups turned
  into a block-diagonal kernel, dilation into a zero-dilated kernel, and taps beyond the grid
  folded modulo the grid (circular aliasing) before the FFT;
- pooling by direct loops; batch norm applied explicitly (eval mode) vs folded;
- path norms by the forward pass of |theta|^p on ones (numpy), and on a hand-sized net by an
  explicit enumeration of every input->output path (and every bias->output path).

Run: python3 Tests/Fixtures/conv/make_reference.py   (numpy only; deterministic seed)
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20261208)


def conv_ref(x, w, b, stride, padding, dilation, groups, mode):
    """x: (C, *spatial) with 1 or 2 spatial axes; w: (O, C/g, *k)."""
    one_d = x.ndim == 2
    if one_d:
        x = x[:, None, :]
        w = w[:, :, None, :]
        stride, padding, dilation = (1, stride[0]), (0, padding[0]), (1, dilation[0])
    C, H, W = x.shape
    O, cg, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    Ho = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    Wo = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    og = O // groups
    y = np.zeros((O, Ho, Wo))
    for o in range(O):
        g = o // og
        for oy in range(Ho):
            for ox in range(Wo):
                s = 0.0
                for i in range(cg):
                    c = g * cg + i
                    for a in range(kh):
                        iy = oy * sh - ph + a * dh
                        if mode == "circular":
                            iy %= H
                        elif iy < 0 or iy >= H:
                            continue
                        for bb in range(kw):
                            ix = ox * sw - pw + bb * dw
                            if mode == "circular":
                                ix %= W
                            elif ix < 0 or ix >= W:
                                continue
                            s += w[o, i, a, bb] * x[c, iy, ix]
                y[o, oy, ox] = s + (b[o] if b is not None else 0.0)
    return y[:, 0, :] if one_d else y


def dense_operator(w, in_shape, stride, padding, dilation, groups, mode):
    n = int(np.prod(in_shape))
    cols = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1
        cols.append(conv_ref(e.reshape(in_shape), w, None, stride, padding, dilation, groups, mode).ravel())
    return np.stack(cols, axis=1)


def fft_norm(w, grid, dilation, groups):
    """Dziugaite-style: fft2 of the hwio kernel on `grid`, svd per frequency, max."""
    if w.ndim == 3:  # 1-D -> height 1
        w = w[:, :, None, :]
        grid = (1, grid[0])
        dilation = (1, dilation[0])
    O, cg, kh, kw = w.shape
    C = cg * groups
    full = np.zeros((O, C, kh, kw))
    og = O // groups
    for o in range(O):
        g = o // og
        full[o, g * cg:(g + 1) * cg] = w[o]
    # dilation and aliasing: put tap (a, b) at (a*dh mod H, b*dw mod W) of a grid-sized kernel
    H, W = grid
    k = np.zeros((O, C, H, W))
    for a in range(kh):
        for bb in range(kw):
            k[:, :, (a * dilation[0]) % H, (bb * dilation[1]) % W] += full[:, :, a, bb]
    hwio = np.einsum("oihw->hwio", k)
    transforms = np.fft.fft2(hwio, axes=(0, 1))
    return float(np.linalg.svd(transforms, compute_uv=False).max())


def lst(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


CONV_CASES = [
    # name, in, out, k, stride, padding, dilation, groups, mode, input spatial
    ("circ_same", 3, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, "circular", (6, 5)),
    ("circ_groups2", 4, 6, (3, 3), (1, 1), (1, 1), (1, 1), 2, "circular", (5, 5)),
    ("circ_dilated", 2, 3, (3, 3), (1, 1), (2, 2), (2, 2), 1, "circular", (7, 6)),
    ("circ_kernel_wraps", 2, 2, (5, 5), (1, 1), (2, 2), (1, 1), 1, "circular", (3, 3)),
    ("circ_stride2", 2, 3, (3, 3), (2, 2), (1, 1), (1, 1), 1, "circular", (6, 6)),
    ("zeros_stride2", 3, 4, (3, 3), (2, 2), (1, 1), (1, 1), 1, "zeros", (7, 7)),
    ("zeros_depthwise", 4, 4, (3, 3), (1, 1), (1, 1), (1, 1), 4, "zeros", (6, 6)),
    ("zeros_mixed", 2, 3, (3, 2), (2, 1), (1, 0), (1, 2), 1, "zeros", (8, 7)),
    ("zeros_1x1", 5, 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, "zeros", (4, 3)),
    ("conv1d_zeros_stride2", 3, 5, (3,), (2,), (1,), (1,), 1, "zeros", (11,)),
    ("conv1d_circ", 2, 2, (5,), (1,), (2,), (1,), 1, "circular", (9,)),
]


def conv_cases():
    out = []
    for name, cin, cout, k, s, p, d, g, mode, sp in CONV_CASES:
        w = rng.normal(size=(cout, cin // g) + k)
        b = rng.normal(size=cout)
        in_shape = (cin,) + sp
        x = rng.normal(size=in_shape)
        y = conv_ref(x, w, b, s, p, d, g, mode)
        A = dense_operator(w, in_shape, s, p, d, g, mode)
        ybar = rng.normal(size=y.shape)
        grid = sp if mode == "circular" else tuple(n + 2 * q for n, q in zip(sp, p))
        out.append({
            "name": name, "in_channels": cin, "out_channels": cout, "kernel": list(k), "stride": list(s),
            "padding": list(p), "dilation": list(d), "groups": g, "mode": mode, "input_spatial": list(sp),
            "weight": lst(w), "bias": lst(b), "input": lst(x),
            "output_spatial": list(y.shape[1:]), "output": lst(y),
            "ybar": lst(ybar), "transpose": lst(A.T @ ybar.ravel()),
            "operator_norm": float(np.linalg.svd(A, compute_uv=False).max()),
            "fft_grid": list(grid), "fft_norm": fft_norm(w, grid, d, g),
            "reshape_norm": float(np.linalg.svd(w.reshape(cout, -1), compute_uv=False).max()),
        })
    return out


def pool_ref(x, kind, k, s, p):
    one_d = x.ndim == 2
    if one_d:
        x = x[:, None, :]
        k, s, p = (1, k[0]), (1, s[0]), (0, p[0])
    C, H, W = x.shape
    Ho = (H + 2 * p[0] - k[0]) // s[0] + 1
    Wo = (W + 2 * p[1] - k[1]) // s[1] + 1
    y = np.zeros((C, Ho, Wo))
    for c in range(C):
        for oy in range(Ho):
            for ox in range(Wo):
                vals = []
                for a in range(k[0]):
                    for bb in range(k[1]):
                        iy, ix = oy * s[0] - p[0] + a, ox * s[1] - p[1] + bb
                        if 0 <= iy < H and 0 <= ix < W:
                            vals.append(x[c, iy, ix])
                y[c, oy, ox] = max(vals) if kind == "max" else sum(vals) / (k[0] * k[1])
    return y[:, 0, :] if one_d else y


def pool_cases():
    cases = [("max2d", "max", (3, 3), (2, 2), (1, 1), (2, 7, 6)),
             ("avg2d_pad", "average", (2, 3), (2, 1), (1, 1), (3, 5, 6)),
             ("max1d", "max", (2,), (2,), (0,), (2, 9)),
             ("avg1d", "average", (3,), (2,), (1,), (2, 8))]
    out = []
    for name, kind, k, s, p, shape in cases:
        x = rng.normal(size=shape)
        y = pool_ref(x, kind, k, s, p)
        out.append({"name": name, "kind": kind, "kernel": list(k), "stride": list(s), "padding": list(p),
                    "input_shape": list(shape), "input": lst(x), "output_shape": list(y.shape), "output": lst(y)})
    x = rng.normal(size=(3, 4, 5))
    out.append({"name": "global", "kind": "globalAverage", "kernel": [], "stride": [], "padding": [],
                "input_shape": [3, 4, 5], "input": lst(x), "output_shape": [3, 1, 1], "output": lst(x.mean(axis=(1, 2)))})
    return out


# ---- a small CNN with batch norm: conv-bn-relu-maxpool-conv(g2,s2)-bn-relu-avgpool-flatten-linear-bn1d-relu-linear
def bn(c):
    return {"weight": rng.normal(size=c) * 0.5 + 1, "bias": rng.normal(size=c) * 0.3,
            "running_mean": rng.normal(size=c) * 0.2, "running_var": rng.uniform(0.5, 2.0, size=c), "eps": 1e-5}


def bn_apply(x, q):
    s = q["weight"] / np.sqrt(q["running_var"] + q["eps"])
    shape = (-1,) + (1,) * (x.ndim - 1)
    return s.reshape(shape) * (x - q["running_mean"].reshape(shape)) + q["bias"].reshape(shape)


def fold(w, b, q):
    s = q["weight"] / np.sqrt(q["running_var"] + q["eps"])
    b0 = b if b is not None else np.zeros(len(s))
    return w * s.reshape((-1,) + (1,) * (w.ndim - 1)), q["bias"] + s * (b0 - q["running_mean"])


def bn_network():
    P = {
        "conv1.weight": rng.normal(size=(4, 3, 3, 3)) * 0.4, "conv1.bias": rng.normal(size=4) * 0.1,
        "conv2.weight": rng.normal(size=(6, 2, 3, 3)) * 0.4,
        "fc1.weight": rng.normal(size=(5, 6)) * 0.5, "fc1.bias": rng.normal(size=5) * 0.1,
        "fc2.weight": rng.normal(size=(3, 5)) * 0.5, "fc2.bias": rng.normal(size=3) * 0.1,
    }
    B = {"bn1": bn(4), "bn2": bn(6), "bn3": bn(5)}

    def forward(x, fold_bn):
        w1, b1 = (fold(P["conv1.weight"], P["conv1.bias"], B["bn1"]) if fold_bn else (P["conv1.weight"], P["conv1.bias"]))
        h = conv_ref(x, w1, b1, (1, 1), (1, 1), (1, 1), 1, "zeros")
        if not fold_bn:
            h = bn_apply(h, B["bn1"])
        h = np.maximum(h, 0)
        h = pool_ref(h, "max", (2, 2), (2, 2), (0, 0))
        w2, b2 = (fold(P["conv2.weight"], None, B["bn2"]) if fold_bn else (P["conv2.weight"], None))
        h = conv_ref(h, w2, b2, (2, 2), (1, 1), (1, 1), 2, "zeros")
        if not fold_bn:
            h = bn_apply(h, B["bn2"])
        h = np.maximum(h, 0)
        h = pool_ref(h, "average", (2, 2), (2, 2), (0, 0)).ravel()
        wf, bf = (fold(P["fc1.weight"], P["fc1.bias"], B["bn3"]) if fold_bn else (P["fc1.weight"], P["fc1.bias"]))
        h = wf @ h + bf
        if not fold_bn:
            h = bn_apply(h, B["bn3"])
        h = np.maximum(h, 0)
        return P["fc2.weight"] @ h + P["fc2.bias"]

    xs = [rng.normal(size=(3, 8, 8)) for _ in range(2)]
    outputs = [forward(x, False) for x in xs]
    assert all(np.allclose(forward(x, True), o, rtol=1e-12, atol=1e-12) for x, o in zip(xs, outputs))
    f1 = fold(P["conv1.weight"], P["conv1.bias"], B["bn1"])
    f2 = fold(P["conv2.weight"], None, B["bn2"])
    f3 = fold(P["fc1.weight"], P["fc1.bias"], B["bn3"])

    # Path norms of the folded network by the forward pass of |theta|^p on ones (the reference method).
    def path_norm(p, biases):
        a = lambda t: np.abs(t) ** p
        h = np.ones((3, 8, 8))
        h = conv_ref(h, a(f1[0]), a(f1[1]) if biases else None, (1, 1), (1, 1), (1, 1), 1, "zeros")
        h = pool_ref(h, "max", (2, 2), (2, 2), (0, 0))
        h = conv_ref(h, a(f2[0]), a(f2[1]) if biases else None, (2, 2), (1, 1), (1, 1), 2, "zeros")
        h = pool_ref(h, "average", (2, 2), (2, 2), (0, 0)).ravel()
        h = a(f3[0]) @ h + (a(f3[1]) if biases else 0)
        h = a(P["fc2.weight"]) @ h + (a(P["fc2.bias"]) if biases else 0)
        return float(h.sum())

    return {
        "params": {k: lst(v) for k, v in P.items()},
        "bn": {k: {kk: (lst(vv) if kk != "eps" else vv) for kk, vv in v.items()} for k, v in B.items()},
        "inputs": [lst(x) for x in xs], "outputs": [lst(o) for o in outputs],
        "folded": {"conv1.weight": lst(f1[0]), "conv1.bias": lst(f1[1]), "conv2.weight": lst(f2[0]),
                   "conv2.bias": lst(f2[1]), "fc1.weight": lst(f3[0]), "fc1.bias": lst(f3[1])},
        "path_norms": [{"p": p, "biases": bb, "sum": path_norm(p, bb)} for p in (1.0, 1.5, 2.0) for bb in (True, False)],
    }


# ---- brute force over paths on a hand-sized net: (1,4,4) conv 1->2 k3 s2 p1 +bias, relu,
# avgpool 2 -> (2,1,1), flatten, linear 2->3 +bias.
def brute_force_net():
    w1 = rng.normal(size=(2, 1, 3, 3))
    b1 = rng.normal(size=2)
    w2 = rng.normal(size=(3, 2))
    b2 = rng.normal(size=3)
    # Edge lists: (src, dst, weight, raised) per layer; units are flat indices.
    conv_edges = []
    for o in range(2):
        for oy in range(2):
            for ox in range(2):
                for a in range(3):
                    for bb in range(3):
                        iy, ix = oy * 2 - 1 + a, ox * 2 - 1 + bb
                        if 0 <= iy < 4 and 0 <= ix < 4:
                            conv_edges.append((iy * 4 + ix, o * 4 + oy * 2 + ox, w1[o, 0, a, bb], True))
    pool_edges = [(c * 4 + q, c, 0.25, False) for c in range(2) for q in range(4)]
    lin_edges = [(i, j, w2[j, i], True) for j in range(3) for i in range(2)]
    layers = [conv_edges, pool_edges, lin_edges]
    biases = [[(o * 4 + q, b1[o]) for o in range(2) for q in range(4)], [], [(j, b2[j]) for j in range(3)]]

    def paths_from(layer, unit, p):
        """Sum over all paths from `unit` (an input of layer `layer`) to any output."""
        if layer == len(layers):
            return 1.0
        total = 0.0
        for src, dst, wt, raised in layers[layer]:
            if src == unit:
                total += (abs(wt) ** p if raised else wt) * paths_from(layer + 1, dst, p)
        return total

    results = []
    for p in (1.0, 1.5, 2.0):
        nob = sum(paths_from(0, u, p) for u in range(16))
        withb = nob + sum(abs(b) ** p * paths_from(li + 1, dst, p) for li, bl in enumerate(biases) for dst, b in bl)
        results.append({"p": p, "nobias": nob, "bias": withb})
    return {"w1": lst(w1), "b1": lst(b1), "w2": lst(w2), "b2": lst(b2), "results": results}


def main():
    data = {"generator": "Tests/Fixtures/conv/make_reference.py", "numpy": np.__version__,
            "conv": conv_cases(), "pool": pool_cases(), "bn_network": bn_network(),
            "brute_force": brute_force_net()}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "reference.json"), "w") as f:
        json.dump(data, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
