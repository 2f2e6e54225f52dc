"""The writer's quantisation arithmetic, exactly as docs/model-format.md ("What the writer computes")."""
import math

import numpy as np


def round_half_away(x):
    """Round to nearest, halves away from zero (C's round), elementwise for arrays."""
    a = np.asarray(x, dtype=np.float64)
    r = np.sign(a) * np.floor(np.abs(a) + 0.5)
    return r if isinstance(x, np.ndarray) else float(r)


def quantize_multiplier(real):
    """(multiplier Q31, shift) with real = multiplier * 2**(shift - 31); (0, 0) for 0."""
    if real < 0:
        raise ValueError(f"a requantisation multiplier must be >= 0, got {real}")
    if real == 0:
        return 0, 0
    q, e = math.frexp(real)
    m = math.floor(q * 2**31 + 0.5)          # halves away from zero; Python's round() is banker's
    if m == 2**31:
        m, e = 2**30, e + 1
    if e < -31:
        return 0, 0
    if e > 30:
        raise ValueError(f"multiplier {real} is too large to represent (shift {e} > 30)")
    return int(m), int(e)


def per_channel_weights(w, axis=0):
    """Symmetric per-output-channel int8 weights and their scales (scale = max|w| / 127)."""
    w = np.asarray(w, dtype=np.float64)
    moved = np.moveaxis(w, axis, 0)
    peak = np.abs(moved.reshape(moved.shape[0], -1)).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0)
    q = round_half_away(moved / scales.reshape((-1,) + (1,) * (moved.ndim - 1)))
    q = np.clip(q, -127, 127).astype(np.int8)
    return np.moveaxis(q, 0, axis), scales
