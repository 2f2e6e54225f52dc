"""Trains the example CNN on the synthetic shapes and saves its float weights (shapes-float.pt).

    python3 examples/shapes/train.py          # a few minutes on 2 CPU cores

The network is deliberately tiny (about 15 thousand parameters) so the example model, its test set
and the committed files stay small: conv 3x3 (16) - ReLU - maxpool 2 - conv 3x3 (32) - ReLU -
maxpool 2 - conv 3x3 (32) - ReLU - global average pool - dense (6).
"""
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
import shapes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class TinyCNN(nn.Module):
    def __init__(self, classes=len(shapes.CLASSES)):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        )
        self.classifier = nn.Linear(32, classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.mean(dim=(2, 3)))


def to_tensor(images):
    """uint8 NHWC pixels -> float NCHW in [0, 1], the range the model is trained on."""
    return torch.from_numpy(images.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    # The set is synthetic, so every epoch sees new images: no overfitting to a fixed sample.
    x_val, y_val = shapes.make(50, seed=2)
    xv, yv = to_tensor(x_val), torch.from_numpy(y_val)
    model = TinyCNN()
    epochs = 60
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for epoch in range(epochs):
        x_train, y_train = shapes.make(1000, seed=100 + epoch)
        xt, yt = to_tensor(x_train), torch.from_numpy(y_train)
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        schedule.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item()
        print(f"epoch {epoch + 1:2d}  loss {loss.item():.3f}  validation accuracy {acc * 100:.1f} %", file=sys.stderr)
    torch.save(model.state_dict(), os.path.join(HERE, "shapes-float.pt"))


if __name__ == "__main__":
    main()
