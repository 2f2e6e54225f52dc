"""Exports both ASL networks to hil's int8 format with tools/hilexport, and the synthetic test split.

    python3 examples/asl/export.py          # after train.py and prune.py; ~10 min on 2 CPU cores
    python3 examples/asl/export.py --calibration asl_alphabet_train/asl_alphabet_train \
        --test asl_alphabet_test/asl_alphabet_test --out out/asl          # Kaggle's set

1. Writes the test split, examples/asl/test/<class>/<class>_NNN.png (10 per class, seed 4, never
   seen by training), unless it exists: the committed split is what every figure is measured on.
2. For the original (out/asl/vgg-original.pt) and the pruned network (examples/asl/vgg-pruned.pt):
   torch.onnx.export (opset 17) → out/asl/<name>.onnx, then hil-export's pipeline with 290
   calibration images (seed 3) and `--input-range unit` (the bench's `--pixels unit`: x = p/255),
   then its evaluation on the test split: float and int8 top-1, int8 by the C runtime.
3. Writes examples/asl/<name>.hilm and examples/asl/<name>.export.json (the exporter's summary,
   test figures included). The int8 top-1 there is what `hilctl run` on the test split must report.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
sys.path[:0] = [os.path.join(ROOT, "tools", "hilmodel"), os.path.join(ROOT, "tools", "hilexport")]
import aslsynth  # noqa: E402
import train  # noqa: E402
import vgg  # noqa: E402
from hilexport import calibrate, pipeline  # noqa: E402

TEST = os.path.join(HERE, "test")
MODELS = [
    ("asl-vgg-original", vgg.original, os.path.join(train.OUT, "vgg-original.pt")),
    ("asl-vgg-pruned", vgg.pruned, os.path.join(HERE, "vgg-pruned.pt")),
]


def to_onnx(model, name, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, *vgg.INPUT), path, opset_version=17, dynamo=False,
                      input_names=["input"], output_names=["logits"])
    import onnx
    proto = onnx.load(path)
    for key, value in (("name", name), ("labels", json.dumps(aslsynth.CLASSES))):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, path)


def main(argv=None):
    p = argparse.ArgumentParser(description="Export both ASL networks to hil's int8 format.")
    p.add_argument("--calibration", metavar="DIR",
                   help="calibrate on 290 images spread over this image folder (default: 290 synthetic images, seed 3)")
    p.add_argument("--test", metavar="DIR", help="evaluate on this labelled set (default: the synthetic split, written if missing)")
    p.add_argument("--out", default=HERE, help="where the .hilm and .export.json files go (default: examples/asl)")
    p.add_argument("--original", default=MODELS[0][2], help="the trained original's weights (train.py --out)")
    p.add_argument("--pruned", default=MODELS[1][2], help="the pruned network's weights (prune.py --out)")
    args = p.parse_args(argv)
    weights_of = {"asl-vgg-original": args.original, "asl-vgg-pruned": args.pruned}
    test = args.test or TEST
    if args.test is None and not os.path.exists(TEST):
        x, y = aslsynth.make(10, seed=4)
        aslsynth.write_folder(x, y, TEST)
        print(f"wrote {TEST}: {len(x)} synthetic test images", file=sys.stderr)
    if args.calibration:
        calibration = calibrate.load_calibration(args.calibration, vgg.INPUT, "unit", limit=290)
    else:
        pixels, _ = aslsynth.make(10, seed=3)
        calibration = np.transpose(pixels, (0, 3, 1, 2)).astype(np.float64) / 255.0
    os.makedirs(train.OUT, exist_ok=True)
    for name, build, _ in MODELS:
        weights = weights_of[name]
        if not os.path.exists(weights):
            print(f"export: {weights} does not exist; run train.py (and prune.py) first", file=sys.stderr)
            return 1
        model = build()
        model.load_state_dict(torch.load(weights))
        onnx_path = os.path.join(train.OUT, name + ".onnx")
        to_onnx(model, name, onnx_path)
        blob, summary = pipeline.export(onnx_path, calibration, name=name, input_range="unit")
        summary["test"] = pipeline.evaluate(onnx_path, blob, test, "unit")
        if args.test is None:
            summary["test"]["path"] = "examples/asl/test"
            summary["dataset"] = "synthetic ASL (examples/asl/aslsynth.py), not the Kaggle photographs"
        with open(os.path.join(args.out, name + ".hilm"), "wb") as f:
            f.write(blob)
        with open(os.path.join(args.out, name + ".export.json"), "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
        print(pipeline.format_summary(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
