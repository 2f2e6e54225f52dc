"""Trains the original-width VGG on the synthetic ASL set (aslsynth.py), or on your own image
folder, and saves its float weights.

    python3 examples/asl/train.py [--epochs 8] [--per-class 300]     # ~20 min on 2 CPU cores
    python3 examples/asl/train.py --data asl_alphabet_train/asl_alphabet_train   # Kaggle's set

Synthetic: every epoch renders fresh images (seed 1000 + epoch), so the network never sees a
training image twice; validation uses seed 2, calibration seed 3 and the committed test split
seed 4, none of which training sees. With --data: an image folder (one subfolder per class, named
as the 29 labels), read and shrunk to 32×32 exactly as the bench reads it (hilexport.testset);
every tenth image (by position in each class) is held out for validation.

Writes out/asl/vgg-original.pt (37 MB of float weights: not committed; rerun this script to get
it back) after every epoch, and prints the validation accuracy.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "hilexport"))
import aslsynth  # noqa: E402
import vgg  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "out", "asl")


def accuracy(model, x, y, batch=256):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


class Synthetic:
    """Fresh rendered images every epoch; a fixed validation set."""

    def __init__(self, per_class, seed_base):
        self.per_class, self.seed_base = per_class, seed_base
        self.size = per_class * len(aslsynth.CLASSES)
        self.validation = aslsynth.make(40, seed=2)

    def epoch(self, n):
        return aslsynth.make(self.per_class, seed=self.seed_base + n)


class Folder:
    """An image folder read as the bench reads it; every tenth image of each class held out."""

    def __init__(self, path):
        from hilexport import testset
        x, y, _ = testset.load(path, vgg.INPUT, aslsynth.CLASSES)
        # Samples come classes interleaved, so position // classes is the image's rank in its class.
        held = (np.arange(len(y)) // len(aslsynth.CLASSES)) % 10 == 9
        self.train, self.validation = (x[~held], y[~held]), (x[held], y[held])
        self.size = int((~held).sum())

    def epoch(self, n):
        return self.train


def fit(model, epochs, data, lr, log, batch=64):
    """SGD with Nesterov momentum and a one-cycle schedule; `data` gives each epoch's images."""
    xv, yv = vgg.to_input(data.validation[0]), torch.from_numpy(data.validation[1])
    steps = epochs * ((data.size + batch - 1) // batch)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.25)
    for epoch in range(epochs):
        start = time.time()
        x_train, y_train = data.epoch(epoch)
        xt, yt = vgg.to_input(x_train), torch.from_numpy(y_train)
        model.train()
        perm = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            schedule.step()
            total += loss.item() * len(idx)
        acc = accuracy(model, xv, yv)
        log(f"epoch {epoch + 1:2d}/{epochs}  loss {total / len(xt):.3f}  validation accuracy {acc * 100:.1f} %  "
            f"({time.time() - start:.0f} s)")
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description="Train the original-width VGG on the synthetic ASL set.")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--per-class", type=int, default=300, help="synthetic training images per class and epoch")
    p.add_argument("--data", metavar="DIR", help="train on this image folder (e.g. Kaggle's asl_alphabet_train) instead")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--out", default=os.path.join(OUT, "vgg-original.pt"))
    args = p.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    model = vgg.original()
    print(f"original VGG: {sum(p.numel() for p in model.parameters())} parameters", file=sys.stderr)

    def log(line):
        print(line, file=sys.stderr, flush=True)
        # Keep what there is after each epoch: an interrupted run leaves a usable checkpoint.
        torch.save(model.state_dict(), args.out + ".partial")
        os.replace(args.out + ".partial", args.out)

    data = Folder(args.data) if args.data else Synthetic(args.per_class, 1000)
    fit(model, args.epochs, data, args.lr, log)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
