"""load: 50 concurrent clients on GET /v1/boards, GET /v1/jobs and the live event stream for a
while (60 s by default) with jobs running on 16 mock boards and 10,000 jobs stored; latency per
route, errors (must be 0), and hild's resident memory idle, with the stored jobs, and after.

The clients run in several processes (threads of one Python process would queue on its lock and
add that wait to every figure). Latency is wall time from sending a request to having read the
whole answer, on a keep-alive connection, as a client sees it. For the event stream: the time to
the response headers, and the lag of each live event (received − the event's own time).
"""
import datetime
import json
import multiprocessing as mp
import os
import random
import shutil
import tempfile
import threading
import time

import numpy as np

from . import workload
from .client import Client, UnixHTTPConnection
from .daemon import Hild
from .figures import Check, exit_status, print_checks, table, write_json

ROUTES = ("GET /v1/boards", "GET /v1/jobs", "SSE /v1/jobs/{id}/events")


def percentile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def _parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _get_loop(socket_path, path, deadline, out):
    """One client: the same request again and again on one connection until the deadline."""
    lat, errors = [], []
    conn = UnixHTTPConnection(socket_path, timeout=30)
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            dt = time.monotonic() - t0
            if r.status != 200:
                errors.append(f"{path}: {r.status} {body[:200]!r}")
            else:
                lat.append(dt)
        except Exception as e:  # noqa: BLE001 - every failure is counted, whatever its type
            errors.append(f"{path}: {type(e).__name__}: {e}")
            conn.close()
            conn = UnixHTTPConnection(socket_path, timeout=30)
    conn.close()
    out.append((path, lat, errors))


def _sse_loop(socket_path, deadline, seed, out):
    """One client: follows a queued or running job's live events to its end, then another."""
    rng = random.Random(seed)
    client = Client(socket_path=socket_path, timeout=30)
    ttfb, lags, errors, streams, events = [], [], [], 0, 0
    while time.monotonic() < deadline:
        try:
            pool = client.get_json("/v1/jobs?state=queued&limit=50") or client.get_json("/v1/jobs?state=running&limit=50")
        except Exception as e:  # noqa: BLE001
            errors.append(f"choosing a job: {e}")
            time.sleep(0.1)
            continue
        if not pool:
            time.sleep(0.05)
            continue
        job = rng.choice(pool)["id"]
        conn = UnixHTTPConnection(socket_path, timeout=30)
        t0 = time.monotonic()
        finished = False
        try:
            conn.request("GET", f"/v1/jobs/{job}/events", headers={"Accept": "text/event-stream"})
            r = conn.getresponse()
            ttfb.append(time.monotonic() - t0)
            if r.status != 200:
                errors.append(f"events of job {job}: {r.status}")
                continue
            streams += 1
            data = []
            backlog_until = time.time()
            while time.monotonic() < deadline:
                line = r.readline()
                if not line:
                    break
                line = line.rstrip(b"\r\n")
                if line.startswith(b"data:"):
                    data.append(line[5:].lstrip())
                elif not line and data:
                    ev = json.loads(b"".join(data))
                    data = []
                    events += 1
                    sent = _parse_time(ev["time"])
                    if sent > backlog_until:          # a live event, not the backlog
                        lags.append(time.time() - sent)
                    if ev["kind"] == "finished":
                        finished = True
            if not finished and time.monotonic() < deadline:
                errors.append(f"events of job {job}: the stream ended without the job's 'finished' event")
        except Exception as e:  # noqa: BLE001
            if time.monotonic() < deadline:
                errors.append(f"events of job {job}: {type(e).__name__}: {e}")
        finally:
            conn.close()
    out.append(("sse", {"ttfb": ttfb, "lags": lags, "streams": streams, "events": events}, errors))


