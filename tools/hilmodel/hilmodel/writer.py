"""Builds hil model blobs (docs/model-format.md, version 1) from integer layer parameters.

A model given an `InputContract` gets the 100-byte header that records it (how pixels become
the network's inputs, channel order, the training layout); without one the header is the
72-byte one of older writers, byte for byte.

Layers carry already-quantised values (int8 weights, int32 biases, Q31 multipliers and shifts,
output zero points) plus the float output scale the next layer's multipliers derive from. The
`from_float` constructors do the writer's quantisation from float weights and activation scales.
`Model.to_bytes()` chains shapes, plans the arena exactly as the spec's reference plan, and
writes header, name, labels and records with the CRC.
"""
import struct
import zlib

import numpy as np

from .quant import per_channel_weights, quantize_multiplier, round_half_away

MAGIC = 0x4D4C4948
HEADER_SIZE = 72
HEADER_SIZE_WITH_CONTRACT = 100
ACTIVATIONS = {"none": 0, "relu": 1, "relu6": 2}


def pad4(n):
    return (n + 3) & ~3


def same_padding(in_size, kernel, stride):
    """TensorFlow's SAME: (before, after), the odd pixel after."""
    out = -(-in_size // stride)
    total = max((out - 1) * stride + kernel - in_size, 0)
    return total // 2, total - total // 2


class _Layer:
    op = 0
    activation = "none"
    out_zero_point = 0
    out_scale = 1.0

    def output_shape(self, shape):
        raise NotImplementedError

    def params(self, in_shape, out_shape):
        return 0

    def macs(self, in_shape, out_shape):
        return 0

    def body(self, in_shape, out_shape):
        """Parameter block and arrays (after the 28-byte common header)."""
        return b""

    def clamps(self):
        zp = self.out_zero_point
        if self.activation == "none":
            return -128, 127
        if self.activation == "relu":
            return zp, 127
        return zp, min(127, zp + int(round_half_away(6.0 / self.out_scale)))


class _Windowed(_Layer):
    def __init__(self, kernel, stride=(1, 1), padding=(0, 0, 0, 0)):
        self.kernel, self.stride, self.padding = tuple(kernel), tuple(stride), tuple(padding)

    def window_bytes(self):
        kh, kw = self.kernel
        sh, sw = self.stride
        t, l, b, r = self.padding
        return struct.pack("<8B", kh, kw, sh, sw, t, l, b, r)

    def spatial(self, shape):
        h, w, _ = shape
        kh, kw = self.kernel
        t, l, b, r = self.padding
        return (h + t + b - kh) // self.stride[0] + 1, (w + l + r - kw) // self.stride[1] + 1


def _arrays(bias, requant, weights):
    n = len(bias)
    out = struct.pack(f"<{n}i", *[int(v) for v in bias])
    out += struct.pack(f"<{n}i", *[int(m) for m, _ in requant])
    shifts = struct.pack(f"<{n}b", *[int(s) for _, s in requant])
    out += shifts + b"\x00" * (pad4(n) - n)
    w = np.asarray(weights, dtype=np.int8).tobytes()
    return out + w + b"\x00" * (pad4(len(w)) - len(w))


class _WithArrays:
    @staticmethod
    def quantise(w_float, bias_float, in_scale, out_scale, channel_axis):
        """int8 weights, int32 biases and per-channel (multiplier, shift), as the spec says."""
        q, w_scales = per_channel_weights(w_float, axis=channel_axis)
        bias = np.zeros(len(w_scales)) if bias_float is None else np.asarray(bias_float, np.float64)
        bias_q = round_half_away(bias / (in_scale * w_scales)).astype(np.int64)
        if np.any(np.abs(bias_q) > 2**30):
            raise ValueError("a bias is too large for int32 accumulation (|bias| > 2^30 steps)")
        requant = [quantize_multiplier(in_scale * s / out_scale) for s in w_scales]
        return q, bias_q, requant


class Conv2D(_Windowed, _WithArrays):
    op = 1

    def __init__(self, weights, bias, requant, out_zero_point, out_scale, kernel=None, stride=(1, 1),
                 padding=(0, 0, 0, 0), activation="none"):
        w = np.asarray(weights, dtype=np.int8)             # [oc][ky][kx][ic]
        super().__init__(kernel or w.shape[1:3], stride, padding)
        self.weights, self.bias, self.requant = w, list(bias), list(requant)
        self.out_zero_point, self.out_scale, self.activation = int(out_zero_point), float(out_scale), activation

    @classmethod
    def from_float(cls, w_ohwi, bias, in_scale, out_scale, out_zero_point, **kw):
        q, b, r = cls.quantise(w_ohwi, bias, in_scale, out_scale, channel_axis=0)
        return cls(q, b, r, out_zero_point, out_scale, **kw)

    def output_shape(self, shape):
        return self.spatial(shape) + (self.weights.shape[0],)

    def params(self, i, o):
        return self.weights.size + o[2]

    def macs(self, i, o):
        return o[0] * o[1] * o[2] * self.kernel[0] * self.kernel[1] * i[2]

    def body(self, i, o):
        return self.window_bytes() + struct.pack("<B3x", 1) + _arrays(self.bias, self.requant, self.weights)


class DepthwiseConv2D(Conv2D):
    op = 2

    def __init__(self, weights, bias, requant, out_zero_point, out_scale, depth_multiplier=1, **kw):
        w = np.asarray(weights, dtype=np.int8)             # [ky][kx][oc]
        kw.setdefault("kernel", w.shape[0:2])
        super().__init__(w, bias, requant, out_zero_point, out_scale, **kw)
        self.depth_multiplier = depth_multiplier

    @classmethod
    def from_float(cls, w_hwo, bias, in_scale, out_scale, out_zero_point, **kw):
        q, b, r = cls.quantise(w_hwo, bias, in_scale, out_scale, channel_axis=2)
        return cls(q, b, r, out_zero_point, out_scale, **kw)

    def output_shape(self, shape):
        return self.spatial(shape) + (shape[2] * self.depth_multiplier,)

    def params(self, i, o):
        return self.weights.size + o[2]

    def macs(self, i, o):
        return o[0] * o[1] * o[2] * self.kernel[0] * self.kernel[1]

    def body(self, i, o):
        return self.window_bytes() + struct.pack("<B3x", self.depth_multiplier) + _arrays(self.bias, self.requant, self.weights)


class MaxPool(_Windowed):
    op = 3

    def output_shape(self, shape):
        return self.spatial(shape) + (shape[2],)

    def body(self, i, o):
        return self.window_bytes()


class AvgPool(MaxPool):
    op = 4


class GlobalAvgPool(_Layer):
    op = 5

    def output_shape(self, shape):
        return (1, 1, shape[2])


class FullyConnected(_Layer, _WithArrays):
    op = 6

    def __init__(self, weights, bias, requant, out_zero_point, out_scale, activation="none"):
        self.weights = np.asarray(weights, dtype=np.int8)  # [o][n], n in NHWC order
        self.bias, self.requant = list(bias), list(requant)
        self.out_zero_point, self.out_scale, self.activation = int(out_zero_point), float(out_scale), activation

    @classmethod
    def from_float(cls, w_on, bias, in_scale, out_scale, out_zero_point, **kw):
        q, b, r = cls.quantise(w_on, bias, in_scale, out_scale, channel_axis=0)
        return cls(q, b, r, out_zero_point, out_scale, **kw)

    def output_shape(self, shape):
        return (1, 1, self.weights.shape[0])

    def params(self, i, o):
        return self.weights.size + o[2]

    def macs(self, i, o):
        return i[0] * i[1] * i[2] * o[2]

    def body(self, i, o):
        return _arrays(self.bias, self.requant, self.weights)


class Add(_Layer):
    """Residual add of the previous output and layer `source`'s output (None: the model input)."""
    op = 7

    def __init__(self, source, scale_a, scale_b, out_scale, out_zero_point, activation="none"):
        self.source = 0xFFFF if source is None else source
        big = 2 * max(scale_a, scale_b)
        self.requant = [quantize_multiplier(scale_a / big), quantize_multiplier(scale_b / big),
                        quantize_multiplier(big / (2**20 * out_scale))]
        self.out_scale, self.out_zero_point, self.activation = float(out_scale), int(out_zero_point), activation

    def output_shape(self, shape):
        return tuple(shape)

    def body(self, i, o):
        (ma, sa), (mb, sb), (mo, so) = self.requant
        return struct.pack("<HH6i", self.source, 0, ma, sa, mb, sb, mo, so)


class InputContract:
    """Header bytes 72..99 (docs/model-format.md, "The input contract")."""
    RANGES = {"not recorded": 0, "unit": 1, "centered": 2, "raw": 3, "affine": 4, "none": 5}
    ORDERS = {"not recorded": 0, "rgb": 1, "bgr": 2, "gray": 3}
    LAYOUTS = {"not recorded": 0, "nchw": 1, "nhwc": 2}
    # x = p · scale + offset of the named ranges, as the format stores them (float32).
    NAMED = {"unit": (1 / 255, 0.0), "centered": (1 / 127.5, -1.0), "raw": (1.0, 0.0)}

    def __init__(self, pixel_range, channel_order="not recorded", source_layout="not recorded",
                 scale=None, offset=None):
        for value, table, what in ((pixel_range, self.RANGES, "pixel range"),
                                   (channel_order, self.ORDERS, "channel order"),
                                   (source_layout, self.LAYOUTS, "source layout")):
            if value not in table:
                raise ValueError(f"{what} {value!r}: use one of {', '.join(table)}")
        self.pixel_range, self.channel_order, self.source_layout = pixel_range, channel_order, source_layout
        self.scale = None if scale is None else [float(v) for v in scale]
        self.offset = None if offset is None else [float(v) for v in offset]
        if pixel_range == "affine":
            if self.scale is None or self.offset is None or len(self.scale) != len(self.offset):
                raise ValueError("an affine pixel range needs one scale and one offset per channel")
            if not all(np.isfinite(v) and np.float32(v) != 0 for v in self.scale) or \
                    not all(np.isfinite(v) for v in self.offset):
                raise ValueError("affine scales must be finite and non-zero, offsets finite")
        elif scale is not None or offset is not None:
            raise ValueError(f"scale and offset are given only with the affine range, not {pixel_range}")

    def terms(self, channels):
        """(scales, offsets) per channel, as stored: named ranges by their formula, 0 for none."""
        if self.pixel_range == "affine":
            if len(self.scale) != channels:
                raise ValueError(f"an affine range of {len(self.scale)} channel(s) for an input of {channels}")
            return self.scale, self.offset
        s, o = self.NAMED.get(self.pixel_range, (0.0, 0.0))
        return [s] * channels, [o] * channels

    def to_bytes(self, channels):
        if channels > 3:
            raise ValueError(f"an input contract describes at most 3 channels, the input has {channels}")
        wanted = {"rgb": 3, "bgr": 3, "gray": 1}.get(self.channel_order)
        if wanted is not None and wanted != channels:
            raise ValueError(f"channel order {self.channel_order} for an input of {channels} channel(s)")
        scales, offsets = self.terms(channels)
        pad = [0.0] * (3 - channels)
        return struct.pack("<4B3f3f", self.RANGES[self.pixel_range], self.ORDERS[self.channel_order],
                           self.LAYOUTS[self.source_layout], 0, *(list(scales) + pad), *(list(offsets) + pad))


class Model:
    def __init__(self, name, input_shape, input_scale, input_zero_point, labels, layers, contract=None):
        self.name, self.input_shape = name, tuple(input_shape)
        self.input_scale, self.input_zero_point = float(input_scale), int(input_zero_point)
        self.labels, self.layers = list(labels), list(layers)
        self.contract = contract

    def _propagate_pool_quantisation(self):
        """Pools move values without rescaling: their output keeps the input's scale and zero point."""
        scale, zp = self.input_scale, self.input_zero_point
        for layer in self.layers:
            if isinstance(layer, (MaxPool, GlobalAvgPool)):
                layer.out_scale, layer.out_zero_point = scale, zp
            scale, zp = layer.out_scale, layer.out_zero_point

    def shapes(self):
        shapes, shape = [], self.input_shape
        for layer in self.layers:
            shape = tuple(int(v) for v in layer.output_shape(shape))
            shapes.append(shape)
        return shapes

    def plan(self, shapes):
        """The spec's reference arena plan: (offsets, arena_bytes)."""
        n = len(self.layers)
        size = [int(np.prod(s)) for s in shapes]
        last_use = [i + 1 for i in range(n)]
        kept = [False] * n
        for k, layer in enumerate(self.layers):
            if isinstance(layer, Add) and layer.source != 0xFFFF:
                j = layer.source
                last_use[j] = max(last_use[j], k)
                if k > j + 1:
                    kept[j] = True
        region = [0, 0]
        for i in range(n):
            if not kept[i]:
                region[i % 2] = max(region[i % 2], size[i])
        slot_of, slot_size, slot_holder = {}, [], []
        for i in range(n):
            if not kept[i]:
                continue
            free = [s for s, h in enumerate(slot_holder) if last_use[h] < i]
            s = free[0] if free else len(slot_holder)
            if s == len(slot_holder):
                slot_holder.append(i)
                slot_size.append(0)
            slot_holder[s] = i
            slot_size[s] = max(slot_size[s], size[i])
            slot_of[i] = s
        base1 = pad4(region[0])
        slot_base, at = [], base1 + pad4(region[1])
        for s in slot_size:
            slot_base.append(at)
            at += pad4(s)
        offsets = [slot_base[slot_of[i]] if kept[i] else (0 if i % 2 == 0 else base1) for i in range(n)]
        arena = pad4(max(o + s for o, s in zip(offsets, size)))
        return offsets, arena

    def to_bytes(self):
        self._propagate_pool_quantisation()
        shapes = self.shapes()
        empty = [i for i, label in enumerate(self.labels) if not label.strip()]
        if empty:
            raise ValueError(f"label {empty[0]} is empty; every class needs a name")
        seen = {}
        for i, label in enumerate(self.labels):
            if label in seen:
                raise ValueError(f'label "{label}" appears twice (classes {seen[label]} and {i}); '
                                 "every class needs its own name")
            seen[label] = i
        if int(np.prod(shapes[-1])) != len(self.labels):
            raise ValueError(f"the last layer gives {int(np.prod(shapes[-1]))} scores but there are {len(self.labels)} labels")
        offsets, arena = self.plan(shapes)
        records, params, macs = b"", 0, 0
        in_shape = self.input_shape
        for layer, out_shape, offset in zip(self.layers, shapes, offsets):
            body = layer.body(in_shape, out_shape)
            lo, hi = layer.clamps()
            head = struct.pack("<BBbbI6HiI", layer.op, ACTIVATIONS[layer.activation], lo, hi, 28 + len(body),
                               *in_shape, *out_shape, layer.out_zero_point, offset)
            records += head + body
            params += layer.params(in_shape, out_shape)
            macs += layer.macs(in_shape, out_shape)
            in_shape = out_shape
        name = self.name.encode("utf-8")
        labels = b"".join(struct.pack("<H", len(l.encode("utf-8"))) + l.encode("utf-8") for l in self.labels)
        extension = b"" if self.contract is None else self.contract.to_bytes(self.input_shape[2])
        header_size = HEADER_SIZE + len(extension)
        name_at = header_size
        labels_at = name_at + len(name)
        layers_at = pad4(labels_at + len(labels))
        body = name + labels + b"\x00" * (layers_at - labels_at - len(labels)) + records
        total = header_size + len(body)
        last = self.layers[-1]
        tail = struct.pack("<IIQ4HfifiHHIII", arena, params, macs, *self.input_shape, len(self.labels),
                           self.input_scale, self.input_zero_point, last.out_scale, last.out_zero_point,
                           len(self.layers), len(name), name_at, labels_at, layers_at) + extension + body
        crc = zlib.crc32(tail) & 0xFFFFFFFF
        return struct.pack("<IHHII", MAGIC, 1, header_size, total, crc) + tail
