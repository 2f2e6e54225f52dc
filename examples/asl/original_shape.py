"""The original ASL network's int8 model with the trained weights replaced by seeded random ones.

    python3 examples/asl/original_shape.py [-o out/asl/asl-vgg-original-shape.hilm]

The trained original (export.py writes examples/asl/asl-vgg-original.hilm after train.py) is
9.3 MB of int8 weights that do not compress (7.5 bits of entropy a byte), more than the repository
takes in one file, so it is not committed; its export summary, asl-vgg-original.export.json, is.
What the bench needs of it without its accuracy (the refusal to pack it, the host-only and
emulated cost of an inference, the comparison's size ratios) depends on its layers alone, and this
model has exactly those layers: the same convolutions, pools and dense layers, shapes, arena plan,
parameter and MAC counts. Its blob differs from the trained one's by its name only
("asl-vgg-original-shape", 8 bytes longer). Its predictions are noise: never quote its accuracy.
Needs numpy and tools/hilmodel, not torch.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "hilmodel"))
import aslsynth  # noqa: E402
from hilmodel import Conv2D, FullyConnected, MaxPool, Model  # noqa: E402
from widths import INPUT, ORIGINAL  # noqa: E402

NAME = "asl-vgg-original-shape"
INPUT_SCALE, INPUT_ZP = 1.0 / 255.0, -128      # --pixels unit: x = p / 255, q = p - 128 exactly
HIDDEN_SCALE = 4.0 / 255.0                     # ReLU outputs in [0, 4]: He-scaled weights keep them there
LOGIT_SCALE = 0.05


def build(seed=0):
    """The model's bytes."""
    rng = np.random.default_rng(seed)
    widths, hidden = ORIGINAL
    c, side = INPUT[0], INPUT[1]
    layers, scale = [], INPUT_SCALE
    for w in widths:
        if w == "M":
            layers.append(MaxPool((2, 2), (2, 2)))
            side //= 2
            continue
        weights = rng.normal(0, np.sqrt(2 / (9 * c)), (w, 3, 3, c))          # OHWI
        layers.append(Conv2D.from_float(weights, np.zeros(w), scale, HIDDEN_SCALE, -128,
                                        padding=(1, 1, 1, 1), activation="relu"))
        c, scale = w, HIDDEN_SCALE
    flat = c * side * side
    dense = rng.normal(0, np.sqrt(2 / flat), (hidden, flat))
    layers.append(FullyConnected.from_float(dense, np.zeros(hidden), scale, HIDDEN_SCALE, -128, activation="relu"))
    logits = rng.normal(0, np.sqrt(1 / hidden), (len(aslsynth.CLASSES), hidden))
    layers.append(FullyConnected.from_float(logits, np.zeros(len(aslsynth.CLASSES)), HIDDEN_SCALE, LOGIT_SCALE, 0))
    shape = (INPUT[1], INPUT[2], INPUT[0])
    return Model(NAME, shape, INPUT_SCALE, INPUT_ZP, aslsynth.CLASSES, layers).to_bytes()


def main(argv=None):
    p = argparse.ArgumentParser(description="Write the original ASL network's shape with random weights.")
    p.add_argument("-o", "--out", default=os.path.join(HERE, "..", "..", "out", "asl", NAME + ".hilm"))
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    blob = build(args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    # Written beside and renamed, so a reader never finds half a model.
    partial = args.out + ".partial"
    with open(partial, "wb") as f:
        f.write(blob)
    os.replace(partial, args.out)
    print(f"{args.out}: {len(blob)} bytes ({NAME}: the original's layers, random weights)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