def _worker(socket_path, deadline_in, counts, seed, queue):
    """One process of clients: counts = (boards, jobs, sse) threads."""
    deadline = time.monotonic() + deadline_in
    out, threads = [], []
    for _ in range(counts[0]):
        threads.append(threading.Thread(target=_get_loop, args=(socket_path, "/v1/boards", deadline, out)))
    for _ in range(counts[1]):
        threads.append(threading.Thread(target=_get_loop, args=(socket_path, "/v1/jobs", deadline, out)))
    for i in range(counts[2]):
        threads.append(threading.Thread(target=_sse_loop, args=(socket_path, deadline, seed * 100 + i, out)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(out)


class Load:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="hil-load-", dir=args.workdir)
        self.hild = Hild(os.path.join(self.work, "state"), socket_path=os.path.join(self.work, "s"), boards=args.boards,
                         core=args.core, hild=args.hild, log_path=os.path.join(self.work, "hild.log"))
        self.client = self.hild.client

    def mib(self):
        rss, hwm = self.hild.memory_kib()
        return rss / 1024, hwm / 1024

    def store_jobs(self, n, threads=8):
        """n jobs stored through the API, as cheaply as it allows: each is submitted for a board
        that does not exist (so no board runs it) and cancelled at once."""
        spec = json.dumps({"name": "stored", "model": self.model, "dataset": self.dataset,
                           "selector": {"board": "parked-nowhere"}}).encode()
        counter = iter(range(n))
        lock = threading.Lock()
        errors = []

        def run():
            conn = UnixHTTPConnection(self.hild.socket_path, timeout=60)
            while True:
                with lock:
                    if next(counter, None) is None:
                        break
                try:
                    conn.request("POST", "/v1/jobs", body=spec, headers={"Content-Type": "application/json"})
                    r = conn.getresponse()
                    job = json.loads(r.read())["id"]
                    conn.request("POST", f"/v1/jobs/{job}/cancel")
                    r = conn.getresponse()
                    r.read()
                    if r.status != 200:
                        errors.append(r.status)
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))
                    conn.close()
                    conn = UnixHTTPConnection(self.hild.socket_path, timeout=60)
            conn.close()

        ts = [threading.Thread(target=run) for _ in range(threads)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.monotonic() - t0, errors

    def feeder(self, stop, submitted):
        """Keeps every board busy: real jobs (the example model, 12 samples) queued behind them."""
        rng = np.random.default_rng(self.args.seed)
        datasets = []
        for _ in range(8):
            d = workload.image_dataset(rng, 12)
            self.client.put_artifact("dataset", d)
            datasets.append(workload.sha256(d))
        i = 0
        while not stop.is_set():
            h = self.client.get_json("/healthz")
            for _ in range(max(0, self.args.boards + 8 - h["queued"] - h["running"])):
                r = self.client.submit({"name": f"load-{i}", "model": self.model, "dataset": datasets[i % len(datasets)],
                                        "options": {"limit": 12, "baud": 921600}})
                if r.status == 201:
                    submitted.append(r.json()["id"])
                i += 1
            stop.wait(0.2)

    def run(self):
        a = self.args
        t_start = time.monotonic()
        print(f"load: {a.clients} clients for {a.seconds:.0f} s, {a.boards} mock boards ({a.core}), {a.stored} stored jobs; work in {self.work}",
              flush=True)
        self.hild.start()
        checks, mem = [], {}
        try:
            time.sleep(3)
            mem["idle"] = self.mib()
            self.model = workload.sha256(workload.example_model())
            self.client.put_artifact("model", workload.example_model())
            d = workload.image_dataset(np.random.default_rng(0), 12)
            self.client.put_artifact("dataset", d)
            self.dataset = workload.sha256(d)
            seconds, errors = self.store_jobs(a.stored)
            stored = self.client.get_json("/healthz")
            print(f"stored {a.stored} jobs (submit + cancel, 8 clients) in {seconds:.1f} s, {len(errors)} error(s)", flush=True)
            time.sleep(2)
            mem["stored"] = self.mib()

            stop, submitted = threading.Event(), []
            feeder = threading.Thread(target=self.feeder, args=(stop, submitted))
            feeder.start()
            time.sleep(2)   # boards busy before the clients start
            finished_before = self._finished()
            per_proc = _split(a.clients, a.processes)
            q = mp.get_context("fork").Queue()
            procs = [mp.get_context("fork").Process(target=_worker, args=(self.hild.socket_path, a.seconds, c, i, q))
                     for i, c in enumerate(per_proc)]
            samples, cpu0 = [], self.cpu_seconds()
            sampler = threading.Thread(target=self.sample_rss, args=(a.seconds, samples))
            t0 = time.monotonic()
            for p in procs:
                p.start()
            sampler.start()
            results = [r for _ in procs for r in q.get(timeout=a.seconds + 120)]
            sampler.join()
            cpu = (self.cpu_seconds() - cpu0) / (time.monotonic() - t0)
            for p in procs:
                p.join()
            wall = time.monotonic() - t0
            finished_during = self._finished() - finished_before
            stop.set()
            feeder.join()
            busy_boards = sum(1 for b in self.client.get_json("/v1/boards") if b["state"] == "busy")
            # Let the last jobs end, then measure at rest.
            for j in submitted:
                self.client.request("POST", f"/v1/jobs/{j}/cancel")
            time.sleep(3)
            mem["after"] = self.mib()
            alive = self.hild.alive()
            status = self.hild.stop()
        finally:
            self.hild.kill()

        lat = {r: [] for r in ROUTES}
        errs = {r: [] for r in ROUTES}
        sse = {"ttfb": [], "lags": [], "streams": 0, "events": 0}
        for path, values, e in results:
            route = {"/v1/boards": ROUTES[0], "/v1/jobs": ROUTES[1], "sse": ROUTES[2]}[path]
            errs[route] += e
            if path == "sse":
                for k in ("ttfb", "lags"):
                    sse[k] += values[k]
                sse["streams"] += values["streams"]
                sse["events"] += values["events"]
            else:
                lat[route] += values
        lat[ROUTES[2]] = sse["ttfb"]
        rows = []
        for r in ROUTES:
            v = lat[r]
            rows.append([r, len(v), f"{len(v) / wall:.0f}", f"{percentile(v, 50) * 1000:.1f}", f"{percentile(v, 99) * 1000:.1f}",
                         f"{max(v) * 1000:.1f}" if v else "-", len(errs[r])])
        print(f"\n{a.clients} clients ({_describe(per_proc)}) for {wall:.1f} s; {finished_during} jobs finished meanwhile on {a.boards} boards "
              f"({finished_during / wall * 60:.0f} jobs/min), {busy_boards} busy at the end")
        print(table(rows, ["route", "requests", "per s", "p50 ms", "p99 ms", "max ms", "errors"]))
        print(f"hild used {cpu:.2f} CPU cores (of {os.cpu_count()}) during the load; VmRSS at each tenth of it: "
              + " ".join(f"{v:.0f}" for v in samples) + " MiB")
        print(f"SSE: {sse['streams']} streams, {sse['events']} events; p50/p99 is the time to the response headers; "
              f"live event lag (received - event time) p50 {percentile(sse['lags'], 50) * 1000:.1f} ms, "
              f"p99 {percentile(sse['lags'], 99) * 1000:.1f} ms over {len(sse['lags'])} events")
        aim = 60e6 / 2**20   # 60 MB in MiB
        print("\nhild resident memory (VmRSS; VmHWM is the peak so far)")
        print(table([[k, f"{v[0]:.1f} MiB ({v[0] * 2**20 / 1e6:.1f} MB)", f"{v[1]:.1f} MiB"] for k, v in
                     (("idle, boards attached", mem["idle"]), (f"{a.stored} jobs stored", mem["stored"]), ("after the load", mem["after"]))],
                    ["when", "RSS", "peak"]))
        all_errors = [e for r in ROUTES for e in errs[r]]
        for e in all_errors[:10]:
            print(f"  error: {e}")
        checks += [
            Check("errors on every route: 0", not all_errors, f"{len(all_errors)} error(s)"),
            Check("every route was exercised", all(lat[r] for r in ROUTES) and sse["events"] > 0,
                  ", ".join(f"{r}: {len(lat[r])}" for r in ROUTES)),
            Check("jobs ran during the load", finished_during > 0, f"{finished_during} finished"),
            Check(f"{a.stored} jobs stored", stored["queued"] == 0 and len(errors) == 0, f"{seconds:.1f} s, {len(errors)} error(s)"),
            Check("hild alive after the load, stopped with status 0", alive and status == 0, f"status {status}"),
            Check(f"aim: RSS < 60 MB with {a.boards} boards (idle / stored / after)", all(v[0] < aim for v in mem.values()),
                  " / ".join(f"{v[0] * 2**20 / 1e6:.1f}" for v in mem.values()) + " MB", gate=False),
        ]
        print_checks("checks", checks)
        print(f"\nload took {time.monotonic() - t_start:.0f} s; hild log {self.hild.log_path}")
        code = exit_status(checks)
        write_json(a.json, {"latency_ms": {r: {"n": len(lat[r]), "p50": percentile(lat[r], 50) * 1000, "p99": percentile(lat[r], 99) * 1000}
                                           for r in ROUTES},
                            "sse_lag_ms": {"p50": percentile(sse["lags"], 50) * 1000, "p99": percentile(sse["lags"], 99) * 1000},
                            "errors": all_errors[:100], "memory_mib": mem, "rss_during_mib": samples, "hild_cpu_cores": cpu, "finished_during": finished_during, "wall": wall,
                            "checks": [c.as_dict() for c in checks]})
        if code == 0 and not a.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return code

    def cpu_seconds(self):
        with open(f"/proc/{self.hild.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample_rss(self, seconds, out):
        """hild's VmRSS at each tenth of the load: does it level off, or keep climbing?"""
        for i in range(1, 11):
            time.sleep(seconds / 10)
            try:
                out.append(self.mib()[0])
            except OSError:
                return

    def _finished(self):
        return sum(self.client.get_json(f"/v1/jobs?state={s}&limit=10000").__len__() for s in ("passed", "failed", "errored"))


def _split(clients, processes):
    """Clients per process as (boards, jobs, sse) threads: 40 %, 30 %, 30 % of the total."""
    kinds = [0] * clients
    for i in range(clients):
        kinds[i] = 0 if i % 10 < 4 else (1 if i % 10 < 7 else 2)
    per = [[0, 0, 0] for _ in range(processes)]
    for i, k in enumerate(kinds):
        per[i % processes][k] += 1
    return [tuple(p) for p in per if sum(p)]


def _describe(per_proc):
    b, j, s = (sum(p[i] for p in per_proc) for i in range(3))
    return f"{b} on /v1/boards, {j} on /v1/jobs, {s} on event streams, in {len(per_proc)} processes"


def add_arguments(p):
    p.add_argument("--seconds", type=float, default=60, help="how long the clients run (default 60)")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    p.add_argument("--processes", type=int, default=5, help="client processes (default 5)")
    p.add_argument("--boards", type=int, default=16, help="mock boards (default 16)")
    p.add_argument("--stored", type=int, default=10000, help="jobs stored before the load (default 10000)")
    p.add_argument("--core", default="host-harness")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--quick", action="store_true", help="the CI size: 8 s, 500 stored jobs")


def run(args):
    if args.quick:
        args.seconds, args.stored = min(args.seconds, 8), min(args.stored, 500)
    return Load(args).run()
