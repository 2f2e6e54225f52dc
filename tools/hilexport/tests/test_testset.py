"""The exporter's own figures on a labelled test set: read in the bench's order and class matching,
int8 top-1 computed by the C runtime on exactly the codes the bench sends, refusals by name."""
import json

import numpy as np
import onnx
import pytest

import nets
from hilexport import ExportError, calibrate, cli, cruntime, export, int8ref, interp, graph, testset

PIL = pytest.importorskip("PIL.Image", reason="image folders need Pillow (pip install pillow)")


def write_folder(root, pixels, labels, names):
    """root/<names[label]>/img<i>.png for each uint8 H×W×3 image."""
    for i, (p, k) in enumerate(zip(pixels, labels)):
        d = root / names[k]
        d.mkdir(parents=True, exist_ok=True)
        PIL.fromarray(p).save(d / f"img{i + 1}.png")


@pytest.fixture
def exported(tmp_path):
    """A 5-class residual net, its blob and a 25-image folder with lower-case class names."""
    model = tmp_path / "net.onnx"
    onnx.save(nets.residual(), str(model))
    blob, _ = export(str(model), nets.pixels(32), labels=list("ABCDE"), input_range="unit")
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (25, 8, 8, 3)).astype(np.uint8)
    labels = np.arange(25) % 5
    write_folder(tmp_path / "test", pixels, labels, list("abcde"))
    return model, blob, pixels, labels, tmp_path / "test"


def test_int8_figure_is_the_c_runtime_on_the_bench_codes(exported):
    model, blob, pixels, labels, folder = exported
    lib = cruntime.load_library()
    if lib is None:
        pytest.skip("the C runtime cannot be compiled here")
    from hilexport import pipeline
    t = pipeline.evaluate(str(model), blob, str(folder), "unit")
    # The bench's codes for unit pixels are p − 128 exactly.
    x, y, _ = testset.load(str(folder), (3, 8, 8), list("ABCDE"))
    assert np.array_equal(calibrate.quantize_input(x / 255.0, 1 / 255, -128), (x.astype(np.int16) - 128).astype(np.int8))
    scores = cruntime.Runtime(blob, lib).invoke((x.astype(np.int16) - 128).astype(np.int8))
    assert t["samples"] == 25
    assert t["int8_correct"] == int(np.sum(np.argmax(scores, 1) == y))
    floats = interp.run(graph.load(str(model)), x.transpose(0, 3, 1, 2) / 255.0).reshape(25, -1)
    assert t["float_top1"] == pytest.approx(float(np.mean(np.argmax(floats, 1) == y)))
    assert 0 <= t["float_int8_agreement"] <= 1


def test_samples_come_in_the_bench_order(tmp_path):
    names = ["A", "B"]
    for k, files in enumerate([["x10.png", "x2.png", "x1.png"], ["y1.png"]]):
        (tmp_path / names[k]).mkdir()
        for f in files:
            PIL.fromarray(np.full((4, 4, 3), k, np.uint8)).save(tmp_path / names[k] / f)
    _, y, sources = testset.load(str(tmp_path), (3, 4, 4), names)
    # Classes interleaved in label order; each class's files in natural order (x2 before x10).
    assert [s.split("/")[-1] for s in sources] == ["x1.png", "y1.png", "x2.png", "x10.png"]
    assert list(y) == [0, 1, 0, 0]
    _, y, sources = testset.load(str(tmp_path), (3, 4, 4), names, limit=2)
    assert list(y) == [0, 1]


def test_classes_match_by_name_never_by_position(tmp_path):
    # Sorted folder names would be [del, nothing, A]; the model's labels say otherwise.
    for name in ["nothing", "del", "a"]:
        (tmp_path / name).mkdir()
        PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / name / "1.png")
    _, y, sources = testset.load(str(tmp_path), (3, 4, 4), ["A", "del", "nothing"])
    assert dict(zip((s.split("/")[-2] for s in sources), y)) == {"a": 0, "del": 1, "nothing": 2}


def test_unknown_class_and_mixed_layout_are_refused_by_name(tmp_path):
    (tmp_path / "Q").mkdir()
    PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "Q" / "1.png")
    with pytest.raises(ExportError, match="class 'Q' is none of the model's labels"):
        testset.load(str(tmp_path), (3, 4, 4), ["A", "B"])
    PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "loose.png")
    with pytest.raises(ExportError, match="both class folders and loose images"):
        testset.load(str(tmp_path), (3, 4, 4), ["Q"])


def test_npy_test_set_with_string_labels(tmp_path):
    x = np.zeros((3, 4, 4, 3), np.uint8)
    np.save(tmp_path / "test_x.npy", x)
    np.save(tmp_path / "test_y.npy", np.array(["b", "A", "B"]))
    _, y, sources = testset.load(str(tmp_path / "test_x.npy"), (3, 4, 4), ["A", "B"])
    assert list(y) == [0, 1, 1]                     # dealt round-robin over the classes, as the bench does
    assert [s[-3:] for s in sources] == ["[1]", "[0]", "[2]"]
    np.save(tmp_path / "test_x.npy", x.astype(np.float32))
    with pytest.raises(ExportError, match="uint8 pixels"):
        testset.load(str(tmp_path / "test_x.npy"), (3, 4, 4), ["A", "B"])


def test_cli_reports_test_figures_and_needs_a_pixel_range(exported, tmp_path, capsys):
    model, _, _, _, folder = exported
    calib = tmp_path / "calib.npy"
    np.save(calib, nets.pixels(16).astype(np.float32))
    out = tmp_path / "net.hilm"
    args = [str(model), "--calibration", str(calib), "-o", str(out), "--test", str(folder)]
    labels = tmp_path / "labels.txt"
    labels.write_text("A\nB\nC\nD\nE\n")
    assert cli.main(args + ["--labels", str(labels)]) == 1
    err = capsys.readouterr().err
    assert "holds an image, but the model records no pixel mapping" in err and "--input-range" in err
    assert not out.exists()
    assert cli.main(args + ["--input-range", "unit", "--labels", str(labels), "--json", "--test-limit", "10"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["test"]["samples"] == 10 and s["test"]["int8_correct"] == round(s["test"]["int8_top1"] * 10)
    assert int8ref.Model(out.read_bytes()).labels == list("ABCDE")


def test_calibration_limit_spreads_over_every_class_folder(tmp_path):
    for k, name in enumerate(["a", "b", "c"]):
        (tmp_path / name).mkdir()
        for i in range(5):
            PIL.fromarray(np.full((4, 4, 3), 50 * k, np.uint8)).save(tmp_path / name / f"{i}.png")
    x = calibrate.load_calibration(str(tmp_path), (3, 4, 4), "unit", limit=3)
    # One image of each folder, not the first three of folder a.
    assert sorted(np.round(x[:, 0, 0, 0] * 255).astype(int)) == [0, 50, 100]


def test_an_image_the_bench_cannot_decode_is_refused_not_skipped(tmp_path):
    (tmp_path / "A").mkdir()
    PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "A" / "a1.png")
    (tmp_path / "A" / "a2.bmp").write_bytes(b"BM")
    (tmp_path / "A" / "notes.txt").write_text("skipped")
    with pytest.raises(ExportError, match=r"a2\.bmp is a \.bmp image, which hil does not decode; convert it to PNG or JPEG"):
        testset.load(str(tmp_path), (3, 4, 4), ["A"])
