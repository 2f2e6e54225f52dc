"""Runs the lowered float chain in NHWC, as the runtime will run it (folded, fused, re-laid-out)
but in float64. Calibration measures the ranges of its layer outputs; the tests compare it with
the ONNX interpreter to show that folding and re-layout changed nothing."""
import numpy as np


def _taps(xp, kernel, stride, out_hw):
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_hw
    for ky in range(kh):
        for kx in range(kw):
            yield ky, kx, xp[:, ky:ky + sh * (oh - 1) + 1:sh, kx:kx + sw * (ow - 1) + 1:sw, :]


def _pad(x, pads, value):
    t, l, b, r = pads
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def _act(y, activation):
    if activation == "relu":
        return np.maximum(y, 0.0)
    if activation == "relu6":
        return np.clip(y, 0.0, 6.0)
    return y


def layer_forward(layer, x, source):
    """One layer on a batch x (N, H, W, C); `source` is the add's second input."""
    k = layer.kind
    out_hw = layer.out_shape[:2]
    if k in ("conv", "depthwise"):
        xp = _pad(x, layer.pads, 0.0)
        y = np.zeros((x.shape[0],) + tuple(layer.out_shape))
        for ky, kx, s in _taps(xp, layer.kernel, layer.stride, out_hw):
            if k == "conv":
                y += np.einsum("nhwc,oc->nhwo", s, layer.weight[:, ky, kx, :])
            else:   # output channel oc reads input channel oc // depth_multiplier
                y += np.repeat(s, layer.depth_multiplier, axis=3) * layer.weight[ky, kx, :]
        y += layer.bias
    elif k == "max_pool":
        xp = _pad(x, layer.pads, -np.inf)
        y = np.full((x.shape[0],) + tuple(layer.out_shape), -np.inf)
        for _, _, s in _taps(xp, layer.kernel, layer.stride, out_hw):
            y = np.maximum(y, s)
    elif k == "avg_pool":
        xp = _pad(x, layer.pads, 0.0)
        ones = _pad(np.ones((1,) + x.shape[1:3] + (1,)), layer.pads, 0.0)
        total = sum(s for _, _, s in _taps(xp, layer.kernel, layer.stride, out_hw))
        count = sum(s for _, _, s in _taps(ones, layer.kernel, layer.stride, out_hw))
        y = total / count
    elif k == "global_avg_pool":
        y = x.mean(axis=(1, 2), keepdims=True)
    elif k == "dense":
        y = (x.reshape(x.shape[0], -1) @ layer.weight.T + layer.bias).reshape((x.shape[0], 1, 1, -1))
    elif k == "add":
        y = x + source
    else:
        raise ValueError(k)
    return _act(y, layer.activation)


def run(chain, x_nhwc, keep_all=False):
    """Outputs of the chain for NHWC inputs; with keep_all, the list of every layer's output."""
    x = np.asarray(x_nhwc, dtype=np.float64)
    outs = []
    for layer in chain.layers:
        src = None
        if layer.kind == "add":
            src = x_nhwc if layer.source is None else outs[layer.source]
        x = layer_forward(layer, x, src)
        outs.append(x)
    return outs if keep_all else x
