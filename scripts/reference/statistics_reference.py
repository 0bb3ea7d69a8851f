#!/usr/bin/env python3
"""Reference values for gapdb's CorrelationStatistics tests.

Writes Tests/Fixtures/statistics/*.json. Independent of the Swift code:
  * tau_b, Spearman rho, Pearson r from scipy.stats (kendalltau default variant = tau-b);
  * tau_a (Jiang's tau) and the Kendall pair counts by O(n^2) brute force;
  * granulated Kendall Psi, CMI (paper form: ordered pairs r != r', p(u)-weighted, |S| <= 2;
    PGDL form: self-pairs, ties as '-', |S| = 2, unweighted slice means) and the robust
    sign-error by direct loops written from the team spec (measures-spec.md section 4).

Run from the repository root:  python3 scripts/reference/statistics_reference.py
"""
import itertools
import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures",
                   "statistics")


def sgn(v):
    return (v > 0) - (v < 0)


def brute_counts(x, y):
    n = len(x)
    c = d = tx = ty = tb = 0
    for i in range(n):
        for j in range(i + 1, n):
            a, b = sgn(x[i] - x[j]), sgn(y[i] - y[j])
            if a == 0:
                tx += 1
            if b == 0:
                ty += 1
            if a == 0 and b == 0:
                tb += 1
            if a * b > 0:
                c += 1
            elif a * b < 0:
                d += 1
    return dict(count=n, concordant=c, discordant=d, tiedX=tx, tiedY=ty, tiedBoth=tb)


def tau_a(x, y):
    n = len(x)
    if n < 2 or len(set(x)) == 1 or len(set(y)) == 1:
        return None
    k = brute_counts(x, y)
    return (k["concordant"] - k["discordant"]) / (n * (n - 1) / 2)


def finite_or_none(v):
    v = float(v)
    return v if math.isfinite(v) else None


