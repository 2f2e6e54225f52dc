"""A SYNTHETIC stand-in for the Kaggle "ASL Alphabet" set: 29 classes of 32×32 RGB images.

The seed's classifier was trained on photographs of hands signing A–Z, "del", "nothing" and
"space". There is no network here, so this module renders a task of the same shape: the letter
itself as a glyph from one of Debian's fonts, with a random pose (rotation, shear, scale,
position), random colours, background clutter, an occluder now and then, blur and sensor noise.
"del" is an erase-to-the-left key (⌫), "space" an open box (␣), both drawn as strokes so no font
can turn them into a missing-glyph box; "nothing" is background and clutter alone. Figures
measured on it are figures on a synthetic set and are called so wherever they appear.

    python3 examples/asl/aslsynth.py --per-class 10 --seed 4 --out examples/asl/test

writes an image folder (one subfolder per class, Kaggle's class names), the layout `hilctl run
--dataset` reads. `make(n_per_class, seed)` gives uint8 N×32×32×3 arrays and labels for training.
Deterministic for a seed, a font list and a Pillow/FreeType version.
"""
import argparse
import math
import os
import sys

import numpy as np

try:
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
except ImportError:  # pragma: no cover - said plainly where it matters
    Image = None

CLASSES = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["del", "nothing", "space"]
SIZE = 32
CANVAS = 96          # rendered at 3× and reduced with a box filter: anti-aliased strokes

# Regular and bold faces from Debian's fonts-dejavu-core, fonts-liberation2, fonts-freefont-ttf,
# fonts-open-sans, fonts-cantarell and fonts-comic-neue; the ones installed are used.
FONT_FILES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-Bold.ttf",
    "/usr/share/fonts/opentype/cantarell/Cantarell-Regular.otf",
    "/usr/share/fonts/opentype/cantarell/Cantarell-Bold.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Bold.otf",
]


class SynthError(Exception):
    pass


def available_fonts(files=FONT_FILES):
    """The font files present; at least one is needed."""
    if Image is None:
        raise SynthError("the synthetic ASL set is rendered with Pillow: pip install pillow")
    found = [f for f in files if os.path.exists(f)]
    if not found:
        raise SynthError("no font of the list is installed; apt-get install fonts-dejavu-core "
                         "fonts-liberation2 fonts-freefont-ttf (and optionally fonts-open-sans "
                         "fonts-cantarell fonts-comic-neue)")
    return found


def _colour_pair(rng):
    """Background and ink with enough luminance contrast to read, sometimes barely."""
    def lum(c):
        return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
    bg = rng.uniform(0, 255, size=3)
    need = rng.uniform(45, 120)
    for _ in range(100):
        fg = rng.uniform(0, 255, size=3)
        if abs(lum(fg) - lum(bg)) >= need:
            break
    else:
        fg = np.where(bg > 127, 0.0, 255.0)
    return bg, fg


def _background(rng, bg):
    """A gradient and clutter (lines, ellipses, boxes) in muted colours."""
    img = Image.new("RGB", (CANVAS, CANVAS), tuple(int(v) for v in bg))
    grad = np.linspace(-1, 1, CANVAS, dtype=np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = np.cos(angle) * grad[None, :] + np.sin(angle) * grad[:, None]
    arr = np.asarray(img, dtype=np.float32) + ramp[..., None] * rng.uniform(0, 40, size=3)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.integers(0, 6)):
        colour = tuple(int(v) for v in np.clip(bg + rng.normal(0, 50, size=3), 0, 255))
        x0, y0, x1, y1 = rng.uniform(-10, CANVAS + 10, size=4)
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.line([(x0, y0), (x1, y1)], fill=colour, width=int(rng.integers(2, 8)))
        elif kind == 1:
            draw.ellipse([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], outline=colour,
                         width=int(rng.integers(2, 6)))
        else:
            draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], fill=colour)
    return img


def _stroke_symbol(label, width):
    """'del' (⌫: a key pointing left with a cross) or 'space' (␣: an open box), as a mask."""
    m = Image.new("L", (CANVAS, CANVAS), 0)
    d = ImageDraw.Draw(m)
    c = CANVAS / 2
    if label == "del":
        body = [(c - 30, c), (c - 14, c - 18), (c + 30, c - 18), (c + 30, c + 18), (c - 14, c + 18)]
        d.line(body + [body[0]], fill=255, width=width, joint="curve")
        d.line([(c - 2, c - 9), (c + 16, c + 9)], fill=255, width=width)
        d.line([(c - 2, c + 9), (c + 16, c - 9)], fill=255, width=width)
    else:
        d.line([(c - 28, c - 2), (c - 28, c + 16), (c + 28, c + 16), (c + 28, c - 2)], fill=255,
               width=width, joint="curve")
    return m


