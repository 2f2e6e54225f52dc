"""End to end: int8 against float within the quantisation error, the numpy runtime against the
C runtime bit for bit, the summary figures, labels, and the input quantisation."""
import numpy as np
import pytest

import nets
from hilexport import calibrate, cruntime, export, floatchain, graph, int8ref, lower, quantize, ExportError


def c_runtime():
    lib = cruntime.load_library()
    if lib is None:
        pytest.skip("the C runtime cannot be compiled here (Sources/CHilRuntime or cc missing)")
    return lib


def int8_vs_float(blob, chain, x):
    """(max |dequantised int8 − float| in output steps, output steps allowed, top-1 agreement)."""
    m = int8ref.Model(blob)
    x_nhwc = x.transpose(0, 2, 3, 1)
    q = calibrate.quantize_input(x_nhwc, m.input_scale, m.input_zp)
    scores = cruntime.Runtime(blob, c_runtime()).invoke(q).astype(np.int64)
    logits = floatchain.run(chain, x_nhwc).reshape(len(x), -1)
    err = np.abs((scores - m.output_zp) * m.output_scale - logits).max() / m.output_scale
    # The bound: every requantising layer (conv, dense, add) rounds its output to ±½ of its own
    # step, and the input is rounded too; with these unit-gain random layers each rounding reaches
    # the output as at most about one output step, so (layers + 1) steps. Weight rounding
    # (±½ of max|w|/127 per channel, < 0.4 % of each weight) adds a relative error, allowed as
    # 2 % of the logit range (255 steps → 5.1 steps). A layout or scale mistake gives errors of
    # the order of the whole range (tests below show the check fails then).
    requantising = sum(1 for l in chain.layers if l.kind in ("conv", "depthwise", "dense", "add"))
    bound = requantising + 1 + 0.02 * 255
    agree = np.mean(np.argmax(scores, 1) == np.argmax(logits, 1))
    return err, bound, agree


@pytest.mark.parametrize("name", sorted(nets.ALL))
def test_int8_matches_float_within_quantisation_error(name):
    m = nets.ALL[name]()
    x = nets.pixels(64)
    blob, summary = export(m, x, input_range="unit")
    err, bound, agree = int8_vs_float(blob, lower.lower(graph.load(m)), x)
    assert err <= bound, f"{name}: int8 is {err:.2f} output steps from float (bound {bound:.1f})"
    assert agree >= 0.9
    assert summary["top1_agreement"] >= 0.9


def test_wrong_weight_layout_breaks_the_bound():
    """The bound is tight enough to catch a layout mistake: write the dense weights in ONNX's
    NCHW column order instead of NHWC and the check must fail."""
    m = nets.conv_bn_relu()
    x = nets.pixels(64)
    chain = lower.lower(graph.load(m))
    in_q, layer_q = calibrate.calibrate(chain, x, "unit")
    dense = chain.layers[-1]
    good = dense.weight.copy()
    dense.weight = good.reshape(3, 4, 4, 4).transpose(0, 3, 1, 2).reshape(3, -1)
    blob = quantize.build(chain, in_q, layer_q, "bad", ["a", "b", "c"])
    dense.weight = good
    err, bound, _ = int8_vs_float(blob, chain, x)
    assert err > bound


@pytest.mark.parametrize("name", sorted(nets.ALL))
def test_numpy_runtime_equals_c_runtime_bit_for_bit(name):
    lib = c_runtime()
    m = nets.ALL[name]()
    blob, _ = export(m, nets.pixels(32), input_range="unit")
    rng = np.random.default_rng(5)
    shape = int8ref.Model(blob).input_shape
    q = rng.integers(-128, 128, (200,) + shape).astype(np.int8)       # all codes, not just pixels
    np.testing.assert_array_equal(int8ref.Model(blob).invoke(q), cruntime.Runtime(blob, lib).invoke(q))


