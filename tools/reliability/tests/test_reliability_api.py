"""The api suite at CI size: schemathesis with 10 cases per operation, auth, socket mode,
traversal, limits and a full disk."""
import importlib.util

import pytest
from reliability_suite import checks_by_name, needs_hild, run_suite

pytestmark = [needs_hild, pytest.mark.skipif(importlib.util.find_spec("schemathesis") is None,
                                             reason="schemathesis is not installed (scripts/setup installs it)")]


def test_api_conforms_refuses_what_it_must_and_survives_a_full_disk(tmp_path):
    p, figures, seconds = run_suite(tmp_path, "api", timeout=600)
    checks = checks_by_name(figures)
    failing = {name for name, c in checks.items() if c["gate"] and not c["ok"]}
    assert not failing, p.stdout[-6000:] + p.stderr[-2000:]
    assert p.returncode == 0
    st = figures["schemathesis"]
    assert st["requests"] > 100 and not any(int(s) >= 500 for s in st["statuses"])
    assert not st["failures"], st["failures"]
    for name in ("TCP, no token -> 401 + WWW-Authenticate", "TCP, wrong token (one character) -> 401 + WWW-Authenticate",
                 "Unix socket is a socket with mode 0660",
                 "artifact ids that try path traversal are refused (400/404, no bytes leak)",
                 "chunked upload of 48 MiB -> 413, nothing written",
                 "full disk: an upload -> 507 insufficient_storage, nothing stored",
                 "full disk: every acknowledged job survives a restart"):
        assert checks[name]["ok"], checks[name]
    print(f"api --quick: {seconds:.0f} s")