def _glyph_mask(label, rng, fonts):
    """The class's symbol, white on black, centred, before the pose."""
    if label == "nothing":
        return None
    if label in ("del", "space"):
        return _stroke_symbol(label, int(rng.integers(5, 11)))
    font = ImageFont.truetype(fonts[rng.integers(0, len(fonts))], int(rng.integers(56, 76)))
    m = Image.new("L", (CANVAS, CANVAS), 0)
    d = ImageDraw.Draw(m)
    left, top, right, bottom = d.textbbox((0, 0), label, font=font)
    d.text(((CANVAS - (right - left)) / 2 - left, (CANVAS - (bottom - top)) / 2 - top), label, fill=255, font=font)
    return m


def _pose(mask, rng):
    """Rotation, shear, scale and shift as one affine map about the centre."""
    a = math.radians(rng.uniform(-22, 22))
    shear = rng.uniform(-0.25, 0.25)
    s = rng.uniform(0.75, 1.15)
    tx, ty = rng.uniform(-0.12, 0.12, size=2) * CANVAS
    # PIL's affine maps output to input coordinates: invert rotation·shear·scale.
    m = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) @ np.array([[1, shear], [0, 1]]) * s
    inv = np.linalg.inv(m)
    c = CANVAS / 2
    offset = np.array([c, c]) - inv @ np.array([c + tx, c + ty])
    coeffs = (inv[0, 0], inv[0, 1], offset[0], inv[1, 0], inv[1, 1], offset[1])
    return mask.transform((CANVAS, CANVAS), Image.AFFINE, coeffs, resample=Image.BILINEAR)


def render(label, rng, fonts):
    """One uint8 32×32×3 image of `label`."""
    bg, fg = _colour_pair(rng)
    img = _background(rng, bg)
    mask = _glyph_mask(label, rng, fonts)
    if mask is not None:
        ink = Image.new("RGB", (CANVAS, CANVAS), tuple(int(v) for v in fg))
        img = Image.composite(ink, img, _pose(mask, rng))
    if rng.random() < 0.3:
        # An occluder (a finger across the sign): a blob in a colour near the background's.
        d = ImageDraw.Draw(img)
        colour = tuple(int(v) for v in np.clip(bg + rng.normal(0, 30, size=3), 0, 255))
        x, y, r = rng.uniform(0, CANVAS), rng.uniform(0, CANVAS), rng.uniform(6, 16)
        d.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    if rng.random() < 0.4:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    small = np.asarray(img.resize((SIZE, SIZE), Image.BOX), dtype=np.float32)
    small = small * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)     # exposure
    small += rng.normal(0, rng.uniform(0, 10), size=small.shape)     # sensor noise
    return np.clip(np.round(small), 0, 255).astype(np.uint8)


def make(per_class, seed, fonts=None):
    """(uint8 N×32×32×3 images, int64 labels), classes interleaved, deterministic for the seed."""
    fonts = fonts or available_fonts()
    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    x = np.empty((n, SIZE, SIZE, 3), np.uint8)
    y = np.empty(n, np.int64)
    for i in range(n):
        k = i % len(CLASSES)
        x[i] = render(CLASSES[k], rng, fonts)
        y[i] = k
    return x, y


def write_folder(x, y, out):
    """An image folder: out/<class>/<class>_NNN.png, as Kaggle's train layout has it."""
    counts = {}
    for img, k in zip(x, y):
        name = CLASSES[k]
        counts[name] = counts.get(name, 0) + 1
        os.makedirs(os.path.join(out, name), exist_ok=True)
        Image.fromarray(img).save(os.path.join(out, name, f"{name}_{counts[name]:03d}.png"), optimize=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-class", type=int, default=10)
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--out", required=True, help="the image folder to write (must not exist)")
    args = p.parse_args(argv)
    if os.path.exists(args.out):
        print(f"aslsynth: {args.out} exists; remove it or choose another folder", file=sys.stderr)
        return 1
    try:
        x, y = make(args.per_class, args.seed)
    except SynthError as e:
        print(f"aslsynth: {e}", file=sys.stderr)
        return 1
    write_folder(x, y, args.out)
    print(f"{args.out}: {len(x)} synthetic images, {args.per_class} per class, seed {args.seed}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
