"""The float side: the numpy interpreter against onnxruntime (when installed), and the lowered
chain (BN folded, activations fused, NHWC, dense columns re-ordered) against the unfolded graph."""
import numpy as np
import pytest

import nets
from hilexport import floatchain, graph, interp, lower


def pre_softmax(g, x):
    values = interp.run(g, x, keep_all=True)
    last = g.nodes[-1]
    return values[last.inputs[0]] if last.op_type in ("Softmax", "Dropout") else values[g.output_name]


@pytest.mark.parametrize("name", sorted(nets.ALL))
def test_interpreter_matches_onnxruntime(name):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime not installed (optional cross-check)")
    m = nets.ALL[name]()
    x = nets.pixels(8).astype(np.float32)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    # One sample at a time: a Reshape to [1, -1] (as exported at batch 1) is only valid so.
    want = np.concatenate([sess.run(None, {"input": x[i:i + 1]})[0] for i in range(len(x))])
    got = interp.run(graph.load(m), x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(nets.ALL))
def test_lowered_chain_equals_onnx_graph(name):
    g = graph.load(nets.ALL[name]())
    x = nets.pixels(16)
    chain = lower.lower(g)
    got = floatchain.run(chain, x.transpose(0, 2, 3, 1)).reshape(16, -1)
    np.testing.assert_allclose(got, pre_softmax(g, x).reshape(16, -1), rtol=1e-9, atol=1e-9)


def test_batchnorm_is_folded_and_equals_the_unfolded_network():
    g = graph.load(nets.conv_bn_relu())
    chain = lower.lower(g)
    assert [l.kind for l in chain.layers] == ["conv", "max_pool", "dense"]
    assert chain.layers[0].nodes == ["/features/0/Conv", "/features/1/BatchNormalization", "/features/2/Relu"]
    assert chain.layers[0].activation == "relu"
    # Output of the BN node itself (before the ReLU), from the unfolded graph, against the folded
    # conv without its activation.
    x = nets.pixels(8)
    values = interp.run(g, x, keep_all=True)
    bn = next(n for n in g.nodes if n.op_type == "BatchNormalization")
    conv = chain.layers[0]
    conv.activation = "none"
    got = floatchain.layer_forward(conv, x.transpose(0, 2, 3, 1), None)
    np.testing.assert_allclose(got, values[bn.outputs[0]].transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-9)


def test_dense_columns_move_from_nchw_to_nhwc_order():
    """Without the re-ordering the chain would differ from the graph: check the check can fail."""
    g = graph.load(nets.conv_bn_relu())
    chain = lower.lower(g)
    dense = chain.layers[-1]
    o = dense.weight.shape[0]
    dense.weight = dense.weight.reshape(o, 4, 4, 4).transpose(0, 3, 1, 2).reshape(o, -1)   # back to NCHW
    x = nets.pixels(8)
    got = floatchain.run(chain, x.transpose(0, 2, 3, 1)).reshape(8, -1)
    assert np.abs(got - interp.run(g, x)).max() > 1e-3


def test_residual_order_and_sources():
    chain = lower.lower(graph.load(nets.residual()))
    adds = [(i, l.source) for i, l in enumerate(chain.layers) if l.kind == "add"]
    assert adds == [(2, 0), (6, 3)]          # first add reads the first conv; second the pool
    chain = lower.lower(graph.load(nets.input_residual()))
    assert chain.layers[1].kind == "add" and chain.layers[1].source is None
