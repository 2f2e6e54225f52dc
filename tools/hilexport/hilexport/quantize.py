"""The float chain + calibrated ranges → hilmodel layers → the blob.

The arithmetic of docs/model-format.md ("What the writer computes": per-channel symmetric int8
weights, int32 biases, Q31 multipliers and shifts, the add's rescaling, the arena plan) lives in
tools/hilmodel; this module only maps each float layer onto the matching writer class.
"""
import os
import sys

from .errors import ExportError

try:
    import hilmodel
except ImportError:   # running from the repository without `pip install -e tools/hilmodel`
    _here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "hilmodel")
    if not os.path.isdir(os.path.join(_here, "hilmodel")):
        raise
    sys.path.insert(0, os.path.abspath(_here))
    import hilmodel


def _layer(layer, in_q, out_q):
    (in_scale, _), (out_scale, out_zp) = in_q, out_q
    k = layer.kind
    window = dict(stride=layer.stride, padding=layer.pads, activation=layer.activation)
    if k == "conv":
        return hilmodel.Conv2D.from_float(layer.weight, layer.bias, in_scale, out_scale, out_zp,
                                          kernel=layer.kernel, **window)
    if k == "depthwise":
        return hilmodel.DepthwiseConv2D.from_float(layer.weight, layer.bias, in_scale, out_scale, out_zp,
                                                   depth_multiplier=layer.depth_multiplier, kernel=layer.kernel,
                                                   **window)
    if k == "dense":
        return hilmodel.FullyConnected.from_float(layer.weight, layer.bias, in_scale, out_scale, out_zp,
                                                  activation=layer.activation)
    if k in ("max_pool", "avg_pool"):
        cls = hilmodel.MaxPool if k == "max_pool" else hilmodel.AvgPool
        p = cls(layer.kernel, layer.stride, layer.pads)
    elif k == "global_avg_pool":
        p = hilmodel.GlobalAvgPool()
    else:
        raise ValueError(k)
    p.activation, p.out_scale, p.out_zero_point = layer.activation, out_scale, out_zp
    return p


def build(chain, input_q, layer_q, name, labels, contract=None):
    """The hil model blob (bytes)."""
    layers, prev = [], input_q
    for i, (layer, q) in enumerate(zip(chain.layers, layer_q)):
        try:
            if layer.kind == "add":
                src_q = input_q if layer.source is None else layer_q[layer.source]
                w = hilmodel.Add(layer.source, prev[0], src_q[0], q[0], q[1], activation=layer.activation)
            else:
                w = _layer(layer, prev, q)
        except ValueError as e:      # a multiplier or bias the format cannot hold
            raise ExportError(f'node "{layer.nodes[0]}": cannot quantise: {e}') from e
        layers.append(w)
        prev = q
    classes = int(chain.layers[-1].out_shape[0] * chain.layers[-1].out_shape[1] * chain.layers[-1].out_shape[2])
    if len(labels) != classes:
        raise ExportError(f"the model has {classes} outputs but {len(labels)} labels were given")
    if classes > 65535:
        raise ExportError(f"{classes} classes: the format holds at most 65535")
    model = hilmodel.Model(name, chain.input_shape, input_q[0], input_q[1], labels, layers, contract=contract)
    try:
        return model.to_bytes()
    except ValueError as e:      # labels or a contract the format cannot hold
        raise ExportError(str(e)) from e
