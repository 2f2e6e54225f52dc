"""Runs the schemathesis CLI (`python3 -m hilreliability.st_runner run …`) with one patch.

Hypothesis names a filter's lambda for its repr by parsing the lambda's source file with
ast.parse; on CPython 3.11.7 (pyenv's python3 on this machine) that can raise SystemError
"AST constructor recursion depth mismatch" (a CPython bug), which schemathesis then reports as an
error of the operation under test although the API was never asked anything. The description is
only a label, so a SystemError there falls back to the generic one hypothesis itself uses.
"""
import sys

from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _safe_description(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _safe_description

if __name__ == "__main__":
    from schemathesis.cli import schemathesis

    sys.exit(schemathesis(prog_name="schemathesis"))
