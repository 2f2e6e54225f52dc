"""The input contract the exporter writes into every blob (docs/model-format.md, "The input
contract"): how 8-bit pixels become the network's real inputs, the channel order, and the
training layout (always NCHW: the graph is ONNX). The bench reads it back, so `hilctl run` needs
no `--pixels`, and the exporter uses the same mapping for its own figures.

The arithmetic is the bench's (Sources/Deployer/Dataset/ModelInputSpec.swift, `Quantiser`):
named ranges by their own formula in float32 (p/255 is a division), affine as p·scale + offset in
float32, per channel.
"""
import numpy as np

from .quantize import hilmodel  # found in the repository when not installed

from .errors import ExportError

NAMED = ("unit", "centered", "raw")


class Pixels:
    """How the model reads pixels: a named range, or affine per channel (ImageNet's mean/std)."""

    def __init__(self, name, scale=None, offset=None):
        self.name = name
        self.scale = None if scale is None else [float(np.float32(v)) for v in scale]
        self.offset = None if offset is None else [float(np.float32(v)) for v in offset]

    @classmethod
    def named(cls, name):
        if name not in NAMED:
            raise ExportError(f"--input-range {name}: use unit, centered or raw")
        return cls(name)

    @classmethod
    def from_mean_std(cls, mean, std, channels):
        """torchvision's Normalize after ToTensor: x = (p/255 − mean)/std, so scale = 1/(255·std)
        and offset = −mean/std. One value stands for every channel."""
        def per_channel(what, values):
            values = [float(v) for v in values]
            if len(values) == 1:
                return values * channels
            if len(values) != channels:
                raise ExportError(f"{what} has {len(values)} values; the model's input has {channels} channel(s): "
                                  f"give 1 or {channels}")
            return values
        mean, std = per_channel("--input-mean", mean), per_channel("--input-std", std)
        if any(not np.isfinite(s) or s <= 0 for s in std) or any(not np.isfinite(m) for m in mean):
            raise ExportError(f"--input-std {','.join(map(str, std))}: every std must be a positive number "
                              "(and every mean finite)")
        return cls("affine", [1.0 / (255.0 * s) for s in std], [-m / s for m, s in zip(mean, std)])

    def to_x(self, p):
        """uint8 pixels (channels on the last axis) → float32 real values, as the bench computes them."""
        p = np.asarray(p).astype(np.float32)
        if self.name == "unit":
            return p / np.float32(255)
        if self.name == "centered":
            return p / np.float32(127.5) - np.float32(1)
        if self.name == "raw":
            return p
        return p * np.asarray(self.scale, np.float32) + np.asarray(self.offset, np.float32)

    def span(self, channels):
        """(lowest, highest) real value any pixel maps to."""
        ends = self.to_x(np.array([[0] * channels, [255] * channels], np.uint8))
        return float(ends.min()), float(ends.max())

    @property
    def formula(self):
        if self.name == "affine":
            return ("x = p·s + o per channel, s " + "/".join(f"{v:.4g}" for v in self.scale)
                    + ", o " + "/".join(f"{v:.4g}" for v in self.offset))
        return {"unit": "x = p/255", "centered": "x = p/127.5 - 1", "raw": "x = p"}[self.name]

    def contract(self, channels, channel_order):
        if self.name == "affine":
            return hilmodel.InputContract("affine", channel_order, "nchw", scale=self.scale, offset=self.offset)
        return hilmodel.InputContract(self.name, channel_order, "nchw")


def channel_order(option, channels):
    """--channel-order, checked against the input; default RGB for 3 channels, gray for 1."""
    if option is None:
        return "rgb" if channels == 3 else "gray" if channels == 1 else "not recorded"
    if option not in ("rgb", "bgr", "gray"):
        raise ExportError(f"--channel-order {option}: use rgb, bgr or gray")
    wanted = 1 if option == "gray" else 3
    if channels != wanted:
        raise ExportError(f"--channel-order {option} is for {wanted}-channel input; the model's input has {channels}")
    return option


def pixels_of(option):
    """A Pixels from what the caller gave: None, a name or a Pixels."""
    if option is None or isinstance(option, Pixels):
        return option
    return Pixels.named(option)


def channel_order_of(blob):
    """The channel order a blob's contract records ("rgb" when it records none)."""
    header = int.from_bytes(blob[6:8], "little")
    return {2: "bgr", 3: "gray"}.get(blob[73], "rgb") if header >= 100 and len(blob) >= 100 else "rgb"
