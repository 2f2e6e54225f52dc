"""The load suite at CI size: 50 clients for 8 s on 16 mock boards with 500 stored jobs."""
import math

from reliability_suite import checks_by_name, needs_hild, run_suite

pytestmark = needs_hild


def test_load_answers_every_request_and_reports_latency_and_memory(tmp_path):
    p, figures, seconds = run_suite(tmp_path, "load")
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert figures["errors"] == []
    for route, f in figures["latency_ms"].items():
        assert f["n"] > 0 and 0 < f["p50"] <= f["p99"] and not math.isnan(f["p99"]), route
    assert figures["finished_during"] > 0
    for when in ("idle", "stored", "after"):
        rss, peak = figures["memory_mib"][when]
        assert 0 < rss <= peak
    # The memory aim is reported, never a gate.
    aim = checks_by_name(figures)["aim: RSS < 60 MB with 16 boards (idle / stored / after)"]
    assert aim["gate"] is False
    print(f"load --quick: {seconds:.0f} s")
