"""The one dataset reader of the exporter, with the bench's semantics (docs/datasets.md, and
Sources/Deployer/Dataset in Swift), so that `hil-export --test` and `hilctl run --dataset` see the
same samples in the same order, or refuse the same files with the same sentence:

* a `.npy` of inputs with its labels beside it (`<name>_y.npy`, else `y.npy` or `labels.npy`), or
  a folder holding `x.npy` (or `inputs.npy`, `images.npy`) and its labels;
* an image folder (one subfolder per class) or a flat folder of `<class>_test.<ext>` images.

Arrays are N×H×W×C or N×C×H×W (or N×H×W with one channel); a shape that reads both ways (H = W =
C) takes the model's layout, which for an ONNX model is NCHW. uint8 holds pixels (the model's
pixel mapping turns them into real values), int8 already-quantised inputs, float32 real values;
float32 values far outside what the model takes are refused (`check_float_range`).

Samples are dealt round-robin over the classes in label order (each class keeping its file
order), and a limit keeps the first N of that order — for arrays as for images.

The .npy parsing is ours (not np.load) so that a damaged file gets a sentence naming it, never
a traceback.
"""
import ast
import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import testset
from .errors import ExportError

INPUT_NAMES = ("x.npy", "inputs.npy", "images.npy")
LABEL_NAMES = ("y.npy", "labels.npy")
MAGIC = b"\x93NUMPY"


@dataclass
class Spec:
    """What the reader needs of the model: its input (C, H, W), labels, pixel mapping (None: it
    takes no pixels), int8 quantisation and the layout an ambiguous array has."""
    shape: tuple
    labels: list
    pixels: object = None
    scale: float = 1.0
    zero_point: int = 0
    layout: str = "nchw"
    channel_order: str = "rgb"      # bgr: decoded images (always RGB) get their channels swapped

    def real_span(self):
        if self.pixels is not None:
            return self.pixels.span(self.shape[0])
        return self.scale * (-128 - self.zero_point), self.scale * (127 - self.zero_point)


@dataclass
class Samples:
    """A labelled set, ordered: `x` N×H×W×C of dtype uint8 (pixels), int8 (quantised) or float32."""
    x: np.ndarray
    y: np.ndarray
    sources: list
    available: int


def _first_bytes(data):
    return " ".join(f"{b:02X}" for b in data[:8]) if data else "nothing (it is empty)"


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ExportError(f"{path} does not exist; check the path") from None
    except OSError as e:
        raise ExportError(f"{path} cannot be read ({e.strerror}); check the path and its permissions") from None


def read_npy(path):
    """The array in a .npy file (format 1.0, 2.0 or 3.0, C order), every defect named."""
    data = read_file(path)
    if not data.startswith(MAGIC):
        raise ExportError(f"{path} is not a NumPy .npy file (it starts with {_first_bytes(data)} instead of "
                          "\\x93NUMPY); save the array with numpy.save")

    def header_error(why):
        return ExportError(f"{path} has a malformed .npy header ({why}); the file is corrupt, re-save it with numpy.save")
    if len(data) < 10:
        raise header_error("the file ends inside the preamble")
    major, minor = data[6], data[7]
    if minor != 0 or major not in (1, 2, 3):
        raise ExportError(f"{path} is .npy format version {major}.{minor}; hil reads 1.0, 2.0 and 3.0, "
                          "re-save it with numpy.save")
    start = 10 if major == 1 else 12
    if len(data) < start:
        raise header_error("the file ends inside the preamble")
    length = int.from_bytes(data[8:start], "little")
    if len(data) < start + length:
        raise header_error(f"the header says {length} bytes but the file ends before")
    raw = data[start:start + length]
    try:
        text = raw.decode("utf-8" if major == 3 else "latin-1")
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        raise header_error("it is not a Python dict literal") from None
    if not isinstance(header, dict) or not {"descr", "fortran_order", "shape"} <= set(header):
        raise header_error("it needs the keys descr, fortran_order and shape")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise header_error(f"shape {shape!r} is not a tuple of sizes")
    try:
        dtype = np.dtype(header["descr"])
    except (TypeError, ValueError):
        raise header_error(f"descr {header['descr']!r} is not a dtype") from None
    if dtype.hasobject or dtype.itemsize == 0:
        raise ExportError(f"{path} holds Python objects (dtype '{dtype.str}'); save a numeric or string array")
    if header["fortran_order"]:
        raise ExportError(f"{path} is stored in Fortran (column-major) order, which hil does not read; "
                          "re-save it with numpy.save(path, numpy.ascontiguousarray(a))")
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - start - length
    if actual != expected:
        raise ExportError(f"{path} should hold {expected} bytes of array data after its header but holds {actual}"
                          + (" (truncated)" if actual < expected else "") + "; re-save it with numpy.save")
    return np.frombuffer(data, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)),
                         offset=start + length).reshape(shape)


