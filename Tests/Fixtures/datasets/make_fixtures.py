#!/usr/bin/env python3
"""Generates the IDX/CSV fixtures and the xoshiro256** reference values for DatasetsTests.

Independent of gapdb: IDX bytes are packed with struct, gzip with Python's gzip module, and
xoshiro256** / SplitMix64 are written from the published reference C code.
Run from this folder: python3 make_fixtures.py
"""
import gzip
import json
import struct

M64 = (1 << 64) - 1


def idx(type_code, dims, payload):
    return struct.pack(">BBBB", 0, 0, type_code, len(dims)) + struct.pack(">" + "I" * len(dims), *dims) + payload


# 3 images of 2x2 pixels, values 0..11 scaled up; labels 2, 0, 1.
images = idx(0x08, [3, 2, 2], bytes([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255]))
labels = idx(0x08, [3], bytes([2, 0, 1]))
open("tiny-images-idx3-ubyte", "wb").write(images)
open("tiny-labels-idx1-ubyte", "wb").write(labels)
with gzip.open("tiny-images-idx3-ubyte.gz", "wb") as f:
    f.write(images)
with gzip.open("tiny-labels-idx1-ubyte.gz", "wb") as f:
    f.write(labels)
# Big-endian float32 IDX (type 0x0D), 2x2.
open("float-idx2", "wb").write(idx(0x0D, [2, 2], struct.pack(">4f", 1.5, -2.0, 0.25, 1e6)))
# Errors.
open("wrong-magic-idx", "wb").write(b"\x08\x03\x00\x00" + images[4:])
open("truncated-images-idx3-ubyte", "wb").write(images[:-3])
open("trailing-images-idx3-ubyte", "wb").write(images + b"\x00\x01")
open("four-labels-idx1-ubyte", "wb").write(idx(0x08, [4], bytes([0, 1, 2, 1])))
open("bad-label-idx1-ubyte", "wb").write(idx(0x08, [3], bytes([0, 12, 1])))
gz = gzip.compress(images)
open("truncated-images-idx3-ubyte.gz", "wb").write(gz[: len(gz) // 2])

open("small.csv", "w").write("x1,label,x2\n0.5,1,2\n1.5,0,-4\n\"2.5\",2,6e-1\n")
open("noheader.csv", "w").write("1,0.5,2\n0,1.5,-4\n")
open("ragged.csv", "w").write("label,a,b\n1,2,3\n0,4\n")
open("nonnumeric.csv", "w").write("label,a,b\n1,2,3\n0,4,abc\n")


def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


def xoshiro(seed, n):
    s = []
    x = seed
    for _ in range(4):
        x, v = splitmix(x)
        s.append(v)
    out = []
    for _ in range(n):
        out.append(rotl((s[1] * 5) & M64, 7) * 9 & M64)
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


ref = {"seed_0": [str(v) for v in xoshiro(0, 5)], "seed_12345": [str(v) for v in xoshiro(12345, 5)]}
json.dump(ref, open("xoshiro256starstar.json", "w"), indent=1)
print("ok")
