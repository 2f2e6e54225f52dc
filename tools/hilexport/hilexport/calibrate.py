"""Calibration: the float inputs the user gives, the input quantisation, and the int8 range of
every layer output (post-training static quantisation, min/max).

Input quantisation must be what the bench does with 8-bit pixels (docs/datasets.md, "From file to
int8"): x = p/255 (unit), p/127.5 − 1 (centered) or p (raw), then q = clamp(round(x/scale) + zp).
  unit:     scale 1/255, zp −128: q = p − 128 exactly, every pixel value kept.
  raw:      scale 1,     zp −128: q = p − 128 exactly.
  centered: scale 2/255, zp 0. x/scale = p − 127.5 is always a half, so q = p − 128 for p ≤ 127 and
            p − 127 above (255 clamps to 127): every pixel is off by exactly half a step (1/255),
            which no integer zero point avoids; 254 and 255 share a code.
  affine (--input-mean/--input-std): the int8 input covers every value a pixel maps to, 0 exact.
Without a pixel range the calibration inputs' own min/max (with 0 inside) is used.
"""
import os

import numpy as np

from . import contract, floatchain
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


def load_calibration(path, input_shape, input_range=None, limit=None, channel_order="rgb"):
    """Float NCHW calibration samples from a .npy (N×C×H×W or N×H×W×C: float real values, or
    uint8 pixels with a pixel range), a folder holding x.npy, or an image folder (needs Pillow),
    read by the one reader (dataset.py). Float values far outside the pixel range's span are
    refused as the bench refuses them: they were prepared for another model."""
    from . import dataset
    pix = contract.pixels_of(input_range)
    spec = dataset.Spec(tuple(input_shape), [], pixels=pix, channel_order=channel_order or "rgb")
    a = dataset.load_inputs(path, spec, limit)
    if a.dtype == np.uint8:
        if pix is None:
            if os.path.isdir(path) and dataset.inputs_file(path) is None:
                pix = contract.Pixels("unit")       # images without a range: read as unit, as before
            else:
                raise ExportError(f"{path} holds uint8 pixels: give --input-range (unit, centered or raw) or "
                                  "--input-mean/--input-std to say how the model sees them")
        x = pix.to_x(a)
    elif a.dtype == np.int8:
        raise ExportError(f"{path} holds int8 values (already quantised inputs); calibration needs the real "
                          "values: give float32 inputs or uint8 pixels")
    else:
        x = a.astype(np.float32)
        if pix is not None:
            dataset.check_float_range(x, spec, path)
    return np.transpose(x.astype(np.float64), (0, 3, 1, 2))


def calibrate(chain, x_nchw, input_range=None, batch=64):
    """(input (scale, zp), [(scale, zp) per layer]) from min/max over the calibration set."""
    lo = [np.inf] * len(chain.layers)
    hi = [-np.inf] * len(chain.layers)
    x_nhwc = np.transpose(x_nchw, (0, 2, 3, 1))
    for start in range(0, len(x_nhwc), batch):
        outs = floatchain.run(chain, x_nhwc[start:start + batch], keep_all=True)
        for i, o in enumerate(outs):
            lo[i], hi[i] = min(lo[i], float(o.min())), max(hi[i], float(o.max()))
    pix = contract.pixels_of(input_range)
    if pix is not None and pix.name in PIXEL_RANGES:
        inp = PIXEL_RANGES[pix.name]
    elif pix is not None:
        # affine: the int8 input covers every value a pixel can map to, 0 kept exact
        inp = range_params(*pix.span(x_nchw.shape[1]))
    else:
        inp = range_params(float(x_nchw.min()), float(x_nchw.max()))
    params = []
    prev = inp
    for i, layer in enumerate(chain.layers):
        # Pools move codes without rescaling: they keep their input's quantisation.
        prev = prev if layer.kind in ("max_pool", "avg_pool", "global_avg_pool") else range_params(lo[i], hi[i])
        params.append(prev)
    return inp, params
