"""The Python writer against the spec: the golden example blob byte for byte, the quantiser's
rounding rules, the arena plan, and the figures of the spec's tiny net."""
import os
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from hilmodel import Add, Conv2D, FullyConnected, GlobalAvgPool, MaxPool, Model, quantize_multiplier, same_padding  # noqa: E402

GOLDEN = bytes.fromhex(
    "48494c4d0100480090000000 5a44099a" "04000000020000000400000000000000"
    "02000200010004000000803f01000000" "0000803efdffffff0100020048000000"
    "4a000000580000006578010061010062" "01006301006400000100807f38000000"
    "020002000100020002000100fdffffff" "00000000010101010000000001000000"
    "02000000000000 40ff00000003000000".replace(" ", "")
)


def test_golden_example_blob():
    conv = Conv2D(weights=np.array([[[[3]]]]), bias=[2], requant=[(2**30, -1)], out_zero_point=-3, out_scale=0.25)
    blob = Model("ex", (2, 2, 1), 1.0, 1, ["a", "b", "c", "d"], [conv]).to_bytes()
    assert len(blob) == 144
    assert blob == GOLDEN
    assert zlib.crc32(blob[16:]) == 0x9A09445A


def test_quantize_multiplier_rounds_halves_away_and_renormalises():
    assert quantize_multiplier(0.002) == (1099511628, -8)        # the spec's conv example
    assert quantize_multiplier(0.2) == (1717986918, -2)          # the spec's add example
    assert quantize_multiplier(0.5) == (1073741824, 0)
    assert quantize_multiplier(1 / 3) == (1431655765, -1)
    assert quantize_multiplier(0) == (0, 0)
    assert quantize_multiplier(1 - 2**-40) == (2**30, 1)         # rounds up to 2^31: renormalised


def test_same_padding_puts_the_odd_pixel_after():
    assert same_padding(8, 3, 1) == (1, 1)
    assert same_padding(8, 3, 2) == (0, 1)
    assert same_padding(7, 2, 2) == (0, 1)


def test_tiny_net_figures_match_the_spec():
    # 8x8x3 -> conv 3x3 SAME 4 -> max pool 2x2/2 -> conv 3x3 VALID 8 -> dense 5: blob 952,
    # params 573, MACs 8224, arena 320 (docs/model-format.md, "Summary figures").
    rng = np.random.default_rng(0)
    c1 = Conv2D(rng.integers(-127, 128, (4, 3, 3, 3)), [0] * 4, [(2**30, -5)] * 4, 0, 0.1, padding=(1, 1, 1, 1))
    p = MaxPool((2, 2), (2, 2))
    c2 = Conv2D(rng.integers(-127, 128, (8, 3, 3, 4)), [0] * 8, [(2**30, -5)] * 8, 0, 0.1)
    d = FullyConnected(rng.integers(-127, 128, (5, 2 * 2 * 8)), [0] * 5, [(2**30, -5)] * 5, 0, 0.1)
    blob = Model("tiny", (8, 8, 3), 0.1, 0, [f"c{i}" for i in range(5)], [c1, p, c2, d]).to_bytes()
    assert len(blob) == 952
    assert int.from_bytes(blob[16:20], "little") == 320      # arena
    assert int.from_bytes(blob[20:24], "little") == 573      # params
    assert int.from_bytes(blob[24:32], "little") == 8224     # MACs


def test_residual_source_gets_a_keep_slot():
    # conv(0) -> conv(1) -> add(source 0): layer 0 is read by the add at 2 = 0 + 2, so it is kept.
    a = Conv2D(np.ones((2, 1, 1, 2)), [0, 0], [(2**30, 0)] * 2, 0, 1.0)
    b = Conv2D(np.ones((2, 1, 1, 2)), [0, 0], [(2**30, 0)] * 2, 0, 1.0)
    add = Add(0, 1.0, 1.0, 1.0, 0)
    pool = GlobalAvgPool()
    model = Model("res", (2, 2, 2), 1.0, 0, ["x", "y"], [a, b, add, pool])
    offsets, arena = model.plan(model.shapes())
    # Region 0 (even, non-kept: add 8 B), region 1 (odd: conv b 8 B, pool 2 B), slot 0 holds layer 0.
    assert offsets == [16, 8, 0, 8]
    assert arena == 24


def _tiny(contract=None, labels=("a", "b", "c", "d")):
    conv = Conv2D(weights=np.array([[[[3]]]]), bias=[2], requant=[(2**30, -1)], out_zero_point=-3, out_scale=0.25)
    return Model("ex", (2, 2, 1), 1.0, 1, list(labels), [conv], contract=contract)


def test_a_contract_extends_the_header_to_100_bytes_and_moves_nothing_else():
    import struct
    from hilmodel import InputContract
    blob = _tiny(InputContract("unit", "gray", "nchw")).to_bytes()
    assert struct.unpack_from("<HH", blob, 4) == (1, 100)          # version stays 1
    assert len(blob) == len(GOLDEN) + 28
    assert blob[72:76] == bytes([1, 3, 1, 0])
    assert struct.unpack_from("<3f3f", blob, 76) == (np.float32(1 / 255), 0, 0, 0, 0, 0)
    name_at, labels_at, layers_at = struct.unpack_from("<III", blob, 60)
    assert (name_at, labels_at, layers_at) == (100, 102, 116)      # golden 72, 74, 88 plus 28
    assert blob[100:] == GOLDEN[72:]                               # the body is the same bytes
    assert zlib.crc32(blob[16:]) == struct.unpack_from("<I", blob, 12)[0]


def test_contract_terms_of_every_range():
    import struct
    from hilmodel import InputContract
    def terms(c, channels=3):
        return struct.unpack("<4B3f3f", c.to_bytes(channels))
    assert terms(InputContract("centered", "rgb")) == (2, 1, 0, 0, *[np.float32(1 / 127.5)] * 3, -1, -1, -1)
    assert terms(InputContract("raw")) == (3, 0, 0, 0, 1, 1, 1, 0, 0, 0)
    assert terms(InputContract("none", source_layout="nhwc")) == (5, 0, 2, 0, 0, 0, 0, 0, 0, 0)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    affine = InputContract("affine", "bgr", scale=[1 / (255 * s) for s in std], offset=[-m / s for m, s in zip(mean, std)])
    t = terms(affine)
    assert t[:4] == (4, 2, 0, 0)
    assert np.allclose(t[4:7], [1 / (255 * s) for s in std], rtol=1e-6)


def test_contracts_that_contradict_the_input_are_refused():
    import pytest
    from hilmodel import InputContract
    with pytest.raises(ValueError, match="channel order rgb for an input of 1"):
        _tiny(InputContract("unit", "rgb")).to_bytes()
    with pytest.raises(ValueError, match="affine range of 3 channel"):
        _tiny(InputContract("affine", scale=[1, 1, 1], offset=[0, 0, 0])).to_bytes()
    with pytest.raises(ValueError, match="non-zero"):
        InputContract("affine", scale=[0.0], offset=[0.0])
    with pytest.raises(ValueError, match="pixel range 'zero_one'"):
        InputContract("zero_one")


def test_duplicate_and_empty_labels_are_refused():
    import pytest
    with pytest.raises(ValueError, match='label "b" appears twice'):
        _tiny(labels=("a", "b", "b", "d")).to_bytes()
    with pytest.raises(ValueError, match="label 2 is empty"):
        _tiny(labels=("a", "b", " ", "d")).to_bytes()
