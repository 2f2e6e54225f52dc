"""Quantises the trained example CNN to int8 and writes hil's model format, plus the test split.

    python3 examples/shapes/export.py

Writes examples/shapes/shapes.hilm and examples/shapes/holdout/<class>/<class>_NNN.png (120 images,
20 per class, from a seed the training never saw). The batch norms are folded into the
convolutions before them; then post-training static quantisation: int8 activations with ranges
calibrated on 300 fresh images (seed 3), int8 weights symmetric per output channel (tools/hilmodel
does the arithmetic of docs/model-format.md). Layers: conv 3x3 (16) + ReLU, maxpool 2, conv 3x3
(32) + ReLU, maxpool 2, conv 3x3 (32) + ReLU, global average pool, dense (6): 14 534 parameters,
2 212 032 MACs.

Prints the blob's figures and the top-1 on the test split of the float model and of the int8
blob, both on the PNG files just written, read back as the bench reads them: the int8 one runs
the blob through tools/hilexport's bit-exact re-implementation of the board's C runtime
(hilexport/int8ref.py) on the pixels quantised as the bench does (q = p - 128): the figure
`hilctl run` should report on the same files.

This example writes its layers by hand with tools/hilmodel, which shows the format's arithmetic.
For your own network use the exporter instead: `torch.onnx.export`, then `hil-export`
(tools/hilexport), which folds, calibrates and checks against the C runtime. examples/asl does so.
"""
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "hilmodel"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "hilexport"))
import shapes  # noqa: E402
from train import TinyCNN, folded, to_tensor  # noqa: E402
from hilmodel import Conv2D, FullyConnected, GlobalAvgPool, InputContract, MaxPool, Model  # noqa: E402
from hilexport import testset  # noqa: E402
from hilexport.int8ref import Model as Int8Model  # noqa: E402


def relu_range(t):
    """Scale and zero point of a ReLU output: [0, max] onto -128 … 127."""
    top = max(float(t.max()), 1e-6)
    return top / 255.0, -128


def float_chain(layers, x):
    """The folded network in float (numpy NCHW in, logits out), keeping each ReLU's output."""
    x, kept = torch.from_numpy(np.asarray(x, np.float64)), []
    for kind, *p in layers:
        if kind == "conv":
            w, b = (torch.from_numpy(v) for v in p)
            x = torch.relu(torch.nn.functional.conv2d(x, w, b, padding=1))
            kept.append(x)
        elif kind == "maxpool":
            x = torch.nn.functional.max_pool2d(x, 2)
        elif kind == "gap":
            x = x.mean(dim=(2, 3))
        else:
            w, b = (torch.from_numpy(v) for v in p)
            x = x @ w.T + b
    return x.numpy(), kept


def main():
    model = TinyCNN()
    model.load_state_dict(torch.load(os.path.join(HERE, "shapes-float.pt")))
    model.eval()
    calibration, _ = shapes.make(50, seed=3)
    x_test, y_test = shapes.make(20, seed=4)

    # Calibrate: the float activations after each ReLU, and the logits, of the folded network.
    plan = folded(model)
    logits, relus = float_chain(plan, to_tensor(calibration).double().numpy())
    lo, hi = min(float(logits.min()), 0.0), max(float(logits.max()), 0.0)
    s_out = (hi - lo) / 255.0
    z_out = int(np.clip(round(-128 - lo / s_out), -128, 127))

    in_scale, in_zp = 1.0 / 255.0, -128           # x = p / 255, so q = p - 128 exactly

    layers, scale, ranges = [], in_scale, iter(relus)
    for kind, *p in plan:
        if kind == "conv":
            out_s, out_zp = relu_range(next(ranges))
            layers.append(Conv2D.from_float(p[0].transpose(0, 2, 3, 1), p[1], scale, out_s, out_zp,   # OIHW -> OHWI
                                            padding=(1, 1, 1, 1), activation="relu"))
            scale = out_s
        elif kind == "maxpool":
            layers.append(MaxPool((2, 2), (2, 2)))            # pools keep their input's scale
        elif kind == "gap":
            layers.append(GlobalAvgPool())
        else:
            layers.append(FullyConnected.from_float(p[0], p[1], scale, s_out, z_out))
    # The blob records how it reads pixels (x = p/255, RGB, trained from NCHW tensors), so
    # `hilctl run` needs no --pixels for it.
    contract = InputContract("unit", "rgb", "nchw")
    blob = Model("shapes-tinycnn-6", (32, 32, 3), in_scale, in_zp, shapes.CLASSES, layers, contract=contract).to_bytes()
    with open(os.path.join(HERE, "shapes.hilm"), "wb") as out:
        out.write(blob)

    test_dir = os.path.join(HERE, "holdout")
    shutil.rmtree(test_dir, ignore_errors=True)
    counts = {}
    for image, label in zip(x_test, y_test):
        name = shapes.CLASSES[label]
        os.makedirs(os.path.join(test_dir, name), exist_ok=True)
        counts[name] = counts.get(name, 0) + 1
        shapes.write_png(os.path.join(test_dir, name, f"{name}_{counts[name]:03d}.png"), image)

    # Both figures on the PNG files just written, read back in the bench's order by the bench's
    # reader; int8 through the bit-exact re-implementation of the board's C runtime, the pixels
    # quantised as the bench does for this contract (q = p - 128).
    pixels, labels, _ = testset.load(test_dir, (3, 32, 32), shapes.CLASSES)   # (C, H, W)
    with torch.no_grad():
        float_pred = model(to_tensor(pixels)).argmax(1).numpy()
    runtime = Int8Model(blob)
    int8_pred = runtime.invoke((pixels.astype(np.int16) - 128).astype(np.int8)).argmax(1)
    n = len(labels)
    float_ok, int8_ok = int((float_pred == labels).sum()), int((int8_pred == labels).sum())
    print(f"shapes.hilm: {len(blob)} bytes, {runtime.params} parameters, {runtime.macs} MACs, "
          f"arena {runtime.arena_bytes} bytes")
    print(f"test split ({n} synthetic images, examples/shapes/holdout): float top-1 {float_ok / n * 100:.1f} % "
          f"({float_ok}/{n}), int8 top-1 {int8_ok / n * 100:.1f} % ({int8_ok}/{n}), "
          f"float and int8 agree on {int((float_pred == int8_pred).sum())}/{n}")


if __name__ == "__main__":
    main()
