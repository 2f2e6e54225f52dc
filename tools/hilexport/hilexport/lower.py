"""Lowering: the ONNX graph → a chain of float layers the hil format can express, in NHWC.

What happens here, and only here:
  * first, every node's input shapes are checked against the node (channels, groups, window
    sizes, parameter lengths, features), so a mismatch names its node (_ShapeCheck);
  * BatchNormalization is folded into the Conv/Gemm before it (or, standing alone after
    something else, becomes a 1×1 depthwise convolution);
  * Relu / Clip(0, 6) become the fused activation of the layer before them;
  * a constant Add after MatMul/Gemm/Conv becomes its bias;
  * Flatten/Reshape to 2-D feeding a Gemm/MatMul re-orders the dense weights from ONNX's NCHW
    flattening to the runtime's NHWC flattening;
  * Identity, Dropout and a final Softmax are dropped;
  * weights are re-laid-out (OIHW → OHWI, depthwise → HWO);
  * the graph is put in the one order the format can run: every layer reads the layer just
    before it, and a residual Add reads, in addition, an earlier layer (or the model input).
Everything else is refused with the node's name and operator.
"""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import interp, windows
from .errors import ExportError, node_error

SUPPORTED = ["Conv", "BatchNormalization", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool",
             "Flatten", "Reshape", "Gemm", "MatMul", "Add", "Identity", "Dropout", "Softmax"]
SUPPORTED_TEXT = (", ".join(SUPPORTED) + " (Softmax only as the last operator; Constant and shape "
                  "arithmetic Shape/Gather/Unsqueeze/Squeeze/Concat/Cast only when they fold to constants)")


@dataclass
class Layer:
    """One layer of the chain, float, NHWC. `weight` is OHWI (conv), HWO (depthwise) or [O][N]
    with N in NHWC order (dense)."""
    kind: str                       # conv, depthwise, max_pool, avg_pool, global_avg_pool, dense, add
    nodes: list                     # names of the ONNX nodes that make it up
    inputs: list                    # ONNX tensor names read (two for add)
    output: str                     # ONNX tensor name of its (activated) output
    weight: Optional[np.ndarray] = None
    bias: Optional[np.ndarray] = None
    kernel: tuple = (1, 1)
    stride: tuple = (1, 1)
    pads: tuple = (0, 0, 0, 0)      # top, left, bottom, right
    depth_multiplier: int = 1
    activation: str = "none"
    source: Optional[int] = None    # add: the earlier layer read besides the previous one (None: input)
    in_shape: tuple = ()            # H, W, C
    out_shape: tuple = ()
    flat_from: Optional[tuple] = field(default=None, repr=False)


@dataclass
class Chain:
    input_shape: tuple              # H, W, C
    layers: list
    dropped: list                   # names of nodes dropped (Identity, Dropout, final Softmax)
    softmax_dropped: bool


def _hwc(shape):
    """ONNX NCHW (or N×F) shape at batch 1 → the runtime's (H, W, C)."""
    if len(shape) == 4:
        return (shape[2], shape[3], shape[1])
    if len(shape) == 2:
        return (1, 1, shape[1])
    raise ExportError(f"a tensor of shape {list(shape)} is neither an image nor a vector")


def _check_window(node, kernel, strides, pads):
    for k in kernel + strides:
        if not 1 <= k <= 255:
            raise node_error(node, f"kernel {kernel} / stride {strides}: the hil format stores them as 1…255")
    t, l, b, r = pads
    if t >= kernel[0] or b >= kernel[0] or l >= kernel[1] or r >= kernel[1]:
        raise node_error(node, f"pads (top, left, bottom, right) {pads} must each be smaller than the kernel "
                         f"{kernel}: the hil runtime needs every window to cover a real pixel")


def _dims(shape):
    """A batch-1 shape as the messages write it: C×H×W for an image, the length for a vector."""
    return "×".join(str(v) for v in shape[1:]) or "a scalar"


