"""Everything the runtime cannot do is refused by node name and operator, never approximated."""
import numpy as np
import pytest
from onnx import helper

import nets
from hilexport import ExportError, export


def refused(model, *fragments):
    with pytest.raises(ExportError) as e:
        export(model, nets.pixels(2), input_range="unit")
    for f in fragments:
        assert f in str(e.value), str(e.value)
    return str(e.value)


def test_sigmoid_is_refused_by_name_and_operator():
    n = nets.Net()
    x = n.node("Sigmoid", [n.conv("input", 3, 4, pads=[1, 1, 1, 1])], name="/features/7/Sigmoid")
    msg = refused(n.model(n.gemm(n.node("Flatten", [x]), 256, 2)),
                  'node "/features/7/Sigmoid" (Sigmoid): operator not supported by the hil runtime; supported:')
    assert "Conv" in msg and "Gemm" in msg


def test_lstm_is_refused():
    n = nets.Net()
    x = n.node("Flatten", ["input"])
    seq = n.node("Unsqueeze", [x, n.const(np.array([0]), name="axes")])
    w, r = n.const(np.zeros((1, 8, 192))), n.const(np.zeros((1, 8, 2)))
    y = n.node("LSTM", [seq, w, r], name="/rnn/LSTM", hidden_size=2)
    refused(n.model(y), 'node "/rnn/LSTM" (LSTM): operator not supported')


def test_dilated_conv_is_refused():
    n = nets.Net()
    x = n.conv("input", 3, 4, dilations=[2, 2], name="/dilated/Conv")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 64, 2)), 'node "/dilated/Conv" (Conv)', "dilation")


def test_grouped_conv_is_refused():
    n = nets.Net()
    x = n.conv(n.conv("input", 3, 4, k=1), 4, 4, group=2, name="/g/Conv")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 144, 2)), 'node "/g/Conv" (Conv)', "grouped")


def test_padding_the_format_cannot_express_is_refused():
    n = nets.Net()
    x = n.conv("input", 3, 4, k=1, pads=[1, 1, 1, 1], name="/p/Conv")           # pad 1 ≥ kernel 1
    refused(n.model(n.gemm(n.node("Flatten", [x]), 400, 2)), 'node "/p/Conv" (Conv)', "smaller than the kernel")
    n = nets.Net()
    x = n.node("AveragePool", ["input"], name="/ap", kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)
    refused(n.model(n.gemm(n.node("Flatten", [x]), 192, 2)), 'node "/ap" (AveragePool)', "count_include_pad")


def test_softmax_in_the_middle_is_refused():
    n = nets.Net()
    x = n.node("Softmax", [n.gemm(n.node("Flatten", ["input"]), 192, 4)], name="/mid/Softmax")
    refused(n.model(n.gemm(x, 4, 2)), 'node "/mid/Softmax" (Softmax)', "last operator")


def test_non_constant_weight_is_refused():
    n = nets.Net(shape=(1, 1, 4, 4))
    x = n.node("Flatten", ["input"])
    y = n.node("Gemm", [x, x], name="/dyn/Gemm", transB=1)
    with pytest.raises(ExportError, match='node "/dyn/Gemm" \\(Gemm\\): the weight .* is not a constant'):
        export(n.model(y), np.zeros((2, 1, 4, 4)))


def test_unfusable_relu_and_branches_are_refused():
    n = nets.Net()
    x = n.node("Relu", ["input"], name="/first/Relu")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 192, 2)), 'node "/first/Relu" (Relu)', "no separate activation")
    n = nets.Net()
    a = n.conv("input", 3, 2, k=1, name="/a/Conv")
    b = n.conv("input", 3, 2, k=1, name="/b/Conv")
    refused(n.model(n.gemm(n.node("Flatten", [n.node("Add", [a, b])]), 128, 2)), "parallel branches")


def test_dynamic_spatial_shape_and_opset_are_refused():
    m = nets.conv_bn_relu()
    m.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "height"
    refused(m, "static N×C×H×W")
    m = nets.conv_bn_relu()
    m.opset_import[0].version = 9
    refused(m, "opset 9")


def test_clip_other_than_relu6_is_refused():
    n = nets.Net()
    x = n.node("Clip", [n.conv("input", 3, 4, k=1), n.const(-1.0), n.const(1.0)], name="/hardtanh/Clip")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 256, 2)), 'node "/hardtanh/Clip" (Clip)', "ReLU6")
