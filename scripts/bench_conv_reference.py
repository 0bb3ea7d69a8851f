#!/usr/bin/env python3
"""numpy side of `gapdb-bench conv`: the exact conv spectral norm as Dziugaite et al.'s
measures.py computes it (np.fft.fft2 of the 'hwio' kernel on the grid, np.linalg.svd per
frequency, max), for VGG-11's conv layers on a 32x32 input, each at its real input size
(default) or all on --grid N. Same layer list and weight scale as the Swift benchmark (the
random draws differ; the timing does not depend on them).

Usage: python3 scripts/bench_conv_reference.py [--grid 32] [--repeats 3]
Set OPENBLAS_NUM_THREADS=1 to match `gapdb-bench conv --blas-threads 1`.
"""
import argparse
import time

import numpy as np

LAYERS = [(3, 64, 32), (64, 128, 16), (128, 256, 8), (256, 256, 8), (256, 512, 4), (512, 512, 4),
          (512, 512, 2), (512, 512, 2)]


def spectral_norm_fft(kernel, grid):
    hwio = np.einsum("oihw->hwio", kernel)
    transforms = np.fft.fft2(hwio, grid, axes=[0, 1])
    return np.linalg.svd(transforms, compute_uv=False).max()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", type=int)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(11)
    total = 0.0
    print(f"numpy {np.__version__} conv spectral-norm benchmark (fft2 + svd), median of {args.repeats}")
    for cin, cout, size in LAYERS:
        k = rng.normal(size=(cout, cin, 3, 3)) / np.sqrt(cin * 9)
        n = args.grid or size
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            v = spectral_norm_fft(k, (n, n))
            times.append(time.perf_counter() - t0)
        t = sorted(times)[len(times) // 2]
        total += t
        print(f"  {cin}->{cout} @{n}x{n}: sigma = {v:.6f}  {t:.4f} s")
    print(f"  total: {total:.4f} s")


if __name__ == "__main__":
    main()
