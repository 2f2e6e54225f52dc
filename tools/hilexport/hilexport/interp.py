"""A float reference interpreter for the ONNX operators hil-export accepts, in numpy (float64).

It runs the graph as ONNX defines it (NCHW, the unfolded BatchNormalization, Softmax included),
so it is the "float model" that the int8 blob is compared with, independently of the lowering
(which folds, fuses and re-lays-out). It also runs once on a zero image to learn every tensor's
shape and to fold the shape arithmetic exporters emit (Shape → Gather → Concat → Reshape) into
constants.

Samples are batched along axis 0. Reshape is only ever accepted as a flatten to 2-D, so a 2-D
Reshape keeps the batch axis (its target was folded at batch 1).
"""
import numpy as np

from . import windows
from .errors import node_error

# Operators that only compute shapes; they must fold to constants.
SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast"}


def _pad(x, pads, value):
    t, l, b, r = pads
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def _taps(xp, kernel, strides, out_hw):
    """Yield (ky, kx, slice) with slice[n, c, oy, ox] = xp[n, c, oy*sh + ky, ox*sw + kx]."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, strides, out_hw
    for ky in range(kh):
        for kx in range(kw):
            yield ky, kx, xp[:, :, ky:ky + sh * (oh - 1) + 1:sh, kx:kx + sw * (ow - 1) + 1:sw]


def _window(node, x, default_kernel=None):
    kernel = windows.check_2d(node, "kernel_shape", node.attrs.get("kernel_shape", default_kernel or []))
    strides = windows.check_2d(node, "strides", [1, 1])
    if windows.check_2d(node, "dilations", [1, 1]) != (1, 1):
        raise node_error(node, "dilation is not supported by the hil runtime")
    pads, out = windows.resolve(node, x.shape[2:], kernel, strides, bool(node.attrs.get("ceil_mode", 0)))
    return kernel, strides, pads, out


def conv(node, x, w, b):
    kernel, strides, pads, out = _window(node, x, list(w.shape[2:]))
    groups = int(node.attrs.get("group", 1))
    n, c = x.shape[:2]
    oc = w.shape[0]
    xp = _pad(x, pads, 0.0)
    y = np.zeros((n, oc, *out))
    cg, og = c // groups, oc // groups                   # channels per group, in and out
    for ky, kx, s in _taps(xp, kernel, strides, out):
        for g in range(groups):
            y[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", s[:, g * cg:(g + 1) * cg],
                                                   w[g * og:(g + 1) * og, :, ky, kx])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def max_pool(node, x):
    kernel, strides, pads, out = _window(node, x)
    xp = _pad(x, pads, -np.inf)                          # padding never wins a max
    y = np.full(x.shape[:2] + out, -np.inf)
    for _, _, s in _taps(xp, kernel, strides, out):
        y = np.maximum(y, s)
    return y


def avg_pool(node, x):
    kernel, strides, pads, out = _window(node, x)
    include = bool(node.attrs.get("count_include_pad", 0))
    if include and node.attrs.get("ceil_mode", 0):
        raise node_error(node, "count_include_pad with ceil_mode is not supported")
    xp = _pad(x, pads, 0.0)
    ones = _pad(np.ones((1, 1) + x.shape[2:]), pads, 1.0 if include else 0.0)
    total, count = 0.0, 0.0
    for (_, _, s), (_, _, c) in zip(_taps(xp, kernel, strides, out), _taps(ones, kernel, strides, out)):
        total, count = total + s, count + c
    return total / count


def batch_norm(node, x, scale, bias, mean, var):
    if node.attrs.get("training_mode", 0):
        raise node_error(node, "training_mode=1: export the model in eval() mode")
    eps = node.attrs.get("epsilon", 1e-5)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    k = scale / np.sqrt(var + eps)
    return (x - mean.reshape(shape)) * k.reshape(shape) + bias.reshape(shape)


def gemm(node, a, b, c):
    a = a.T if node.attrs.get("transA", 0) else a
    b = b.T if node.attrs.get("transB", 0) else b
    y = node.attrs.get("alpha", 1.0) * (a @ b)
    return y if c is None else y + node.attrs.get("beta", 1.0) * c


def reshape(node, x, shape):
    shape = [int(v) for v in shape]
    if len(shape) == 2:                                  # flatten; keep the batch axis
        if shape[1] not in (-1, int(np.prod(x.shape[1:]))) and shape[0] not in (-1,):
            raise node_error(node, f"reshape to {shape} is not a flatten of {list(x.shape)}")
        return x.reshape(x.shape[0], -1)
    if node.attrs.get("allowzero", 0):
        raise node_error(node, "allowzero=1 is not supported")
    shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return x.reshape(shape)


def softmax(node, x):
    axis = node.attrs.get("axis", -1)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _arg(values, node, i):
    if i >= len(node.inputs) or node.inputs[i] == "":
        return None
    return values[node.inputs[i]]


def step(node, values):
    """The outputs of one node, from the values of its inputs (a list, in output order)."""
    op, a = node.op_type, (lambda i: _arg(values, node, i))
    if op == "Conv":
        return [conv(node, a(0), a(1), a(2))]
    if op == "BatchNormalization":
        return [batch_norm(node, a(0), a(1), a(2), a(3), a(4))]
    if op == "Relu":
        return [np.maximum(a(0), 0.0)]
    if op == "Clip":
        lo, hi = a(1), a(2)
        return [np.clip(a(0), -np.inf if lo is None else float(lo), np.inf if hi is None else float(hi))]
    if op == "MaxPool":
        return [max_pool(node, a(0))]
    if op == "AveragePool":
        return [avg_pool(node, a(0))]
    if op == "GlobalAveragePool":
        return [a(0).mean(axis=(2, 3), keepdims=True)]
    if op == "Flatten":
        x, axis = a(0), node.attrs.get("axis", 1)
        axis = axis + x.ndim if axis < 0 else axis
        return [x.reshape(int(np.prod(x.shape[:axis])), -1)]
    if op == "Reshape":
        return [reshape(node, a(0), a(1))]
    if op == "Gemm":
        return [gemm(node, a(0), a(1), a(2))]
    if op == "MatMul":
        return [np.matmul(a(0), a(1))]
    if op == "Add":
        return [a(0) + a(1)]
    if op in ("Identity", "Dropout"):
        return [a(0), np.ones(a(0).shape, dtype=bool)][:len(node.outputs)]
    if op == "Softmax":
        return [softmax(node, a(0))]
    if op == "Shape":
        s = np.array(a(0).shape, dtype=np.int64)
        return [s[node.attrs.get("start", 0):node.attrs.get("end", len(s))]]
    if op == "Gather":
        return [np.take(a(0), a(1), axis=node.attrs.get("axis", 0))]
    if op == "Unsqueeze":
        x = a(0)
        for ax in sorted(int(v) for v in a(1)):
            x = np.expand_dims(x, ax if ax >= 0 else ax + x.ndim + 1)
        return [x]
    if op == "Squeeze":
        axes = a(1)
        return [np.squeeze(a(0)) if axes is None else np.squeeze(a(0), axis=tuple(int(v) for v in axes))]
    if op == "Concat":
        return [np.concatenate([values[i] for i in node.inputs], axis=node.attrs.get("axis", 0))]
    if op == "Cast":
        return [a(0)]          # only shape arithmetic reaches here; integer values stay integers
    raise node_error(node, "the float interpreter cannot run this operator")


def run(graph, x, keep_all=False):
    """Run the graph on float NCHW inputs `x` (batch on axis 0). Returns the output, or with
    keep_all the dict of every tensor's value."""
    values = {k: (v.astype(np.float64) if v.dtype.kind == "f" else v) for k, v in graph.constants.items()}
    values[graph.input_name] = np.asarray(x, dtype=np.float64)
    for node in graph.nodes:
        for name, v in zip(node.outputs, step(node, values)):
            if name:
                values[name] = v
    return values if keep_all else values[graph.output_name]


def static_info(graph):
    """(shapes, constants): every tensor's shape at batch 1, and the constants of the graph
    including the shape arithmetic folded (a Shape output is constant once the input size is)."""
    values = run(graph, np.zeros((1,) + tuple(graph.input_shape)), keep_all=True)
    const = set(graph.constants)
    for node in graph.nodes:
        ins = [i for i in node.inputs if i]
        if node.op_type == "Shape" or (ins and all(i in const for i in ins)):
            const.update(o for o in node.outputs if o)
    shapes = {k: tuple(np.shape(v)) for k, v in values.items()}
    return shapes, {k: values[k] for k in const}