def test_requantize_matches_the_c_runtime_on_edge_cases():
    import ctypes
    lib = c_runtime()
    lib.hil_requantize.argtypes = [ctypes.c_int32] * 3
    lib.hil_requantize.restype = ctypes.c_int32
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.integers(-2**31, 2**31, 2000), [0, 1, -1, 2**31 - 1, -2**31, 1000, 12345, -12345]])
    ms = np.concatenate([rng.integers(0, 2**31, 2000), [2**30, 2**31 - 1, 1431655765, 1, 0, 1431655765, 1099511628, 1099511628]])
    ss = np.concatenate([rng.integers(-31, 31, 2000), [-1, 0, 5, -31, 30, -1, -8, -8]])
    got = int8ref.requantize(xs, ms, ss)
    want = [lib.hil_requantize(int(x), int(m), int(s)) for x, m, s in zip(xs, ms, ss)]
    np.testing.assert_array_equal(got, want)


def test_summary_figures_of_the_spec_tiny_net():
    """docs/model-format.md's example: blob 952 bytes (980 with the input contract the exporter
    always writes), params 573, MACs 8224, arena 320."""
    lib = c_runtime()
    blob, s = export(nets.spec_tiny(), nets.pixels(16), labels=[f"c{i}" for i in range(5)], name="tiny",
                     input_range="unit")
    assert (len(blob), s["flash_bytes"], s["params"], s["macs"], s["arena_bytes"]) == (980, 980, 573, 8224, 320)
    m = cruntime.Runtime(blob, lib).m
    assert (m.params, m.macs, m.arena_bytes, m.weight_bytes) == (573, 8224, 320, 709)
    assert s["weight_bytes"] == 709


def test_summary_figures_of_conv_bn_relu():
    _, s = export(nets.conv_bn_relu(), nets.pixels(8), input_range="unit")
    # conv 3→4 3×3 on 8×8 (pad 1): 8·8·4·27 MACs, 4·27 + 4 params; dense 64→3: 192 MACs, 195 params.
    assert s["params"] == 112 + 195
    assert s["macs"] == 8 * 8 * 4 * 27 + 64 * 3
    assert [l["op"] for l in s["layers"]] == ["conv", "max_pool", "dense"]


def test_softmax_dropped_is_reported():
    _, s = export(nets.residual(), nets.pixels(8), input_range="unit")
    assert s["softmax_dropped"] is True
    _, s = export(nets.conv_bn_relu(), nets.pixels(8), input_range="unit")
    assert s["softmax_dropped"] is False


def test_labels_from_argument_metadata_and_default():
    x = nets.pixels(4)
    blob, s = export(nets.conv_bn_relu(), x, labels=["cat", "dog", "émeu"], input_range="unit")
    assert s["labels"] == ["cat", "dog", "émeu"]
    assert "émeu".encode() in blob
    m = nets.conv_bn_relu()
    p = m.metadata_props.add()
    p.key, p.value = "labels", '["x", "y", "z"]'
    assert export(m, x, input_range="unit")[1]["labels"] == ["x", "y", "z"]
    p.value = "one\ntwo\nthree"
    assert export(m, x, input_range="unit")[1]["labels"] == ["one", "two", "three"]
    assert export(nets.conv_bn_relu(), x, input_range="unit")[1]["labels"] == ["0", "1", "2"]
    with pytest.raises(ExportError, match="3 outputs but 2 labels were given"):
        export(nets.conv_bn_relu(), x, labels=["a", "b"], input_range="unit")


def test_pixel_ranges_quantise_as_the_bench_does():
    p = np.arange(256, dtype=np.float64)
    for rng, want in (("unit", p - 128), ("raw", p - 128)):
        scale, zp = calibrate.PIXEL_RANGES[rng]
        np.testing.assert_array_equal(calibrate.quantize_input(calibrate.PIXEL_TO_X[rng](p), scale, zp), want)
    scale, zp = calibrate.PIXEL_RANGES["centered"]
    q = calibrate.quantize_input(calibrate.PIXEL_TO_X["centered"](p), scale, zp).astype(np.int64)
    real = scale * (q - zp)
    assert np.abs(real - (p / 127.5 - 1)).max() <= scale / 2 + 1e-9         # half a step, no more
    _, s = export(nets.conv_bn_relu(), nets.pixels(4), input_range="unit")
    assert (s["input"]["zero_point"], s["input"]["scale"]) == (-128, float(np.float32(1 / 255)))


def test_input_quantisation_from_calibration_range():
    x = nets.pixels(16) * 2 - 1                        # [-1, 1]
    _, s = export(nets.conv_bn_relu(), x)
    assert s["input"]["scale"] == pytest.approx((x.max() - x.min()) / 255, rel=1e-6)
