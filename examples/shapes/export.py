"""Quantises the trained example CNN to int8 and writes hil's model format, plus the test split.

    python3 examples/shapes/export.py

Writes examples/shapes/shapes.hilm and examples/shapes/holdout/<class>/<class>_NNN.png (120 images,
20 per class, from a seed the training never saw). Post-training static quantisation: int8
activations with ranges calibrated on 300 fresh images, int8 weights symmetric per output channel
(tools/hilmodel does the arithmetic of docs/model-format.md). Prints the float accuracy on the
test split; the int8 accuracy is what `hilctl run` measures on the board (and the host reference).

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
import shapes  # noqa: E402
from train import TinyCNN, to_tensor  # noqa: E402
from hilmodel import Conv2D, FullyConnected, GlobalAvgPool, InputContract, MaxPool, Model  # noqa: E402


def relu_range(t):
    """Scale and zero point of a ReLU output: [0, max] onto -128 … 127."""
    top = max(float(t.max()), 1e-6)
    return top / 255.0, -128


def main():
    model = TinyCNN()
    model.load_state_dict(torch.load(os.path.join(HERE, "shapes-float.pt")))
    model.eval()
    calibration, _ = shapes.make(50, seed=3)
    x_test, y_test = shapes.make(20, seed=4)

    # Calibrate: the float activations after each ReLU, and the logits.
    f = model.features
    with torch.no_grad():
        x = to_tensor(calibration)
        a1 = f[1](f[0](x))
        a2 = f[4](f[3](f[2](a1)))
        a3 = f[7](f[6](f[5](a2)))
        logits = model.classifier(a3.mean(dim=(2, 3)))
    s1, z1 = relu_range(a1)
    s2, z2 = relu_range(a2)
    s3, z3 = relu_range(a3)
    lo, hi = min(float(logits.min()), 0.0), max(float(logits.max()), 0.0)
    s_out = (hi - lo) / 255.0
    z_out = int(np.clip(round(-128 - lo / s_out), -128, 127))

    in_scale, in_zp = 1.0 / 255.0, -128           # x = p / 255, so q = p - 128 exactly

    def conv(layer, in_s, out_s, out_zp):
        w = layer.weight.detach().numpy().transpose(0, 2, 3, 1)   # OIHW -> OHWI
        return Conv2D.from_float(w, layer.bias.detach().numpy(), in_s, out_s, out_zp,
                                 padding=(1, 1, 1, 1), activation="relu")

    dense = model.classifier
    layers = [
        conv(f[0], in_scale, s1, z1), MaxPool((2, 2), (2, 2)),
        conv(f[3], s1, s2, z2), MaxPool((2, 2), (2, 2)),
        conv(f[6], s2, s3, z3), GlobalAvgPool(),
        FullyConnected.from_float(dense.weight.detach().numpy(), dense.bias.detach().numpy(), s3, s_out, z_out),
    ]
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

    with torch.no_grad():
        float_acc = (model(to_tensor(x_test)).argmax(1).numpy() == y_test).mean()
    params = sum(p.numel() for p in model.parameters())
    print(f"shapes.hilm: {len(blob)} bytes, {params} parameters; float accuracy on the test split "
          f"(120 synthetic images): {float_acc * 100:.1f} %")


if __name__ == "__main__":
    main()
