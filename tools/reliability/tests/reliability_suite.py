"""Runs a suite as CI does: `python3 -m hilreliability SUITE --quick --json F`, in a subprocess
(the suites start and kill daemons; a crash of theirs must not take pytest with it)."""
import json
import os
import subprocess
import sys
import time

import pytest

from hilreliability import paths

HERE = os.path.dirname(os.path.abspath(__file__))
missing = paths.missing_binaries()
needs_hild = pytest.mark.skipif(missing is not None, reason=f"hild/hilctl {missing}")


def run_suite(tmp_path, suite, *args, timeout=300):
    out = tmp_path / f"{suite}.json"
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "hilreliability", suite, "--quick", "--workdir", str(tmp_path),
                        "--json", str(out), *args],
                       cwd=os.path.join(HERE, ".."), capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - t0
    figures = json.loads(out.read_text()) if out.exists() else {}
    return p, figures, seconds


def checks_by_name(figures):
    return {c["name"]: c for c in figures.get("checks", [])}
