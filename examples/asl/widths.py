"""The two networks' widths, apart from torch so that scripts without it can build their shape.

A number is a 3×3 convolution's output channels (BatchNorm and ReLU after it), "M" a 2×2 max
pool; the second item is the hidden dense layer's width.
"""
ORIGINAL = ([112, 112, "M", 256, 256, "M", 512, 512, "M", 512, "M"], 1152)
PRUNED = ([8, 12, "M", 24, 32, "M", 48, 64, "M", 128, "M"], 224)
INPUT = (3, 32, 32)
