"""Trains the example CNN on the synthetic shapes and saves its float weights (shapes-float.pt).

    python3 examples/shapes/train.py          # about 6 minutes on 2 CPU cores

The network is deliberately tiny (14 534 parameters, 2.2 M multiply-accumulates per 32x32x3 image)
so the example model, its test set and the committed files stay small:

    conv 3x3 (16) - ReLU - maxpool 2 - conv 3x3 (32) - ReLU - maxpool 2 - conv 3x3 (32) - ReLU -
    global average pool - dense (6)

Each convolution is trained with batch norm after it, which export.py folds into the
convolution's weights and bias, so the exported layers are exactly those above. 120 epochs of
6000 images drawn afresh each epoch (seeds 100 … 219), AdamW with a one-cycle schedule; validation
uses seed 2, export.py's calibration seed 3 and its test split seed 4.
"""
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
import shapes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTHS = (16, 32, 32)
EPOCHS = 120
LR = 6e-3
PER_CLASS = 1000                       # 6000 fresh images an epoch


class TinyCNN(nn.Module):
    def __init__(self, classes=len(shapes.CLASSES), widths=WIDTHS):
        super().__init__()
        layers, cin = [], 3
        for i, cout in enumerate(widths):
            if i:
                layers.append(nn.MaxPool2d(2))
            layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.mean(dim=(2, 3)))


def folded(model):
    """The network as export.py writes it: [("conv", weight OIHW, bias), ("maxpool",), …, ("gap",),
    ("dense", weight, bias)], float64 numpy, each batch norm folded into the convolution before it
    (w·γ/σ, (b − μ)·γ/σ + β with σ = √(var + ε)), each convolution followed by its ReLU."""
    out, mods = [], list(model.features)
    for i, m in enumerate(mods):
        if isinstance(m, nn.Conv2d):
            bn = mods[i + 1]
            w = m.weight.detach().double().numpy()
            b = np.zeros(w.shape[0]) if m.bias is None else m.bias.detach().double().numpy()
            k = bn.weight.detach().double().numpy() / np.sqrt(bn.running_var.detach().double().numpy() + bn.eps)
            out.append(("conv", w * k[:, None, None, None],
                        (b - bn.running_mean.detach().double().numpy()) * k + bn.bias.detach().double().numpy()))
        elif isinstance(m, nn.MaxPool2d):
            out.append(("maxpool",))
    out.append(("gap",))
    out.append(("dense", model.classifier.weight.detach().double().numpy(),
                model.classifier.bias.detach().double().numpy()))
    return out


def to_tensor(images):
    """uint8 NHWC pixels -> float NCHW in [0, 1], the range the model is trained on."""
    return torch.from_numpy(images.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    start = time.time()
    # The set is synthetic, so every epoch sees new images: no overfitting to a fixed sample.
    x_val, y_val = shapes.make(100, seed=2)
    xv, yv = to_tensor(x_val), torch.from_numpy(y_val)
    model = TinyCNN()
    batch = 64
    steps = EPOCHS * (PER_CLASS * len(shapes.CLASSES) // batch + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.15)
    for epoch in range(EPOCHS):
        x_train, y_train = shapes.make(PER_CLASS, seed=100 + epoch)
        xt, yt = to_tensor(x_train), torch.from_numpy(y_train)
        model.train()
        perm = torch.randperm(len(xt))
        total, seen = 0.0, 0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            schedule.step()
            total, seen = total + loss.item() * len(idx), seen + len(idx)
        model.eval()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item()
        print(f"epoch {epoch + 1:2d}  loss {total / seen:.3f}  validation accuracy {acc * 100:.1f} %  "
              f"({time.time() - start:.0f} s)", file=sys.stderr)
    torch.save(model.state_dict(), os.path.join(HERE, "shapes-float.pt"))
    params = sum(w.size for _, *ws in folded(model) for w in ws)
    print(f"shapes-float.pt: {params} parameters once batch norm is folded; validation accuracy "
          f"{acc * 100:.1f} % (600 images, seed 2); {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