def _shape(dims):
    return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(map(str, dims)) + ")"


def channels_first(a, spec, path):
    """Whether an array's rows are C×H×W (the bench's `NumpyDataset.layout`)."""
    c, h, w = spec.shape
    dims = tuple(a.shape[1:])
    last = dims == (h, w, c) or (c == 1 and dims == (h, w))
    first = dims == (c, h, w)
    if last and not first:
        return False
    if first and not last:
        return True
    if last and first:
        if c == 1:
            return False
        if spec.layout in ("nchw", "nhwc"):
            return spec.layout == "nchw"
        raise ExportError(f"{path} has shape {_shape(a.shape)}, which reads as N×H×W×C and as N×C×H×W for the "
                          f"model's {h}×{w}×{c} input, and the model does not record its layout; save it as N×H×W×C")
    text = f"{path} has shape {_shape(a.shape)} but the model takes (N, {h}, {w}, {c}) or (N, {c}, {h}, {w})"
    if c == 1:
        text += f" or (N, {h}, {w})"
    raise ExportError(text + "; resize the arrays to the model's input before saving them")


def inputs_array(a, spec, path, floats=("<f4",)):
    """The rows as N×H×W×C, dtype checked (uint8, int8 or one of `floats`)."""
    if a.ndim < 1:
        raise ExportError(f"{path} holds a single value; save an array of samples")
    kind_ok = (a.dtype.kind in "iu" and a.dtype.itemsize == 1) or a.dtype.newbyteorder("<").str in floats
    if not kind_ok:
        raise ExportError(f"{path} holds inputs of dtype '{a.dtype.str}'; hil takes uint8 (pixels), int8 (already "
                          "quantised) or float32 (real values): convert with a.astype(numpy.float32), or numpy.uint8 for pixels")
    first = channels_first(a, spec, path)
    c, h, w = spec.shape
    a = a.reshape(len(a), c, h, w).transpose(0, 2, 3, 1) if first else a.reshape(len(a), h, w, c)
    if a.dtype.kind == "f":
        a = a.astype(np.float32)
        bad = np.argwhere(~np.isfinite(a).reshape(len(a), -1))
        if len(bad):
            row = int(bad[0][0])
            value = a.reshape(len(a), -1)[row, bad[0][1]]
            raise ExportError(f"{path} sample {row} holds {_float_text(value)}, which has no int8 value; "
                              "fix or drop that sample")
    return a


def _float_text(v):
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")


def check_float_range(x, spec, path, what=None):
    """The bench's `FloatRangeCheck`: more than 1 % of the values beyond a quarter of the span
    the model takes, outside it, means the array was prepared for another model."""
    lo, hi = spec.real_span()
    lo, hi = float(np.float32(lo)), float(np.float32(hi))
    margin = (hi - lo) / 4
    v = np.asarray(x, np.float32).ravel()
    if not len(v):
        return
    outside = int(np.count_nonzero((v < lo - margin) | (v > hi + margin)))
    if outside <= 0.01 * len(v):
        return
    if what is None:
        what = (f"pixel range {spec.pixels.name}, {spec.pixels.formula}" if spec.pixels is not None
                else "what its int8 input holds")
    hint = ("store the pixels as uint8, or divide the array by 255" if hi <= 1.5 and float(v.max()) > 2
            else "check that the array holds what the model was trained on, or store the pixels as uint8")
    raise ExportError(f"{path} holds float32 values from {float(v.min()):.4g} to {float(v.max()):.4g}, but the model "
                      f"takes real values from {lo:.4g} to {hi:.4g} ({what}): {100 * outside / len(v):.1f} % of them "
                      f"lie outside; {hint}")


