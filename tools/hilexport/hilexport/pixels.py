"""Images read the way the bench reads them, so the exporter's figures on an image folder are the
bench's, sample for sample.

The bench (Sources/Deployer/Dataset/PixelTransform.swift) decodes with libpng / libjpeg-turbo,
converts channels as PIL's convert("L") / convert("RGB") do, then resizes each axis on its own:
area averaging to shrink, bilinear with half-pixel centres to grow, weights computed in double and
kept as float32, float32 sums in tap order, and one rounding at the end (half away from zero).
PIL's BOX filter is the same filter but rounds to 8 bits after each axis, so a pixel can come out
a level apart (a 2×2 block 0 1 / 0 0 is 0 on the bench and 1 through PIL); this module does the
bench's arithmetic instead, operation for operation, in numpy float32.
"""
import functools
import math

import numpy as np

from .errors import ExportError

# The files the bench decodes (libpng, libjpeg-turbo); others in a dataset folder are skipped.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".jpe", ".jfif")
# Images the bench does not decode: refused, not skipped (dropping them would change the test set).
UNSUPPORTED_EXTENSIONS = (".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".pnm",
                          ".heic", ".heif", ".avif", ".jp2")


def refuse_unsupported(path):
    """An ExportError for an image in a format the bench does not decode, as the bench words it."""
    if path.lower().endswith(UNSUPPORTED_EXTENSIONS):
        ext = path.rsplit(".", 1)[1]
        raise ExportError(f"{path} is a .{ext.lower()} image, which hil does not decode; convert it to PNG or JPEG")


@functools.lru_cache(maxsize=64)     # a dataset has few distinct sizes; its images are many
def taps(n_in, n_out):
    """(sources, weights) of an axis: int64 and float32 arrays of shape (n_out, most taps),
    padded with source 0 and weight 0 (adding 0·p changes no float32 sum)."""
    ratio = n_in / n_out
    rows = []
    for i in range(n_out):
        entries = []
        if n_out <= n_in:
            low, high = i * ratio, (i + 1) * ratio
            j = math.floor(low)
            while j < n_in and j < high:
                overlap = min(high, j + 1) - max(low, j)
                if overlap > 0:
                    entries.append((j, overlap / ratio))
                j += 1
        else:
            position = min(n_in - 1, max(0.0, (i + 0.5) * ratio - 0.5))
            left = math.floor(position)
            fraction = position - left
            entries.append((left, 1 - fraction))
            if fraction > 0:
                entries.append((min(left + 1, n_in - 1), fraction))
        rows.append(entries)
    width = max(len(r) for r in rows)
    sources = np.zeros((n_out, width), np.int64)
    weights = np.zeros((n_out, width), np.float32)
    for i, r in enumerate(rows):
        for k, (j, w) in enumerate(r):
            sources[i, k], weights[i, k] = j, np.float32(w)
    return sources, weights


def resize(pixels, height, width):
    """uint8 H×W×C → uint8 height×width×C, as the bench resizes."""
    h, w, c = pixels.shape
    if (h, w) == (height, width):
        return pixels
    cs, cw = taps(w, width)
    wide = np.zeros((h, width, c), np.float32)
    p = pixels.astype(np.float32)
    for k in range(cs.shape[1]):
        wide += cw[:, k][None, :, None] * p[:, cs[:, k], :]
    rs, rw = taps(h, height)
    sums = np.zeros((height, width, c), np.float32)
    for k in range(rs.shape[1]):
        sums += rw[:, k][:, None, None] * wide[rs[:, k], :, :]
    # Half away from zero (the sums are never negative); v − floor(v) is exact in float32.
    whole = np.floor(sums)
    rounded = whole + (sums - whole >= np.float32(0.5))
    return np.clip(rounded, 0, 255).astype(np.uint8)


def load(path, channels, height, width):
    """One image file as the model's uint8 H×W×C input, decoded by Pillow."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ExportError("reading an image folder needs Pillow (pip install pillow); or give a .npy") from e
    try:
        with Image.open(path) as im:
            im = im.convert("L" if channels == 1 else "RGB")
            pixels = np.asarray(im, dtype=np.uint8).reshape(im.size[1], im.size[0], channels)
    except OSError as e:
        raise ExportError(f"{path}: not a readable image ({e})") from e
    return resize(pixels, height, width)
