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

# gapdb measure message fixtures (issue 11 item 7), for state_deflated.npz (4→2 network).
np.save(f"{out}/msg_logits7.npy", np.zeros((50, 7), np.float32))
np.save(f"{out}/msg_labels50.npy", np.full(50, 6, np.int64))
np.save(f"{out}/msg_logits2.npy", np.zeros((50, 2), np.float32))
np.save(f"{out}/msg_labels_huge.npy", np.full(50, 2**62, np.int64))
np.save(f"{out}/msg_labels_short.npy", np.zeros(49, np.int64))
# An .npz holding the member 0.weight.npy twice (zipfile allows it; numpy.savez never writes it).
import io, zipfile
def npy_bytes(a):
    b = io.BytesIO(); np.save(b, a); return b.getvalue()
with zipfile.ZipFile(f"{out}/dup_member.npz", "w") as z:
    import warnings
    warnings.simplefilter("ignore")
    z.writestr("0.weight.npy", npy_bytes(np.ones((2, 3), np.float32)))
    z.writestr("0.weight.npy", npy_bytes(np.ones((4, 5), np.float32)))