def labels_file(inputs_path):
    """The bench's rule: `<stem>_y.npy` (or Y) beside `<stem>_x.npy` first, then y.npy or labels.npy."""
    folder, name = os.path.split(inputs_path)
    prefix = inputs_path[:len(inputs_path) - len(name)]
    tried = []
    if name not in INPUT_NAMES and name.lower().endswith("x.npy"):
        sibling = prefix + name[:-5] + ("Y.npy" if name[:-4].endswith("X") else "y.npy")
        if os.path.isfile(sibling):
            return sibling
        tried.append(sibling)
    candidates = [prefix + n for n in LABEL_NAMES]
    present = [c for c in candidates if os.path.isfile(c)]
    if len(present) > 1:
        raise ExportError(f"{prefix or '.'} holds several input arrays ({', '.join(present)}); give the path of the one to use")
    if not present:
        raise ExportError(f"{inputs_path} has no labels array next to it (looked for {', '.join(tried + candidates)}); "
                          "save the labels with numpy.save('y.npy', y)")
    return present[0]


def inputs_file(folder):
    """The inputs array of a folder, if it has one."""
    present = [os.path.join(folder, n) for n in INPUT_NAMES if os.path.isfile(os.path.join(folder, n))]
    if len(present) > 1:
        raise ExportError(f"{folder} holds several input arrays ({', '.join(present)}); give the path of the one to use")
    return present[0] if present else None


def check_labels(y, path):
    """A labels array's dtype and shape, as the bench checks them."""
    if y.dtype.kind not in "iuUS":
        raise ExportError(f"{path} holds labels of dtype '{y.dtype.str}'; hil takes integer class indices or strings "
                          "(dtype '<U'): convert with y.astype(numpy.int64), or numpy.array(names, dtype=str)")
    if y.ndim != 1:
        text = f"{path} has shape {_shape(y.shape)} but labels must be one value per sample, shape (N,)"
        if y.ndim == 2 and y.shape[1] == 1:
            text += "; flatten it with y.ravel()"
        elif y.ndim == 2:
            text += "; if it is one-hot, save y.argmax(axis=1)"
        raise ExportError(text)


def class_indices(y, labels, path):
    """Class index per row from integer or string labels (checked by `check_labels`)."""
    if y.dtype.kind in "iu":
        bad = np.nonzero((y < 0) | (y >= len(labels)))[0]
        if len(bad):
            i = int(bad[0])
            raise ExportError(f"{path} sample {i} has label {int(y[i])}, but the model's labels are indices 0 to "
                              f"{len(labels) - 1}; check that the labels belong to this model")
        return y.astype(np.int64)
    resolved, out = {}, np.empty(len(y), np.int64)
    for i, v in enumerate(y):
        if y.dtype.kind == "S":
            try:
                v = v.decode("utf-8")
            except UnicodeDecodeError:
                raise ExportError(f"{path} sample {i} holds a label that is not valid text; re-save the labels") from None
        name = str(v)
        if name not in resolved:
            resolved[name] = testset.match_label(name, labels, f"{path} sample {i}'s label")
        out[i] = resolved[name]
    return out


def interleave(y, classes, limit=None):
    """Row order dealt round-robin over the classes (label order), each class in file order."""
    by_class = [np.nonzero(y == k)[0] for k in range(classes)]
    rounds = max((len(r) for r in by_class), default=0)
    order = [int(r[i]) for i in range(rounds) for r in by_class if i < len(r)]
    return order[:limit] if limit is not None else order


def _check_limit(path, limit):
    if limit is not None and limit < 1:
        raise ExportError(f"cannot load {path} with a limit of {limit} samples; give a limit of 1 or more")


