#!/usr/bin/env python3
"""Independent reference for granulated Kendall psi on an incomplete grid (gapdb issue 11).

Writes psi_incomplete.json next to this script: the grid, and for each seed handling
(average, keep) and line selection (all, complete) the per-axis psi and line counts.

Definitions (measures-spec.md section 4.3 plus gapdb's line accounting):
- a line of axis i = the models that agree on every other axis; the possible lines are all
  combinations of the other axes' observed levels (m_i = prod_{j != i} |levels_j|);
- a model = a configuration (seeds averaged over the runs with finite measure and gap) or,
  with keep, a run;
- a line is skipped as "empty" (no run with that combination), "one model" (a single model
  on the grid, whatever its values), "non-finite" (2+ models but fewer than 2 with finite
  measure and gap), or, with complete, "incomplete" (some level of the axis has no usable
  model); otherwise it is used and tau_a (ties count 0) enters the mean.
Plain Python, no gapdb code. Run: python3 psi_incomplete_reference.py
"""
import itertools
import json
import math
import os

AXES = ["lr", "depth", "bs"]
# (lr, depth, bs, measure, gap); NaN = a diverged measure. (0.1, 1, 32) has two seeds.
RUNS = [
    ("0.1", "1", "32", 1.0, 0.10),
    ("0.1", "1", "32", 1.4, 0.14),
    ("0.01", "1", "32", 2.0, 0.20),
    ("0.001", "1", "32", 3.0, 0.25),
    ("0.1", "2", "32", 2.0, 0.15),
    ("0.01", "2", "32", 1.0, 0.30),
    ("0.1", "3", "32", float("nan"), 0.20),
    ("0.01", "3", "32", 4.0, 0.35),
    ("0.1", "4", "32", 5.0, 0.40),
    ("0.1", "1", "64", 1.5, 0.50),
]


def sign(v):
    return (v > 0) - (v < 0)


def tau_a(points):
    n = len(points)
    s = sum(sign(a[0] - b[0]) * sign(a[1] - b[1]) for a, b in itertools.combinations(points, 2))
    return s / (n * (n - 1) / 2)


def models(keep):
    """(levels tuple, measure, gap, finite) per model."""
    if keep:
        return [(r[:3], r[3], r[4], math.isfinite(r[3]) and math.isfinite(r[4])) for r in RUNS]
    out = []
    for cfg in dict.fromkeys(r[:3] for r in RUNS):
        rs = [r for r in RUNS if r[:3] == cfg and math.isfinite(r[3]) and math.isfinite(r[4])]
        if rs:
            out.append((cfg, sum(r[3] for r in rs) / len(rs), sum(r[4] for r in rs) / len(rs), True))
        else:
            out.append((cfg, float("nan"), float("nan"), False))
    return out


def psi(keep, complete):
    ms = models(keep)
    levels = [list(dict.fromkeys(r[i] for r in RUNS)) for i in range(len(AXES))]
    result = {}
    for i, name in enumerate(AXES):
        others = [j for j in range(len(AXES)) if j != i]
        counts = dict(used=0, empty=0, one_model=0, non_finite=0, incomplete=0, used_incomplete=0, used_tied=0)
        taus = []
        for combo in itertools.product(*[levels[j] for j in others]):
            on_line = [m for m in ms if tuple(m[0][j] for j in others) == combo]
            usable = [m for m in on_line if m[3]]
            if not on_line:
                counts["empty"] += 1
            elif len(on_line) < 2:
                counts["one_model"] += 1
            elif len(usable) < 2:
                counts["non_finite"] += 1
            else:
                is_complete = set(m[0][i] for m in usable) == set(levels[i])
                if complete and not is_complete:
                    counts["incomplete"] += 1
                    continue
                counts["used"] += 1
                counts["used_incomplete"] += 0 if is_complete else 1
                pts = [(m[1], m[2]) for m in usable]
                if len(set(p[0] for p in pts)) == 1 or len(set(p[1] for p in pts)) == 1:
                    counts["used_tied"] += 1
                taus.append(tau_a(pts))
        counts["possible"] = math.prod(len(levels[j]) for j in others)
        counts["psi"] = sum(taus) / len(taus) if taus else None
        result[name] = counts
    defined = [a["psi"] for a in result.values() if a["psi"] is not None]
    return {"psi": sum(defined) / len(defined) if defined else None, "axes": result}


def main():
    out = {
        "generator": "Tests/Fixtures/statistics/psi_incomplete_reference.py",
        "axes": AXES,
        "runs": [list(r[:3]) for r in RUNS],
        "measure": [r[3] if math.isfinite(r[3]) else "nan" for r in RUNS],
        "gap": [r[4] for r in RUNS],
    }
    for keep in (False, True):
        for complete in (False, True):
            out[("keep" if keep else "average") + "_" + ("complete" if complete else "all")] = psi(keep, complete)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "psi_incomplete.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
