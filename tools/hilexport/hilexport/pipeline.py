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

from . import calibrate, cruntime, floatchain, graph as graph_mod, int8ref, interp, lower, quantize, testset
from .errors import ExportError


def labels_from(graph, labels, classes):
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
        raise ExportError(f"the model has {classes} outputs but {len(labels)} labels")
    return labels


def read_labels(path):
    """A labels file: one label per line, blank lines ignored."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def int8_engine(blob, runtime_src=None):
    """(invoke function, engine description, hil_model figures or None)."""
    lib = cruntime.load_library(runtime_src)
    if lib is not None:
        rt = cruntime.Runtime(blob, lib)
        return rt.invoke, "C runtime (Sources/CHilRuntime via ctypes)", rt.m
    return int8ref.Model(blob).invoke, "numpy re-implementation of the runtime (no C runtime found)", None


def export(model, calibration, labels=None, name=None, input_range=None, runtime_src=None):
    """(blob, summary) for an ONNX model (path, bytes or ModelProto) and float NCHW calibration data."""
    g = graph_mod.load(model)
    chain = lower.lower(g)
    x = np.asarray(calibration, dtype=np.float64)
    if x.ndim != 4 or tuple(x.shape[1:]) != tuple(g.input_shape):
        raise ExportError(f"calibration data of shape {list(x.shape)}; the model takes N×{'×'.join(map(str, g.input_shape))}")
    in_q, layer_q = calibrate.calibrate(chain, x, input_range)
    out = chain.layers[-1].out_shape
    classes = out[0] * out[1] * out[2]
    labels = labels_from(g, labels, classes)
    if name is None:
        name = g.metadata.get("name") or (os.path.splitext(os.path.basename(model))[0]
                                          if isinstance(model, str) else "model")
    blob = quantize.build(chain, in_q, layer_q, name, labels)

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
                  "range": input_range or "calibration min/max"},
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
    }
    return blob, summary


def evaluate(model, blob, test_path, input_range, limit=None, runtime_src=None, batch=32):
    """The float network's and the int8 blob's figures on a labelled test set (testset.py), read
    as the bench reads it: what `hilctl run` on that set should report as its top-1."""
    if input_range not in calibrate.PIXEL_RANGES:
        raise ExportError("evaluating on a test set needs --input-range (unit, centered or raw): how the bench "
                          "turns the test images' pixels into the model's inputs")
    g = graph_mod.load(model)
    ref = int8ref.Model(blob)
    pixels, y, sources = testset.load(test_path, g.input_shape, ref.labels, limit)
    invoke, engine, _ = int8_engine(blob, runtime_src)
    x = calibrate.PIXEL_TO_X[input_range](pixels.astype(np.float64))          # N×H×W×C
    float_scores, int8_scores = [], []
    for start in range(0, len(x), batch):
        xb = x[start:start + batch]
        float_scores.append(interp.run(g, np.transpose(xb, (0, 3, 1, 2))).reshape(len(xb), -1))
        int8_scores.append(invoke(calibrate.quantize_input(xb, ref.input_scale, ref.input_zp)).astype(np.int64))
    result = testset.figures(np.concatenate(float_scores), np.concatenate(int8_scores), y)
    result.update({"path": test_path, "int8_engine": engine})
    return result


def format_test(t):
    """The test-set lines of the summary."""
    return (f"test set {t['path']}: {t['samples']} samples; top-1 float {t['float_top1'] * 100:.2f} %, "
            f"int8 {t['int8_top1'] * 100:.2f} % ({t['int8_correct']}/{t['samples']}, int8 by the {t['int8_engine']}); "
            f"float and int8 agree on {t['float_int8_agreement'] * 100:.1f} %")


def format_summary(s):
    """The summary as the CLI prints it."""
    i, o = s["input"], s["output"]
    lines = [f"model \"{s['name']}\": {len(s['layers'])} layers, input {i['h']}×{i['w']}×{i['c']} "
             f"(scale {i['scale']:.6g}, zero point {i['zero_point']}, {i['range']}), {o['classes']} classes"]
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
