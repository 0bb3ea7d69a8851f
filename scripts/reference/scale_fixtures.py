"""Writes the scale-safety fixtures of Tests/Fixtures/measures/npy (issue 11).

huge_vals.npz: two rank-one float32 layers filled with 3e38 (near the float32 maximum),
  0.weight (16, 20) and 1.weight (10, 16). Hand-derived: a c·1·1ᵀ matrix of size m×n has
  σ₁ = c·√(mn), all other σ = 0, ‖W‖_F = σ₁ and stable rank 1; so σ(0) = 3e38·√320 ≈ 5.367e39,
  σ(1) = 3e38·√160 ≈ 3.795e39 (c = float32(3e38) = 2.9999999521...e38), stable_rank_sum = 2.
tiny64.npz: one float64 layer 0.weight (2, 3) of 1e-300, which float32 flushes to 0.
"""
import numpy as np
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/measures/npy"
np.savez(f"{out}/huge_vals.npz", **{"0.weight": np.full((16, 20), 3e38, np.float32),
                                     "1.weight": np.full((10, 16), 3e38, np.float32)})
np.savez(f"{out}/tiny64.npz", **{"0.weight": np.full((2, 3), 1e-300, np.float64)})
