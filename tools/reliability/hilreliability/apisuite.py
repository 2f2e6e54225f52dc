"""api: hild over TCP with a bearer token, against its own OpenAPI document and its limits.

- schemathesis (v4 CLI) generates requests from docs/api/openapi.yaml and checks every response:
  no 5xx, status codes, content types, headers and bodies as the document says. Every response is
  also counted from schemathesis's HAR file, so the 5xx figure does not rest on its summary.
- the bearer token: none, wrong, other scheme → 401 with WWW-Authenticate; /healthz open.
- the Unix socket's mode is 0660.
- artifact ids and dataset archives that try to leave the store are refused.
- an upload over artifact_limit_mb (set to 16 here) is refused without reaching the disk.
- a full disk (the state directory on a small tmpfs, filled up) answers 507 and loses nothing.
"""
import io
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET

import numpy as np

from . import paths, storecheck, workload
from .client import Client
from .daemon import Hild
from .figures import Check, exit_status, print_checks, table, write_json

LIMIT_MB = 16
SCHEMATHESIS_CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
                       "response_headers_conformance", "response_schema_conformance"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ensure(client, kind, data):
    sha = workload.sha256(data)
    if client.request("GET", f"/v1/artifacts/{sha}").status != 200:
        r = client.put_artifact(kind, data)
        if r.status != 201:
            raise RuntimeError(f"upload {kind}: {r}")
    return sha


