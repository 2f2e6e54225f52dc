"""Calibration: the float inputs the user gives, the input quantisation, and the int8 range of
every layer output (post-training static quantisation, min/max).

Input quantisation must be what the bench does with 8-bit pixels (docs/datasets.md, "From file to
int8"): x = p/255 (unit), p/127.5 − 1 (centered) or p (raw), then q = clamp(round(x/scale) + zp).
  unit:     scale 1/255, zp −128: q = p − 128 exactly, every pixel value kept.
  raw:      scale 1,     zp −128: q = p − 128 exactly.
  centered: scale 2/255, zp 0. x/scale = p − 127.5 is always a half, so q = p − 128 for p ≤ 127 and
            p − 127 above (255 clamps to 127): every pixel is off by exactly half a step (1/255),
            which no integer zero point avoids; 254 and 255 share a code.
Without a pixel range the calibration inputs' own min/max (with 0 inside) is used.
"""
import os

import numpy as np

from . import floatchain, pixels
from .errors import ExportError

PIXEL_RANGES = {"unit": (1.0 / 255.0, -128), "raw": (1.0, -128), "centered": (2.0 / 255.0, 0)}
PIXEL_TO_X = {"unit": lambda p: p / 255.0, "raw": lambda p: p, "centered": lambda p: p / 127.5 - 1.0}


def range_params(lo, hi):
    """Asymmetric int8 (scale, zero point) covering [lo, hi] ∪ {0}, so that 0 is exact (zero
    padding and ReLU's floor are then exact codes)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return scale, zp


def quantize_input(x, scale, zp):
    """The bench's quantisation (docs/datasets.md step 4): in float32, round half away from zero,
    clamp before converting."""
    v = np.asarray(x, dtype=np.float32) / np.float32(scale)
    r = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
    return np.clip(r + zp, -128, 127).astype(np.int8)


def load_calibration(path, input_shape, input_range=None, limit=None):
    """Float NCHW samples from a .npy file (float NCHW, or uint8 pixels with a pixel range), or
    an image folder (needs Pillow)."""
    c, h, w = input_shape
    if os.path.isdir(path):
        x = _load_images(path, (c, h, w), input_range, limit)
    elif path.endswith(".npy"):
        a = np.load(path, allow_pickle=False)
        if a.dtype == np.uint8:
            if input_range is None:
                raise ExportError(f"{path} holds uint8 pixels: give --input-range (unit, centered or raw) to say "
                                  "how the model sees them")
            a = PIXEL_TO_X[input_range](a.astype(np.float64))
        elif a.dtype.kind != "f":
            raise ExportError(f"{path} holds {a.dtype}; give float32 inputs N×C×H×W (or uint8 pixels)")
        if a.ndim == 3 and c == 1:
            a = a[:, None]
        if a.ndim != 4 or tuple(a.shape[1:]) != (c, h, w):
            hint = " (it looks NHWC: transpose to NCHW)" if a.ndim == 4 and tuple(a.shape[1:]) == (h, w, c) else ""
            raise ExportError(f"{path} has shape {list(a.shape)}; the model takes N×{c}×{h}×{w}{hint}")
        x = a.astype(np.float64)
    else:
        raise ExportError(f"{path}: calibration data must be a .npy file or an image folder")
    if not np.all(np.isfinite(x)):
        raise ExportError(f"{path} contains NaN or infinite values")
    if len(x) == 0:
        raise ExportError(f"{path} holds no samples")
    return x[:limit] if limit else x


def _load_images(folder, shape, input_range, limit=None):
    """Calibration images read as the bench reads its datasets (`pixels.py`)."""
    c, h, w = shape
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                   if f.lower().endswith(pixels.IMAGE_EXTENSIONS) and not f.startswith("."))
    if not files:
        raise ExportError(f"{folder} holds no .png/.jpg images")
    if limit and limit < len(files):
        # Evenly spread over the sorted files, so every class folder of a large training set is
        # represented without decoding all of it.
        files = [files[i] for i in np.linspace(0, len(files) - 1, limit).round().astype(int)]
    out = []
    for f in files:
        p = pixels.load(f, c, h, w).astype(np.float64).transpose(2, 0, 1)
        out.append(PIXEL_TO_X[input_range or "unit"](p))
    return np.stack(out)


def calibrate(chain, x_nchw, input_range=None, batch=64):
    """(input (scale, zp), [(scale, zp) per layer]) from min/max over the calibration set."""
    lo = [np.inf] * len(chain.layers)
    hi = [-np.inf] * len(chain.layers)
    x_nhwc = np.transpose(x_nchw, (0, 2, 3, 1))
    for start in range(0, len(x_nhwc), batch):
        outs = floatchain.run(chain, x_nhwc[start:start + batch], keep_all=True)
        for i, o in enumerate(outs):
            lo[i], hi[i] = min(lo[i], float(o.min())), max(hi[i], float(o.max()))
    if input_range is not None:
        if input_range not in PIXEL_RANGES:
            raise ExportError(f"--input-range {input_range}: use unit, centered or raw")
        inp = PIXEL_RANGES[input_range]
    else:
        inp = range_params(float(x_nchw.min()), float(x_nchw.max()))
    params = []
    prev = inp
    for i, layer in enumerate(chain.layers):
        # Pools move codes without rescaling: they keep their input's quantisation.
        prev = prev if layer.kind in ("max_pool", "avg_pool", "global_avg_pool") else range_params(lo[i], hi[i])
        params.append(prev)
    return inp, params
