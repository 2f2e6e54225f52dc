"""The real C runtime (Sources/CHilRuntime), compiled into a shared library and called through
ctypes: what it computes is what the board computes, so it is the ground truth for the int8
results. Compiled once per process into a temporary directory."""
import ctypes
import glob
import os
import shutil
import subprocess
import tempfile

import numpy as np

from .errors import ExportError

_lib = {}


class HilModel(ctypes.Structure):
    """Mirror of hil_model in hil_runtime.h (same field order and types)."""
    _fields_ = [("blob", ctypes.c_void_p), ("size", ctypes.c_uint32), ("name", ctypes.c_char_p),
                ("name_len", ctypes.c_uint16), ("input_h", ctypes.c_uint16), ("input_w", ctypes.c_uint16),
                ("input_c", ctypes.c_uint16), ("input_scale", ctypes.c_float), ("input_zero_point", ctypes.c_int32),
                ("output_scale", ctypes.c_float), ("output_zero_point", ctypes.c_int32),
                ("class_count", ctypes.c_uint16), ("layer_count", ctypes.c_uint16),
                ("arena_bytes", ctypes.c_uint32), ("params", ctypes.c_uint64), ("macs", ctypes.c_uint64),
                ("weight_bytes", ctypes.c_uint32)]


def find_sources(start=None):
    """Sources/CHilRuntime: $HIL_RUNTIME_SRC, or found above this package or the working directory."""
    env = os.environ.get("HIL_RUNTIME_SRC")
    if env:
        return env if os.path.isfile(os.path.join(env, "include", "hil_runtime.h")) else None
    for base in [start, os.path.dirname(os.path.abspath(__file__)), os.getcwd()]:
        d = base and os.path.abspath(base)
        while d:
            cand = os.path.join(d, "Sources", "CHilRuntime")
            if os.path.isfile(os.path.join(cand, "include", "hil_runtime.h")):
                return cand
            parent = os.path.dirname(d)
            d = None if parent == d else parent
    return None


def load_library(src=None):
    """The compiled runtime (ctypes.CDLL), or None if the sources or a C compiler are missing."""
    src = src or find_sources()
    if src is None:
        return None
    if src in _lib:
        return _lib[src]
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    out_dir = tempfile.mkdtemp(prefix="hilrt-")
    so = os.path.join(out_dir, "libhilruntime.so")
    cmd = [cc, "-shared", "-fPIC", "-O2", "-std=c99", "-I", os.path.join(src, "include"),
           *sorted(glob.glob(os.path.join(src, "*.c"))), "-o", so]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ExportError(f"compiling the C runtime failed:\n{res.stderr}")
    lib = ctypes.CDLL(so)
    lib.hil_model_load.argtypes = [ctypes.POINTER(HilModel), ctypes.c_char_p, ctypes.c_uint32]
    lib.hil_model_load.restype = ctypes.c_int
    lib.hil_invoke.argtypes = [ctypes.POINTER(HilModel), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32,
                               ctypes.c_void_p]
    lib.hil_invoke.restype = ctypes.c_int
    lib.hil_status_text.argtypes = [ctypes.c_int]
    lib.hil_status_text.restype = ctypes.c_char_p
    _lib[src] = lib
    return lib


class Runtime:
    """One loaded model in the C runtime."""

    def __init__(self, blob, lib):
        self.lib, self.blob = lib, ctypes.create_string_buffer(bytes(blob), len(blob))
        self.m = HilModel()
        status = lib.hil_model_load(ctypes.byref(self.m), self.blob, len(blob))
        if status != 0:
            raise ExportError(f"the C runtime refuses the blob: {lib.hil_status_text(status).decode()}")
        self.arena = ctypes.create_string_buffer(max(1, self.m.arena_bytes))

    def invoke(self, x):
        """int8 scores (N, classes) for int8 NHWC inputs (N, H, W, C)."""
        x = np.ascontiguousarray(x, dtype=np.int8)
        out = np.zeros((len(x), self.m.class_count), dtype=np.int8)
        for i in range(len(x)):
            status = self.lib.hil_invoke(ctypes.byref(self.m), x[i].ctypes.data, self.arena, self.m.arena_bytes,
                                         out[i].ctypes.data)
            if status != 0:
                raise ExportError(f"hil_invoke failed: {self.lib.hil_status_text(status).decode()}")
        return out