def wait_final(client, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rec = client.get_json(f"/v1/jobs/{job_id}")
        if rec["state"] in storecheck.TERMINAL:
            return rec
        time.sleep(0.05)
    raise RuntimeError(f"job {job_id} did not finish in {timeout} s")


class APISuite:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="hil-api-", dir=args.workdir)
        self.token = secrets.token_hex(32)
        self.token_file = os.path.join(self.work, "token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        self.config = os.path.join(self.work, "hild.json")
        with open(self.config, "w") as f:
            json.dump({"artifact_limit_mb": LIMIT_MB}, f)
        self.port = free_port()
        self.hild = Hild(os.path.join(self.work, "state"), socket_path=os.path.join(self.work, "s"), boards=2,
                         tcp=("127.0.0.1", self.port), token_file=self.token_file, config=self.config,
                         hild=args.hild, log_path=os.path.join(self.work, "hild.log"))
        self.tcp = Client(tcp=("127.0.0.1", self.port), token=self.token)
        self.checks = []

    def seed(self):
        """Jobs with reports and events, so the generated requests meet real records too."""
        c = self.hild.client
        m = ensure(c, "model", workload.example_model())
        d = ensure(c, "dataset", workload.image_dataset(np.random.default_rng(1), 12))
        ids = [c.submit({"name": f"api-seed-{i}", "model": m, "dataset": d, "options": {"limit": 6}}).json()["id"]
               for i in range(2)]
        for i in ids:
            wait_final(c, i)
        # One left queued on no board, then cancelled: a cancelled record among them.
        q = c.submit({"model": m, "dataset": d, "selector": {"board": "no-such-board"}}).json()["id"]
        c.request("POST", f"/v1/jobs/{q}/cancel")
        self.seeded = {"model": m, "dataset": d, "jobs": ids + [q]}

    # ---- schemathesis ---------------------------------------------------------------

    def schemathesis(self):
        out = os.path.join(self.work, "schemathesis")
        os.makedirs(out, exist_ok=True)
        # Realistic values where a random one can only meet a 404: the seeded model's id.
        config = os.path.join(out, "schemathesis.toml")
        with open(config, "w") as f:
            f.write('[[operations]]\ninclude-name = "GET /v1/artifacts/{sha256}"\n'
                    f'parameters = {{ sha256 = "{self.seeded["model"]}" }}\n')
        argv = [sys.executable, "-m", "hilreliability.st_runner", "--config-file", config,
                "run", paths.OPENAPI, "--url", f"http://127.0.0.1:{self.port}",
            "-H", f"Authorization: Bearer {self.token}",
            "--checks", self.args.checks,
            "--max-examples", str(self.args.max_examples), "--seed", str(self.args.seed),
            "--phases", self.args.phases, "--workers", "2", "--request-timeout", "30",
            "--suppress-health-check", "all", "--continue-on-failure",
            "--report", "har,junit", "--report-dir", out,
            "--report-har-path", os.path.join(out, "run.har"), "--report-junit-path", os.path.join(out, "junit.xml"),
            "--output-sanitize", "false",
        ]
        t0 = time.monotonic()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(os.path.dirname(__file__)), os.environ.get("PYTHONPATH")])))
        p = subprocess.run(argv, capture_output=True, text=True, cwd=out, env=env, timeout=self.args.schemathesis_timeout)
        seconds = time.monotonic() - t0
        with open(os.path.join(out, "stdout.txt"), "w") as f:
            f.write(p.stdout + "\n--- stderr\n" + p.stderr)
        statuses, server_errors = {}, []
        try:
            with open(os.path.join(out, "run.har")) as f:
                har = json.load(f)
            for e in har["log"]["entries"]:
                s = e["response"]["status"]
                statuses[s] = statuses.get(s, 0) + 1
                if s >= 500:
                    server_errors.append(f"{e['request']['method']} {e['request']['url']} -> {s}")
        except (OSError, ValueError, KeyError) as e:
            statuses = {"unreadable HAR": str(e)}
        failures = []
        try:
            for case in ET.parse(os.path.join(out, "junit.xml")).getroot().iter("testcase"):
                for f in list(case.findall("failure")) + list(case.findall("error")):
                    failures.append(f"{case.get('name')}: {(f.get('message') or f.text or '').strip()[:400]}")
        except (OSError, ET.ParseError) as e:
            failures.append(f"junit report unreadable: {e}")
        total = sum(v for v in statuses.values() if isinstance(v, int))
        self.schemathesis_figures = {"seconds": round(seconds, 1), "requests": total, "statuses": statuses,
                                     "exit": p.returncode, "failures": failures, "server_errors": server_errors[:20]}
        print(f"\nschemathesis: {total} requests in {seconds:.0f} s, exit {p.returncode}; statuses "
              + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
        for f in failures[:30]:
            print(f"  failure: {f}")
        self.checks += [
            Check("schemathesis ran requests", total > 0, f"{total} requests, {len(statuses)} distinct statuses"),
            Check("schemathesis: 0 responses 5xx", not server_errors and total > 0,
                  f"{len(server_errors)} 5xx" + (f": {server_errors[:3]}" if server_errors else "")),
            Check("schemathesis: 0 responses violating the document", not failures and p.returncode == 0,
                  f"{len(failures)} failing operation(s), exit {p.returncode} (checks: {self.args.checks})"),
        ]

    # ---- auth and socket ------------------------------------------------------------

    def auth(self):
        routes = [("GET", "/v1/boards", None), ("GET", "/v1/jobs", None), ("GET", "/metrics", None),
                  ("GET", "/openapi.yaml", None), ("GET", f"/v1/jobs/{self.seeded['jobs'][0]}/events", {"Accept": "text/event-stream"}),
                  ("GET", f"/v1/jobs/{self.seeded['jobs'][0]}/report", None),
                  ("POST", "/v1/artifacts?kind=model", None), ("POST", "/v1/jobs", None)]
        wrong = self.token[:-1] + ("0" if self.token[-1] != "0" else "1")
        cases = {"no token": {}, "wrong token (one character)": {"Authorization": f"Bearer {wrong}"},
                 "wrong token (other length)": {"Authorization": f"Bearer {self.token}x"},
                 "empty bearer": {"Authorization": "Bearer "}, "basic scheme": {"Authorization": f"Basic {self.token}"}}
        bare = Client(tcp=("127.0.0.1", self.port))
        results = []
        for name, headers in cases.items():
            bad = []
            for method, path, extra in routes:
                h = dict(headers, **(extra or {}))
                body = workload.example_model() if "artifacts" in path else (b"{}" if method == "POST" else None)
                r = bare.request(method, path, body=body, headers=h)
                ok = (r.status == 401 and r.headers.get("www-authenticate", "").startswith("Bearer")
                      and _json_code(r) == "unauthorized")
                if not ok:
                    bad.append(f"{method} {path} -> {r.status}")
            results.append(Check(f"TCP, {name} -> 401 + WWW-Authenticate", not bad,
                                 f"{len(routes)} routes" + (f"; wrong: {bad}" if bad else "")))
        # The refused upload stored nothing.
        sha = workload.sha256(workload.example_model())
        fresh_model = workload.variant_model(4242)
        r_no = bare.request("POST", "/v1/artifacts?kind=model", body=fresh_model)
        stored = self.tcp.request("GET", f"/v1/artifacts/{workload.sha256(fresh_model)}").status
        results.append(Check("TCP, an upload without the token stores nothing", r_no.status == 401 and stored == 404,
                             f"POST {r_no.status}, then GET with the token {stored}"))
        h = bare.request("GET", "/healthz")
        results.append(Check("TCP, GET /healthz without a token -> 200", h.status == 200, f"{h.status}"))
        ok = self.tcp.request("GET", "/v1/boards")
        results.append(Check("TCP, the right token -> 200", ok.status == 200, f"{ok.status}"))
        st = os.stat(self.hild.socket_path)
        results.append(Check("Unix socket is a socket with mode 0660", stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
                             f"mode {stat.S_IMODE(st.st_mode):04o}"))
        u = self.hild.client.request("GET", f"/v1/artifacts/{sha}")
        results.append(Check("Unix socket needs no token", u.status == 200, f"{u.status}"))
        self.checks += results

    # ---- traversal ------------------------------------------------------------------

    def traversal(self):
        c = self.tcp
        leaks = (b"SQLite format 3", b"root:x:0:0")
        ids = ["../hild.sqlite", "..%2Fhild.sqlite", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2fhild.sqlite",
               ("../" * 21) + "a", "%2E%2E%2F" * 7 + "a" * 1, "a" * 63 + "/", "A" * 64 + "%00", ".." + "a" * 62,
               "..%5Child.sqlite", "%252e%252e%252fhild.sqlite"]
        bad = []
        for i in ids:
            r = c.request("GET", f"/v1/artifacts/{i}")
            if r.status not in (400, 404) or any(s in r.body for s in leaks):
                bad.append(f"{i} -> {r.status}")
        # Raw paths with dot segments, sent as they are (no client normalisation).
        for raw in ["/v1/artifacts/../../hild.sqlite", "/v1/artifacts/./../hild.sqlite", "/v1/../../../etc/passwd",
                    "/v1/artifacts//etc/passwd"]:
            status, body = raw_get(("127.0.0.1", self.port), raw, self.token)
            if status not in (400, 404) or any(s in body for s in leaks):
                bad.append(f"raw {raw} -> {status}")
        self.checks.append(Check("artifact ids that try path traversal are refused (400/404, no bytes leak)", not bad,
                                 f"{len(ids) + 4} tried" + (f"; accepted: {bad}" if bad else "")))
        bad = []
        for field in ("model", "dataset", "labels", "firmware"):
            spec = {"model": self.seeded["model"], "dataset": self.seeded["dataset"]}
            spec[field] = "../../hild.sqlite"
            r = c.submit(spec)
            if r.status != 400:
                bad.append(f"{field} -> {r.status}")
        self.checks.append(Check("a JobSpec naming '../../hild.sqlite' as an artifact -> 400", not bad, "; ".join(bad) or "4 fields"))

        # Dataset archives whose entries leave the folder: '..', absolute, and a symlink out.
        outside = os.path.join(self.work, "outside")
        os.makedirs(outside)
        cases = {
            "a '../' entry": [("file", "../escaped-dotdot.txt", b"x")],
            "an absolute entry": [("file", os.path.join(outside, "escaped-abs.txt"), b"x")],
            "a symlink out, then a file through it": [("symlink", "circle", outside), ("file", "circle/escaped-link.png", b"x")],
        }
        bad = []
        for name, entries in cases.items():
            data = _evil_tar(entries)
            r = c.put_artifact("dataset", data)
            if r.status != 201:
                continue  # refused at the door is fine too
            job = c.submit({"model": self.seeded["model"], "dataset": r.json()["id"], "options": {"limit": 2}})
            if job.status != 201:
                continue
            rec = wait_final(c, job.json()["id"])
            if rec["state"] == "passed":
                bad.append(f"{name}: job passed")
        escaped = [p for p in (os.path.join(self.hild.state_dir, "escaped-dotdot.txt"),
                               os.path.join(self.hild.state_dir, "datasets", "escaped-dotdot.txt"),
                               os.path.join(outside, "escaped-abs.txt"), os.path.join(outside, "escaped-link.png"))
                   if os.path.exists(p)]
        self.checks.append(Check("dataset archives with '..', absolute or symlinked entries write nothing outside", not (bad or escaped),
                                 f"{len(cases)} archives" + (f"; {bad}" if bad else "") + (f"; files written: {escaped}" if escaped else "")))

    # ---- limits ---------------------------------------------------------------------

    def limits(self):
        state = self.hild.state_dir
        before = _du(state)
        vfs0 = os.statvfs(state)
        # A Content-Length over the limit is refused before the body is read.
        status, body, seconds = _declared_upload(("127.0.0.1", self.port), self.token, (LIMIT_MB + 1) << 20, send=64 << 10)
        msg = _safe_json(body).get("error", {})
        self.checks.append(Check(f"Content-Length of {LIMIT_MB + 1} MiB over the {LIMIT_MB} MiB limit -> 413 before the body",
                                 status == 413 and msg.get("code") == "too_large" and f"{LIMIT_MB} MiB" in msg.get("message", ""),
                                 f"{status} after {seconds * 1000:.0f} ms with 64 KiB sent: {msg.get('message', '')[:100]}"))
        status, body, _ = _declared_upload(("127.0.0.1", self.port), self.token, 600 << 30, send=0)
        self.checks.append(Check("Content-Length of 600 GiB -> 413 at once", status == 413, f"{status}"))
        # Chunked, no length: hild must stop reading at the limit.
        rss0 = self.hild.memory_kib()[0]
        status, sent, seconds = _chunked_upload(("127.0.0.1", self.port), self.token, 3 * LIMIT_MB << 20)
        rss1, hwm = self.hild.memory_kib()
        after = _du(state)
        incoming = os.listdir(os.path.join(state, "artifacts", ".incoming"))
        vfs1 = os.statvfs(state)
        used = (vfs0.f_bfree - vfs1.f_bfree) * vfs0.f_frsize
        self.checks.append(Check(f"chunked upload of {3 * LIMIT_MB} MiB -> 413, nothing written",
                                 status == 413 and after - before < (1 << 20) and not incoming,
                                 f"{status} after {sent >> 20} MiB sent in {seconds * 1000:.0f} ms; state dir {before >> 10} -> {after >> 10} KiB, "
                                 f".incoming {len(incoming)} file(s), free space change {used / 2**20:+.1f} MiB (whole disk); "
                                 f"hild RSS {rss0 >> 10} -> {rss1 >> 10} MiB"))
        big_json = json.dumps({"model": self.seeded["model"], "dataset": self.seeded["dataset"], "name": "x" * (1 << 20)}).encode()
        r = self.tcp.request("POST", "/v1/jobs", body=big_json, headers={"Content-Type": "application/json"})
        self.checks.append(Check("a JobSpec over 1 MiB -> 413", r.status == 413, f"{r.status}"))

    # ---- full disk ------------------------------------------------------------------

    def full_disk(self):
        mnt = os.path.join(self.work, "tmpfs")
        os.makedirs(mnt)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", mnt], capture_output=True, text=True)
        if m.returncode != 0:
            self.checks.append(Check("full disk -> 507 (state directory on a 32 MiB tmpfs)", False,
                                     f"cannot mount a tmpfs here ({m.stderr.strip()}); not simulated"))
            return
        h = None
        try:
            h = Hild(os.path.join(mnt, "state"), socket_path=os.path.join(self.work, "f"), boards=1,
                     config=self.config, hild=self.args.hild, log_path=os.path.join(self.work, "hild-full.log")).start()
            c = h.client
            model = ensure(c, "model", workload.example_model())
            dataset = ensure(c, "dataset", workload.image_dataset(np.random.default_rng(2), 12))
            acked = {}
            first = c.submit({"model": model, "dataset": dataset, "options": {"limit": 6}}).json()["id"]
            wait_final(c, first)
            acked[first] = {"model": model, "dataset": dataset}
            # A job that is streaming when the disk fills up: its later state writes fail.
            long_ds = ensure(c, "dataset", workload.image_dataset(np.random.default_rng(5), 60))
            running = c.submit({"name": "runs-into-full-disk", "model": model, "dataset": long_ds,
                                "options": {"limit": 60, "baud": 921600}}).json()["id"]
            acked[running] = {"model": model, "dataset": long_ds}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (c.get_json(f"/v1/jobs/{running}").get("progress") or {}).get("phase") != "streaming":
                time.sleep(0.02)
            filler = _fill(mnt)
            vfs = os.statvfs(mnt)
            free = vfs.f_bavail * vfs.f_frsize
            # An upload on a full disk.
            blob = workload.npy_dataset(np.random.default_rng(3), 700)      # about 2 MiB
            up = c.put_artifact("dataset", blob)
            code = _json_code(up)
            sha = workload.sha256(blob)
            after_up = c.request("GET", f"/v1/artifacts/{sha}").status
            leftover = os.path.exists(os.path.join(h.state_dir, "artifacts", sha)) or os.listdir(os.path.join(h.state_dir, "artifacts", ".incoming"))
            self.checks.append(Check("full disk: an upload -> 507 insufficient_storage, nothing stored",
                                     up.status == 507 and code == "insufficient_storage" and after_up == 404 and not leftover,
                                     f"{up.status} {code}; GET after: {after_up}; free bytes {free}"))
            # Submits on a full disk: each is 507 or, if SQLite still had room, a job that must survive.
            answers = []
            for i in range(20):
                r = c.submit({"name": f"full-{i}", "model": model, "dataset": dataset, "options": {"limit": 4}})
                answers.append(r.status)
                if r.status == 201:
                    acked[r.json()["id"]] = {"model": model, "dataset": dataset}
            allowed = all(s in (201, 507) for s in answers)
            self.checks.append(Check("full disk: submits answer 507 (or 201 while SQLite has room), never another error",
                                     allowed and 507 in answers,
                                     f"answers: {', '.join(f'{s} x{answers.count(s)}' for s in sorted(set(answers)))}"))
            health = c.request("GET", "/healthz").status
            self.checks.append(Check("full disk: hild still answers", health == 200 and h.alive(), f"/healthz {health}"))
            # The streaming job's run ends while the disk is still full (its board goes idle).
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(b["state"] == "busy" for b in c.get_json("/v1/boards")):
                time.sleep(0.05)
            during = c.get_json(f"/v1/jobs/{running}")["state"]
            os.remove(filler)
            time.sleep(2)
            after_free = c.get_json(f"/v1/jobs/{running}")
            boards_idle = all(b["state"] == "idle" for b in c.get_json("/v1/boards"))
            stuck = after_free["state"] not in storecheck.TERMINAL and boards_idle and not c.get_json("/healthz")["queued"]
            self.checks.append(Check("full disk: a job whose run ended while the disk was full reaches a terminal state once space is back",
                                     not stuck,
                                     f"job {running}: {during} while full; {after_free['state']} 2 s after freeing the disk, "
                                     f"boards all idle: {boards_idle}" + (" -> stuck as running with no board on it" if stuck else "")))
            up2 = c.put_artifact("dataset", blob)
            again = c.submit({"name": "after-full", "model": model, "dataset": sha if up2.status == 201 else dataset,
                              "options": {"limit": 4}})
            if again.status == 201:
                acked[again.json()["id"]] = {"model": model, "dataset": sha if up2.status == 201 else dataset}
                wait_final(c, again.json()["id"])
            # Boards idle and nothing queued: all that can run has (a stuck record would hold
            # "running" forever, so that is not waited for).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (c.get_json("/healthz")["queued"]
                                                   or any(b["state"] == "busy" for b in c.get_json("/v1/boards"))):
                time.sleep(0.1)
            self.checks.append(Check("full disk freed: upload and submit work again", up2.status == 201 and again.status == 201,
                                     f"upload {up2.status}, submit {again.status}"))
            status = h.stop()
            h.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (h.client.get_json("/healthz")["queued"] or h.client.get_json("/healthz")["running"]):
                time.sleep(0.1)
            jobs = {j["id"]: j for j in h.client.get_json("/v1/jobs?limit=1000")}
            h.stop()
            self.checks.append(Check("full disk: after a restart every job is terminal", all(j["state"] in storecheck.TERMINAL for j in jobs.values()),
                                     f"job {running} (ran into the full disk): {jobs.get(running, {}).get('state')}, "
                                     f"{len(jobs[running]['failed_boards']) if running in jobs else '?'} failed board(s), attempts {jobs.get(running, {}).get('attempts')}"))
            lost = [i for i in acked if i not in jobs]
            self.checks.append(Check("full disk: every acknowledged job survives a restart", not lost and status == 0,
                                     f"{len(acked)} acknowledged, {len(lost)} lost; first job {jobs.get(first, {}).get('state')}; stop status {status}"))
            checks, _ = storecheck.verify(h.state_dir, acked)
            failed = [f"{k.name}: {k.detail}" for k in checks if not k.ok]
            self.checks.append(Check("full disk: the store checks pass afterwards (integrity, events, artifacts)", not failed,
                                     "; ".join(failed)[:300] or f"{len(checks)} checks"))
        finally:
            if h:
                h.kill()
            subprocess.run(["umount", mnt], capture_output=True)

    def run(self):
        a = self.args
        t0 = time.monotonic()
        print(f"api: hild on 127.0.0.1:{self.port} with a token, artifact_limit_mb {LIMIT_MB}; work in {self.work}", flush=True)
        self.hild.start()
        try:
            self.seed()
            self.auth()
            self.traversal()
            self.limits()
            self.schemathesis()
            alive = self.hild.alive()
            status = self.hild.stop()
            self.checks.append(Check("hild survived it all and stopped with status 0", alive and status == 0, f"status {status}"))
            self.full_disk()
        finally:
            self.hild.kill()
        print_checks("checks", self.checks)
        print(f"\napi took {time.monotonic() - t0:.0f} s; hild log {self.hild.log_path}; schemathesis output in {self.work}/schemathesis")
        code = exit_status(self.checks)
        write_json(a.json, {"checks": [c.as_dict() for c in self.checks], "schemathesis": getattr(self, "schemathesis_figures", None)})
        if code == 0 and not a.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return code


