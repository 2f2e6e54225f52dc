"""No traceback on any bad input: every option that names a file is given an empty, a truncated,
a mistyped and a missing file, and the exporter answers with one sentence naming that file,
exit 1, and no model written."""
import numpy as np
import onnx
import pytest

import nets
from hilexport import cli


@pytest.fixture
def good(tmp_path):
    """Valid inputs for every option: model, calibration, labels, test set."""
    model = tmp_path / "net.onnx"
    onnx.save(nets.residual(), str(model))
    calib = tmp_path / "calib.npy"
    np.save(calib, nets.pixels(8).astype(np.float32))
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\nc\nd\ne\n")
    (tmp_path / "set").mkdir()
    test = tmp_path / "set" / "x.npy"
    np.save(test, np.random.default_rng(1).integers(0, 256, (10, 8, 8, 3)).astype(np.uint8))
    np.save(tmp_path / "set" / "y.npy", np.arange(10) % 5)
    return {"model": model, "calibration": calib, "labels": labels, "test": test}


def damaged(path, kind):
    """A copy of `path` made bad in one way, with the same extension."""
    bad = path.with_name("bad-" + kind + path.suffix)
    data = path.read_bytes()
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "truncated":
        bad.write_bytes(data[:len(data) // 2])
    elif kind == "mistyped":                     # another kind of file under this name
        bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) if path.suffix != ".png" else b"hello")
    return bad


def args_for(files, out):
    return [str(files["model"]), "--calibration", str(files["calibration"]), "--labels", str(files["labels"]),
            "--test", str(files["test"]), "--input-range", "unit", "--min-agreement", "0", "-o", str(out)]


def test_the_good_files_export(good, tmp_path, capsys):
    out = tmp_path / "m.hilm"
    assert cli.main(args_for(good, out)) == 0 and out.exists()


@pytest.mark.parametrize("option", ["model", "calibration", "labels", "test"])
@pytest.mark.parametrize("kind", ["empty", "truncated", "mistyped", "missing"])
def test_a_bad_file_gets_a_sentence_naming_it(good, tmp_path, capsys, option, kind):
    files = dict(good)
    files[option] = damaged(good[option], kind)
    out = tmp_path / "m.hilm"
    rc = cli.main(args_for(files, out))
    err = capsys.readouterr().err
    assert rc == 1, err
    assert err.startswith("hil-export: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    # The file is named (a truncated labels file is a valid but short list: named with its count).
    assert str(files[option]) in err, err
    assert not out.exists()
