"""Reading an ONNX file into a small, checked description of the graph.

Only what the later stages need: the nodes in file order (ONNX requires topological order), the
constant tensors (initialisers and Constant nodes), the one float input with its static NCHW
shape and the one output. Anything that would make the graph impossible to run on a
microcontroller with a fixed input (several inputs, a dynamic spatial size, an operator from a
foreign domain, an opset whose semantics we have not checked) is refused here, before any
arithmetic.
"""
import os
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.external_data_helper import load_external_data_for_model

from .errors import ExportError, node_error

# The opsets whose definitions of the supported operators we checked (Clip's min/max as inputs
# since 11, Softmax over one axis since 13, nothing relevant changed up to 18).
MIN_OPSET, MAX_OPSET = 13, 18


@dataclass
class Node:
    name: str
    op_type: str
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)


@dataclass
class Graph:
    nodes: list
    constants: dict             # tensor name -> numpy array
    input_name: str
    input_shape: tuple          # (C, H, W); the batch dimension is 1 or symbolic
    output_name: str
    opset: int
    metadata: dict              # metadata_props, key -> value

    def consumers(self, tensor):
        return [n for n in self.nodes if tensor in n.inputs]


def _attr_value(a):
    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, onnx.TensorProto):
        return numpy_helper.to_array(v)
    if isinstance(v, list):
        return [x.decode("utf-8") if isinstance(x, bytes) else x for x in v]
    return v


def _constant_value(node):
    """The value of a Constant node, whichever of its attributes holds it."""
    a = node.attrs
    if "value" in a:
        return np.asarray(a["value"])
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32),
                       ("value_int", np.int64), ("value_ints", np.int64)):
        if key in a:
            return np.asarray(a[key], dtype=dtype)
    raise node_error(node, "a Constant without a numeric value is not supported")


def _read(model):
    """(ModelProto, how messages name it) from a path, bytes or a ModelProto. Every way the file can
    be unusable (missing, empty, cut short, another kind of file) is one sentence naming it."""
    if isinstance(model, onnx.ModelProto):
        return model, "the ONNX model"
    if isinstance(model, bytes):
        where, data, folder = "the ONNX bytes given", model, None
    else:
        path = os.fspath(model)
        where, folder = str(path), os.path.dirname(os.path.abspath(path))
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise ExportError(f"{where}: no such file") from None
        except IsADirectoryError:
            raise ExportError(f"{where} is a folder; give the .onnx file torch.onnx.export wrote") from None
        except OSError as e:
            raise ExportError(f"{where}: cannot read it ({e.strerror})") from None
    if not data:
        raise ExportError(f"{where} {'are' if isinstance(model, bytes) else 'is'} empty; export the model with torch.onnx.export")
    try:
        proto = onnx.load_from_string(data)
    except Exception:  # protobuf's DecodeError says only "Wire format was corrupt"; say what it looks like
        proto = None
    # Protobuf skips unknown fields, so some non-ONNX bytes parse "successfully" into a model with
    # no graph; a real export always has a graph and an IR version.
    if proto is None or not proto.HasField("graph") or proto.ir_version == 0:
        raise ExportError(f"{where} {'are' if isinstance(model, bytes) else 'is'} not a readable ONNX model ({_what_it_looks_like(data)}); re-export it")
    if folder is not None:
        try:  # weights torch stored beside the file (models over 2 GB; harmless otherwise)
            load_external_data_for_model(proto, folder)
        except (OSError, ValueError) as e:
            raise ExportError(f"{where}: cannot read the weights it stores in other files ({e})") from None
    return proto, where


def _what_it_looks_like(data):
    """A short reason an unparsable file is not ONNX, for the error message."""
    try:
        text = data.decode("utf-8")
        if "\x00" not in text:
            return "it holds text, not ONNX protobuf data"
    except UnicodeDecodeError:
        pass
    return "its data is cut short, damaged or not ONNX at all"


def load(model):
    """Graph from a path, bytes (the file's contents) or an onnx.ModelProto."""
    model, where = _read(model)
    g = model.graph

    opsets = [imp.version for imp in model.opset_import if imp.domain in ("", "ai.onnx")]
    rerun = f"re-export with torch.onnx.export(..., opset_version={MAX_OPSET - 1})"
    if not opsets:
        raise ExportError(f"{where} records no ONNX opset (its opset_import has no entry for the default "
                          f"domain); hil-export reads opsets {MIN_OPSET} to {MAX_OPSET}: {rerun}")
    opset = opsets[-1]
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(f"{where} uses ONNX opset {opset}; hil-export reads opsets {MIN_OPSET} to "
                          f"{MAX_OPSET} ({rerun})")

    constants = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    nodes = []
    for i, n in enumerate(g.node):
        node = Node(n.name or f"{n.op_type}_{i}", n.op_type, list(n.input), list(n.output),
                    {a.name: _attr_value(a) for a in n.attribute})
        if n.domain not in ("", "ai.onnx"):
            raise node_error(node, f"operator from domain '{n.domain}' is not supported by the hil runtime")
        if node.op_type == "Constant":
            constants[node.outputs[0]] = _constant_value(node)
            continue
        nodes.append(node)

    # Old exporters list initialisers among the inputs too; those are weights, not inputs.
    inputs = [i for i in g.input if i.name not in constants]
    if len(inputs) != 1:
        raise ExportError(f"the model has {len(inputs)} non-constant inputs "
                          f"({', '.join(i.name for i in inputs)}); hil models take exactly one image")
    inp = inputs[0]
    if inp.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        raise ExportError(f'input "{inp.name}" is not float32; export the float model')
    dims = inp.type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if len(shape) != 4 or any(v is None or v < 1 for v in shape[1:]) or shape[0] not in (None, 1):
        pretty = ["?" if v is None else v for v in shape]
        raise ExportError(f'input "{inp.name}" has shape {pretty}; hil needs a static N×C×H×W image input '
                          "(batch 1 or symbolic, C, H and W fixed): export with a fixed-size dummy input "
                          "and without dynamic_axes on the spatial dimensions")
    if len(g.output) != 1:
        raise ExportError(f"the model has {len(g.output)} outputs; hil models have one (the class scores)")

    meta = {p.key: p.value for p in model.metadata_props}
    return Graph(nodes, constants, inp.name, tuple(shape[1:]), g.output[0].name, opset, meta)
