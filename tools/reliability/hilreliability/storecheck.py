"""Offline checks of a hild state directory (hild stopped, or a copy of its files): the schema is
the one in Sources/HildStore/Schema.swift — job, job_event, report, sample_result, artifact — and
artifacts/<sha256> holds the bytes of each upload (written to artifacts/.incoming, then renamed),
datasets/<sha256>/ the unpacked archive (unpacked into datasets/.unpacking-*, then renamed)."""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tarfile

from .figures import Check
from .workload import tar_members

TERMINAL = {"passed", "failed", "errored", "cancelled"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def db_path(state_dir):
    return os.path.join(state_dir, "hild.sqlite")


def snapshot(state_dir, dest):
    """Copies the database with its WAL and shared-memory files, as a killed hild left them, so
    they can be read without touching (or checkpointing) the files the next hild opens."""
    os.makedirs(dest, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = db_path(state_dir) + suffix
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(dest, "hild.sqlite" + suffix))
    return os.path.join(dest, "hild.sqlite")


def integrity(path):
    con = sqlite3.connect(path)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
    return rows, fk


def running_jobs(path):
    """What each job the store has as running was doing when hild died: a list of
    {"job", "attempt", "last", "class"} where class is prepare, flash, hello, streaming or
    result-write (all samples streamed, or the report already stored without the verdict)."""
    con = sqlite3.connect(path)
    out = []
    try:
        for job_id, attempts in con.execute("SELECT id, attempts FROM job WHERE state = 'running'").fetchall():
            last = con.execute(
                "SELECT kind, progress FROM job_event WHERE job_id = ? AND kind NOT IN ('log', 'cancel_requested') "
                "ORDER BY seq DESC LIMIT 1", (job_id,)).fetchone()
            kind, progress = last if last else (None, None)
            progress = json.loads(progress) if progress else {}
            has_report = con.execute("SELECT 1 FROM report WHERE job_id = ? AND attempt = ?",
                                     (job_id, attempts)).fetchone() is not None
            if has_report:
                cls, sub = "result-write", "report stored, verdict not"
            elif kind == "progress" and progress.get("total") and progress.get("done") == progress.get("total"):
                cls, sub = "result-write", "every sample streamed, report not stored"
            elif kind in ("streaming", "progress"):
                cls, sub = "streaming", f"{progress.get('done', 0)}/{progress.get('total', 0)}"
            elif kind == "hello":
                cls, sub = "hello", ""
            elif kind == "flashing":
                cls, sub = "flash", ""
            else:
                cls, sub = "prepare", kind or ""
            out.append({"job": job_id, "attempt": attempts, "last": kind, "class": cls, "sub": sub})
    finally:
        con.close()
    return out


def _sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(state_dir, acked, expect_all_terminal=True):
    """The end-of-run checks. `acked` maps each job id the API acknowledged (201) to the SHA-256s
    of the model and dataset bytes uploaded for it, computed here, not by hild."""
    checks, stats = [], {}
    path = db_path(state_dir)

    rows, fk = integrity(path)
    checks.append(Check("PRAGMA integrity_check", rows == ["ok"], ", ".join(rows[:5])))
    checks.append(Check("PRAGMA foreign_key_check", not fk, f"{len(fk)} violation(s)"))

    con = sqlite3.connect(path)
    try:
        jobs = {r[0]: {"state": r[1], "attempts": r[2], "spec": json.loads(r[3]), "summary": r[4],
                       "failure_kind": r[5], "reason": r[6]}
                for r in con.execute("SELECT id, state, attempts, spec, summary, failure_kind, reason FROM job")}
        events = {}
        for job_id, seq, kind, state in con.execute("SELECT job_id, seq, kind, state FROM job_event ORDER BY job_id, seq"):
            events.setdefault(job_id, []).append((seq, kind, state))
        reports = {}
        for job_id, attempt, body in con.execute("SELECT job_id, attempt, body FROM report ORDER BY job_id, attempt"):
            reports.setdefault(job_id, []).append((attempt, body))
        sample_counts = {(j, a): n for j, a, n in con.execute(
            "SELECT job_id, attempt, COUNT(*) FROM sample_result GROUP BY job_id, attempt")}
        artifact_rows = {r[0]: (r[1], r[2]) for r in con.execute("SELECT id, kind, size FROM artifact")}
    finally:
        con.close()

    states = {}
    for j in jobs.values():
        states[j["state"]] = states.get(j["state"], 0) + 1
    stats["jobs_in_store"], stats["states"] = len(jobs), states
    reasons = {}
    for j in jobs.values():
        if j["state"] in ("errored", "failed"):
            key = f"{j['state']}/{j['failure_kind']}: " + re.sub(r"\d+", "N", (j["reason"] or "")[:90])
            reasons[key] = reasons.get(key, 0) + 1
    stats["failure_reasons"] = reasons
    stats["acked"] = len(acked)

    missing = sorted(set(acked) - set(jobs))
    checks.append(Check("every acknowledged job is in the store", not missing,
                        f"{len(acked)} acknowledged, {len(missing)} missing" + (f": {missing[:10]}" if missing else "")))
    unacked = sorted(set(jobs) - set(acked))
    stats["unacknowledged_in_store"] = unacked
    if expect_all_terminal:
        open_jobs = sorted(i for i, j in jobs.items() if j["state"] not in TERMINAL)
        checks.append(Check("every job is in a terminal state", not open_jobs,
                            f"{len(jobs)} jobs: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
                            + (f"; not terminal: {open_jobs[:10]}" if open_jobs else "")))
    wrong_spec = [i for i, a in acked.items() if i in jobs and
                  (jobs[i]["spec"].get("model") != a["model"] or jobs[i]["spec"].get("dataset") != a["dataset"])]
    checks.append(Check("each stored spec names the bytes uploaded for it", not wrong_spec,
                        f"{len(wrong_spec)} mismatch(es)" + (f": {wrong_spec[:10]}" if wrong_spec else "")))

    # Events: exactly one finished event, the last, agreeing with the state; seqs 1..n.
    twice, not_last, disagree, gaps, no_finish = [], [], [], [], []
    for i, j in jobs.items():
        ev = events.get(i, [])
        seqs = [e[0] for e in ev]
        if seqs != list(range(1, len(seqs) + 1)) or not ev or ev[0][1] != "queued":
            gaps.append(i)
        finished = [e for e in ev if e[1] == "finished"]
        if len(finished) > 1:
            twice.append(i)
        if j["state"] in TERMINAL:
            if not finished:
                no_finish.append(i)
            elif ev[-1][1] != "finished":
                not_last.append(i)
            elif finished[-1][2] != j["state"]:
                disagree.append(i)
    checks.append(Check("no job finished twice (one 'finished' event each)", not twice,
                        f"{len(twice)} with more than one" + (f": {twice[:10]}" if twice else "")))
    checks.append(Check("every terminal job has its 'finished' event, last, with its state",
                        not (no_finish or not_last or disagree),
                        f"missing {len(no_finish)}, not last {len(not_last)}, state differs {len(disagree)}"
                        + (f": {(no_finish + not_last + disagree)[:10]}" if no_finish or not_last or disagree else "")))
    checks.append(Check("event seqs run 1..n from 'queued'", not gaps, f"{len(gaps)} job(s) with gaps" + (f": {gaps[:10]}" if gaps else "")))

    # Reports: each names the job's own model and dataset, and holds as many samples as stored rows.
    bad_model, bad_dataset, bad_count, unreadable, verdict_without = [], [], [], [], []
    multi = 0
    orphans = [i for i in reports if i not in jobs]
    for i, reps in reports.items():
        if i not in jobs:
            continue      # a report whose job row is gone: counted below
        spec = jobs[i]["spec"]
        want = acked.get(i, {"model": spec.get("model"), "dataset": spec.get("dataset")})
        if len(reps) > 1:
            multi += 1
        for attempt, body in reps:
            try:
                r = json.loads(body)
            except ValueError:
                unreadable.append(i)
                continue
            if r.get("model", {}).get("sha256") != want["model"]:
                bad_model.append((i, attempt))
            if f"/datasets/{want['dataset']}" not in r.get("dataset", ""):
                bad_dataset.append((i, attempt))
            if r.get("accuracy", {}).get("total") != sample_counts.get((i, attempt), 0):
                bad_count.append((i, attempt))
    for i, j in jobs.items():
        judged = j["state"] == "passed" or (j["state"] == "failed" and j["summary"])
        if judged and i not in reports:
            verdict_without.append(i)
    n_reports = sum(len(v) for v in reports.values())
    stats["reports"], stats["jobs_with_reports_of_several_attempts"] = n_reports, multi
    checks.append(Check("every report names its job's model sha256", not (bad_model or unreadable),
                        f"{n_reports} report(s), {len(bad_model)} wrong, {len(unreadable)} unreadable"
                        + (f": {bad_model[:5]}" if bad_model else "")))
    checks.append(Check("every report names its job's dataset sha256", not bad_dataset,
                        f"{len(bad_dataset)} wrong" + (f": {bad_dataset[:5]}" if bad_dataset else "")))
    checks.append(Check("each report's sample count equals its stored sample rows", not bad_count,
                        f"{len(bad_count)} differ" + (f": {bad_count[:5]}" if bad_count else "")))
    checks.append(Check("every report belongs to a stored job", not orphans,
                        f"{len(orphans)} orphan(s)" + (f": {orphans[:10]}" if orphans else "")))
    checks.append(Check("every job judged on a run has a report", not verdict_without,
                        f"{len(verdict_without)} without" + (f": {verdict_without[:10]}" if verdict_without else "")))

    checks += verify_artifacts(state_dir, artifact_rows, stats)
    return checks, stats


def verify_artifacts(state_dir, artifact_rows, stats):
    checks = []
    adir = os.path.join(state_dir, "artifacts")
    bad_name, bad_hash, orphans, files = [], [], [], {}
    for name in os.listdir(adir):
        p = os.path.join(adir, name)
        if name == ".incoming":
            continue
        if not HEX64.match(name) or not os.path.isfile(p):
            bad_name.append(name)
            continue
        files[name] = os.path.getsize(p)
        if _sha_file(p) != name:
            bad_hash.append(name)
        if name not in artifact_rows:
            orphans.append(name)
    no_file = [i for i, (_, size) in artifact_rows.items() if files.get(i) != size]
    incoming = os.listdir(os.path.join(adir, ".incoming"))
    stats.update(artifact_rows=len(artifact_rows), artifact_files=len(files), files_without_row=len(orphans),
                 incoming_leftovers=len(incoming))
    checks.append(Check("every artifact file's content hashes to its name", not (bad_hash or bad_name),
                        f"{len(files)} file(s), {len(bad_hash)} wrong hash, {len(bad_name)} odd name(s)"
                        + (f": {(bad_hash + bad_name)[:5]}" if bad_hash or bad_name else "")))
    checks.append(Check("every artifact row has its complete file", not no_file,
                        f"{len(artifact_rows)} row(s), {len(no_file)} without a file of their size"
                        + (f": {no_file[:5]}" if no_file else "")))
    checks.append(Check("only complete files under final names (temp files stay in .incoming)", not bad_name,
                        f"{len(incoming)} temp file(s) left in .incoming, {len(orphans)} complete file(s) without a row (adopted by a later upload)"))

    ddir = os.path.join(state_dir, "datasets")
    wrong_sets, staging = [], []
    checked = 0
    if os.path.isdir(ddir):
        for name in os.listdir(ddir):
            if name.startswith(".unpacking-"):
                staging.append(name)
                continue
            archive = os.path.join(adir, name)
            if not HEX64.match(name) or not os.path.isfile(archive):
                wrong_sets.append(name)
                continue
            with open(archive, "rb") as f:
                try:
                    want = tar_members(f.read())
                except (tarfile.TarError, EOFError, OSError) as e:
                    want = f"unreadable archive: {e}"
            have = {}
            root = os.path.join(ddir, name)
            for dirpath, _, filenames in os.walk(root):
                for fn in filenames:
                    p = os.path.join(dirpath, fn)
                    have[os.path.relpath(p, root)] = _sha_file(p)
            checked += 1
            if have != want:
                wrong_sets.append(name)
    stats.update(unpacked_datasets=checked, unpacking_leftovers=len(staging))
    checks.append(Check("every unpacked dataset equals its archive", not wrong_sets,
                        f"{checked} checked, {len(wrong_sets)} differ, {len(staging)} half-unpacked staging folder(s) left under .unpacking-*"
                        + (f": {wrong_sets[:5]}" if wrong_sets else "")))
    # A kill mid-unpack leaves a staging folder; the next start sweeps it, so none survive a clean stop.
    checks.append(Check("no half-unpacked staging folder survives a restart", not staging,
                        f"{len(staging)} left under .unpacking-*"))
    return checks
