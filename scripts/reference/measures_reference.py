#!/usr/bin/env python3
"""Independent numpy reference for gapdb's ComplexityMeasures and NumPyFiles tests.

Writes, under Tests/Fixtures/measures/:
  reference_networks.json  random float32 networks (several shapes, with/without biases and
                           initial weights, logits/labels, inputs) and, computed here in
                           float64 from the same float32 values, every per-layer summary and
                           every measure id of the registry (null = undefined).
  npy/…                    .npy/.npz files for the reader tests: v1 (numpy), v2 and v3 headers
                           (crafted), big-endian, Fortran order, float64, int, bool, float16,
                           stored and deflated .npz, a zip64 .npz, truncated and malformed files,
                           and the state-dict cases 12 and 13 of shared/cases/README.md.
Run from the repository root:  python3 scripts/reference/measures_reference.py
Only numpy is needed (system python3 has it). The output is deterministic (fixed seeds).
"""
import io
import json
import math
import os
import struct
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "measures")
NPY = os.path.join(OUT, "npy")
QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def layer_summary(W, W0):
    W = W.astype(np.float64)
    s = np.linalg.svd(W, compute_uv=False)
    fro = np.linalg.norm(W)
    out = {
        "fro": fro, "spec": s[0], "stable_rank": fro ** 2 / s[0] ** 2 if s[0] > 0 else None,
        "l1": np.abs(W).sum(), "max_abs": np.abs(W).max(), "mean": W.mean(), "std": W.std(),
        "min": W.min(), "max": W.max(),
        "near_zero_fraction": float(np.mean(np.abs(W) < 1e-6)),
        "group_1_inf": np.abs(W).sum(axis=1).max(),
        "group_2_2": np.sqrt((np.sqrt((W ** 2).sum(axis=1)) ** 2).sum()),
        "group_3_1p5": (np.sqrt((np.abs(W) ** 3).sum(axis=1))).sum() ** (2 / 3),
        "schatten_1": s.sum(), "schatten_1p5": (s ** 1.5).sum() ** (2 / 3),
        "row_norm_sum": np.sqrt((W ** 2).sum(axis=1)).sum(),
    }
    for q, key in zip(QUANTILES, ["q01", "q05", "q25", "q50", "q75", "q95", "q99"]):
        out[key] = float(np.quantile(W, q))  # numpy default: linear interpolation
    if W0 is not None:
        D = W - W0.astype(np.float64)
        out["fro_dist"] = np.linalg.norm(D)
        out["spec_dist"] = np.linalg.svd(D, compute_uv=False)[0]
        out["dist_row_norm_sum"] = np.sqrt((D ** 2).sum(axis=1)).sum()
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in out.items()}


def path_sum(Ws, bs, p, biases):
    """Σ_paths Π|w|^p by the all-ones forward pass of |W|^p (float64)."""
    v = np.ones(Ws[0].shape[1])
    for W, b in zip(Ws, bs):
        v = (np.abs(W.astype(np.float64)) ** p) @ v
        if biases and b is not None:
            v = v + np.abs(b.astype(np.float64)) ** p
    return v.sum()


def path_sum_enumerated(Ws, p):
    """The same without biases by explicit enumeration over all paths (small nets only)."""
    import itertools
    dims = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    total = 0.0
    for path in itertools.product(*[range(d) for d in dims]):
        prod = 1.0
        for i, W in enumerate(Ws):
            prod *= abs(float(W[path[i + 1], path[i]])) ** p
        total += prod
    return total


def output_stats(logits, labels):
    z = logits.astype(np.float64)
    m, k = z.shape
    idx = np.arange(m)
    zy = z[idx, labels]
    other = z.copy()
    other[idx, labels] = -np.inf
    margins = np.sort(zy - other.max(axis=1))

    def kth(q):
        return float(margins[max(1, int(math.floor(m * q))) - 1])

    top = z.max(axis=1, keepdims=True)
    lse = (top + np.log(np.exp(z - top).sum(axis=1, keepdims=True)))[:, 0]
    p = np.exp(z - lse[:, None])
    ent = -(p * (z - lse[:, None])).sum(axis=1)
    return {
        "m": m, "min": float(margins[0]), "p1": kth(0.01), "p5": kth(0.05), "p10": kth(0.10),
        "p50": kth(0.5), "p5_interp": float(np.percentile(margins, 5)),
        "frac_nonpos": float(np.mean(margins <= 0)), "ce": float(np.mean(lse - zy)), "entropy": float(ent.mean()),
    }


