"""Writes int8 models in hil's binary format (docs/model-format.md), version 1."""
from .quant import quantize_multiplier, round_half_away, per_channel_weights
from .writer import Conv2D, DepthwiseConv2D, MaxPool, AvgPool, GlobalAvgPool, FullyConnected, Add, Model, InputContract, same_padding

__all__ = [
    "quantize_multiplier", "round_half_away", "per_channel_weights", "same_padding",
    "Conv2D", "DepthwiseConv2D", "MaxPool", "AvgPool", "GlobalAvgPool", "FullyConnected", "Add", "Model", "InputContract",
]