def correlation_case(name, x, y):
    """x, y may hold NaN/inf: the reference drops non-finite pairs first, like gapdb."""
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    keep = [i for i in range(len(x)) if math.isfinite(x[i]) and math.isfinite(y[i])]
    xf = [x[i] for i in keep]
    yf = [y[i] for i in keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(xf) >= 2:
            tb = finite_or_none(stats.kendalltau(xf, yf).statistic)
            rho = finite_or_none(stats.spearmanr(xf, yf).statistic)
            r = finite_or_none(stats.pearsonr(xf, yf).statistic) if len(xf) >= 2 else None
        else:
            tb = rho = r = None
    # constant input: scipy gives nan (-> None); keep Pearson's None consistent with it
    if len(set(xf)) <= 1 or len(set(yf)) <= 1:
        tb = rho = r = None
    return {
        "name": name,
        "x": [v if math.isfinite(v) else str(v) for v in x],
        "y": [v if math.isfinite(v) else str(v) for v in y],
        "used": len(xf), "excluded": len(x) - len(xf),
        "tau_a": tau_a(xf, yf), "tau_b": tb, "spearman": rho, "pearson": r,
        "counts": brute_counts(xf, yf),
    }


def correlations():
    rng = np.random.default_rng(20261129)
    cases = []
    cases.append(correlation_case("spec_worked_example", [1, 2, 3, 4, 5],
                                  [0.10, 0.30, 0.20, 0.40, 0.40]))
    for n in (10, 57, 300):
        x = rng.normal(size=n)
        y = 0.5 * x + rng.normal(size=n)
        cases.append(correlation_case("random_n%d" % n, x.tolist(), y.tolist()))
    for n in (12, 80, 400):
        x = rng.integers(0, 5, size=n).astype(float)
        y = (x + rng.integers(0, 4, size=n)).astype(float) / 7.0
        cases.append(correlation_case("tied_n%d" % n, x.tolist(), y.tolist()))
    x = rng.integers(0, 3, size=60).astype(float)
    y = rng.integers(0, 2, size=60).astype(float)
    cases.append(correlation_case("heavy_ties_n60", x.tolist(), y.tolist()))
    cases.append(correlation_case("negative_perfect", [1, 2, 3, 4], [4, 3, 2, 1]))
    cases.append(correlation_case("signed_zero_ties", [0.0, -0.0, 1.0, 2.0], [1.0, 2.0, 2.0, 3.0]))
    x = rng.normal(size=40)
    y = x * 0.3 + rng.normal(size=40)
    x[3] = np.nan
    y[7] = np.inf
    x[11] = -np.inf
    cases.append(correlation_case("with_nonfinite", x.tolist(), y.tolist()))
    # degenerate: undefined everywhere
    cases.append(correlation_case("empty", [], []))
    cases.append(correlation_case("single", [1.0], [2.0]))
    cases.append(correlation_case("constant_x", [2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 4.0]))
    cases.append(correlation_case("constant_y", [1.0, 2.0, 3.0], [5.0, 5.0, 5.0]))
    cases.append(correlation_case("all_nan_but_one", [float("nan"), 1.0, float("nan")],
                                  [1.0, 2.0, 3.0]))
    cases.append(correlation_case("two_points", [1.0, 2.0], [3.0, 1.0]))
    return cases


# ---------------------------------------------------------------- grid statistics

def jiang_tau(x, y):
    n = len(x)
    s = sum(sgn(x[i] - x[j]) * sgn(y[i] - y[j]) for i in range(n) for j in range(n) if i != j)
    return s / (n * (n - 1))


def psi(rows, axes, mu, g):
    """rows: list of dicts of hyperparameter values; one model per configuration."""
    out = {}
    for i, axis in enumerate(axes):
        others = [a for a in axes if a != axis]
        lines = {}
        for k, r in enumerate(rows):
            lines.setdefault(tuple(r[a] for a in others), []).append(k)
        taus = [jiang_tau([mu[k] for k in ks], [g[k] for k in ks]) for ks in lines.values()
                if len(ks) >= 2]
        out[axis] = sum(taus) / len(taus)
    return out, sum(out.values()) / len(out)


def cmi_paper(rows, axes, mu, g, S):
    n = len(rows)
    table = {}
    for r in range(n):
        for q in range(n):
            if r == q:
                continue
            u = tuple((rows[r][a], rows[q][a]) for a in S)
            key = (sgn(g[r] - g[q]), sgn(mu[r] - mu[q]))
            table.setdefault(u, {}).setdefault(key, 0)
            table[u][key] += 1
    total = sum(sum(t.values()) for t in table.values())
    I = H = 0.0
    for t in table.values():
        nu = sum(t.values())
        pu = nu / total
        pg, pm = {}, {}
        for (a, b), c in t.items():
            pg[a] = pg.get(a, 0) + c / nu
            pm[b] = pm.get(b, 0) + c / nu
        I += pu * sum((c / nu) * math.log((c / nu) / (pg[a] * pm[b])) for (a, b), c in t.items())
        H += pu * -sum(p * math.log(p) for p in pg.values() if p > 0)
    return I / H if H > 0 else None


def cmi_pgdl(rows, axes, mu, g, S):
    """The PGDL scoring program's computation for |S| = 2 (ordered model pairs incl. self)."""
    values = {a: sorted(set(r[a] for r in rows)) for a in S}
    combos = list(itertools.product(*[[(v, w) for v in values[a] for w in values[a]] for a in S]))
    tables = {c: np.zeros((2, 2)) for c in combos}
    for r in range(len(rows)):
        for q in range(len(rows)):
            key = tuple((rows[r][a], rows[q][a]) for a in S)
            i = 0 if g[r] > g[q] else 1
            j = 0 if mu[r] > mu[q] else 1
            tables[key][i, j] += 1
    mis, hs = [], []
    for t in tables.values():
        tot = t.sum()
        a0, a1 = t.sum(axis=1) / tot, t.sum(axis=0) / tot
        mi = 0.0
        for i in range(2):
            for j in range(2):
                if t[i, j] > 0:
                    p = t[i, j] / tot
                    mi += p * math.log2(p / (a0[i] * a1[j]))
        mis.append(mi)
        hs.append(-sum(p * math.log2(p) for p in a0 if p > 0))
    return float(np.mean(mis) / np.mean(hs))


def subsets(axes, max_size):
    for k in range(max_size + 1):
        for s in itertools.combinations(axes, k):
            yield list(s)


def psi_example():
    rows = [dict(lr=lr, depth=d) for d in (2, 4) for lr in (0.1, 0.01, 0.001)]
    mu = [1.0, 2.0, 3.0, 2.5, 1.5, 3.5]
    g = [0.05, 0.08, 0.12, 0.03, 0.06, 0.09]
    per_axis, total = psi(rows, ["lr", "depth"], mu, g)
    return {"axes": ["lr", "depth"], "runs": [[str(r["lr"]), str(r["depth"])] for r in rows],
            "measure": mu, "gap": g, "psi": total, "psi_axis": per_axis,
            "tau_a": tau_a(mu, g)}


def cmi_example():
    rows, mu, g = [], [], []
    k = 0
    for bs in (0, 1):
        for lr in (0, 1):
            for dp in (0, 1):
                rows.append(dict(bs=bs, lr=lr, dp=dp))
                g.append(0.10 + 0.05 * bs + 0.02 * lr - 0.03 * dp + 0.0001 * k)
                mu.append(1.0 + 0.5 * bs + 0.2 * lr + 0.3 * dp + 0.001 * k)
                k += 1
    axes = ["bs", "lr", "dp"]
    paper = [{"set": s, "value": cmi_paper(rows, axes, mu, g, s)} for s in subsets(axes, 2)]
    # The PGDL program itself only uses |S| = 2; smaller sets are computed the same way (for
    # the spec's table: self-pairs included, ties as '-', unweighted slice means).
    pgdl = [{"set": s, "value": cmi_pgdl(rows, axes, mu, g, s)} for s in subsets(axes, 2)]
    return {"axes": axes, "runs": [[str(r[a]) for a in axes] for r in rows], "measure": mu,
            "gap": g, "paper": paper, "pgdl": pgdl}


def random_grid_example():
    """3 x 3 x 2 grid, 2 seeds per configuration, tied gaps; seeds averaged first."""
    rng = np.random.default_rng(7)
    axes = ["width", "lr", "bs"]
    levels = {"width": [64, 128, 256], "lr": [0.1, 0.01, 0.001], "bs": [32, 128]}
    runs, mu, g = [], [], []
    for w in levels["width"]:
        for lr in levels["lr"]:
            for bs in levels["bs"]:
                for seed in range(2):
                    runs.append(dict(width=w, lr=lr, bs=bs))
                    g.append(round(float(0.1 + 0.0002 * w - lr + rng.normal() * 0.02), 2))
                    mu.append(float(np.log(w) + 3 * lr + rng.normal() * 0.3))
    # seed-averaged units
    conf = {}
    for k, r in enumerate(runs):
        conf.setdefault(tuple(r[a] for a in axes), []).append(k)
    urows = [dict(zip(axes, c)) for c in conf]
    umu = [float(np.mean([mu[k] for k in ks])) for ks in conf.values()]
    ug = [float(np.mean([g[k] for k in ks])) for ks in conf.values()]
    per_axis, total = psi(urows, axes, umu, ug)
    paper = [{"set": s, "value": cmi_paper(urows, axes, umu, ug, s)} for s in subsets(axes, 2)]
    pgdl = [{"set": s, "value": cmi_pgdl(urows, axes, umu, ug, s)} for s in subsets(axes, 2)]
    # seeds kept: every run is a unit
    per_axis_keep, total_keep = psi(runs, axes, mu, g)
    paper_keep = [{"set": s, "value": cmi_paper(runs, axes, mu, g, s)} for s in subsets(axes, 2)]
    return {"axes": axes, "runs": [[str(r[a]) for a in axes] for r in runs], "measure": mu,
            "gap": g, "average": {"psi": total, "psi_axis": per_axis, "paper": paper,
                                  "pgdl": pgdl},
            "keep": {"psi": total_keep, "psi_axis": per_axis_keep, "paper": paper_keep}}


def hoeffding_weight(delta, n):
    w = max(0.0, 1 - 2 * math.exp(-2 * n * (delta / 2) ** 2)) ** 2
    return w - 0.5 if w > 0.5 else 0.0


def sign_error_example():
    """Environments = config pairs differing in exactly one axis; all seed pairs; ESS >= 12."""
    rng = np.random.default_rng(11)
    axes = ["lr", "depth"]
    n_test = 10000
    runs, mu, g = [], [], []
    for lr in ("0.1", "0.01", "0.001"):
        for depth in ("2", "4"):
            for seed in range(5):
                runs.append(dict(lr=lr, depth=depth))
                g.append(round(float(0.05 + 0.1 * float(lr) + 0.01 * int(depth) +
                                     rng.normal() * 0.01), 4))
                mu.append(float(rng.normal() + 5 * float(lr)))
    confs = {}
    for k, r in enumerate(runs):
        confs.setdefault(tuple(r[a] for a in axes), []).append(k)
    keys = list(confs)
    losses = []
    per_axis = {a: [] for a in axes}
    considered = 0
    for i in range(len(keys)):
        for j in range(len(keys)):
            if i == j:
                continue
            diff = [a for t, a in enumerate(axes) if keys[i][t] != keys[j][t]]
            if len(diff) != 1:
                continue
            considered += 1
            ws, es = [], []
            for r in confs[keys[i]]:
                for q in confs[keys[j]]:
                    w = hoeffding_weight(abs(g[r] - g[q]), n_test)
                    e = (1 - sgn(mu[r] - mu[q]) * sgn(g[r] - g[q])) / 2
                    ws.append(w)
                    es.append(e)
            sw = sum(ws)
            if sw == 0:
                continue
            ess = sw ** 2 / sum(w * w for w in ws)
            if ess < 12:
                continue
            loss = sum(w * e for w, e in zip(ws, es)) / sw
            losses.append(loss)
            per_axis[diff[0]].append(loss)
    return {"axes": axes, "runs": [[r[a] for a in axes] for r in runs], "measure": mu, "gap": g,
            "test_size": n_test, "environments_considered": considered,
            "environments_kept": len(losses), "mean": float(np.mean(losses)),
            "max": float(np.max(losses)),
            "median": float(np.quantile(losses, 0.5)), "p90": float(np.quantile(losses, 0.9)),
            "per_axis_mean": {a: float(np.mean(v)) if v else None for a, v in per_axis.items()},
            "weights": {str(d): hoeffding_weight(d, 10000)
                        for d in (0.01, 0.015, 0.02, 0.025, 0.03, 0.05)}}


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"numpy": np.__version__, "scipy": scipy.__version__,
            "generator": "scripts/reference/statistics_reference.py"}
    files = {
        "correlations.json": {"meta": meta, "cases": correlations()},
        "granulated_kendall.json": {"meta": meta, "example": psi_example()},
        "cmi.json": {"meta": meta, "example": cmi_example()},
        "grid_random.json": {"meta": meta, "example": random_grid_example()},
        "sign_error.json": {"meta": meta, "example": sign_error_example()},
    }
    for name, content in files.items():
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(content, f, indent=1)
            f.write("\n")
        print("wrote", os.path.join(OUT, name))


if __name__ == "__main__":
    main()