def measures(Ws, bs, W0s, out, X):
    d = len(Ws)
    S = [layer_summary(W, W0) for W, W0 in zip(Ws, W0s if W0s else [None] * d)]
    fro2 = [s["fro"] ** 2 for s in S]
    spec2 = [s["spec"] ** 2 for s in S]
    omega = sum(W.size for W in Ws)
    omega_total = omega + sum(b.size for b in bs if b is not None)
    has_init = W0s is not None
    g10 = out["p10"] if out else None
    g5 = out["p5_interp"] if out else None
    pos10 = out is not None and g10 > 0
    pos5 = out is not None and g5 > 0
    M = {}

    def put(mid, value, ok=True):
        M[mid] = float(value) if ok else None

    c = Ws[-1].shape[0]
    n_in = Ws[0].shape[1]
    put("num_params", omega)
    put("num_params_total", omega_total)
    put("vc_dim_bound", 3888 * c * omega * math.sqrt(d * math.log2(6 * d * n_in) ** 3))
    for key, mid in [("min", "margin_min"), ("p1", "margin_p1"), ("p5", "margin_p5"), ("p10", "margin_p10"),
                     ("p50", "margin_p50"), ("p5_interp", "margin_p5_interp"),
                     ("frac_nonpos", "margin_fraction_nonpositive"), ("m", "margin_sample_count"),
                     ("ce", "train_cross_entropy"), ("entropy", "output_entropy")]:
        put(mid, out[key] if out else 0, out is not None)
    put("inverse_margin_sq", 1 / g10 ** 2 if pos10 else 0, pos10)
    P = np.prod(fro2)
    put("fro_prod", P)
    put("fro_prod_over_margin", P / g10 ** 2 if pos10 else 0, pos10)
    put("fro_sum", d * P ** (1 / d))
    put("fro_sum_over_margin", d * (P / g10 ** 2) ** (1 / d) if pos10 else 0, pos10)
    put("param_norm_sq", sum(fro2))
    put("param_norm_sq_over_margin", sum(fro2) / g10 ** 2 if pos10 else 0, pos10)
    put("l2_norm", math.sqrt(sum(fro2)))
    dist2 = [s["fro_dist"] ** 2 for s in S] if has_init else None
    put("fro_dist_init_sq", sum(dist2) if has_init else 0, has_init)
    put("l2_dist_init", math.sqrt(sum(dist2)) if has_init else 0, has_init)
    SP = np.prod(spec2)
    put("spec_prod", SP)
    put("spec_prod_over_margin", SP / g10 ** 2 if pos10 else 0, pos10)
    put("spec_sum", d * SP ** (1 / d))
    put("spec_sum_over_margin", d * (SP / g10 ** 2) ** (1 / d) if pos10 else 0, pos10)
    put("spec_sum_literal", sum(spec2))
    put("spec_sum_literal_over_margin", sum(spec2) / g10 ** 2 if pos10 else 0, pos10)
    sr = sum(f / s for f, s in zip(fro2, spec2))
    put("stable_rank_sum", sr)
    put("spec_orig_main", SP / g10 ** 2 * sr if pos10 else 0, pos10)
    ok = pos10 and has_init
    put("spec_init_main", SP / g10 ** 2 * sum(a / b for a, b in zip(dist2, spec2)) if ok else 0, ok)
    put("spec_dist_init_sq", sum(s["spec_dist"] ** 2 for s in S) if has_init else 0, has_init)
    L = {(p, bias): path_sum(Ws, bs, p, bias) for p in (1, 1.5, 2) for bias in (True, False)}
    put("path_norm_sq", L[(2, True)])
    put("path_norm_sq_nobias", L[(2, False)])
    put("path_norm_sq_over_margin", L[(2, True)] / g10 ** 2 if pos10 else 0, pos10)
    put("path_norm_sq_nobias_over_margin", L[(2, False)] / g10 ** 2 if pos10 else 0, pos10)
    for p, label in [(1, "l1"), (1.5, "l1p5"), (2, "l2")]:
        for bias, suffix in [(True, ""), (False, "_nobias")]:
            v = L[(p, bias)] ** (1 / p)
            put(f"{label}_path_norm{suffix}", v)
            put(f"{label}_path_norm{suffix}_over_margin_p5", v / g5 if pos5 else 0, pos5)
    for key, suffix in [("group_1_inf", "p1_qinf"), ("group_2_2", "p2_q2"), ("group_3_1p5", "p3_q1p5"),
                        ("schatten_1", None), ("schatten_1p5", None), ("spec", None)]:
        v = np.prod([s[key] for s in S])
        mid = f"group_norm_prod_{suffix}" if suffix else {"schatten_1": "schatten_prod_p1", "schatten_1p5": "schatten_prod_p1p5",
                                                          "spec": "schatten_prod_pinf"}[key]
        put(mid, v)
        put(mid + "_over_margin_p5", v / g5 if pos5 else 0, pos5)
    RA = np.prod([s["spec"] for s in S]) * sum((s["row_norm_sum"] / s["spec"]) ** (2 / 3) for s in S) ** 1.5
    put("bartlett_spectral_complexity", RA)
    put("bartlett_spectral_complexity_over_margin_p5", RA / g5 if pos5 else 0, pos5)
    if has_init:
        RA0 = np.prod([s["spec"] for s in S]) * sum((s["dist_row_norm_sum"] / s["spec"]) ** (2 / 3) for s in S) ** 1.5
    put("bartlett_spectral_complexity_init", RA0 if has_init else 0, has_init)
    ok = has_init and pos5
    m = out["m"] if out else 0
    put("bartlett2017_bound", math.log(m) * math.log(omega_total) * RA0 / g5 / math.sqrt(m) if ok else 0, ok)
    specprod = np.prod([s["spec"] for s in S])
    if has_init:
        ney = d * specprod * math.sqrt(sum(W.shape[0] * s["fro_dist"] ** 2 / s["spec"] ** 2 for W, s in zip(Ws, S)))
    put("neyshabur2018_pacbayes_bound", ney / g5 / math.sqrt(m) if ok else 0, ok)
    neyf = d * specprod * math.sqrt(sum(W.shape[0] * s["fro"] ** 2 / s["spec"] ** 2 for W, s in zip(Ws, S)))
    put("neyshabur2018_pacbayes_bound_fro", neyf / g5 / math.sqrt(m) if pos5 else 0, pos5)
    two = d == 2
    if two:
        U, V = Ws[0].astype(np.float64), Ws[1].astype(np.float64)
        alpha = np.sqrt((V ** 2).sum(axis=0))
        put("unit_impact_mean", alpha.mean())
        put("unit_impact_max", alpha.max())
    else:
        put("unit_impact_mean", 0, False)
        put("unit_impact_max", 0, False)
    if two and has_init:
        beta = np.sqrt(((U - W0s[0].astype(np.float64)) ** 2).sum(axis=1))
        put("unit_capacity_mean", beta.mean())
        put("unit_capacity_max", beta.max())
    else:
        put("unit_capacity_mean", 0, False)
        put("unit_capacity_max", 0, False)
    ok = two and has_init and pos5 and X is not None
    if ok:
        Xd = X.astype(np.float64)
        mean_x2 = float(np.mean((Xd ** 2).sum(axis=1)))
        hidden = np.maximum(Xd @ W0s[0].astype(np.float64).T, 0)
        mean_h2 = float(np.mean((hidden ** 2).sum(axis=1)))
        H = U.shape[0]
        R = 3 * math.sqrt(2) * (math.sqrt(2 * c) + 1) * (np.linalg.norm(V) + 1) * (
            math.sqrt(mean_h2) + S[0]["fro_dist"] * math.sqrt(mean_x2) + 1) / g5
        b = (R + 3 * math.sqrt(5 * H + math.log(max(1, g5 * math.sqrt(m)) / 0.01))) ** 2
        put("overparam2019_bound", b)
    else:
        put("overparam2019_bound", 0, False)
    return S, M


