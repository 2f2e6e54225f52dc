"""crash-loop: SIGKILL hild again and again at chosen moments of its work, restart it on the same
state directory each time, drain the queue, then check that nothing was lost, doubled or
half-written.

Where a kill landed is not assumed from when it was sent: it is read back. A submit or upload
killed with the request in flight is one whose client got no answer (an answer that made it
out before the kill means the kill landed after it). A job's phase at the kill is read from a
copy of the database the killed hild left (its last event, whether its report was stored), the
same rows recovery reads at the next start. A kill during shutdown is one sent after SIGTERM to a
hild still running.
"""
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import numpy as np

from . import paths, storecheck, workload
from .client import Client, sse_events
from .daemon import Hild
from .figures import Check, exit_status, print_checks, table, write_json

CLASSES = ["submit", "upload", "flash", "streaming", "result-write", "shutdown"]
OTHER = ["prepare", "hello", "idle"]


class Plan:
    """One job to submit: which model, which dataset (made from the seed when needed)."""

    def __init__(self, index, seed, n_models):
        self.index = index
        self.model = index % n_models
        self.big = index % 6 == 5          # every sixth job carries a large (npy) dataset
        self.seed = seed
        self.limit = 6 + index % 7
        self._dataset = None

    def dataset(self):
        if self._dataset is None:
            rng = np.random.default_rng([self.seed, self.index])
            self._dataset = workload.npy_dataset(rng, 3000 + self.index) if self.big else workload.image_dataset(rng, 12)
        return self._dataset

    def spec(self, model_sha, dataset_sha):
        return {"name": f"crash-loop-{self.index}", "model": model_sha, "dataset": dataset_sha,
                "options": {"limit": self.limit, "baud": 921600}}


class Killed(Exception):
    """The request got no answer: hild died under it."""


