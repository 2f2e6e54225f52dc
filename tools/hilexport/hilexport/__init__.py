"""Exports ONNX graphs (as torch.onnx.export writes them) to hil's int8 model format
(docs/model-format.md): fold, quantise with calibration, write, and check against the C runtime."""
from .errors import ExportError
from .pipeline import export, format_summary

__all__ = ["ExportError", "export", "format_summary"]