def make_case(name, sizes, rng, bias=True, init=True, logits_m=0, flip=0.0, inputs=False, scale=1.0, zero_fraction=0.0):
    Ws = [(rng.standard_normal((o, i)) * scale / math.sqrt(i)).astype(np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
    for W in Ws:  # pruned weights: exact zeros and tiny values around the 1e-6 threshold
        W[rng.random(W.shape) < zero_fraction] = 0
        W[rng.random(W.shape) < zero_fraction / 2] = np.float32(5e-7)
    bs = [(rng.standard_normal(o) * 0.1).astype(np.float32) if bias else None for o in sizes[1:]]
    W0s = [(W + rng.standard_normal(W.shape).astype(np.float32) * np.float32(0.3)).astype(np.float32) for W in Ws] if init else None
    out = None
    logits = labels = X = None
    if logits_m:
        k = sizes[-1]
        logits = rng.standard_normal((logits_m, k)).astype(np.float32) * 3
        labels = np.argmax(logits, axis=1)
        flip = rng.random(logits_m) < flip
        labels = np.where(flip, (labels + 1) % k, labels)
        out = output_stats(logits, labels)
    if inputs:
        X = rng.standard_normal((logits_m or 16, sizes[0])).astype(np.float32)
    S, M = measures(Ws, bs, W0s, out, X)
    return {
        "name": name,
        "layers": [{"weights": W.tolist(), "bias": None if b is None else b.tolist(),
                    "init": None if W0s is None else W0s[i].tolist()} for i, (W, b) in enumerate(zip(Ws, bs))],
        "logits": None if logits is None else logits.tolist(),
        "labels": None if labels is None else [int(x) for x in labels],
        "inputs": None if X is None else X.tolist(),
        "expected_layers": S, "expected_measures": M,
    }


def write_networks():
    rng = np.random.default_rng(20261129)
    cases = [
        make_case("two_layer_5_7_3_bias_init_data", [5, 7, 3], rng, logits_m=40, inputs=True),
        make_case("three_layer_4_6_6_3_nobias", [4, 6, 6, 3], rng, bias=False, init=False, logits_m=25, flip=0.05),
        make_case("three_layer_8_16_12_4_bias_init", [8, 16, 12, 4], rng, logits_m=60),
        make_case("two_layer_30_20_10_bias_no_logits_pruned", [30, 20, 10], rng, init=False, zero_fraction=0.2),
        make_case("two_layer_6_9_4_negative_margin", [6, 9, 4], rng, logits_m=50, flip=0.4, inputs=True),
        make_case("four_layer_10_8_8_8_2_large_weights", [10, 8, 8, 8, 2], rng, scale=40.0, logits_m=30),
    ]
    # Cross-check the forward trick against explicit path enumeration on a small net.
    small = cases[1]
    Ws = [np.array(l["weights"], dtype=np.float32) for l in small["layers"]]
    for p in (1, 1.5, 2):
        a = path_sum(Ws, [None] * len(Ws), p, False)
        b = path_sum_enumerated(Ws, p)
        assert abs(a - b) <= 1e-12 * b, (p, a, b)
    with open(os.path.join(OUT, "reference_networks.json"), "w") as f:
        json.dump({"generator": "scripts/reference/measures_reference.py", "numpy": np.__version__,
                   "quantile_levels": QUANTILES, "cases": cases}, f, indent=None, separators=(",", ":"))
    return cases


def npy_bytes(arr, version):
    """A .npy file with the given header version (1, 2 or 3), crafted by hand."""
    header = "{'descr': %r, 'fortran_order': %s, 'shape': %r, }" % (
        arr.dtype.str, "True" if arr.flags.f_contiguous and not arr.flags.c_contiguous else "False", arr.shape)
    prefix_len = 10 if version == 1 else 12
    total = prefix_len + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    head = b"\x93NUMPY" + bytes([version, 0])
    head += struct.pack("<H" if version == 1 else "<I", len(header))
    order = "F" if arr.flags.f_contiguous and not arr.flags.c_contiguous else "C"
    return head + header.encode("utf-8" if version == 3 else "latin1") + arr.tobytes(order=order)


def full_zip64(members):
    """A stored .npz whose central directory and end record use zip64 fields throughout
    (sizes and offsets 0xFFFFFFFF in the 32-bit fields, real values in zip64 extras, a zip64
    end-of-central-directory record and locator), as a >4 GiB archive would."""
    import zlib
    out = bytearray()
    central = bytearray()
    for name, data in members:
        name_b = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(out)
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name_b), len(extra))
        out += name_b + extra + data
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(name_b), len(cextra), 0, 0, 0, 0, 0xFFFFFFFF)
        central += name_b + cextra
    cd_offset = len(out)
    out += central
    z64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(members), len(members), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


