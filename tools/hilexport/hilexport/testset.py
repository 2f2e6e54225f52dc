"""A labelled test set, read the way the bench reads it, and the exporter's own figures on it.

`hil-export --test PATH` answers, before any board is involved, what the bench will measure: the
float network's top-1 accuracy and the int8 blob's (computed by the C runtime, the code the board
runs). Reading follows docs/datasets.md so both sides see the same samples:

* an image folder (one subfolder per class; Kaggle's `asl_alphabet_train/` layout) or a flat
  folder of `<class>_test.<ext>` images, decoded by Pillow to RGB (or L) and resized with the
  bench's own arithmetic (`pixels.py`), so every sample is the bench's pixel for pixel;
* arrays (`.npy`, or a folder with `x.npy` and `y.npy`), read by `dataset.py`, the exporter's one
  reader with the bench's rules.

Classes are matched to the model's labels by name: exactly, else ignoring case when that is
unambiguous. Samples are taken in the bench's order — classes interleaved, each class's files in
name order — so `--limit N` keeps the same N samples as `hilctl run --limit N`. This module holds
the image-folder scan and the figures; `load` is the pixel-only entry the examples use.
"""
import os
import re

import numpy as np

from . import pixels
from .errors import ExportError

IMAGE_EXTENSIONS = pixels.IMAGE_EXTENSIONS


def match_label(name, labels, where):
    """The index of the model label `name` stands for, by name (docs/datasets.md)."""
    if name in labels:
        return labels.index(name)
    folded = [i for i, label in enumerate(labels) if label.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    if len(folded) > 1:
        raise ExportError(f"{where}: class '{name}' matches several labels ignoring case: "
                          f"{', '.join(labels[i] for i in folded)}")
    raise ExportError(f"{where}: class '{name}' is none of the model's labels ({', '.join(labels)})")


def natural_key(name):
    """The bench's natural order: digit runs compare as numbers (A2 before A10), the rest by code point."""
    return [(48, len(run.lstrip("0")), int(run)) if run.isdigit() else (ord(run), 0, 0)
            for run in re.findall(r"[0-9]+|[^0-9]", name)]


def _images_below(folder):
    """Every image below `folder`, each directory listed in natural order, dot files skipped."""
    found = []
    for name in sorted(os.listdir(folder), key=natural_key):
        full = os.path.join(folder, name)
        if name.startswith(".") or name == "__MACOSX":
            continue
        if os.path.isdir(full):
            found += [os.path.join(name, f) for f in _images_below(full)]
        elif name.lower().endswith(IMAGE_EXTENSIONS):
            found.append(name)
        else:
            pixels.refuse_unsupported(full)
    return found


def _interleave(by_class):
    """Round-robin over the classes in label order, each class's files in name order."""
    queues = [list(files) for _, files in sorted(by_class.items())]
    out = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def scan(path, labels):
    """[(file, class index)] in the bench's order."""
    entries = sorted((e for e in os.listdir(path) if not e.startswith(".") and e != "__MACOSX"), key=natural_key)
    dirs = [e for e in entries if os.path.isdir(os.path.join(path, e))]
    for e in entries:
        pixels.refuse_unsupported(os.path.join(path, e))
    files = [e for e in entries if e.lower().endswith(IMAGE_EXTENSIONS)]
    if dirs and files:
        raise ExportError(f"{path} holds both class folders and loose images; keep one layout")
    by_class = {}
    if dirs:
        for d in dirs:
            k = match_label(d, labels, os.path.join(path, d))
            found = [(os.path.join(path, d, f), k) for f in _images_below(os.path.join(path, d))]
            by_class.setdefault(k, []).extend(found)
    else:
        for f in files:
            stem = os.path.splitext(f)[0]
            if not stem.endswith("_test"):
                raise ExportError(f"{os.path.join(path, f)}: a flat test folder names images <class>_test.<ext>")
            k = match_label(stem[:-len("_test")], labels, os.path.join(path, f))
            by_class.setdefault(k, []).append((os.path.join(path, f), k))
    samples = _interleave(by_class)
    if not samples:
        raise ExportError(f"{path} holds no .png/.jpg images")
    return samples


def load(path, input_shape, labels, limit=None):
    """(uint8 pixels N×H×W×C, int64 class indices, sources) of a labelled set of pixels, read by
    the one reader (dataset.py) in the bench's order."""
    from . import contract, dataset
    spec = dataset.Spec(tuple(input_shape), list(labels), pixels=contract.Pixels("unit"))
    s = dataset.load(path, spec, limit)
    if s.x.dtype != np.uint8:
        raise ExportError(f"{path} holds {s.x.dtype} inputs; a set of images holds uint8 pixels")
    return s.x, s.y, s.sources


def figures(float_scores, int8_scores, y):
    """Top-1 of each side and how often they agree, over the same samples."""
    f, q = np.argmax(float_scores, axis=1), np.argmax(int8_scores, axis=1)
    n = len(y)
    return {"samples": int(n),
            "float_top1": float(np.mean(f == y)) if n else None,
            "int8_top1": float(np.mean(q == y)) if n else None,
            "int8_correct": int(np.sum(q == y)),
            "float_int8_agreement": float(np.mean(f == q)) if n else None}
