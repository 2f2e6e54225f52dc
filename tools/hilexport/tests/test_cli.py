"""The hil-export command line: writes the blob, prints the summary (text or JSON), exits 1 with
the refusal on stderr."""
import json

import numpy as np
import onnx

import nets
from hilexport import cli


def test_cli_writes_blob_and_json_summary(tmp_path, capsys):
    model, calib, labels, out = tmp_path / "net.onnx", tmp_path / "calib.npy", tmp_path / "labels.txt", tmp_path / "net.hilm"
    onnx.save(nets.residual(), str(model))
    np.save(calib, nets.pixels(16).astype(np.float32))
    labels.write_text("a\nb\nc\nd\ne\n", encoding="utf-8")
    assert cli.main([str(model), "--calibration", str(calib), "--labels", str(labels), "-o", str(out),
                     "--input-range", "unit", "--name", "res-1", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    blob = out.read_bytes()
    assert blob[:4] == b"HILM" and s["flash_bytes"] == len(blob)
    assert s["name"] == "res-1" and s["labels"] == list("abcde") and s["softmax_dropped"]
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(out), "--input-range", "unit"]) == 0
    text = capsys.readouterr().out
    assert "MACs" in text and "arena bytes" in text and "Softmax was dropped" in text and "agreement" in text


def test_cli_refusal_exits_1_with_message(tmp_path, capsys):
    n = nets.Net()
    x = n.node("Sigmoid", ["input"], name="/act/Sigmoid")
    model, calib = tmp_path / "bad.onnx", tmp_path / "c.npy"
    onnx.save(n.model(n.gemm(n.node("Flatten", [x]), 192, 2)), str(model))
    np.save(calib, nets.pixels(2).astype(np.float32))
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(tmp_path / "x.hilm")]) == 1
    assert 'node "/act/Sigmoid" (Sigmoid): operator not supported' in capsys.readouterr().err


def test_cli_uint8_calibration_needs_a_pixel_range(tmp_path, capsys):
    model, calib = tmp_path / "net.onnx", tmp_path / "px.npy"
    onnx.save(nets.conv_bn_relu(), str(model))
    np.save(calib, np.random.default_rng(0).integers(0, 256, (4, 3, 8, 8)).astype(np.uint8))
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(tmp_path / "x.hilm")]) == 1
    assert "--input-range" in capsys.readouterr().err
    assert cli.main([str(model), "--calibration", str(calib), "-o", str(tmp_path / "x.hilm"), "--input-range", "unit"]) == 0
