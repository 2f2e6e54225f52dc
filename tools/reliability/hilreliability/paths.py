"""Where the repository and the built binaries are."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HILD = os.path.join(ROOT, ".build", "debug", "hild")
HILCTL = os.path.join(ROOT, ".build", "debug", "hilctl")
BOARDS = os.path.join(ROOT, "boards")
EXAMPLE_MODEL = os.path.join(ROOT, "examples", "shapes", "shapes.hilm")
EXAMPLE_HOLDOUT = os.path.join(ROOT, "examples", "shapes", "holdout")
OPENAPI = os.path.join(ROOT, "docs", "api", "openapi.yaml")

# hilmodel is not on PyPI; it is used from the repository, as tools/hilexport does.
_HILMODEL = os.path.join(ROOT, "tools", "hilmodel")
if _HILMODEL not in sys.path:
    sys.path.insert(0, _HILMODEL)


def missing_binaries(hild=HILD, hilctl=HILCTL):
    """The binaries that are not built, as a sentence, or None."""
    absent = [p for p in (hild, hilctl) if not os.access(p, os.X_OK)]
    if not absent:
        return None
    return "not built: " + ", ".join(absent) + " (swift build)"
