"""A tiny torch nn.Module through torch.onnx.export and back (skipped where torch is missing)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (CI has none); this round trip needs it")
import nets  # noqa: E402
from hilexport import ExportError, cruntime, export, int8ref  # noqa: E402


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 8, 3, padding=1, groups=8), torch.nn.ReLU6(),
            torch.nn.AdaptiveAvgPool2d(1))
        self.classifier = torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(8, 4))

    def forward(self, x):
        return torch.softmax(self.classifier(torch.flatten(self.features(x), 1)), dim=1)


def test_torch_module_round_trip(tmp_path):
    torch.manual_seed(0)
    model = Tiny()
    with torch.no_grad():               # non-trivial BN statistics, so folding matters
        bn = model.features[1]
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
    model.eval()
    path = str(tmp_path / "tiny.onnx")
    try:
        torch.onnx.export(model, (torch.zeros(1, 3, 8, 8),), path, opset_version=17, dynamo=False)
    except Exception as e:       # an exporter this torch build lacks
        pytest.skip(f"torch.onnx.export unavailable here: {e}")
    x = nets.pixels(64)
    blob, s = export(path, x, labels=["a", "b", "c", "d"], input_range="unit")
    with torch.no_grad():
        want = model(torch.tensor(x, dtype=torch.float32)).numpy()
    m = int8ref.Model(blob)
    lib = cruntime.load_library()
    q = np.clip(np.round(x.transpose(0, 2, 3, 1) * 255) - 128, -128, 127).astype(np.int8)   # unit: p − 128
    scores = (cruntime.Runtime(blob, lib) if lib else m).invoke(q)
    assert np.mean(np.argmax(scores, 1) == np.argmax(want, 1)) >= 0.9
    assert s["softmax_dropped"] and s["top1_agreement"] >= 0.9
    assert [l["op"] for l in s["layers"]] == ["conv", "max_pool", "depthwise", "global_avg_pool", "dense"]
    assert s["params"] == (8 * 27 + 8) + (9 * 8 + 8) + (8 * 4 + 4)


def test_torch_sigmoid_is_refused(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.Sigmoid(), torch.nn.Flatten(),
                                torch.nn.Linear(128, 2)).eval()
    path = str(tmp_path / "sig.onnx")
    try:
        torch.onnx.export(model, (torch.zeros(1, 3, 8, 8),), path, opset_version=17, dynamo=False)
    except Exception as e:
        pytest.skip(f"torch.onnx.export unavailable here: {e}")
    with pytest.raises(ExportError, match=r'node "/1/Sigmoid" \(Sigmoid\): operator not supported'):
        export(path, nets.pixels(2), input_range="unit")
