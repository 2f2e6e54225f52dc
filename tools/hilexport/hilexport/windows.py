"""Window geometry shared by the float interpreter and the lowering: ONNX's padding attributes
(explicit pads or auto_pad) resolved to explicit (top, left, bottom, right) pads, and the output
size, with ONNX's ceil_mode rule."""
import math

from .errors import node_error


def resolve(node, in_hw, kernel, strides, ceil_mode=False):
    """((top, left, bottom, right), (out_h, out_w)) of a Conv/MaxPool/AveragePool node.

    With ceil_mode the bottom/right pads are widened so that the floor formula (the only one the
    hil format has) gives the ceil_mode size; the extra padding is outside every window's real
    pixels, which is what ONNX means for MaxPool and for AveragePool without count_include_pad."""
    auto = node.attrs.get("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        p = list(node.attrs.get("pads", [0, 0, 0, 0]))
        if len(p) != 4:
            raise node_error(node, f"pads {p} are not 2-D (hil models are images)")
        pads = (p[0], p[1], p[2], p[3])      # ONNX order: begins (h, w) then ends (h, w)
    elif auto == "VALID":
        pads = (0, 0, 0, 0)
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        before, after = [], []
        for size, k, s in zip(in_hw, kernel, strides):
            out = -(-size // s)
            total = max((out - 1) * s + k - size, 0)
            small, big = total // 2, total - total // 2
            # SAME_UPPER puts the odd pixel at the end (TensorFlow's SAME), SAME_LOWER at the start.
            before.append(small if auto == "SAME_UPPER" else big)
            after.append(big if auto == "SAME_UPPER" else small)
        pads = (before[0], before[1], after[0], after[1])
    else:
        raise node_error(node, f"auto_pad '{auto}' is not an ONNX value")
    out = []
    for i, (size, k, s) in enumerate(zip(in_hw, kernel, strides)):
        span = size + pads[i] + pads[i + 2] - k
        if span < 0:
            raise node_error(node, f"the kernel {k} is larger than the padded input {size + pads[i] + pads[i + 2]}")
        n = (math.ceil(span / s) if ceil_mode else span // s) + 1
        # ONNX and torch drop a last window that would start inside the end padding.
        if ceil_mode and (n - 1) * s >= size + pads[i]:
            n -= 1
        out.append(n)
    if ceil_mode:
        t, l, b, r = pads
        b = max(b, (out[0] - 1) * strides[0] + kernel[0] - in_hw[0] - t)
        r = max(r, (out[1] - 1) * strides[1] + kernel[1] - in_hw[1] - l)
        pads = (t, l, b, r)
    return pads, tuple(out)


def check_2d(node, key, default):
    v = list(node.attrs.get(key, default))
    if len(v) != 2:
        raise node_error(node, f"{key} {v} is not 2-D (hil models are images)")
    return tuple(int(x) for x in v)
