"""What the suites submit: models and datasets with distinct SHA-256s, so that a report can be
checked against the very bytes uploaded for its job (a report naming another job's model or
dataset would show), and the artifact uploads hilctl does, done by hand."""
import hashlib
import io
import os
import tarfile

import numpy as np

from . import paths

# The example's label order (examples/shapes/shapes.py): the generated models use the same
# labels so the example's holdout folders match them by name.
CLASSES = ["circle", "square", "triangle", "cross", "ring", "diamond"]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def example_model():
    with open(paths.EXAMPLE_MODEL, "rb") as f:
        return f.read()


def variant_model(seed, hidden=48):
    """A valid 32×32×3 → 6-class int8 model (fully connected 3072 → hidden → 6) with random
    weights: each seed gives other bytes, and its 148 KB (hidden 48) make flashing last tens of
    milliseconds on a mock board instead of a few, a window a kill can be aimed at."""
    from hilmodel import FullyConnected, InputContract, Model

    rng = np.random.default_rng(seed)
    in_scale, in_zp = 1.0 / 255.0, -128
    layers = [FullyConnected.from_float(rng.normal(0, 0.02, (hidden, 32 * 32 * 3)), np.zeros(hidden), in_scale,
                                        8.0 / 255, -128, activation="relu"),
              FullyConnected.from_float(rng.normal(0, 0.1, (len(CLASSES), hidden)), rng.normal(0, 0.1, len(CLASSES)),
                                        8.0 / 255, 4.0 / 255, 0)]
    return Model(f"reliability-{seed}", (32, 32, 3), in_scale, in_zp, CLASSES, layers,
                 contract=InputContract("unit", "rgb", "nhwc")).to_bytes()


def models(n, seed=0):
    """The example model and n-1 variants."""
    return [example_model()] + [variant_model(seed * 1000 + i) for i in range(1, n)]


def _tar(entries):
    """A ustar archive (what hild checks for) of (name, bytes) files, deterministic."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        dirs = sorted({n.rsplit("/", 1)[0] for n, _ in entries if "/" in n})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            t.addfile(info)
        for name, data in sorted(entries):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def holdout_files():
    out = []
    for cls in sorted(os.listdir(paths.EXAMPLE_HOLDOUT)):
        d = os.path.join(paths.EXAMPLE_HOLDOUT, cls)
        for f in sorted(os.listdir(d)):
            out.append(f"{cls}/{f}")
    return out


def image_dataset(rng, n=12):
    """A tar of n images of the example's holdout set, chosen by rng (their class folders kept)."""
    files = holdout_files()
    chosen = rng.choice(len(files), size=n, replace=False)
    entries = []
    for i in chosen:
        with open(os.path.join(paths.EXAMPLE_HOLDOUT, files[i]), "rb") as f:
            entries.append((files[i], f.read()))
    return _tar(entries)


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def npy_arrays(rng, n):
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, len(CLASSES), n).astype(np.int64)
    return x, y


def npy_dataset(rng, n):
    """A tar of x.npy (n random 32×32×3 images) and y.npy: n = 4000 is about 12 MB, an upload
    that lasts long enough to be interrupted."""
    x, y = npy_arrays(rng, n)
    return _tar([("x.npy", npy_bytes(x)), ("y.npy", npy_bytes(y))])


def write_npy_folder(folder, rng, n):
    os.makedirs(folder, exist_ok=True)
    x, y = npy_arrays(rng, n)
    np.save(os.path.join(folder, "x.npy"), x)
    np.save(os.path.join(folder, "y.npy"), y)


def tar_members(data):
    """{name: sha256} of the regular files of a tar."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            if m.isfile():
                out[m.name] = sha256(t.extractfile(m).read())
    return out
