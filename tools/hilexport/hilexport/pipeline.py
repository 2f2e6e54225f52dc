"""The whole export: load → lower → calibrate → quantise and write → check on the calibration set.

`export()` is the library entry point (the CLI and the tests call it); it returns the blob and a
summary dict with the figures the format defines (docs/model-format.md "Summary figures") and
the float-versus-int8 top-1 agreement. The int8 side is computed by the real C runtime when its
sources and a C compiler are at hand, else by the bit-exact numpy re-implementation; the summary
says which.
"""
import json
import os

import numpy as np

from . import calibrate, contract, cruntime, dataset, floatchain, graph as graph_mod, int8ref, interp, lower, quantize, testset
from .errors import ExportError
from .quantize import hilmodel  # found in the repository when not installed


def labels_from(graph, labels, classes, source=None):
    """Labels given, else metadata_props["labels"] (a JSON list or one per line), else "0", "1", …"""
    if labels is None and "labels" in graph.metadata:
        text = graph.metadata["labels"].strip()
        try:
            labels = json.loads(text) if text.startswith("[") else text.splitlines()
        except ValueError as e:
            raise ExportError(f"metadata_props 'labels' is not a JSON list: {e}") from e
    if labels is None:
        labels = [str(i) for i in range(classes)]
    labels = [str(l) for l in labels]
    if len(labels) != classes:
        where = f"{source} holds {len(labels)} labels" if source else f"{len(labels)} labels were given"
        raise ExportError(f"the model has {classes} outputs but {where}; give one label per output, in order")
    check_labels(labels, source or "the labels")
    return labels


def check_labels(labels, where):
    """Every class needs its own non-empty name: the bench matches datasets to labels by name and
    refuses a model whose labels repeat, so such an export could never be run."""
    seen = {}
    for i, label in enumerate(labels):
        if not label.strip():
            raise ExportError(f"{where}: label {i} is empty; every class needs a name")
        if label in seen:
            raise ExportError(f'{where}: label "{label}" appears twice (classes {seen[label]} and {i}); '
                              "every class needs its own name")
        seen[label] = i