# ---- helpers ----------------------------------------------------------------------------

def _json_code(r):
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _safe_json(body):
    try:
        return json.loads(body)
    except ValueError:
        return {}


def _du(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total


def _recv_all(s, limit=1 << 20):
    data = b""
    try:
        while len(data) < limit:
            c = s.recv(65536)
            if not c:
                break
            data += c
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(body) >= int(length[0].split(b":")[1]):
                    break
    except OSError:
        pass
    return data


def _parse(data):
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        return int(head.split()[1]), body
    except (IndexError, ValueError):
        return None, body


def raw_get(addr, path, token):
    s = socket.create_connection(addr, timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n".encode())
    data = _recv_all(s)
    s.close()
    return _parse(data)


def _declared_upload(addr, token, length, send):
    s = socket.create_connection(addr, timeout=10)
    t0 = time.monotonic()
    s.sendall((f"POST /v1/artifacts?kind=dataset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n").encode())
    try:
        if send:
            s.sendall(b"\0" * send)
    except OSError:
        pass
    status, body = _parse(_recv_all(s))
    s.close()
    return status, body, time.monotonic() - t0


def _chunked_upload(addr, token, total):
    """Streams `total` bytes with chunked encoding until hild answers or cuts the connection."""
    import select
    s = socket.create_connection(addr, timeout=20)
    t0 = time.monotonic()
    s.sendall((f"POST /v1/artifacts?kind=dataset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    chunk = os.urandom(1 << 20)
    sent = 0
    try:
        while sent < total:
            if select.select([s], [], [], 0)[0]:
                break        # an answer is waiting: stop sending
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sent += len(chunk)
        else:
            s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    status, _ = _parse(_recv_all(s))
    s.close()
    return status, sent, time.monotonic() - t0


def _evil_tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        # A real image first, so the archive is otherwise a dataset.
        with open(os.path.join(paths.EXAMPLE_HOLDOUT, "square", sorted(os.listdir(os.path.join(paths.EXAMPLE_HOLDOUT, "square")))[0]), "rb") as f:
            png = f.read()
        info = tarfile.TarInfo("square/ok.png")
        info.size = len(png)
        t.addfile(info, io.BytesIO(png))
        for kind, name, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                t.addfile(info)
            else:
                info.size = len(payload)
                t.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def _fill(mnt):
    """Fills the file system until ENOSPC; returns the filler's path."""
    path = os.path.join(mnt, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (1 << 20, 64 << 10, 4 << 10, 512):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError:
                    break
    finally:
        os.close(fd)
    return path


def add_arguments(p):
    p.add_argument("--max-examples", type=int, default=300, help="schemathesis test cases per operation (default 300)")
    p.add_argument("--checks", default=",".join(SCHEMATHESIS_CHECKS),
                   help="schemathesis checks (default: " + ",".join(SCHEMATHESIS_CHECKS) + ")")
    p.add_argument("--phases", default="examples,coverage,fuzzing", help="schemathesis phases (default examples,coverage,fuzzing)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--schemathesis-timeout", type=float, default=1200)
    p.add_argument("--quick", action="store_true", help="the CI size: 10 examples per operation")


def run(args):
    if args.quick:
        args.max_examples = min(args.max_examples, 10)
    return APISuite(args).run()
