"""The exporter's one error type: every refusal says which node and operator it is about, so a
user can find it in Netron or in the torch module, and never gets a silently different model."""


class ExportError(Exception):
    """Something in the model, the calibration data or the options the exporter cannot honour."""


def node_error(node, why):
    """An ExportError about one ONNX node: `node "<name>" (<op>): <why>`."""
    return ExportError(f'node "{node.name}" ({node.op_type}): {why}')
