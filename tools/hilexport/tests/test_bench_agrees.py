"""End to end across the two programs: a model exported with one pixel range is run by the bench
(`hilctl run --host-only`, the board's C runtime on this machine) without --pixels, and measures
the int8 top-1 the exporter predicted on the same set; a contradicting --pixels is refused with
both ranges named. Needs the built hilctl (`swift build`); skipped without it."""
import json
import os
import subprocess

import numpy as np
import onnx
import pytest

import nets
from hilexport import cli

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HILCTL = os.path.join(ROOT, ".build", "debug", "hilctl")

pytestmark = pytest.mark.skipif(not os.access(HILCTL, os.X_OK), reason="hilctl is not built (swift build)")


def hilctl(*args):
    return subprocess.run([HILCTL, "run", "--host-only", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
def test_the_bench_measures_what_the_exporter_predicted_without_pixels(tmp_path, capsys, layout):
    model, calib, out, data = tmp_path / "net.onnx", tmp_path / "calib.npy", tmp_path / "m.hilm", tmp_path / "set"
    onnx.save(nets.residual(), str(model))
    rng = np.random.default_rng(7)
    np.save(calib, rng.integers(0, 256, (32, 8, 8, 3)).astype(np.uint8))
    data.mkdir()
    x = rng.integers(0, 256, (60, 8, 8, 3)).astype(np.uint8)
    np.save(data / "x.npy", x if layout == "nhwc" else x.transpose(0, 3, 1, 2).copy())
    np.save(data / "y.npy", rng.integers(0, 5, 60))
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-range", "centered",
                     "--test", str(data), "--test-limit", "40", "--min-agreement", "0", "--json"]) == 0
    predicted = json.loads(capsys.readouterr().out)["test"]

    run = hilctl("--model", str(out), "--dataset", str(data), "--limit", "40", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["accuracy"]["correct"] == predicted["int8_correct"] and predicted["samples"] == 40
    assert report["input"]["source"] == "model" and report["input"]["pixels"] == "centered"

    wrong = hilctl("--model", str(out), "--dataset", str(data), "--pixels", "unit")
    assert wrong.returncode != 0
    assert "centered" in wrong.stderr and "--pixels says unit" in wrong.stderr, wrong.stderr
