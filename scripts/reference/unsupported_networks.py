#!/usr/bin/env python3
"""Fixtures for `gapdb measure` refusals (issue 11): networks gapdb cannot measure whole, and
headers whose sizes overflow.

Writes, under Tests/Fixtures/measures/unsupported/:
  conv2d_head.npz       features.0.weight (8,1,3,3) + features.0.bias (8) + classifier (10,8)
  conv1d_head.npz       conv.weight (4,2,3) + conv.bias (4) + fc (3,4): a Conv1d kernel
  mlp_batchnorm.npz     0 (4,3) → BatchNorm1d 1.* (weight, bias, running stats, a scalar
                        num_batches_tracked) → 2 (2,4): the dense layers chain, the BN scale
                        would be dropped
  stray_vector.npz      an MLP plus a 1-D array `temperature` (5) that is no layer's bias
  huge_shape.npy        a v1 header with shape (2^40, 2^40) and no data: the product overflows
  huge_shape.npz        the same member inside a stored zip
The expected outcome (refusal naming each array with its shape) is written by hand in
Tests/GapdbCLITests/ReaderHostileInputTests.swift.
Run from the repository root:  python3 scripts/reference/unsupported_networks.py
"""
import io
import os
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "measures", "unsupported")
rng = np.random.default_rng(11)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def save(name, arrays):
    np.savez(os.path.join(OUT, name), **arrays)


os.makedirs(OUT, exist_ok=True)
save("conv2d_head.npz", {
    "features.0.weight": f32(8, 1, 3, 3), "features.0.bias": f32(8),
    "classifier.weight": f32(10, 8), "classifier.bias": f32(10)})
save("conv1d_head.npz", {"conv.weight": f32(4, 2, 3), "conv.bias": f32(4), "fc.weight": f32(3, 4), "fc.bias": f32(3)})
save("mlp_batchnorm.npz", {
    "0.weight": f32(4, 3), "0.bias": f32(4),
    "1.weight": f32(4), "1.bias": f32(4), "1.running_mean": f32(4), "1.running_var": np.abs(f32(4)),
    "1.num_batches_tracked": np.array(7, dtype=np.int64),
    "2.weight": f32(2, 4), "2.bias": f32(2)})
save("stray_vector.npz", {"0.weight": f32(4, 3), "0.bias": f32(4), "1.weight": f32(2, 4), "temperature": f32(5)})

# A v1 header announcing 2^80 float32 elements, padded to a multiple of 64 bytes, no data.
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }"
total = 10 + len(header) + 1
header += " " * ((64 - total % 64) % 64) + "\n"
huge = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin-1")
with open(os.path.join(OUT, "huge_shape.npy"), "wb") as f:
    f.write(huge)
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
    z.writestr("huge.npy", huge)
with open(os.path.join(OUT, "huge_shape.npz"), "wb") as f:
    f.write(buffer.getvalue())
