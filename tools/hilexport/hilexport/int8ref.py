"""A bit-exact re-implementation of the C runtime's inference (Sources/CHilRuntime, specified in
docs/model-format.md "Arithmetic") in numpy, reading the blob itself, batched over samples.

It exists for machines without a C compiler; the tests check it against the real runtime (via
ctypes) byte for byte. All arithmetic is int64 numpy, which holds every intermediate exactly.
"""
import struct

import numpy as np

HEADER = struct.Struct("<IHHIIIIQ4HfifiHHIII")
RECORD = struct.Struct("<BBbbI6HiI")
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1


def requantize(x, multiplier, shift):
    """hil_requantize, elementwise (x, multiplier, shift broadcast; x within int32)."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(multiplier, dtype=np.int64)
    s = np.clip(np.asarray(shift, dtype=np.int64), -31, 30)
    left, right = np.maximum(s, 0), np.maximum(-s, 0)
    x = np.clip(x * (np.int64(1) << left), INT32_MIN, INT32_MAX)         # saturating left shift
    ab = x * m                                                           # exact: |ab| < 2^62
    v = np.where(ab >= 0, ab + (1 << 30), ab + 1 - (1 << 30))
    h = np.where(v >= 0, v >> 31, -((-v) >> 31))                         # truncate towards zero
    h = np.where((x == INT32_MIN) & (m == INT32_MIN), INT32_MAX, h)
    mask = (np.int64(1) << right) - 1
    threshold = (mask >> 1) + (h < 0)
    return (h >> right) + ((h & mask) > threshold)                       # halves away from zero


def rounded_mean(total, count):
    """C's (sum ± count/2) / count with truncating division: halves away from zero."""
    half = count // 2
    return np.where(total >= 0, (total + half) // count, -((-total + half) // count))


class Layer:
    pass


class Model:
    """The blob's header and records, parsed (no validation: the C loader is the checker)."""

    def __init__(self, blob):
        self.blob = bytes(blob)
        h = HEADER.unpack_from(self.blob, 0)
        (_, _, _, self.total, _, self.arena_bytes, self.params, self.macs, ih, iw, ic, self.classes,
         self.input_scale, self.input_zp, self.output_scale, self.output_zp, count, name_len, name_at,
         labels_at, at) = h
        self.input_shape = (ih, iw, ic)
        self.name = self.blob[name_at:name_at + name_len].decode("utf-8", "replace")
        self.labels = []
        for _ in range(self.classes):
            (n,) = struct.unpack_from("<H", self.blob, labels_at)
            self.labels.append(self.blob[labels_at + 2:labels_at + 2 + n].decode("utf-8", "replace"))
            labels_at += 2 + n
        self.layers = []
        for _ in range(count):
            L = Layer()
            (L.op, L.act, L.amin, L.amax, L.len, *shape, L.out_zp, L.out_offset) = RECORD.unpack_from(self.blob, at)
            L.in_shape, L.out_shape = tuple(shape[:3]), tuple(shape[3:])
            p = at + 28
            if L.op in (1, 2, 3, 4):
                L.kh, L.kw, L.sh, L.sw, L.pt, L.pl, L.pb, L.pr = struct.unpack_from("<8B", self.blob, p)
                p += 8
            if L.op in (1, 2):
                L.dm = self.blob[p]
                p += 4
            if L.op in (1, 2, 6):
                n = L.out_shape[2]
                L.bias = np.frombuffer(self.blob, "<i4", n, p).astype(np.int64)
                L.mult = np.frombuffer(self.blob, "<i4", n, p + 4 * n).astype(np.int64)
                L.shift = np.frombuffer(self.blob, "i1", n, p + 8 * n).astype(np.int64)
                p += 8 * n + ((n + 3) & ~3)
                count_w = (n * L.kh * L.kw * L.in_shape[2] if L.op == 1 else L.kh * L.kw * n if L.op == 2
                           else n * int(np.prod(L.in_shape)))
                L.w = np.frombuffer(self.blob, "i1", count_w, p).astype(np.int64)
            if L.op == 7:
                L.source, _, *rq = struct.unpack_from("<HH6i", self.blob, p)
                L.rq = rq
            self.layers.append(L)
            at += L.len

    def invoke(self, x):
        """int8 scores (N, classes) for int8 NHWC inputs (N, H, W, C)."""
        x = np.asarray(x, dtype=np.int64)
        outs, zps, zp = [], [], self.input_zp
        inp = x
        for L in self.layers:
            if L.op == 7:
                src, src_zp = (inp, self.input_zp) if L.source == 0xFFFF else (outs[L.source], zps[L.source])
                y = self._add(L, x, zp, src, src_zp)
            else:
                y = getattr(self, {1: "_conv", 2: "_conv", 3: "_pool", 4: "_pool", 5: "_gap", 6: "_fc"}[L.op])(L, x, zp)
            outs.append(y)
            zps.append(L.out_zp)
            x, zp = y, L.out_zp
        return x.reshape(len(x), -1).astype(np.int8)

    @staticmethod
    def _finish(L, acc, mult, shift):
        return np.clip(requantize(acc, mult, shift) + L.out_zp, L.amin, L.amax)

    @staticmethod
    def _windows(L, xp):
        oh, ow, _ = L.out_shape
        for ky in range(L.kh):
            for kx in range(L.kw):
                yield ky, kx, xp[:, ky:ky + L.sh * (oh - 1) + 1:L.sh, kx:kx + L.sw * (ow - 1) + 1:L.sw, :]

    def _conv(self, L, x, zp):
        # Padding taps are skipped by the runtime: padding with zp contributes (zp − zp)·w = 0.
        xp = np.pad(x - zp, ((0, 0), (L.pt, L.pb), (L.pl, L.pr), (0, 0)))
        acc = np.zeros((len(x),) + L.out_shape, dtype=np.int64) + L.bias
        if L.op == 1:
            w = L.w.reshape(L.out_shape[2], L.kh, L.kw, L.in_shape[2])
            for ky, kx, s in self._windows(L, xp):
                acc += np.einsum("nhwc,oc->nhwo", s, w[:, ky, kx, :])
        else:
            w = L.w.reshape(L.kh, L.kw, L.out_shape[2])
            for ky, kx, s in self._windows(L, xp):
                acc += np.repeat(s, L.dm, axis=3) * w[ky, kx]
        return self._finish(L, acc, L.mult, L.shift)

    def _pool(self, L, x, zp):
        big = 1 << 20
        if L.op == 3:
            xp = np.pad(x, ((0, 0), (L.pt, L.pb), (L.pl, L.pr), (0, 0)), constant_values=-big)
            y = np.full((len(x),) + L.out_shape, -big, dtype=np.int64)
            for _, _, s in self._windows(L, xp):
                y = np.maximum(y, s)
        else:
            xp = np.pad(x, ((0, 0), (L.pt, L.pb), (L.pl, L.pr), (0, 0)))
            ones = np.pad(np.ones((1,) + x.shape[1:3] + (1,), dtype=np.int64), ((0, 0), (L.pt, L.pb), (L.pl, L.pr), (0, 0)))
            total = sum(s for _, _, s in self._windows(L, xp))
            count = sum(s for _, _, s in self._windows(L, ones))
            y = rounded_mean(total, count)
        return np.clip(y, L.amin, L.amax)

    def _gap(self, L, x, zp):
        total = x.sum(axis=(1, 2), keepdims=True)
        return np.clip(rounded_mean(total, x.shape[1] * x.shape[2]), L.amin, L.amax)

    def _fc(self, L, x, zp):
        flat = x.reshape(len(x), -1) - zp
        acc = flat @ L.w.reshape(L.out_shape[2], -1).T + L.bias
        return self._finish(L, acc, L.mult, L.shift).reshape((len(x),) + L.out_shape)

    def _add(self, L, a, za, b, zb):
        ma, sa, mb, sb, mo, so = L.rq
        ra = requantize((a - za) << 20, ma, sa)
        rb = requantize((b - zb) << 20, mb, sb)
        return self._finish(L, ra + rb, mo, so)