def write_npy_files():
    os.makedirs(NPY, exist_ok=True)
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.5  # exact in binary
    expected = {"matrix_3x4": a.astype(np.float64).tolist()}
    np.save(os.path.join(NPY, "v1_f4_c.npy"), a)
    with open(os.path.join(NPY, "v2_f4_c.npy"), "wb") as f:
        f.write(npy_bytes(a, 2))
    with open(os.path.join(NPY, "v3_f4_c.npy"), "wb") as f:
        f.write(npy_bytes(a, 3))
    np.save(os.path.join(NPY, "v1_f8_big_endian.npy"), a.astype(">f8"))
    np.save(os.path.join(NPY, "v1_f4_fortran.npy"), np.asfortranarray(a))
    np.save(os.path.join(NPY, "v1_i2_big_endian.npy"), (a * 8).astype(">i2"))
    np.save(os.path.join(NPY, "v1_f2.npy"), a.astype(np.float16))
    np.save(os.path.join(NPY, "v1_bool.npy"), np.array([True, False, True]))
    b3 = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    np.save(os.path.join(NPY, "v1_f8_fortran_3d.npy"), np.asfortranarray(b3))
    expected["tensor_2x3x4"] = b3.reshape(-1).tolist()
    with open(os.path.join(NPY, "v1_f4_c.npy"), "rb") as f:
        full = f.read()
    with open(os.path.join(NPY, "truncated.npy"), "wb") as f:
        f.write(full[:-5])
    with open(os.path.join(NPY, "bad_magic.npy"), "wb") as f:
        f.write(b"not a numpy file at all")
    with open(os.path.join(NPY, "complex.npy"), "wb") as f:
        np.save(f, np.array([1 + 2j, 3j]))
    # .npz: stored, deflated, zip64 (numpy writes zip64 local headers), state dict cases.
    w = {"0.weight": (np.arange(12, dtype=np.float32).reshape(4, 3) / 4 - 1), "0.bias": np.array([0.5, -0.5, 1, 0], np.float32),
         "1.weight": (np.arange(8, dtype=np.float32).reshape(2, 4) / 8 - 0.25), "1.bias": np.array([0.25, -1], np.float32)}
    np.savez(os.path.join(NPY, "state_stored.npz"), **w)
    np.savez_compressed(os.path.join(NPY, "state_deflated.npz"), **w)
    for k, v in w.items():  # the same network as positional .npy files (hidden_w, hidden_b, …)
        np.save(os.path.join(NPY, "positional_%s_%s.npy" % (k[0], "w" if k.endswith("weight") else "b")), v)
    expected["state"] = {k: v.astype(np.float64).reshape(-1).tolist() for k, v in w.items()}
    with zipfile.ZipFile(os.path.join(NPY, "state_zip64.npz"), "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for k, v in w.items():
            with z.open(k + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, v)
    members = []
    for k, v in w.items():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, v)
        members.append((k + ".npy", buf.getvalue()))
    with open(os.path.join(NPY, "state_full_zip64.npz"), "wb") as f:
        f.write(full_zip64(members))
    check = np.load(os.path.join(NPY, "state_full_zip64.npz"))  # numpy/zipfile must accept it
    assert list(check.files) == list(w) and all((check[k] == w[k]).all() for k in w)
    with open(os.path.join(NPY, "state_deflated.npz"), "rb") as f:
        full = f.read()
    with open(os.path.join(NPY, "truncated.npz"), "wb") as f:
        f.write(full[: len(full) // 2])
    corrupt = bytearray(full)
    with zipfile.ZipFile(io.BytesIO(full)) as z:
        first = z.infolist()[0]
    name_len, extra_len = struct.unpack("<HH", full[first.header_offset + 26:first.header_offset + 30])
    corrupt[first.header_offset + 30 + name_len + extra_len + first.compress_size // 2] ^= 0xFF  # inside the deflate stream
    with open(os.path.join(NPY, "corrupt.npz"), "wb") as f:
        f.write(bytes(corrupt))
    # Case 12: 12 layers layers.0 … layers.11, stored alphabetically and in insertion order.
    rng = np.random.default_rng(12)
    sizes = [6, 5, 7, 4, 6, 5, 3, 8, 5, 4, 6, 5, 3]
    layers = {}
    for i in range(12):
        layers[f"layers.{i}.weight"] = (rng.standard_normal((sizes[i + 1], sizes[i])) / 2).astype(np.float32)
        layers[f"layers.{i}.bias"] = (rng.standard_normal(sizes[i + 1]) / 10).astype(np.float32)
    np.savez(os.path.join(NPY, "case12_insertion_order.npz"), **layers)
    np.savez(os.path.join(NPY, "case12_alphabetical.npz"), **{k: layers[k] for k in sorted(layers)})
    broken = dict(layers)
    broken["layers.5.weight"] = broken["layers.5.weight"].T.copy()
    broken.pop("layers.5.bias")
    np.savez(os.path.join(NPY, "case12_broken_chain.npz"), **broken)
    keras = {f"dense_{i}": layers[f"layers.{i}.weight"].T.copy() for i in range(3)}
    np.savez(os.path.join(NPY, "keras_layout.npz"), **keras)
    # Case 13: a checkpoint with no 2-D weight tensors.
    np.savez(os.path.join(NPY, "case13_nothing.npz"), **{"bn.running_mean": np.zeros(4, np.float32),
             "bn.running_var": np.ones(4, np.float32), "conv.weight": np.zeros((2, 3, 3, 3), np.float32),
             "step": np.array(7)})
    # Non-finite weights for the CLI error.
    nan = dict(w)
    nan["1.weight"] = nan["1.weight"].copy()
    nan["1.weight"][1, 2] = np.nan
    np.savez(os.path.join(NPY, "state_nan.npz"), **nan)
    # Logits/labels/inputs/init for CLI tests of the 3-4-2 network above.
    init = {k: (v * 0.5 if k.endswith("weight") else v) for k, v in w.items()}
    np.savez(os.path.join(NPY, "state_init.npz"), **init)
    x = np.random.default_rng(3).standard_normal((20, 3)).astype(np.float32)
    h = np.maximum(x @ w["0.weight"].T + w["0.bias"], 0)
    logits = (h @ w["1.weight"].T + w["1.bias"]).astype(np.float32)
    labels = np.argmax(logits, axis=1).astype(np.int64)
    np.save(os.path.join(NPY, "cli_inputs.npy"), x)
    np.save(os.path.join(NPY, "cli_logits.npy"), logits)
    np.save(os.path.join(NPY, "cli_labels.npy"), labels)
    S, M = measures([w["0.weight"], w["1.weight"]], [w["0.bias"], w["1.bias"]], [init["0.weight"], init["1.weight"]],
                    output_stats(logits, labels), x)
    expected["cli_state_measures"] = M
    with open(os.path.join(OUT, "npy_expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_networks()
    write_npy_files()
    print("wrote", OUT)
