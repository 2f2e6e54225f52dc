"""The seed's VGG-style ASL classifier, at its original width and channel-pruned.

A stack of 3×3 convolutions (each followed by BatchNorm and ReLU) with 2×2 max pooling, then two
dense layers. The widths are the only difference between the two networks:

    original: 112 112 M 256 256 M 512 512 M 512 M | 1152 | 29     9.26 M parameters, 602 M MACs
    pruned:     8  12 M  24  32 M  48  64 M 128 M |  224 | 29     0.25 M parameters, 7.5 M MACs

(parameters and MACs with BatchNorm folded into the convolutions, as the int8 model has them;
`figures()` computes them). The pruned widths keep the channels prune.py ranks highest.
"""
import torch
from torch import nn

from widths import INPUT, ORIGINAL, PRUNED  # noqa: F401  (re-exported: train, prune, export use vgg.*)


class VGG(nn.Module):
    def __init__(self, widths, hidden, classes=29):
        super().__init__()
        self.widths, self.hidden = list(widths), hidden
        layers, c, side = [], INPUT[0], INPUT[1]
        for w in widths:
            if w == "M":
                layers.append(nn.MaxPool2d(2))
                side //= 2
                continue
            layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            c = w
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(c * side * side, hidden), nn.ReLU(inplace=True), nn.Dropout(0.3),
            nn.Linear(hidden, classes))

    def forward(self, x):
        return self.classifier(self.features(x))

    def convs(self):
        """(conv, batchnorm) pairs in order."""
        mods = list(self.features)
        return [(m, mods[i + 1]) for i, m in enumerate(mods) if isinstance(m, nn.Conv2d)]


def original():
    return VGG(*ORIGINAL)


def pruned():
    return VGG(*PRUNED)


def figures(widths, hidden, classes=29):
    """(parameters, MACs) of one inference with BatchNorm folded (a bias per conv channel)."""
    params = macs = 0
    c, side = INPUT[0], INPUT[1]
    for w in widths:
        if w == "M":
            side //= 2
            continue
        params += c * w * 9 + w
        macs += c * w * 9 * side * side
        c = w
    n = c * side * side
    for f in (hidden, classes):
        params += n * f + f
        macs += n * f
        n = f
    return params, macs


def to_input(images):
    """uint8 N×H×W×3 pixels → float N×3×H×W in [0, 1] (the bench's `--pixels unit`)."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0).contiguous()
