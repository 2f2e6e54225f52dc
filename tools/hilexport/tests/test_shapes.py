"""Shapes that do not fit are refused by the graph check, naming the first node that does not fit
and both numbers, before any quantisation; an unusable ONNX file is one sentence naming it."""
import re

import numpy as np
import onnx
import pytest

import nets
from hilexport import ExportError, export, graph


def refused(model, shape=(3, 8, 8), *fragments):
    with pytest.raises(ExportError) as e:
        export(model, nets.pixels(2, shape), input_range="unit")
    msg = str(e.value)
    for f in fragments:
        assert f in msg, msg
    return msg


def test_first_conv_for_one_channel_on_a_three_channel_input():
    # The case: a 3×32×32 input, the first conv's weights made for 1 channel.
    n = nets.Net(shape=(1, 3, 32, 32))
    x = n.node("Relu", [n.conv("input", 1, 4, pads=[1, 1, 1, 1], name="/features/0/Conv")])
    model = n.model(n.gemm(n.node("Flatten", [x]), 4 * 32 * 32, 2))
    msg = refused(model, (3, 32, 32), 'node "/features/0/Conv" (Conv): ',
                  'its weights expect 1 input channel(s) but it reads 3 (the model\'s input "input", 3×32×32)')
    assert "C runtime" not in msg and "malformed layer record" not in msg


def test_conv_reading_another_layer_names_that_layer():
    n = nets.Net()
    x = n.conv(n.conv("input", 3, 4, k=1, name="/a/Conv"), 6, 4, k=1, name="/b/Conv")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 256, 2)), (3, 8, 8),
            'node "/b/Conv" (Conv)', "expect 6 input channel(s) but it reads 4", 'node "/a/Conv", 4×8×8')


def test_group_that_does_not_divide_the_channels():
    n = nets.Net()
    x = n.conv(n.conv("input", 3, 6, k=1), 6, 6, k=1, name="/g/Conv")
    model = n.model(n.gemm(n.node("Flatten", [x]), 384, 2))
    next(a for a in model.graph.node[1].attribute if a.name == "group").i = 4
    refused(model, (3, 8, 8), 'node "/g/Conv" (Conv)', "group 4 does not divide the 6 input channels")


def test_kernel_larger_than_the_input():
    n = nets.Net()
    x = n.conv("input", 3, 4, k=9, name="/big/Conv")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 4, 2)), (3, 8, 8),
            'node "/big/Conv" (Conv)', "9×9 kernel is larger than its 8×8 input")
    n = nets.Net()
    x = n.node("MaxPool", [n.conv("input", 3, 4, k=3)], kernel_shape=[7, 7], pads=[0, 0, 0, 0], name="/pool")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 4, 2)), (3, 8, 8),
            'node "/pool" (MaxPool)', "7×7 kernel is larger than its 6×6 input")


def test_batch_norm_of_the_wrong_length():
    n = nets.Net()
    x = n.bn(n.conv("input", 3, 4, k=1, name="/c/Conv"), 5, name="/bn")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 256, 2)), (3, 8, 8),
            'node "/bn" (BatchNormalization)', "scale has shape [5] but it reads 4 channels", "/c/Conv")


def test_gemm_expecting_another_input_size():
    n = nets.Net()
    x = n.node("Flatten", [n.conv("input", 3, 4, k=1)], name="/flat")
    refused(n.model(n.gemm(x, 200, 2, name="/fc")), (3, 8, 8), 'node "/fc" (Gemm)',
            'its weights expect 200 input features but it reads 256 (the output of node "/flat", 4×8×8 flattened to 256)')
    n = nets.Net()
    x = n.node("Flatten", [n.conv("input", 3, 4, k=1)])
    y = n.node("MatMul", [x, n.const(np.zeros((100, 2)))], name="/mm")
    refused(n.model(y), (3, 8, 8), 'node "/mm" (MatMul)', "expect 100 input features but it reads 256")


def test_add_of_different_shapes():
    n = nets.Net()
    a = n.conv("input", 3, 4, k=1, name="/a/Conv")
    b = n.conv(a, 4, 4, k=3, name="/b/Conv")
    x = n.node("Add", [b, a], name="/block/Add")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 144, 2)), (3, 8, 8), 'node "/block/Add" (Add)',
            'node "/b/Conv", 4×6×6', 'node "/a/Conv", 4×8×8')


def test_conv_bias_of_the_wrong_length():
    n = nets.Net()
    x = n.node("Conv", ["input", n.const(np.zeros((4, 3, 1, 1))), n.const(np.zeros(5))], name="/bias/Conv")
    refused(n.model(n.gemm(n.node("Flatten", [x]), 256, 2)), (3, 8, 8),
            'node "/bias/Conv" (Conv)', "bias has shape [5]", "4 output channels")


def test_valid_models_still_pass_the_check():
    for build in nets.ALL.values():
        export(build(), nets.pixels(4), input_range="unit")


# -- the ONNX file itself ------------------------------------------------------------------------

@pytest.fixture
def good_bytes():
    return nets.conv_bn_relu().SerializeToString()


def load_refused(path, *fragments):
    with pytest.raises(ExportError) as e:
        export(path, nets.pixels(2), input_range="unit")
    msg = str(e.value)
    for f in (str(path),) + fragments:
        assert f in msg, msg
    with pytest.raises(ExportError, match="^" + re.escape(str(path))):
        graph.load(path)
    return msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.onnx"
    p.write_bytes(b"")
    msg = load_refused(p, "is empty; export the model with torch.onnx.export")
    assert "opset" not in msg


def test_truncated_file(tmp_path, good_bytes):
    p = tmp_path / "half.onnx"
    p.write_bytes(good_bytes[:len(good_bytes) // 2])
    load_refused(p, "is not a readable ONNX model (", "re-export it")


def test_text_file_renamed_onnx(tmp_path):
    p = tmp_path / "notes.onnx"
    p.write_text("these are not the weights you are looking for\n")
    load_refused(str(p), "is not a readable ONNX model (it holds text")


def test_missing_file(tmp_path):
    load_refused(str(tmp_path / "nowhere.onnx"), ": no such file")


def test_a_folder_is_not_a_model(tmp_path):
    load_refused(tmp_path, "is a folder")


def test_bytes_and_protos_are_named_the_onnx_model(good_bytes):
    with pytest.raises(ExportError, match="^the ONNX bytes given are empty"):
        graph.load(b"")
    with pytest.raises(ExportError, match="^the ONNX bytes given are not a readable ONNX model"):
        graph.load(good_bytes[:len(good_bytes) // 2])
    assert graph.load(good_bytes).input_shape == (3, 8, 8)


def test_no_opset_recorded(tmp_path):
    m = nets.conv_bn_relu()
    del m.opset_import[:]
    with pytest.raises(ExportError) as e:
        graph.load(m)
    assert "records no ONNX opset" in str(e.value) and "None" not in str(e.value)
    p = tmp_path / "noopset.onnx"
    onnx.save(m, str(p))
    msg = load_refused(p, "records no ONNX opset")
    assert "None" not in msg


def test_a_good_file_loads(tmp_path, good_bytes):
    p = tmp_path / "net.onnx"
    p.write_bytes(good_bytes)
    blob, summary = export(str(p), nets.pixels(4), input_range="unit")
    assert summary["name"] == "net" and len(blob) > 0
