"""Tiny ONNX graphs built with onnx.helper and random weights, as torch.onnx.export would write
them (NCHW, opset 17), for the tests. Each builder returns a ModelProto."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Net:
    """Collects nodes and initialisers; `t()` names fresh tensors."""

    def __init__(self, seed=0, shape=(1, 3, 8, 8)):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0
        self.shape = shape

    def t(self, prefix="t"):
        self.n += 1
        return f"{prefix}{self.n}"

    def const(self, value, name=None):
        name = name or self.t("w")
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(self, op, inputs, name=None, n_out=1, **attrs):
        outs = [self.t() for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name or f"/{op}_{self.n}", **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x, cin, cout, k=3, group=1, bias=True, name=None, **attrs):
        fan_in = cin // group * k * k
        w = self.rng.normal(0, np.sqrt(2.0 / fan_in), (cout, cin // group, k, k))
        ins = [x, self.const(w)] + ([self.const(self.rng.normal(0, 0.1, cout))] if bias else [])
        return self.node("Conv", ins, name=name, kernel_shape=[k, k], group=group, **attrs)

    def bn(self, x, c, name=None):
        r = self.rng
        ins = [x, self.const(r.uniform(0.5, 1.5, c)), self.const(r.normal(0, 0.1, c)),
               self.const(r.normal(0, 0.1, c)), self.const(r.uniform(0.5, 1.5, c))]
        return self.node("BatchNormalization", ins, name=name, epsilon=1e-5)

    def gemm(self, x, n, o, name=None):
        w = self.rng.normal(0, np.sqrt(1.0 / n), (o, n))          # torch's Linear: [out, in], transB=1
        return self.node("Gemm", [x, self.const(w), self.const(self.rng.normal(0, 0.1, o))], name=name, transB=1)

    def model(self, out, metadata=None):
        g = helper.make_graph(self.nodes, "net", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *self.shape[1:]])],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, ["batch", None])], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
        for k, v in (metadata or {}).items():
            p = m.metadata_props.add()
            p.key, p.value = k, v
        onnx.checker.check_model(m)
        return m


def conv_bn_relu(seed=0):
    """Conv 3→4 (3×3, pad 1) → BN → ReLU → MaxPool 2×2 → Flatten → Gemm 64→3."""
    n = Net(seed)
    x = n.node("Relu", [n.bn(n.conv("input", 3, 4, pads=[1, 1, 1, 1], name="/features/0/Conv"), 4,
                             name="/features/1/BatchNormalization")], name="/features/2/Relu")
    x = n.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = n.node("Flatten", [x], axis=1)
    return n.model(n.gemm(x, 64, 3, name="/classifier/Gemm"))


def depthwise(seed=1):
    """1×1 conv 3→6 + ReLU6 (Clip) → depthwise 3×3 stride 2 SAME_UPPER + BN + ReLU → AveragePool
    3×3 stride 1 pads 1 (padding excluded) → GlobalAveragePool → Flatten → MatMul + Add → Dropout."""
    n = Net(seed)
    x = n.conv("input", 3, 6, k=1)
    x = n.node("Clip", [x, n.const(0.0), n.const(6.0)])
    x = n.conv(x, 6, 6, group=6, strides=[2, 2], auto_pad="SAME_UPPER", bias=False, name="/dw/Conv")
    x = n.node("Relu", [n.bn(x, 6)])
    x = n.node("AveragePool", [x], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    x = n.node("GlobalAveragePool", [x])
    x = n.node("Flatten", [x])
    x = n.node("MatMul", [x, n.const(n.rng.normal(0, 0.5, (6, 4)))])
    x = n.node("Add", [x, n.const(n.rng.normal(0, 0.1, 4))])
    return n.model(n.node("Dropout", [x]))


def residual(seed=2):
    """Conv 3→4 + ReLU → Conv 4→4 → Add(with the ReLU) → ReLU → MaxPool 2×2 pad (ceil_mode) →
    Conv 4→4 (stride 2) → Add(with the pool) ... → GlobalAveragePool → Flatten → Gemm → Softmax.
    The second residual reads a layer two steps back (a kept arena slot)."""
    n = Net(seed)
    a = n.node("Relu", [n.conv("input", 3, 4, pads=[1, 1, 1, 1])])
    b = n.conv(a, 4, 4, pads=[1, 1, 1, 1])
    c = n.node("Relu", [n.node("Add", [b, a], name="/block1/Add")])
    p = n.node("MaxPool", [c], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    d = n.node("Relu", [n.conv(p, 4, 4, pads=[1, 1, 1, 1])])
    e = n.conv(d, 4, 4, pads=[1, 1, 1, 1])
    f = n.node("Add", [p, e], name="/block2/Add")
    x = n.node("Flatten", [n.node("GlobalAveragePool", [f])])
    return n.model(n.node("Softmax", [n.gemm(x, 4, 5)], axis=-1))


def input_residual(seed=3):
    """Conv 3→3 + BN → Add(with the model input) → Conv 3→2 3×3 stride 2 → Reshape [1, -1] → Gemm."""
    n = Net(seed)
    x = n.bn(n.conv("input", 3, 3, pads=[1, 1, 1, 1]), 3)
    x = n.node("Add", ["input", x])
    x = n.conv(x, 3, 2, strides=[2, 2])
    shape = n.t("shape")
    n.nodes.append(helper.make_node("Constant", [], [shape], name="/Constant",
                                    value=numpy_helper.from_array(np.array([1, -1], dtype=np.int64))))
    x = n.node("Reshape", [x, shape])
    return n.model(n.gemm(x, 2 * 3 * 3, 4))


def spec_tiny(seed=4):
    """docs/model-format.md's figures example: 8×8×3 → conv 3×3 SAME 4 → max pool 2×2/2 →
    conv 3×3 VALID 8 → dense 5 (blob 952 bytes as "tiny" with labels c0…c4, params 573,
    MACs 8224, arena 320)."""
    n = Net(seed)
    x = n.conv("input", 3, 4, pads=[1, 1, 1, 1])
    x = n.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = n.conv(x, 4, 8)
    return n.model(n.gemm(n.node("Flatten", [x]), 32, 5))


ALL = {"conv_bn_relu": conv_bn_relu, "depthwise": depthwise, "residual": residual,
       "input_residual": input_residual, "spec_tiny": spec_tiny}


def pixels(n, shape=(3, 8, 8), seed=10):
    """Float inputs as the bench feeds them with --input-range unit: p/255 for 8-bit p."""
    return np.random.default_rng(seed).integers(0, 256, (n,) + shape) / 255.0
