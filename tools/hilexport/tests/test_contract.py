"""The traps between the exporter and the bench (issue: the model carries its input contract):
each test here failed on the exporter before the contract existed."""
import struct

import numpy as np
import onnx
import pytest

import nets
from hilexport import ExportError, cli, contract, export, pipeline, int8ref


def contract_of(blob):
    assert struct.unpack_from("<H", blob, 6)[0] == 100
    return blob[72], blob[73], blob[74], struct.unpack_from("<3f3f", blob, 76)


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "net.onnx"
    onnx.save(nets.residual(), str(path))
    return path


def save_pixels_set(folder, n=40, seed=3, layout="nhwc"):
    """A uint8 set with labels, sorted by class (as a training pipeline often saves it)."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, 8, 8, 3)).astype(np.uint8)
    y = np.sort(rng.integers(0, 5, n))
    np.save(folder / "x.npy", x if layout == "nhwc" else x.transpose(0, 3, 1, 2))
    np.save(folder / "y.npy", y)
    return x, y


@pytest.mark.parametrize("rng, code, terms", [
    ("unit", 1, (np.float32(1 / 255), 0.0)), ("centered", 2, (np.float32(1 / 127.5), -1.0)), ("raw", 3, (1.0, 0.0))])
def test_every_export_records_its_pixel_range(model, tmp_path, rng, code, terms):
    calib = tmp_path / "calib.npy"
    np.save(calib, np.random.default_rng(0).integers(0, 256, (16, 8, 8, 3)).astype(np.uint8))   # NHWC pixels
    out = tmp_path / "m.hilm"
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-range", rng,
                     "--min-agreement", "0"]) == 0
    r, order, layout, values = contract_of(out.read_bytes())
    assert (r, order, layout) == (code, 1, 1)                       # RGB, NCHW
    assert values == (terms[0],) * 3 + (terms[1],) * 3


def test_float_calibration_without_a_range_records_none(model, tmp_path):
    blob, s = export(str(model), nets.pixels(16) * 4 - 2)
    r, order, layout, values = contract_of(blob)
    assert (r, order, layout, values) == (5, 1, 1, (0.0,) * 6)
    assert "real values, not pixels" in pipeline.format_summary(s)


def test_mean_and_std_become_an_affine_contract_and_map_pixels_as_the_bench_does(model, tmp_path):
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    pix = contract.Pixels.from_mean_std(mean, std, 3)
    p = np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2)
    want = (np.float32(p.astype(np.float32)) * np.float32(pix.scale) + np.float32(pix.offset))
    np.testing.assert_array_equal(pix.to_x(p), want)
    np.testing.assert_allclose(pix.to_x(p), (p / 255.0 - mean) / std, atol=1e-5)
    calib = tmp_path / "calib.npy"
    np.save(calib, np.random.default_rng(0).integers(0, 256, (16, 3, 8, 8)).astype(np.uint8))
    out = tmp_path / "m.hilm"
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-mean", ",".join(map(str, mean)),
                     "--input-std", ",".join(map(str, std)), "--channel-order", "bgr", "--min-agreement", "0"]) == 0
    r, order, layout, values = contract_of(out.read_bytes())
    assert (r, order, layout) == (4, 2, 1)
    np.testing.assert_allclose(values[:3], [1 / (255 * s) for s in std], rtol=1e-6)
    np.testing.assert_allclose(values[3:], [-m / s for m, s in zip(mean, std)], rtol=1e-6)
    lo, hi = pix.span(3)
    scale = int8ref.Model(out.read_bytes()).input_scale
    assert scale == pytest.approx((hi - lo) / 255, rel=1e-6)       # the int8 input covers every pixel


def test_float_calibration_in_0_to_255_for_a_unit_model_is_refused(model, tmp_path, capsys):
    calib, out = tmp_path / "calib.npy", tmp_path / "m.hilm"
    np.save(calib, (nets.pixels(32) * 255).astype(np.float32))
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-range", "unit"]) == 1
    err = capsys.readouterr().err
    assert f"{calib} holds float32 values from 0 to 255, but the model takes real values from 0 to 1" in err
    assert "divide the array by 255" in err and not out.exists()


def test_an_export_that_disagrees_with_its_float_model_fails_with_the_figures(model, tmp_path):
    # Calibrating on 0..255 (past the file reader's range check) saturates every int8 layer.
    with pytest.raises(pipeline.AgreementError) as e:
        export(str(model), nets.pixels(64) * 255, input_range="unit", min_agreement=0.9)
    text = str(e.value)
    assert "int8 and float top-1 agree on only" in text and "of the 64 calibration samples" in text
    assert "below the required 90 %" in text and "--min-agreement" in text and "no model was written" in text
    agreement = e.value.summary["top1_agreement"]
    assert agreement < 0.9
    _, s = export(str(model), nets.pixels(64) * 255, input_range="unit", min_agreement=None)
    assert s["top1_agreement"] == agreement                          # the same figures, only not refused


def test_the_cli_gate_writes_nothing_and_prints_the_summary(model, tmp_path, capsys, monkeypatch):
    # 0..255 calibration for a unit model, as if the reader had let it through (it refuses it).
    calib, out = tmp_path / "calib.npy", tmp_path / "m.hilm"
    np.save(calib, nets.pixels(64).astype(np.float32))
    monkeypatch.setattr(cli.calibrate, "load_calibration", lambda *a: nets.pixels(64) * 255)
    rc = cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-range", "unit"])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists()
    assert "top-1 float vs int8 agreement on 64 calibration samples: 0.0 %" in err     # the summary, on stderr
    assert "below the required 90 %" in err and "(x = p/255)" in err and "Traceback" not in err
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-range", "unit",
                     "--min-agreement", "0"]) == 0 and out.exists()


def test_duplicate_and_empty_labels_are_refused_with_their_lines(model, tmp_path, capsys):
    calib, labels, out = tmp_path / "c.npy", tmp_path / "labels.txt", tmp_path / "m.hilm"
    np.save(calib, nets.pixels(8).astype(np.float32))
    labels.write_text("0\n1\n8\n3\n8\n")
    assert cli.main([str(model), "--calibration", str(calib), "--labels", str(labels), "-o", str(out),
                     "--input-range", "unit"]) == 1
    assert f'{labels} line 5: label "8" appears again (first on line 3)' in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(ExportError, match='label "b" appears twice'):
        export(str(model), nets.pixels(4), labels=list("abbde"), input_range="unit")
    with pytest.raises(ExportError, match="label 2 is empty"):
        export(str(model), nets.pixels(4), labels=["a", "b", " ", "d", "e"], input_range="unit")


def test_test_limit_deals_classes_round_robin_as_hilctl_does(model, tmp_path):
    x, y = save_pixels_set(tmp_path / "set")
    blob, _ = export(str(model), nets.pixels(16), input_range="unit")
    t = pipeline.evaluate(str(model), blob, str(tmp_path / "set" / "x.npy"), "unit", limit=10)
    assert t["samples"] == 10 and t["available"] == 40
    from hilexport import dataset
    spec = dataset.Spec((3, 8, 8), [str(i) for i in range(5)], pixels=contract.Pixels("unit"))
    s = dataset.load(str(tmp_path / "set"), spec, limit=10)
    assert list(s.y) == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]             # not the first 10 rows (all class 0 and 1)
    first = [int(np.nonzero(y == k)[0][0]) for k in range(5)]
    assert s.sources[:5] == [f"{tmp_path / 'set' / 'x.npy'}[{i}]" for i in first]


def test_the_folder_form_and_nchw_arrays_are_read_like_nhwc(model, tmp_path):
    x, y = save_pixels_set(tmp_path / "nhwc")
    save_pixels_set(tmp_path / "nchw", layout="nchw")
    blob, _ = export(str(model), nets.pixels(16), input_range="unit")
    a = pipeline.evaluate(str(model), blob, str(tmp_path / "nhwc"), "unit")        # a folder with x.npy, y.npy
    b = pipeline.evaluate(str(model), blob, str(tmp_path / "nchw" / "x.npy"), "unit")
    assert a["samples"] == b["samples"] == 40
    assert (a["int8_correct"], a["float_top1"]) == (b["int8_correct"], b["float_top1"])


def test_float32_test_arrays_are_real_values_and_checked_against_the_range(model, tmp_path):
    x, y = save_pixels_set(tmp_path / "px")
    blob, _ = export(str(model), nets.pixels(16), input_range="unit")
    (tmp_path / "f").mkdir()
    np.save(tmp_path / "f" / "x.npy", x.astype(np.float32) / 255)
    np.save(tmp_path / "f" / "y.npy", y)
    a = pipeline.evaluate(str(model), blob, str(tmp_path / "px"), "unit")
    b = pipeline.evaluate(str(model), blob, str(tmp_path / "f"), "unit")
    assert (a["int8_correct"], a["float_top1"]) == (b["int8_correct"], b["float_top1"])
    np.save(tmp_path / "f" / "x.npy", x.astype(np.float32))        # 0..255 for a unit model
    with pytest.raises(ExportError, match="holds float32 values from 0 to 255, but the model takes real values from 0 to 1"):
        pipeline.evaluate(str(model), blob, str(tmp_path / "f"), "unit")


def test_a_bgr_model_sees_decoded_images_swapped_as_the_bench_sends_them(model, tmp_path):
    PIL = pytest.importorskip("PIL.Image", reason="image folders need Pillow")
    rng = np.random.default_rng(9)
    x = rng.integers(0, 256, (10, 8, 8, 3)).astype(np.uint8)
    y = np.arange(10) % 5
    for i, (p, k) in enumerate(zip(x, y)):
        (tmp_path / "img" / str(k)).mkdir(parents=True, exist_ok=True)
        PIL.fromarray(p).save(tmp_path / "img" / str(k) / f"i{i}.png")
    (tmp_path / "arr").mkdir()
    np.save(tmp_path / "arr" / "x.npy", x[..., ::-1].copy())      # what the bench sends a BGR model
    np.save(tmp_path / "arr" / "y.npy", y)
    blob, _ = export(str(model), nets.pixels(16), input_range="unit", channel_order="bgr")
    assert contract_of(blob)[1] == 2
    images = pipeline.evaluate(str(model), blob, str(tmp_path / "img"), "unit")
    arrays = pipeline.evaluate(str(model), blob, str(tmp_path / "arr"), "unit")
    assert images["samples"] == arrays["samples"] == 10
    assert (images["int8_correct"], images["float_top1"]) == (arrays["int8_correct"], arrays["float_top1"])
    from hilexport import dataset
    spec = dataset.Spec((3, 8, 8), [str(i) for i in range(5)], pixels=contract.Pixels("unit"), channel_order="bgr")
    s = dataset.load(str(tmp_path / "img"), spec)
    first = [int(np.nonzero(y == k)[0][0]) for k in range(5)]
    np.testing.assert_array_equal(s.x[:5], x[first][..., ::-1])