class CrashLoop:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = tempfile.mkdtemp(prefix="hil-crash-loop-", dir=args.workdir)
        self.state = os.path.join(self.work, "state")
        os.makedirs(self.state)
        # Unix socket paths are limited to 107 bytes: keep it short and beside the state.
        self.hild = Hild(self.state, socket_path=os.path.join(self.work, "s"), boards=args.boards,
                         core=args.core, hild=args.hild, log_path=os.path.join(self.work, "hild.log"))
        self.client = self.hild.client
        self.models = workload.models(args.models, seed=args.seed)
        self.model_sha = [workload.sha256(m) for m in self.models]
        self.plans = [Plan(i, args.seed, len(self.models)) for i in range(args.jobs)]
        self.pending = list(self.plans)   # not yet acknowledged
        self.acked = {}                   # job id -> {"model", "dataset", "plan"}
        self.kills = []                   # one dict per SIGKILL delivered to a live hild
        self.snapshots = 0
        self.snapshot_integrity_failures = []
        self.restart_seconds = []
        self.shutdown_max = 0.8
        self.graceful_exits = []
        self.unanswered = {"submit": 0, "upload": 0}

    # ---- requests -----------------------------------------------------------------------

    def ensure(self, kind, data):
        sha = workload.sha256(data)
        r = self.client.request("GET", f"/v1/artifacts/{sha}")
        if r.status == 200:
            return sha
        r = self.client.put_artifact(kind, data)
        if r.status != 201 or r.json()["id"] != sha:
            raise RuntimeError(f"upload of a {kind}: {r.status} {r.body[:300]!r}")
        return sha

    def submit(self, plan):
        """Uploads what the plan needs and submits it; records the acknowledged id."""
        m = self.ensure("model", self.models[plan.model])
        d = self.ensure("dataset", plan.dataset())
        r = self.client.submit(plan.spec(m, d))
        if r.status != 201:
            raise RuntimeError(f"submit: {r.status} {r.body[:300]!r}")
        self.ack(r.json()["id"], plan, m, d)
        return r.json()["id"]

    def ack(self, job_id, plan, m, d):
        self.acked[job_id] = {"model": m, "dataset": d, "plan": plan.index}
        if plan in self.pending:
            self.pending.remove(plan)
        plan._dataset = None if plan.big else plan._dataset   # large sets are made again if needed

    def next_plan(self):
        """The next job to submit; once the planned ones are all in, more are made, so every
        kill still has a job to aim at (the run then submits more than --jobs)."""
        if not self.pending:
            plan = Plan(len(self.plans), self.args.seed, len(self.models))
            self.plans.append(plan)
            self.pending.append(plan)
        return self.pending[0]

    def submit_some(self, n):
        ids = []
        for _ in range(n):
            if not self.pending:
                break
            ids.append(self.submit(self.pending[0]))
        return ids

    def raw_post(self, path, body, content_type, split):
        """Sends a POST by hand so the kill can be placed: after `split` bytes of the body (None:
        the whole body). Returns the open socket."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.hild.socket_path)
        head = (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        s.sendall(head + body[: len(body) if split is None else split])
        return s

    @staticmethod
    def read_answer(s):
        """The status and JSON body that reached the socket, or None when hild died first."""
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
        except OSError:
            pass
        finally:
            s.close()
        data = b"".join(chunks)
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 "):
            return None
        status = int(head.split()[1])
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    # ---- the kill ---------------------------------------------------------------------

    def kill(self, target, detail, landed_extra=()):
        """SIGKILL now; then read where it landed from the files the dead hild left."""
        t = time.monotonic()
        if not self.hild.kill():
            return None
        snap = storecheck.snapshot(self.state, os.path.join(self.work, "snap"))
        self.snapshots += 1
        rows, _ = storecheck.integrity(snap)
        if rows != ["ok"]:
            keep = os.path.join(self.work, f"snap-{len(self.kills)}")
            shutil.copytree(os.path.dirname(snap), keep)
            self.snapshot_integrity_failures.append((len(self.kills), rows[:3], keep))
        jobs = storecheck.running_jobs(snap)
        landed = set(landed_extra) | {j["class"] for j in jobs}
        kill = {"n": len(self.kills) + 1, "target": target, "detail": detail, "landed": sorted(landed),
                "running": jobs, "uptime": round(t - self.hild.started_at, 3)}
        kill["primary"] = target if target in landed else next(
            (c for c in CLASSES + OTHER if c in landed), "idle")
        if not landed:
            kill["landed"] = ["idle"]
        self.kills.append(kill)
        if self.args.verbose:
            print(f"kill {kill['n']:3d}: target {target:12s} landed {','.join(kill['landed']):30s} {detail}", flush=True)
        return kill

    def kill_on(self, job, target, detail):
        """A kill aimed at one job's moment; the detail says what that job was found doing."""
        kill = self.kill(target, detail)
        if kill:
            mine = [j for j in kill["running"] if j["job"] == job]
            kill["detail"] += f" -> found {mine[0]['class']} {mine[0]['sub']}".rstrip() if mine else " -> found it no longer running"
            if self.args.verbose:
                print(f"          {kill['detail']}", flush=True)
        return kill

    def start(self):
        self.hild.start()
        self.restart_seconds.append(self.hild.ready_seconds)

    # ---- targeted moments ---------------------------------------------------------------

    def at_submit(self):
        """Kill with a POST /v1/jobs in flight: whole request sent (hild decoding, checking,
        committing), or cut inside the body."""
        plan = self.next_plan()
        m = self.ensure("model", self.models[plan.model])
        d = self.ensure("dataset", plan.dataset())
        body = json.dumps(plan.spec(m, d)).encode()
        split = None if self.rng.random() < 0.75 else self.rng.randrange(1, len(body))
        s = self.raw_post("/v1/jobs", body, "application/json", split)
        if split is None:
            time.sleep(self.rng.random() * 0.004)
        kill = self.kill("submit", "request sent, no answer yet" if split is None else f"cut at byte {split}/{len(body)}",
                         ("submit",))
        answer = self.read_answer(s)
        if answer and answer[0] == 201:
            self.ack(answer[1]["id"], plan, m, d)
            if kill and "submit" in kill["landed"]:
                kill["landed"].remove("submit")
                kill["primary"] = next((c for c in CLASSES + OTHER if c in kill["landed"]), "idle")
        elif kill:
            self.unanswered["submit"] += 1
        return kill

    def at_upload(self):
        """Kill during POST /v1/artifacts of a large dataset: inside the body, or once it is all
        sent (hild hashing, writing the temp file, renaming, committing the row)."""
        # A set of its own each time (no job uses it): an upload hild already holds would be
        # answered from the existing file without the write this moment is about.
        data = workload.npy_dataset(np.random.default_rng([self.args.seed, 10**6 + len(self.kills)]), 3000 + len(self.kills))
        split = None if self.rng.random() < 0.5 else self.rng.randrange(1, len(data))
        s = self.raw_post("/v1/artifacts?kind=dataset", data, "application/octet-stream", split)
        if split is None:
            time.sleep(self.rng.random() * 0.05)
        where = "body sent, no answer yet" if split is None else f"cut at byte {split}/{len(data)}"
        kill = self.kill("upload", f"{len(data) >> 20} MiB dataset, {where}", ("upload",))
        answer = self.read_answer(s)
        if answer and answer[0] == 201 and kill and "upload" in kill["landed"]:
            kill["landed"].remove("upload")
            kill["primary"] = next((c for c in CLASSES + OTHER if c in kill["landed"]), "idle")
        elif kill and answer is None:
            self.unanswered["upload"] += 1
        return kill

    def at_phase(self, target):
        """Submit a job, follow its live events, kill on the event that opens the moment."""
        job = self.submit(self.next_plan())
        for _, ev in sse_events(self.client, job, timeout=60):
            kind, p = ev["kind"], ev.get("progress") or {}
            if target == "flash" and kind == "flashing":
                delay = self.rng.random() * 0.02
                time.sleep(delay)
                return self.kill_on(job, target, f"job {job}: {delay * 1000:.0f} ms after its 'flashing' event")
            if target == "streaming" and kind == "progress" and p.get("done", 0) < p.get("total", 0):
                time.sleep(self.rng.random() * 0.2)
                return self.kill_on(job, target, f"job {job}: after progress {p.get('done')}/{p.get('total')}")
            if target == "result-write" and kind == "progress" and p.get("total") and p.get("done") == p.get("total"):
                # The last sample is in; the report is being made, then stored, then the verdict.
                # Half the time wait for the next write to the WAL (most likely the report's
                # transaction) so the kill falls between the report and the verdict.
                if self.rng.random() < 0.5:
                    return self.kill_on(job, target, f"job {job}: on its last progress event")
                waited = _wait_for_write(storecheck.db_path(self.state) + "-wal", 0.05)
                return self.kill_on(job, target, f"job {job}: {waited * 1000:.1f} ms after its last progress event, at a WAL write")
            if kind == "finished":
                return None
        return None

    def at_shutdown(self):
        """SIGTERM with jobs running, then SIGKILL while hild is still shutting down."""
        if self.client.get_json("/healthz")["running"] == 0:
            for _ in range(2):
                self.submit(self.next_plan())
        time.sleep(0.1 + self.rng.random() * 0.4)
        delay = self.rng.random() * self.shutdown_max
        self.hild.terminate()
        t0 = time.monotonic()
        while time.monotonic() - t0 < delay:
            if not self.hild.alive():
                # It finished its shutdown first: no kill; aim within the time it took next time.
                took = time.monotonic() - t0
                self.graceful_exits.append(took)
                self.shutdown_max = 0.9 * min(self.graceful_exits)
                return None
            time.sleep(0.0005)
        return self.kill("shutdown", f"{delay * 1000:.0f} ms after SIGTERM", ("shutdown",))

    # ---- the run --------------------------------------------------------------------

    def hit_counts(self):
        counts = {c: 0 for c in CLASSES + OTHER}
        for k in self.kills:
            for c in k["landed"]:
                counts[c] = counts.get(c, 0) + 1
        return counts

    def next_target(self):
        """The class hit least often so far (by primary landing), ties in a seeded order."""
        primary = {c: 0 for c in CLASSES}
        for k in self.kills:
            if k["primary"] in primary:
                primary[k["primary"]] += 1
        order = CLASSES[:]
        self.rng.shuffle(order)
        return min(order, key=lambda c: primary[c])

    def run(self):
        a = self.args
        t_start = time.monotonic()
        print(f"crash-loop: {a.jobs} jobs, {a.kills} kills, {a.boards} mock boards ({a.core}), seed {a.seed}; work in {self.work}",
              flush=True)
        attempts = 0
        while len(self.kills) < a.kills:
            attempts += 1
            if attempts > a.kills * 10:
                print("crash-loop: too many attempts without a kill; giving up on the kill count", flush=True)
                break
            if not self.hild.alive():
                self.start()
            # Spread the submissions over the kills so jobs are queued and running at each one.
            left = a.kills - len(self.kills)
            batch = math.ceil(max(0, len(self.pending) - left) / left) if left else 0
            self.submit_some(batch)
            target = self.next_target()
            try:
                if target in ("submit", "upload"):
                    (self.at_submit if target == "submit" else self.at_upload)()
                elif target == "shutdown":
                    self.at_shutdown()
                else:
                    self.at_phase(target)
            except (OSError, http.client.HTTPException, RuntimeError) as e:
                if self.hild.alive():
                    raise
                print(f"crash-loop: hild died by itself during '{target}': {e}; see {self.hild.log_path}", flush=True)
                self.died_alone = getattr(self, "died_alone", 0) + 1
        # Drain: the rest of the jobs, hilctl killed mid-upload, the queue run to its end.
        if not self.hild.alive():
            self.start()
        self.submit_some(len(self.pending))
        drained = self.drain(timeout=a.drain_timeout)
        # With the queue idle, what hild reads is the upload's bytes: the kill is placed by them.
        self.hilctl_result = self.hilctl_killed_mid_upload()
        drained = self.drain(timeout=a.drain_timeout) and drained
        api_checks = self.api_checks()
        status = self.hild.stop()
        checks, stats = storecheck.verify(self.state, self.acked)
        checks.append(self.recovery_check())
        self.report(checks, stats, drained, status, api_checks, time.monotonic() - t_start)
        return self.exit

    def drain(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            h = self.client.get_json("/healthz")
            if h["queued"] == 0 and h["running"] == 0:
                return True
            time.sleep(0.25)
        return False

    def api_checks(self):
        """What the API answers for every acknowledged job before hild stops."""
        not_final, report_mismatch, with_report = [], [], 0
        for job_id, up in sorted(self.acked.items()):
            rec = self.client.get_json(f"/v1/jobs/{job_id}")
            if rec["state"] not in storecheck.TERMINAL:
                not_final.append(job_id)
            r = self.client.request("GET", f"/v1/jobs/{job_id}/report")
            if r.status == 200:
                with_report += 1
                rep = r.json()
                if rep["model"]["sha256"] != up["model"] or f"/datasets/{up['dataset']}" not in rep["dataset"]:
                    report_mismatch.append(job_id)
        return [
            Check("API: every acknowledged job is terminal (GET /v1/jobs/{id})", not not_final,
                  f"{len(self.acked)} asked, {len(not_final)} not terminal" + (f": {not_final[:10]}" if not_final else "")),
            Check("API: every served report names its job's model and dataset", not report_mismatch,
                  f"{with_report} report(s), {len(report_mismatch)} wrong" + (f": {report_mismatch[:10]}" if report_mismatch else "")),
        ]

    def recovery_check(self):
        """Each job a kill caught running was settled by the next start as docs/hild.md says: a
        'retry' event for that attempt, or (its second interruption) errored 'interrupted'."""
        import sqlite3
        con = sqlite3.connect(storecheck.db_path(self.state))
        try:
            events = {}
            for job, kind, message in con.execute("SELECT job_id, kind, message FROM job_event WHERE kind IN ('retry', 'finished')"):
                events.setdefault(job, []).append((kind, message))
        finally:
            con.close()
        caught = [(j["job"], j["attempt"]) for k in self.kills for j in k["running"]]
        unsettled = []
        for job, attempt in caught:
            said = f"hild stopped during attempt {attempt}"
            if not any(said in m for _, m in events.get(job, [])):
                unsettled.append((job, attempt))
        return Check("every job a kill caught running was requeued or ended 'interrupted' at the next start", not unsettled,
                     f"{len(caught)} job attempt(s) caught, {len(unsettled)} not settled" + (f": {unsettled[:10]}" if unsettled else ""))

    def hilctl_killed_mid_upload(self):
        """`hilctl submit` of a large dataset SIGKILLed while its bytes are on the way: no job,
        no artifact, nothing that looks complete."""
        folder = os.path.join(self.work, "big-dataset")
        workload.write_npy_folder(folder, np.random.default_rng([self.args.seed, 77]), self.args.hilctl_samples)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
        before_jobs = self.client.get_json("/v1/jobs?limit=1")
        before_newest = before_jobs[0]["id"] if before_jobs else 0
        adir = os.path.join(self.state, "artifacts")
        before_files = set(os.listdir(adir))
        env = dict(os.environ, HILD_SOCKET=self.hild.socket_path)
        p = subprocess.Popen([self.args.hilctl, "submit", "--model", paths.EXAMPLE_MODEL, "--dataset", folder, "--limit", "4"],
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        hild_read0 = _io(self.hild.pid)["rchar"]
        killed_at, sent = None, 0
        while p.poll() is None:
            try:
                sent = _io(self.hild.pid)["rchar"] - hild_read0
            except (OSError, KeyError):
                break
            if sent >= size * self.rng.uniform(0.25, 0.75):
                os.kill(p.pid, signal.SIGKILL)
                killed_at = sent
                break
            time.sleep(0.001)
        out, err = p.communicate()
        err = err.decode(errors="replace")
        # hilctl's note before the POST: "dataset PATH: uploading 49.3 MB (<sha256 prefix>)".
        started = re.search(r"dataset \S+: uploading .*\(([0-9a-f]{12})\)", err)
        prefix = started.group(1) if started else None
        time.sleep(0.5)   # what hild does with the cut connection
        after_jobs = self.client.get_json("/v1/jobs?limit=1")
        newest = after_jobs[0]["id"] if after_jobs else 0
        new_files = sorted(set(os.listdir(adir)) - before_files)
        incoming = os.listdir(os.path.join(adir, ".incoming"))
        big_rows = [f for f in new_files if os.path.getsize(os.path.join(adir, f)) >= size // 2
                    or (prefix and f.startswith(prefix))]
        stored = self.client.request("GET", f"/v1/artifacts/{prefix}").status if prefix else None
        checks = [
            Check("hilctl SIGKILLed mid-upload: the kill landed inside the upload",
                  killed_at is not None and p.returncode == -signal.SIGKILL and prefix is not None,
                  f"killed after its 'uploading' note, hild having read {killed_at or 0:,} bytes of the ~{size:,}"
                  if killed_at is not None and prefix else f"hilctl exit {p.returncode}, upload started: {prefix is not None}: {err[-300:]}"),
            Check("hilctl SIGKILLed mid-upload: no job was created", newest == before_newest,
                  f"newest job id {before_newest} before, {newest} after"),
            Check("hilctl SIGKILLed mid-upload: no artifact under a final name", not big_rows,
                  f"{len(new_files)} new file(s) in artifacts/, {len(incoming)} in .incoming"),
            Check("hilctl SIGKILLed mid-upload: hild still answers", self.client.request("GET", "/healthz").status == 200, ""),
        ]
        # The same submit again, to its end: the aborted upload left nothing in its way.
        again = subprocess.run([self.args.hilctl, "submit", "--model", paths.EXAMPLE_MODEL, "--dataset", folder, "--limit", "4"],
                               env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        ok = again.returncode == 0 and again.stdout.strip().isdigit()
        if ok:
            job = int(again.stdout.strip())
            spec = self.client.get_json(f"/v1/jobs/{job}")["spec"]
            ok = spec["dataset"].startswith(prefix or "") and spec["model"] == workload.sha256(workload.example_model())
            self.acked[job] = {"model": workload.sha256(workload.example_model()), "dataset": spec["dataset"], "plan": None}
        checks.append(Check("hilctl: the same submit afterwards uploads and queues its job", ok,
                            f"exit {again.returncode}: {again.stdout.strip()[:80]} {again.stderr.strip()[-200:]}" if not ok else
                            f"job {again.stdout.strip()}, dataset {prefix}…"))
        return checks

    def report(self, checks, stats, drained, status, api_checks, seconds):
        a = self.args
        counts = self.hit_counts()
        primary = {c: 0 for c in CLASSES + OTHER}
        for k in self.kills:
            primary[k["primary"]] = primary.get(k["primary"], 0) + 1
        print("\nkills by moment (a kill counts in every class it landed in; 'primary' is the one it is filed under)")
        print(table([[c, primary.get(c, 0), counts.get(c, 0), "required" if c in CLASSES else ""] for c in CLASSES + OTHER],
                    ["moment", "primary", "landed", ""]))
        exact = sum(1 for k in self.kills for j in k["running"] if j["sub"] == "report stored, verdict not")
        print(f"result-write kills with the report stored and the verdict not yet: {exact} job(s)")
        rs = sorted(self.restart_seconds)
        print(f"restarts: {len(rs)}, ready (API up, boards attached) p50 {rs[len(rs) // 2]:.2f} s, max {rs[-1]:.2f} s")
        print(f"jobs: {len(self.plans)} planned, {len(self.acked)} acknowledged, {stats['jobs_in_store']} in the store "
              f"({len(stats['unacknowledged_in_store'])} committed but unacknowledged: the kill took their answer), "
              f"states {json.dumps(stats['states'], sort_keys=True)}")
        for reason, n in sorted(stats["failure_reasons"].items()):
            print(f"  {n:4d} x {reason}")
        print(f"reports: {stats['reports']}; jobs with reports of two attempts (killed between the report and the verdict, run again): "
              f"{stats['jobs_with_reports_of_several_attempts']}")
        print(f"requests killed unanswered: {self.unanswered['submit']} submit(s), {self.unanswered['upload']} upload(s); "
              f"graceful exits that beat the kill: {len(self.graceful_exits)}")
        run_checks = [
            Check(f"kills delivered >= {a.kills}", len(self.kills) >= a.kills, f"{len(self.kills)} SIGKILLs"),
            Check("every moment class hit", all(counts[c] > 0 for c in CLASSES),
                  ", ".join(f"{c} {counts[c]}" for c in CLASSES)),
            Check(f"jobs acknowledged >= {a.jobs}", len(self.acked) >= a.jobs, f"{len(self.acked)}"),
            Check("the queue drained", drained, ""),
            Check("hild never died on its own", not getattr(self, "died_alone", 0), f"{getattr(self, 'died_alone', 0)} time(s)"),
            Check("hild stopped on SIGTERM with status 0", status == 0, f"status {status}"),
            Check("every post-kill database copy passed integrity_check", not self.snapshot_integrity_failures,
                  f"{self.snapshots} copies" + (f", failures: {self.snapshot_integrity_failures[:3]}" if self.snapshot_integrity_failures else "")),
        ]
        all_checks = run_checks + checks + api_checks + self.hilctl_result
        print_checks("checks", all_checks)
        print(f"\ncrash-loop took {seconds:.0f} s; hild log {self.hild.log_path}")
        self.exit = exit_status(all_checks)
        write_json(a.json, {"kills": self.kills, "counts": counts, "primary": primary, "stats": stats,
                            "checks": [c.as_dict() for c in all_checks], "seconds": seconds,
                            "restart_seconds": self.restart_seconds, "state_dir": self.state,
                            "acked": {str(k): v for k, v in self.acked.items()}})
        if self.exit == 0 and not a.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def _wait_for_write(path, limit):
    """Spins until the file's mtime changes or `limit` seconds pass; returns the time waited."""
    t0 = time.monotonic()
    try:
        m0 = os.stat(path).st_mtime_ns
        while time.monotonic() - t0 < limit and os.stat(path).st_mtime_ns == m0:
            pass
    except OSError:
        pass
    return time.monotonic() - t0


def _io(pid):
    with open(f"/proc/{pid}/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f)}


def add_arguments(p):
    p.add_argument("--jobs", type=int, default=200, help="jobs to submit (default 200)")
    p.add_argument("--kills", type=int, default=50, help="SIGKILLs to deliver (default 50)")
    p.add_argument("--boards", type=int, default=4, help="mock boards (default 4)")
    p.add_argument("--models", type=int, default=8, help="distinct models (the example and tiny ones; default 8)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--core", default="host-harness", help="mock core (default host-harness)")
    p.add_argument("--hilctl-samples", type=int, default=16000,
                   help="samples of the dataset hilctl uploads when it is killed (16000: 49 MB)")
    p.add_argument("--drain-timeout", type=float, default=900)
    p.add_argument("--quick", action="store_true", help="the CI size: 40 jobs, 18 kills")


def run(args):
    if args.quick:
        args.jobs, args.kills, args.hilctl_samples = min(args.jobs, 40), min(args.kills, 18), min(args.hilctl_samples, 8000)
    return CrashLoop(args).run()
