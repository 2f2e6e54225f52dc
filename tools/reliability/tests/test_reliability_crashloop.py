"""The crash loop at CI size (40 jobs, 18 SIGKILLs), then the end-of-run checks turned on the
state it left after damaging it, to show each check can fail."""
import json
import os
import sqlite3

from reliability_suite import checks_by_name, needs_hild, run_suite

from hilreliability import storecheck

pytestmark = needs_hild


def test_crash_loop_loses_nothing_and_the_checks_catch_damage(tmp_path):
    p, figures, seconds = run_suite(tmp_path, "crash-loop", "--keep", "--seed", "5")
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    checks = checks_by_name(figures)
    assert all(c["ok"] for c in checks.values()), [c for c in checks.values() if not c["ok"]]
    assert len(figures["kills"]) >= 18
    for moment in ("submit", "upload", "flash", "streaming", "result-write", "shutdown"):
        assert figures["counts"][moment] >= 1, moment
    stats = figures["stats"]
    assert stats["acked"] >= 40 and stats["jobs_in_store"] >= stats["acked"]
    assert set(stats["states"]) <= {"passed", "failed", "errored", "cancelled"}
    assert stats["reports"] > 0
    print(f"crash-loop --quick: {seconds:.0f} s")

    state = figures["state_dir"]
    acked = {int(k): v for k, v in figures["acked"].items()}

    def failing():
        checks, _ = storecheck.verify(state, acked)
        return {c.name for c in checks if not c.ok}

    assert failing() == set()
    con = sqlite3.connect(storecheck.db_path(state))
    job, model = con.execute("SELECT job_id, body FROM report LIMIT 1").fetchone()
    # A report naming another model.
    body = json.loads(model)
    body["model"]["sha256"] = "0" * 64
    con.execute("UPDATE report SET body = ? WHERE job_id = ?", (json.dumps(body), job))
    # A job finished twice.
    seq = con.execute("SELECT MAX(seq) FROM job_event WHERE job_id = ?", (job,)).fetchone()[0]
    con.execute("INSERT INTO job_event (job_id, seq, time, kind, message, state) "
                "SELECT job_id, ?, time, kind, message, state FROM job_event WHERE job_id = ? AND kind = 'finished'",
                (seq + 1, job))
    # An acknowledged job gone.
    # (a job with a report, so its report is left without its job)
    lost = con.execute("SELECT MAX(job_id) FROM report WHERE job_id != ?", (job,)).fetchone()[0]
    con.execute("DELETE FROM job WHERE id = ?", (lost,))
    con.commit()
    con.close()
    # A half-written artifact under its final name.
    artifacts = os.path.join(state, "artifacts")
    victim = sorted(f for f in os.listdir(artifacts) if f != ".incoming")[0]
    with open(os.path.join(artifacts, victim), "r+b") as f:
        f.truncate(os.path.getsize(f.name) // 2)
    assert failing() >= {
        "every report names its job's model sha256",
        "no job finished twice (one 'finished' event each)",
        "every acknowledged job is in the store",
        "every report belongs to a stored job",
        "every artifact file's content hashes to its name",
        "every artifact row has its complete file",
    }