def read_labels(path):
    """A labels file: one label per line (UTF-8), blank lines ignored; duplicates refused with
    their line numbers."""
    from . import dataset
    data = dataset.read_file(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ExportError(f"{path} is not UTF-8 text (byte {e.start}); a labels file holds one label per line") from None
    if "\x00" in text:
        raise ExportError(f"{path} is not a text file; a labels file holds one label per line")
    labels, lines = [], {}
    for number, line in enumerate(text.splitlines(), 1):
        label = line.strip()
        if not label:
            continue
        if label in lines:
            raise ExportError(f'{path} line {number}: label "{label}" appears again (first on line {lines[label]}); '
                              "every class needs its own name")
        lines[label] = number
        labels.append(label)
    if not labels:
        raise ExportError(f"{path} holds no labels; give one label per line, in the model's output order")
    return labels


def int8_engine(blob, runtime_src=None):
    """(invoke function, engine description, hil_model figures or None)."""
    lib = cruntime.load_library(runtime_src)
    if lib is not None:
        rt = cruntime.Runtime(blob, lib)
        return rt.invoke, "C runtime (Sources/CHilRuntime via ctypes)", rt.m
    return int8ref.Model(blob).invoke, "numpy re-implementation of the runtime (no C runtime found)", None


DEFAULT_MIN_AGREEMENT = 0.90


def export(model, calibration, labels=None, name=None, input_range=None, runtime_src=None,
           channel_order=None, min_agreement=None, labels_source=None):
    """(blob, summary) for an ONNX model (path, bytes or ModelProto) and float NCHW calibration data.

    `input_range` is how the model reads pixels: "unit", "centered", "raw", a `contract.Pixels`
    (affine), or None (the network takes real values that are not pixels). It is written into the
    blob's input contract with the channel order. With `min_agreement` (a fraction), an export
    whose int8 top-1 agrees with the float network's on fewer calibration samples is refused."""
    pix = contract.pixels_of(input_range)
    g = graph_mod.load(model)
    chain = lower.lower(g)
    x = np.asarray(calibration, dtype=np.float64)
    if x.ndim != 4 or tuple(x.shape[1:]) != tuple(g.input_shape):
        raise ExportError(f"calibration data of shape {list(x.shape)}; the model takes N×{'×'.join(map(str, g.input_shape))}")
    in_q, layer_q = calibrate.calibrate(chain, x, pix)
    out = chain.layers[-1].out_shape
    classes = out[0] * out[1] * out[2]
    labels = labels_from(g, labels, classes, labels_source)
    if name is None:
        name = g.metadata.get("name") or (os.path.splitext(os.path.basename(model))[0]
                                          if isinstance(model, str) else "model")
    channels = chain.input_shape[2]
    order = contract.channel_order(channel_order, channels)
    written = pix.contract(channels, order) if pix is not None else hilmodel.InputContract("none", order, "nchw")
    blob = quantize.build(chain, in_q, layer_q, name, labels, contract=written)

    invoke, engine, m = int8_engine(blob, runtime_src)
    ref = int8ref.Model(blob)
    x_nhwc = np.transpose(x, (0, 2, 3, 1))
    q_in = calibrate.quantize_input(x_nhwc, in_q[0], in_q[1])
    scores = invoke(q_in).astype(np.int64)
    float_out = interp.run(g, x).reshape(len(x), -1)
    logits = floatchain.run(chain, x_nhwc).reshape(len(x), -1)
    deq = (scores - ref.output_zp) * ref.output_scale
    agree = float(np.mean(np.argmax(float_out, axis=1) == np.argmax(scores, axis=1)))
    summary = {
        "name": name,
        "input": {"h": chain.input_shape[0], "w": chain.input_shape[1], "c": chain.input_shape[2],
                  "scale": float(np.float32(in_q[0])), "zero_point": in_q[1],
                  "range": pix.name if pix is not None else "none (calibration min/max)",
                  "formula": pix.formula if pix is not None else None,
                  "channel_order": order, "layout": "nchw"},
        "output": {"classes": classes, "scale": float(np.float32(ref.output_scale)), "zero_point": ref.output_zp,
                   "logits": True},
        "labels": labels,
        "layers": [{"op": l.kind, "activation": l.activation, "in": list(l.in_shape), "out": list(l.out_shape),
                    "nodes": l.nodes, **({"source": "input" if l.source is None else l.source}
                                         if l.kind == "add" else {})} for l in chain.layers],
        "params": ref.params,
        "macs": ref.macs,
        "flash_bytes": len(blob),
        "arena_bytes": ref.arena_bytes if m is None else int(m.arena_bytes),
        "weight_bytes": None if m is None else int(m.weight_bytes),
        "softmax_dropped": chain.softmax_dropped,
        "dropped_nodes": chain.dropped,
        "calibration_samples": len(x),
        "int8_engine": engine,
        "top1_agreement": agree,
        "max_logit_error_steps": float(np.max(np.abs(deq - logits)) / ref.output_scale),
        "min_agreement": min_agreement,
    }
    if min_agreement is not None and agree < min_agreement:
        raise AgreementError(summary)
    return blob, summary


class AgreementError(ExportError):
    """The int8 model disagrees with the float one too often: wrong calibration data (0..255 floats
    for a unit model), a wrong pixel range, or a network int8 cannot represent. Nothing is written."""

    def __init__(self, summary):
        self.summary = summary
        s = summary
        hint = ("check that the calibration data is what the model was trained on, in its range "
                f"({s['input']['formula']})" if s["input"]["formula"] else
                "check that the calibration data is what the model was trained on")
        super().__init__(
            f"int8 and float top-1 agree on only {s['top1_agreement'] * 100:.1f} % of the {s['calibration_samples']} "
            f"calibration samples (largest logit error {s['max_logit_error_steps']:.1f} output steps), below the "
            f"required {s['min_agreement'] * 100:.0f} %; {hint}, or lower the bar with --min-agreement PERCENT; "
            "no model was written")


def evaluate(model, blob, test_path, input_range=None, limit=None, runtime_src=None, batch=32):
    """The float network's and the int8 blob's figures on a labelled test set, read by the one
    reader (dataset.py) as the bench reads it: what `hilctl run` on that set should report as its
    top-1. uint8 pixels map through `input_range` (the pixel mapping written into the blob);
    float32 arrays are real values, int8 arrays already-quantised inputs."""
    pix = contract.pixels_of(input_range)
    g = graph_mod.load(model)
    ref = int8ref.Model(blob)
    spec = dataset.Spec(tuple(g.input_shape), ref.labels, pixels=pix, scale=float(np.float32(ref.input_scale)),
                        zero_point=ref.input_zp, layout="nchw", channel_order=contract.channel_order_of(blob))
    s = dataset.load(test_path, spec, limit)
    invoke, engine, _ = int8_engine(blob, runtime_src)
    float_scores, int8_scores = [], []
    for start in range(0, len(s.x), batch):
        xb = s.x[start:start + batch]
        if xb.dtype == np.int8:
            q = xb
            real = (xb.astype(np.float32) - np.float32(ref.input_zp)) * np.float32(ref.input_scale)
        else:
            real = pix.to_x(xb) if xb.dtype == np.uint8 else xb.astype(np.float32)
            q = calibrate.quantize_input(real, ref.input_scale, ref.input_zp)
        float_scores.append(interp.run(g, np.transpose(real.astype(np.float64), (0, 3, 1, 2))).reshape(len(xb), -1))
        int8_scores.append(invoke(q).astype(np.int64))
    result = testset.figures(np.concatenate(float_scores), np.concatenate(int8_scores), s.y)
    result.update({"path": test_path, "int8_engine": engine, "available": s.available})
    return result


def format_test(t):
    """The test-set lines of the summary."""
    of = f" of {t['available']}" if t.get("available", t["samples"]) != t["samples"] else ""
    return (f"test set {t['path']}: {t['samples']}{of} samples; top-1 float {t['float_top1'] * 100:.2f} %, "
            f"int8 {t['int8_top1'] * 100:.2f} % ({t['int8_correct']}/{t['samples']}, int8 by the {t['int8_engine']}); "
            f"float and int8 agree on {t['float_int8_agreement'] * 100:.1f} %")


def format_summary(s):
    """The summary as the CLI prints it."""
    i, o = s["input"], s["output"]
    lines = [f"model \"{s['name']}\": {len(s['layers'])} layers, input {i['h']}×{i['w']}×{i['c']} "
             f"(scale {i['scale']:.6g}, zero point {i['zero_point']}), {o['classes']} classes",
             f"input contract  pixels {i['range']}" + (f" ({i['formula']})" if i["formula"] else
                                                        ": the network takes real values, not pixels")
             + f", channels {i['channel_order']}, layout {i['layout'].upper()}"]
    for n, l in enumerate(s["layers"]):
        act = "" if l["activation"] == "none" else f" + {l['activation']}"
        src = f" (+ {l['source'] if l['source'] == 'input' else 'layer ' + str(l['source'])})" if l["op"] == "add" else ""
        lines.append(f"  {n:3d} {l['op']}{act}{src}: {'×'.join(map(str, l['in']))} → {'×'.join(map(str, l['out']))}"
                     f"   [{', '.join(l['nodes'])}]")
    lines += [f"parameters   {s['params']}",
              f"MACs         {s['macs']}",
              f"flash bytes  {s['flash_bytes']} (the model blob)",
              f"arena bytes  {s['arena_bytes']}",
              f"output       int8 logits, scale {o['scale']:.6g}, zero point {o['zero_point']}"]
    if s["softmax_dropped"]:
        lines.append("note         the final Softmax was dropped: the board outputs logits; argmax is unchanged")
    lines.append(f"top-1 float vs int8 agreement on {s['calibration_samples']} calibration samples: "
                 f"{s['top1_agreement'] * 100:.1f} % (int8 by the {s['int8_engine']}); largest logit error "
                 f"{s['max_logit_error_steps']:.1f} output steps")
    if s.get("test"):
        lines.append(format_test(s["test"]))
    return "\n".join(lines)