def load(path, spec, limit=None, floats=("<f4",)):
    """A labelled set as `Samples`, in the bench's order; every refusal names the file."""
    _check_limit(path, limit)
    if os.path.isdir(path):
        inputs = inputs_file(path)
        if inputs is None:
            samples = testset.scan(path, spec.labels)
            if spec.pixels is None and samples:
                raise ExportError(no_pixels_text(samples[0][0], "an image"))
            chosen = samples[:limit]
            c, h, w = spec.shape
            x = _ordered(np.stack([testset.pixels.load(f, c, h, w) for f, _ in chosen]), spec) if chosen else \
                np.zeros((0, h, w, c), np.uint8)
            return Samples(x, np.array([k for _, k in chosen], np.int64), [f for f, _ in chosen], len(samples))
        path = inputs
    elif not os.path.exists(path):
        raise ExportError(f"{path} does not exist; check the path")
    elif not path.lower().endswith(".npy"):
        raise ExportError(f"{path} is a file but not a .npy array; give a folder of class folders, a folder of "
                          "<class>_test images, or a folder (or x.npy) with x.npy and y.npy")
    a = inputs_array(read_npy(path), spec, path, floats)
    if a.dtype == np.uint8 and spec.pixels is None:
        raise ExportError(no_pixels_text(path, "uint8 pixels"))
    y_path = labels_file(path)
    y = read_npy(y_path)
    check_labels(y, y_path)
    if len(y) != len(a):
        raise ExportError(f"{path} holds {len(a)} samples but {y_path} holds {len(y)} labels; "
                          "save inputs and labels of the same samples")
    if len(a) == 0:
        raise ExportError(f"{path} holds no samples; check that the right folder or file was given")
    y = class_indices(y, spec.labels, y_path)
    order = interleave(y, len(spec.labels), limit)
    x = a[order]
    if x.dtype == np.float32:
        check_float_range(x, spec, path)
    return Samples(x, y[order], [f"{path}[{i}]" for i in order], len(a))


def no_pixels_text(path, what):
    return (f"{path} holds {what}, but the model records no pixel mapping (it was exported from float inputs "
            "without --input-range): give --input-range unit, centered or raw, or a float32 or int8 .npy of its inputs")


def load_inputs(path, spec, limit=None):
    """Unlabelled inputs (calibration): a .npy, a folder holding x.npy, or an image folder; as
    N×H×W×C in their stored dtype (uint8, int8 or float). An image folder is read whole, in
    name order, and a limit spreads evenly over it."""
    _check_limit(path, limit)
    if os.path.isdir(path):
        inputs = inputs_file(path)
        if inputs is None:
            return _images(path, spec, limit)
        path = inputs
    elif not os.path.exists(path):
        raise ExportError(f"{path} does not exist; check the path")
    elif not path.lower().endswith(".npy"):
        raise ExportError(f"{path}: calibration data must be a .npy file, a folder holding x.npy, or an image folder")
    a = inputs_array(read_npy(path), spec, path, floats=("<f4", "<f8", "<f2"))
    if len(a) == 0:
        raise ExportError(f"{path} holds no samples; check that the right folder or file was given")
    return a[:limit] if limit else a


def _images(folder, spec, limit):
    c, h, w = spec.shape
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                   if f.lower().endswith(testset.pixels.IMAGE_EXTENSIONS) and not f.startswith("."))
    if not files:
        raise ExportError(f"{folder} holds no .png/.jpg images and no x.npy")
    if limit and limit < len(files):
        # Evenly spread over the sorted files, so every class folder of a large training set is
        # represented without decoding all of it.
        files = [files[i] for i in np.linspace(0, len(files) - 1, limit).round().astype(int)]
    return _ordered(np.stack([testset.pixels.load(f, c, h, w) for f in files]), spec)


def _ordered(images, spec):
    """Decoded images in the model's channel order (arrays are taken as they are)."""
    return images[..., ::-1].copy() if spec.channel_order == "bgr" else images


def quantised(samples, spec):
    """The int8 inputs the bench sends for `samples` (N×H×W×C): pixels through the pixel mapping,
    float32 through the input quantisation, int8 as they are."""
    from .calibrate import quantize_input
    x = samples.x
    if x.dtype == np.int8:
        return x.copy()
    real = spec.pixels.to_x(x) if x.dtype == np.uint8 else x
    return quantize_input(real, spec.scale, spec.zero_point)