def _broadcasts_to(shape, target):
    """Whether numpy broadcasting of `shape` against `target` leaves `target` as it is."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


class _ShapeCheck:
    """Runs the graph once on a zero image, node by node, and before each node checks that the
    shapes it reads fit it: channels, group counts, spatial sizes, parameter lengths, features.

    Without it a mismatch either crashes numpy somewhere in the interpreter, or worse, broadcasts
    silently (a conv weight for 1 channel on a 3-channel image, a 1-value bias) and surfaces only
    when the C runtime refuses the blob, naming no node. Here the first node that does not fit is
    named, with both numbers and where the tensor it reads comes from."""

    def __init__(self, graph):
        self.g = graph
        self.values = {k: (v.astype(np.float64) if v.dtype.kind == "f" else v) for k, v in graph.constants.items()}
        self.values[graph.input_name] = np.zeros((1,) + tuple(graph.input_shape))
        self.made_by = {}                                # tensor -> node that computes it
        self.folded = set(graph.constants)               # constants, and what only they compute

    def shape(self, node, i):
        return np.shape(self.values[node.inputs[i]])

    def given(self, node, i):
        return i < len(node.inputs) and node.inputs[i] != ""

    def describe(self, t):
        """Where a tensor comes from and its shape, e.g. `the model's input "input", 3×32×32`."""
        shape = np.shape(self.values[t])
        if t == self.g.input_name:
            return f'the model\'s input "{t}", {_dims(shape)}'
        node = self.made_by.get(t)
        if node is None:
            return f'the constant "{t}", {_dims(shape)}'
        src = node.inputs[0] if node.inputs else None
        if node.op_type in ("Flatten", "Reshape") and src in self.values and len(np.shape(self.values[src])) == 4:
            return f'the output of node "{node.name}", {_dims(np.shape(self.values[src]))} flattened to {_dims(shape)}'
        return f'the output of node "{node.name}", {_dims(shape)}'

    def run(self):
        for node in self.g.nodes:
            for t in node.inputs:
                if t and t not in self.values:
                    raise node_error(node, f'it reads "{t}", which is neither a weight, the model\'s input nor '
                                     "the output of a node before it")
            check = getattr(self, "check_" + node.op_type, None)
            if check is not None and not all(t in self.folded for t in node.inputs if t):
                check(node)
            try:
                outs = interp.step(node, self.values)
            except (ValueError, IndexError) as e:     # a mismatch the checks above do not name
                reads = "; ".join(self.describe(t) for t in node.inputs if t)
                raise node_error(node, f"its inputs do not fit it ({reads}): {e}") from None
            ins = [t for t in node.inputs if t]
            folded = node.op_type == "Shape" or (ins and all(t in self.folded for t in ins))
            for t, v in zip(node.outputs, outs):
                if t:
                    self.values[t] = v
                    self.made_by[t] = node
                    if folded:
                        self.folded.add(t)

    # -- the checks, one per operator that constrains shapes -----------------------------------
    def image(self, node):
        """The (C, H, W) of the image input 0; refuses a vector."""
        shape = self.shape(node, 0)
        if len(shape) != 4:
            raise node_error(node, f"it needs an image (N×C×H×W) but reads {self.describe(node.inputs[0])}")
        return shape[1:]

    def fits(self, node, kernel, hw):
        """The window must fit the (padded) input at least once: an output size ≥ 1."""
        auto = node.attrs.get("auto_pad", "NOTSET")
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            return                                       # SAME pads so that every kernel fits
        p = list(node.attrs.get("pads", [0, 0, 0, 0])) if auto in ("NOTSET", "") else [0, 0, 0, 0]
        if len(p) != 4:
            return                                       # windows.resolve names malformed pads
        padded = (hw[0] + p[0] + p[2], hw[1] + p[1] + p[3])
        if kernel[0] > padded[0] or kernel[1] > padded[1]:
            pad = f", {padded[0]}×{padded[1]} with its pads {p}" if any(p) else ""
            raise node_error(node, f"its {kernel[0]}×{kernel[1]} kernel is larger than its {hw[0]}×{hw[1]} "
                             f"input{pad} ({self.describe(node.inputs[0])}): the output would have no pixels")

    def check_Conv(self, node):
        c, h, w = self.image(node)
        if not self.given(node, 1):
            raise node_error(node, "it has no weight input")
        wshape = self.shape(node, 1)
        if len(wshape) != 4:
            raise node_error(node, f"weight of shape {list(wshape)} is not a 2-D convolution's")
        oc, per_group = wshape[:2]
        group = int(node.attrs.get("group", 1))
        reads = self.describe(node.inputs[0])
        if group < 1 or c % group:
            raise node_error(node, f"group {group} does not divide the {c} input channels it reads ({reads})")
        if oc % group:
            raise node_error(node, f"group {group} does not divide its {oc} output channels "
                             f"(weights {'×'.join(map(str, wshape))})")
        if per_group * group != c:
            per = f" ({per_group} per group × group {group})" if group > 1 else ""
            raise node_error(node, f"its weights expect {per_group * group} input channel(s){per} but it reads "
                             f"{c} ({reads})")
        if self.given(node, 2) and self.shape(node, 2) != (oc,):
            raise node_error(node, f"its bias has shape {list(self.shape(node, 2))} but its weights give {oc} "
                             "output channels (one bias value each)")
        kernel = tuple(wshape[2:])
        if "kernel_shape" in node.attrs and tuple(node.attrs["kernel_shape"]) != kernel:
            raise node_error(node, f"kernel_shape {list(node.attrs['kernel_shape'])} disagrees with its weights' "
                             f"{kernel[0]}×{kernel[1]}")
        self.fits(node, kernel, (h, w))

    def check_MaxPool(self, node):
        _, h, w = self.image(node)
        self.fits(node, windows.check_2d(node, "kernel_shape", []), (h, w))

    check_AveragePool = check_MaxPool

    def check_GlobalAveragePool(self, node):
        self.image(node)

    def check_BatchNormalization(self, node):
        shape = self.shape(node, 0)
        if len(shape) not in (2, 4):
            raise node_error(node, f"it reads {self.describe(node.inputs[0])}, neither an image nor a vector")
        c = shape[1]
        for i, what in ((1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")):
            if not self.given(node, i):
                raise node_error(node, f"its {what} input is missing")
            if self.shape(node, i) != (c,):
                raise node_error(node, f"its {what} has shape {list(self.shape(node, i))} but it reads {c} "
                                 f"channels ({self.describe(node.inputs[0])}): one value per channel")

    def check_Gemm(self, node):
        shape = self.shape(node, 0)
        reads = self.describe(node.inputs[0])
        if len(shape) != 2:
            raise node_error(node, f"it reads {reads}; flatten it to (batch, features) first")
        if node.attrs.get("transA", 0) or not self.given(node, 1):
            return                                       # refused by the lowering, with its own message
        wshape = self.shape(node, 1)
        if len(wshape) != 2:
            raise node_error(node, f"its weight of shape {list(wshape)} is not a matrix; a dense layer's is 2-D")
        if node.op_type == "Gemm" and node.attrs.get("transB", 0):
            n, o = wshape[1], wshape[0]                  # torch's Linear: [out, in]
        else:
            n, o = wshape
        if n != shape[1]:
            raise node_error(node, f"its weights expect {n} input features but it reads {shape[1]} ({reads})")
        if node.op_type == "Gemm" and self.given(node, 2):
            b = self.shape(node, 2)
            if not _broadcasts_to(b, (1, o)):
                raise node_error(node, f"its bias has shape {list(b)} but its weights give {o} outputs")

    check_MatMul = check_Gemm

    def check_Add(self, node):
        if len(node.inputs) != 2 or not all(node.inputs):
            raise node_error(node, "it needs two operands")
        a, b = node.inputs
        const_a, const_b = a in self.folded, b in self.folded
        if const_a or const_b:
            # A bias: the constant must broadcast to the tensor without changing its shape.
            t, c = (b, a) if const_a else (a, b)
            ts, cs = np.shape(self.values[t]), np.shape(self.values[c])
            if not _broadcasts_to(cs, ts):
                raise node_error(node, f"its constant \"{c}\" of shape {list(cs)} does not fit {self.describe(t)}")
            return
        if self.shape(node, 0) != self.shape(node, 1):
            raise node_error(node, f"its operands differ in shape: {self.describe(a)} and {self.describe(b)}; "
                             "the hil runtime adds tensors of equal shape only")


def check_shapes(graph):
    """Refuse, naming the node, the first node whose input shapes do not fit it (see _ShapeCheck)."""
    _ShapeCheck(graph).run()


class _Lowering:
    def __init__(self, graph):
        self.g = graph
        unsupported = [n for n in graph.nodes if n.op_type not in SUPPORTED and n.op_type not in interp.SHAPE_OPS]
        if unsupported:
            n = unsupported[0]
            raise node_error(n, f"operator not supported by the hil runtime; supported: {SUPPORTED_TEXT}")
        check_shapes(graph)         # before anything reads a shape: names the node that does not fit
        self.shapes, self.const = interp.static_info(graph)
        self.alias = {}             # tensor -> the tensor it equals (Identity, Dropout, Softmax)
        self.flat = {}              # tensor -> (4-D tensor it flattens, its (C, H, W))
        self.producer = {}          # tensor -> Layer that writes it
        self.layers = []
        self.dropped = []
        self.softmax = []
        self.uses = {}
        for n in graph.nodes:
            for i in n.inputs:
                self.uses[i] = self.uses.get(i, 0) + 1
        self.uses[graph.output_name] = self.uses.get(graph.output_name, 0) + 1

    # -- helpers -------------------------------------------------------------------------------
    def r(self, t):
        while t in self.alias:
            t = self.alias[t]
        return t

    def constant(self, node, i, what):
        if i >= len(node.inputs) or node.inputs[i] == "":
            return None
        name = node.inputs[i]
        if name not in self.const:
            raise node_error(node, f"{what} (input {i}, \"{name}\") is not a constant; hil models have fixed weights")
        return np.asarray(self.const[name], dtype=np.float64)

    def fusable(self, node, t, kinds):
        """The layer producing `t` if `node` may fold into it: nothing else reads `t`."""
        layer = self.producer.get(t)
        if layer is None or layer.kind not in kinds or layer.activation != "none":
            return None
        if self.uses.get(layer.output, 0) != 1:
            return None
        return layer

    def add_layer(self, layer):
        self.layers.append(layer)
        self.producer[layer.output] = layer
        return layer

    def data_input(self, node, i=0):
        t = self.r(node.inputs[i])
        if t in self.const:
            raise node_error(node, f"input {i} is a constant where the hil runtime needs a tensor")
        return t

    # -- operators -----------------------------------------------------------------------------
    def conv(self, node):
        x = self.data_input(node)
        if x in self.flat:
            raise node_error(node, "convolution of a flattened tensor")
        w = self.constant(node, 1, "the weight")
        b = self.constant(node, 2, "the bias")
        n, c, h, wd = self.shapes[x]
        if w.ndim != 4:
            raise node_error(node, f"weight of shape {list(w.shape)} is not a 2-D convolution's")
        if windows.check_2d(node, "dilations", [1, 1]) != (1, 1):
            raise node_error(node, f"dilation {list(node.attrs['dilations'])} is not supported by the hil runtime (only 1)")
        kernel = tuple(w.shape[2:])
        strides = windows.check_2d(node, "strides", [1, 1])
        pads, _ = windows.resolve(node, (h, wd), kernel, strides)
        _check_window(node, kernel, strides, pads)
        group, oc = int(node.attrs.get("group", 1)), w.shape[0]
        bias = np.zeros(oc) if b is None else b
        if group == 1:
            kind, weight, mult = "conv", w.transpose(0, 2, 3, 1), 1          # OIHW -> OHWI
        elif group == c and w.shape[1] == 1 and oc % c == 0:
            kind, weight, mult = "depthwise", w[:, 0].transpose(1, 2, 0), oc // c   # -> HWO
            if mult > 255:
                raise node_error(node, f"depth multiplier {mult} exceeds the format's 255")
        else:
            raise node_error(node, f"grouped convolution (group={group} of {c} channels) is not supported by the "
                             "hil runtime: only group=1 or depthwise (group = input channels)")
        self.add_layer(Layer(kind, [node.name], [x], node.outputs[0], weight.copy(), bias.copy(), kernel,
                             strides, pads, mult))

    def pool(self, node, kind):
        x = self.data_input(node)
        if len(node.outputs) > 1 and node.outputs[1]:
            raise node_error(node, "MaxPool's Indices output is not supported")
        if node.attrs.get("storage_order", 0):
            raise node_error(node, "storage_order=1 is not supported")
        if windows.check_2d(node, "dilations", [1, 1]) != (1, 1):
            raise node_error(node, "dilation is not supported by the hil runtime (only 1)")
        kernel = windows.check_2d(node, "kernel_shape", [])
        strides = windows.check_2d(node, "strides", [1, 1])
        ceil = bool(node.attrs.get("ceil_mode", 0))
        given, _ = windows.resolve(node, self.shapes[x][2:], kernel, strides)
        pads, _ = windows.resolve(node, self.shapes[x][2:], kernel, strides, ceil)
        if kind == "avg_pool" and node.attrs.get("count_include_pad", 0) and (any(given) or pads != given):
            raise node_error(node, "count_include_pad=1 with padding: the hil runtime averages over real "
                             "pixels only (export with count_include_pad=False)")
        _check_window(node, kernel, strides, pads)
        self.add_layer(Layer(kind, [node.name], [x], node.outputs[0], kernel=kernel, stride=strides, pads=pads))

    def global_pool(self, node):
        x = self.data_input(node)
        self.add_layer(Layer("global_avg_pool", [node.name], [x], node.outputs[0]))

    def flatten(self, node, target=None):
        x = self.data_input(node)
        shape = self.shapes[x]
        out_shape = self.shapes[node.outputs[0]]
        if node.op_type == "Flatten" and node.attrs.get("axis", 1) != 1 or len(out_shape) != 2:
            raise node_error(node, f"only a flatten to (batch, features) is supported; this gives {list(out_shape)}")
        if len(shape) == 2 or shape[2:] == (1, 1):
            self.alias[node.outputs[0]] = x          # already in the same order in NCHW and NHWC
        else:
            self.flat[node.outputs[0]] = (x, tuple(shape[1:]))

    def dense(self, node):
        t = self.r(node.inputs[0])
        if t in self.flat:
            x, (c, h, w) = self.flat[t]
        else:
            x = self.data_input(node)
            shape = self.shapes[x]
            # A 2-D tensor, or a 1×1 image a Flatten made 2-D (the same order in NCHW and NHWC).
            if not (len(shape) == 2 or (len(shape) == 4 and shape[2:] == (1, 1))):
                raise node_error(node, f"input of shape {list(shape)}: flatten it to (batch, features) first")
            c, h, w = shape[1], 1, 1
        b_mat = self.constant(node, 1, "the weight")
        if node.op_type == "Gemm":
            if node.attrs.get("transA", 0):
                raise node_error(node, "transA=1 is not supported")
            wt = b_mat.T if node.attrs.get("transB", 0) else b_mat      # [N, O]
            weight = node.attrs.get("alpha", 1.0) * wt.T
            cvec = self.constant(node, 2, "the bias")
            bias = np.zeros(weight.shape[0]) if cvec is None else \
                np.broadcast_to(node.attrs.get("beta", 1.0) * cvec, (1, weight.shape[0])).reshape(-1)
        else:
            if b_mat.ndim != 2:
                raise node_error(node, f"MatMul with a {b_mat.ndim}-D weight is not a dense layer")
            weight, bias = b_mat.T, np.zeros(b_mat.shape[1])
        o, n = weight.shape
        if n != c * h * w:
            raise node_error(node, f"weight expects {n} inputs but gets {c * h * w}")
        # ONNX flattens NCHW (c, y, x); the runtime flattens NHWC (y, x, c): move the columns.
        weight = weight.reshape(o, c, h, w).transpose(0, 2, 3, 1).reshape(o, n)
        self.add_layer(Layer("dense", [node.name], [x], node.outputs[0], weight.copy(), bias.astype(np.float64).copy()))

    def batch_norm(self, node):
        x = self.data_input(node)
        if node.attrs.get("training_mode", 0):
            raise node_error(node, "training_mode=1: export the model in eval() mode")
        gamma, beta, mean, var = (self.constant(node, i, w) for i, w in
                                  ((1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")))
        k = gamma / np.sqrt(var + node.attrs.get("epsilon", 1e-5))
        shift = beta - mean * k
        layer = self.fusable(node, x, ("conv", "depthwise", "dense"))
        if layer is not None:
            # y = k·(W·x + b − mean) + beta: scale each output channel's weights and bias.
            axis = {"conv": 0, "depthwise": 2, "dense": 0}[layer.kind]
            shape = [1] * layer.weight.ndim
            shape[axis] = -1
            layer.weight = layer.weight * k.reshape(shape)
            layer.bias = layer.bias * k + shift
            layer.nodes.append(node.name)
            layer.output = node.outputs[0]
            self.producer[layer.output] = layer
        elif len(self.shapes[x]) == 4 and x not in self.flat:
            # Alone (after a pool or an add): a per-channel affine map is a 1×1 depthwise conv.
            self.add_layer(Layer("depthwise", [node.name], [x], node.outputs[0], k.reshape(1, 1, -1).copy(),
                                 shift.copy()))
        else:
            raise node_error(node, "BatchNormalization must follow a Conv or Gemm, or act on an image tensor")

    def activation(self, node):
        x = self.data_input(node)
        if node.op_type == "Relu":
            act = "relu"
        else:
            lo, hi = self.constant(node, 1, "min"), self.constant(node, 2, "max")
            lo = -np.inf if lo is None else float(lo)
            hi = np.inf if hi is None else float(hi)
            if lo == 0 and hi == 6:
                act = "relu6"
            elif lo == 0 and hi == np.inf:
                act = "relu"
            else:
                raise node_error(node, f"Clip({lo}, {hi}): the hil runtime has only ReLU (0, ∞) and ReLU6 (0, 6)")
        layer = self.fusable(node, x, ("conv", "depthwise", "dense", "add", "max_pool", "avg_pool", "global_avg_pool"))
        if layer is None:
            raise node_error(node, "the hil runtime has no separate activation layer; this one must directly follow "
                             "a Conv, Gemm/MatMul, pool or Add whose output nothing else reads")
        layer.activation = act
        layer.nodes.append(node.name)
        layer.output = node.outputs[0]
        self.producer[layer.output] = layer

    def add(self, node):
        a, b = (self.r(i) for i in node.inputs[:2])
        if a in self.const or b in self.const:
            t, c = (b, a) if a in self.const else (a, b)
            layer = self.fusable(node, t, ("conv", "depthwise", "dense"))
            value = np.asarray(self.const[c], dtype=np.float64)
            oc = None if layer is None else layer.bias.shape[0]
            if layer is None or value.size not in (1, oc) or (value.size == oc and value.ndim and value.shape[-1] != oc
                                                                 and layer.kind == "dense"):
                raise node_error(node, "adding a constant is only supported as the bias of the Conv/Gemm/MatMul "
                                 "right before it")
            layer.bias = layer.bias + value.reshape(-1)
            layer.nodes.append(node.name)
            layer.output = node.outputs[0]
            self.producer[layer.output] = layer
            return
        for t in (a, b):
            if t in self.flat:
                raise node_error(node, "adding flattened tensors is not supported")
        if self.shapes[a] != self.shapes[b]:
            raise node_error(node, f"residual add of shapes {list(self.shapes[a])} and {list(self.shapes[b])}: "
                             "the hil runtime adds tensors of equal shape only (no broadcasting)")
        self.add_layer(Layer("add", [node.name], [a, b], node.outputs[0]))

    def drop(self, node):
        if node.op_type == "Dropout" and len(node.outputs) > 1 and node.outputs[1] and self.uses.get(node.outputs[1]):
            raise node_error(node, "Dropout's mask output is used")
        if node.op_type == "Softmax":
            self.check_final_softmax(node)
            self.softmax.append(node.name)
        self.alias[node.outputs[0]] = node.inputs[0]
        self.dropped.append(node.name)

    def check_final_softmax(self, node):
        t = node.outputs[0]
        while t != self.g.output_name:
            nxt = [n for n in self.g.nodes if t in n.inputs]
            if len(nxt) != 1 or nxt[0].op_type not in ("Identity", "Dropout"):
                raise node_error(node, "Softmax is supported only as the last operator (it is dropped: the "
                                 "runtime outputs the logits, whose argmax is the same)")
            t = nxt[0].outputs[0]
        shape = self.shapes[node.inputs[0]]
        axis = node.attrs.get("axis", -1)
        if len(shape) != 2 or axis not in (-1, 1):
            raise node_error(node, f"Softmax over axis {axis} of {list(shape)}: only over the classes of a "
                             "(batch, classes) output")

    def shape_op(self, node):
        if not all(o in self.const for o in node.outputs if o):
            raise node_error(node, "operator not supported by the hil runtime on data (only as constant shape "
                             f"arithmetic); supported: {SUPPORTED_TEXT}")

    # -- the walk ------------------------------------------------------------------------------
    def run(self):
        table = {"Conv": self.conv, "MaxPool": lambda n: self.pool(n, "max_pool"),
                 "AveragePool": lambda n: self.pool(n, "avg_pool"), "GlobalAveragePool": self.global_pool,
                 "Flatten": self.flatten, "Reshape": self.flatten, "Gemm": self.dense, "MatMul": self.dense,
                 "BatchNormalization": self.batch_norm, "Relu": self.activation, "Clip": self.activation,
                 "Add": self.add, "Identity": self.drop, "Dropout": self.drop, "Softmax": self.drop}
        for node in self.g.nodes:
            if node.op_type in interp.SHAPE_OPS:
                self.shape_op(node)
            elif all(o in self.const for o in node.outputs if o) and node.op_type != "Identity":
                continue                                 # folded at export (constant subgraph)
            else:
                table[node.op_type](node)
        return self.order()

    def order(self):
        """Put the layers in the format's order (see the module docstring) and fill shapes."""
        g, remaining, chain = self.g, list(self.layers), []
        done = {g.input_name: None}                      # tensor -> layer index (None: model input)
        current = g.input_name
        while remaining:
            ready = [l for l in remaining if l.kind != "add" and l.inputs[0] == current]
            adds = [l for l in remaining if l.kind == "add" and current in l.inputs
                    and all(i in done for i in l.inputs)]
            if len(ready) + len(adds) == 0:
                stuck = remaining[0]
                raise ExportError(f'node "{stuck.nodes[0]}": the graph is not a chain with residual skips; the hil '
                                  "format runs layers one after another, each reading the previous one (an Add may "
                                  "also read an earlier tensor), so parallel branches with their own layers "
                                  "cannot be expressed")
            if len(ready) > 1:
                raise ExportError(f'nodes "{ready[0].nodes[0]}" and "{ready[1].nodes[0]}" both read "{current}": '
                                  "parallel branches cannot be expressed in the hil format (only residual skips)")
            layer = adds[0] if adds else ready[0]
            if layer.kind == "add":
                other = layer.inputs[1] if layer.inputs[0] == current else layer.inputs[0]
                if other == current:
                    raise ExportError(f'node "{layer.nodes[0]}": adding a tensor to itself is not supported')
                layer.inputs = [current, other]
                layer.source = done[other]
            remaining.remove(layer)
            index = len(chain)
            chain.append(layer)
            done[layer.output] = index
            in_t = layer.inputs[0]
            layer.in_shape = _hwc(self.shapes[in_t]) if in_t != g.input_name else \
                (g.input_shape[1], g.input_shape[2], g.input_shape[0])
            layer.out_shape = _hwc(self.shapes[layer.output])
            current = layer.output
        out = self.r(g.output_name)
        if out in self.flat:
            x, (c, h, w) = self.flat[out]
            if h * w != 1:
                raise ExportError("the model's output is a flattened image (scores would come out in a different "
                                  "order on the board); end with a Gemm or a global pool")
            out = x
        if not chain or out != chain[-1].output:
            raise ExportError(f'the graph output "{g.output_name}" is not the result of the last layer')
        c, h, w = g.input_shape
        return Chain((h, w, c), chain, self.dropped, bool(self.softmax))


def lower(graph):
    """The Chain for a graph from graph.load()."""
    return _Lowering(graph).run()
