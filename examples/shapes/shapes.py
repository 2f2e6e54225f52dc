"""A synthetic 6-class image set for hil's example: coloured shapes on noisy backgrounds, 32x32 RGB.

Small enough to commit a test split as PNG files, hard enough that a tiny CNN does not reach
100 %: random colours (sometimes close to the background), sizes, positions, rotations, clutter and
noise. Every shape turns by any angle, so the six are kept distinct under rotation and scale: the
diamond is a rhombus (0.6 as wide as tall), not a square turned 45 degrees (that one was a square
of another size), and the clutter blobs are smaller than the smallest circle. Deterministic for a
given seed. Only numpy and the standard library.
"""
import struct
import zlib

import numpy as np

CLASSES = ["circle", "square", "triangle", "cross", "ring", "diamond"]
SIZE = 32


def _grid():
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    return x + 0.5, y + 0.5


def _mask(kind, cx, cy, r, angle):
    x, y = _grid()
    # Rotate the coordinates around the centre so every shape can turn.
    c, s = np.cos(angle), np.sin(angle)
    u = (x - cx) * c + (y - cy) * s
    v = -(x - cx) * s + (y - cy) * c
    if kind == "circle":
        return u * u + v * v <= r * r
    if kind == "ring":
        d = np.sqrt(u * u + v * v)
        return (d <= r) & (d >= r * 0.55)
    if kind == "square":
        return (np.abs(u) <= r * 0.85) & (np.abs(v) <= r * 0.85)
    if kind == "diamond":
        # A rhombus, taller than wide (|u| + |v| <= r would be a square turned 45 degrees).
        return np.abs(u) / 0.6 + np.abs(v) <= r
    if kind == "cross":
        w = r * 0.33
        return ((np.abs(u) <= w) & (np.abs(v) <= r)) | ((np.abs(v) <= w) & (np.abs(u) <= r))
    if kind == "triangle":
        # Upward triangle: below the two slanted edges, above the base.
        return (v <= r * 0.6) & (v >= -r + 1.7 * np.abs(u))
    raise ValueError(kind)


def render(kind, rng):
    """One uint8 HxWx3 image of `kind`."""
    bg = rng.uniform(0, 255, size=3)
    fg = rng.uniform(0, 255, size=3)
    # Keep some contrast, but not always much.
    while np.abs(fg - bg).sum() < 90:
        fg = rng.uniform(0, 255, size=3)
    img = np.empty((SIZE, SIZE, 3), np.float32)
    img[:] = bg
    # Background clutter: a few faint blobs, smaller than the smallest shape (a blob as large as a
    # small circle would make the circle class ambiguous).
    x, y = _grid()
    for _ in range(rng.integers(0, 4)):
        bx, by, br = rng.uniform(0, SIZE), rng.uniform(0, SIZE), rng.uniform(1.5, 4)
        blob = (x - bx) ** 2 + (y - by) ** 2 <= br * br
        img[blob] = img[blob] * 0.6 + rng.uniform(0, 255, size=3) * 0.4
    r = rng.uniform(6, 12)
    cx, cy = rng.uniform(r, SIZE - r), rng.uniform(r, SIZE - r)
    mask = _mask(kind, cx, cy, r, rng.uniform(0, 2 * np.pi))
    img[mask] = fg
    img += rng.normal(0, rng.uniform(4, 20), size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make(count_per_class, seed):
    """(images uint8 N x 32 x 32 x 3, labels int64 N), classes interleaved."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(count_per_class):
        for label, kind in enumerate(CLASSES):
            images.append(render(kind, rng))
            labels.append(label)
    return np.stack(images), np.array(labels, np.int64)


def write_png(path, rgb):
    """A plain 8-bit RGB PNG (filter 0 on every row), written with zlib."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)
