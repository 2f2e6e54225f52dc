"""Writes the dataset-reader parity fixtures: Tests/DatasetTests/Fixtures/parity/<case>/ and
cases.json, which both readers are checked against — the exporter's (tests/test_parity.py) and
the bench's (Tests/DatasetTests/ReaderParityTests.swift). Each case is an array set, the model
facts the reader needs, a limit, and what the Python reader answers: the samples (label, row,
int8 input bytes) in order, or the refusal with the set's path written as {path}.

    python3 tools/hilexport/tests/make_parity_fixtures.py      # then commit the folder
"""
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from hilexport import contract, dataset  # noqa: E402
from hilexport.errors import ExportError  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "..", "Tests", "DatasetTests", "Fixtures", "parity")
UNIT = {"scale": float(np.float32(1 / 255)), "zero_point": -128}


def model(labels=("A", "B", "C"), shape=(3, 4, 4), pixels="unit", layout="nchw", scale=None, zero_point=None):
    q = UNIT if scale is None else {"scale": float(np.float32(scale)), "zero_point": zero_point}
    return {"c": shape[0], "h": shape[1], "w": shape[2], "labels": list(labels), "pixels": pixels,
            "layout": layout, **q}


def spec_of(m):
    p = m["pixels"]
    if isinstance(p, dict):
        p = contract.Pixels("affine", p["scale"], p["offset"])
    elif p is not None:
        p = contract.Pixels(p)
    return dataset.Spec((m["c"], m["h"], m["w"]), m["labels"], pixels=p, scale=m["scale"],
                        zero_point=m["zero_point"], layout=m["layout"])


def answer(case, root):
    """What the Python reader makes of a case: samples or the refusal."""
    path = os.path.join(root, case["path"])
    spec = spec_of(case["model"])
    try:
        s = dataset.load(path, spec, case["limit"])
    except ExportError as e:
        return {"error": str(e).replace(os.path.join(root, case["path"].split("/")[0]), "{path}")}
    q = dataset.quantised(s, spec)
    return {"available": s.available, "labels": [int(v) for v in s.y],
            "rows": [int(src[src.rindex("[") + 1:-1]) for src in s.sources],
            "inputs": [bytes(row.astype(np.int8).tobytes()).hex() for row in q]}


def cases(root):
    rng = np.random.default_rng(18)
    made = []

    def case(name, arrays, m, limit=None, path=None):
        folder = os.path.join(root, name)
        os.makedirs(folder)
        for file, value in arrays.items():
            target = os.path.join(folder, file)
            if isinstance(value, bytes):
                with open(target, "wb") as f:
                    f.write(value)
            else:
                np.save(target, value)
        made.append({"name": name, "path": f"{name}/{path or 'x.npy'}", "model": m, "limit": limit})

    px = rng.integers(0, 256, (9, 4, 4, 3)).astype(np.uint8)
    y = np.array([2, 0, 0, 1, 2, 2, 0, 1, 0])
    case("nhwc-uint8-unit", {"x.npy": px, "y.npy": y}, model())
    case("nhwc-uint8-limit", {"x.npy": px, "y.npy": y}, model(), limit=5)
    case("nchw-uint8-centered", {"x.npy": px.transpose(0, 3, 1, 2).copy(), "y.npy": y},
         model(pixels="centered", scale=2 / 255, zero_point=0))
    case("folder-form", {"x.npy": px, "y.npy": y}, model(), path="")
    case("sibling-labels", {"test_x.npy": px, "test_y.npy": np.array(["c", "A", "a", "B", "C", "C", "A", "b", "A"])},
         model(), path="test_x.npy")
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    affine = contract.Pixels.from_mean_std(mean, std, 3)
    lo, hi = affine.span(3)
    case("nhwc-uint8-affine", {"x.npy": px, "y.npy": y},
         model(pixels={"scale": affine.scale, "offset": affine.offset}, scale=(hi - lo) / 255,
               zero_point=int(np.clip(np.round(-128 - lo / ((hi - lo) / 255)), -128, 127))))
    cube = rng.integers(0, 256, (4, 3, 3, 3)).astype(np.uint8)
    cy = np.array([0, 1, 2, 0])
    case("ambiguous-nchw", {"x.npy": cube, "y.npy": cy}, model(shape=(3, 3, 3)))
    case("ambiguous-nhwc", {"x.npy": cube, "y.npy": cy}, model(shape=(3, 3, 3), layout="nhwc"))
    case("ambiguous-unrecorded", {"x.npy": cube, "y.npy": cy}, model(shape=(3, 3, 3), layout="not recorded"))
    real = (px / 255).astype(np.float32)
    real[0, 0, 0, 0] = 3.0                       # one outlier of 432 values passes
    case("float32-unit", {"x.npy": real, "y.npy": y}, model())
    case("float32-0-255-unit", {"x.npy": px.astype(np.float32), "y.npy": y}, model())
    case("float32-no-pixels", {"x.npy": (real * 4 - 2).astype(np.float32), "y.npy": y},
         model(pixels=None, scale=4 / 255, zero_point=0))
    case("int8-as-is", {"x.npy": (px.astype(np.int16) - 128).astype(np.int8), "y.npy": y}, model())
    case("uint8-no-pixels", {"x.npy": px, "y.npy": y}, model(pixels=None, scale=0.01, zero_point=0))
    case("gray-nhw", {"x.npy": px[..., 0].copy(), "y.npy": y}, model(shape=(1, 4, 4)))
    case("float64-inputs", {"x.npy": px / 255.0, "y.npy": y}, model())
    case("wrong-shape", {"x.npy": px[:, :3], "y.npy": y}, model())
    case("label-out-of-range", {"x.npy": px, "y.npy": np.array([0, 1, 2, 3, 0, 0, 0, 0, 0])}, model())
    case("count-mismatch", {"x.npy": px, "y.npy": y[:8]}, model())
    case("one-hot-labels", {"x.npy": px, "y.npy": np.eye(3, dtype=np.int64)[y]}, model())
    case("float-labels", {"x.npy": px, "y.npy": y.astype(np.float32)}, model())
    nan = real.copy()
    nan[3, 1, 1, 2] = np.nan
    case("nan-input", {"x.npy": nan, "y.npy": y}, model())
    np.save(os.path.join(root, "tmp.npy"), px)
    whole = open(os.path.join(root, "tmp.npy"), "rb").read()
    os.remove(os.path.join(root, "tmp.npy"))
    case("truncated", {"x.npy": whole[:300], "y.npy": y}, model())
    case("not-numpy", {"x.npy": b"x,y\n1,2\n", "y.npy": y}, model())
    case("empty-file", {"x.npy": b"", "y.npy": y}, model())
    case("no-labels", {"x.npy": px}, model())
    return made


def main():
    root = os.path.abspath(OUT)
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)
    made = cases(root)
    for c in made:
        c["expect"] = answer(c, root)
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(made, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(made)} cases to {root}")


if __name__ == "__main__":
    main()
