"""Several hild processes on one machine sharing one PostgreSQL database: a bench of several
hosts, each host a process with its own state directory, socket and mock boards."""
import os
import shutil
import sys
import tempfile
import time

_RELIABILITY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reliability")
if _RELIABILITY not in sys.path:
    sys.path.insert(0, _RELIABILITY)

from hilreliability.daemon import Hild, HildFailed  # noqa: E402  (the one way the suites run hild)
from hilreliability import workload  # noqa: E402


class Host:
    """One hild of the farm: its name, its process, its API client."""

    def __init__(self, name, url, root, boards, mock_first, lease_seconds):
        self.name = name
        state = os.path.join(root, name)
        os.makedirs(state)
        self.hild = Hild(state, boards=boards, log_path=os.path.join(root, f"{name}.log"),
                         extra_args=["--store", url, "--host-name", name, "--lease-seconds", str(lease_seconds),
                                     "--mock-first", str(mock_first), "--log-level", "notice"])
        self.boards = boards

    @property
    def client(self):
        return self.hild.client

    def start(self, timeout=90.0):
        self.hild.start(timeout=timeout, wait_boards=False)
        deadline = time.monotonic() + timeout
        while True:
            mine = [b for b in self.client.get_json("/v1/boards") if b.get("host") == self.name]
            if len(mine) >= self.boards and all(b["state"] in ("idle", "busy") for b in mine):
                return self
            if time.monotonic() > deadline:
                raise HildFailed(f"{self.name}'s boards not attached within {timeout} s: {mine}")
            time.sleep(0.05)

    def log(self):
        try:
            with open(self.hild.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Farm:
    """`hosts` hilds with `boards` mock boards each, on a new database of `cluster`."""

    def __init__(self, cluster, hosts=3, boards=1, lease_seconds=5):
        self.cluster = cluster
        self.url = cluster.fresh_database()
        self.root = tempfile.mkdtemp(prefix="hil-farm-")
        self.lease_seconds = lease_seconds
        self.hosts = [Host(f"host-{i + 1}", self.url, self.root, boards, 1 + i * max(boards, 1), lease_seconds)
                      for i in range(hosts)]

    def start(self):
        for h in self.hosts:
            h.start()
        return self

    def stop(self):
        for h in self.hosts:
            if h.hild.proc is not None:
                try:
                    os.kill(h.hild.pid, 18)  # SIGCONT: a paused hild cannot stop
                except OSError:
                    pass
            h.hild.stop()
        if os.environ.get("HILFARM_KEEP"):
            print(f"hilfarm: logs and state kept in {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def host(self, name):
        return next(h for h in self.hosts if h.name == name)

    def upload(self, client, models=1, seed=0):
        """Distinct models (each report names its own) and the example holdout set."""
        ids = []
        for m in workload.models(models, seed=seed):
            r = client.put_artifact("model", m)
            assert r.status in (200, 201), r
            ids.append(r.json()["id"])
        r = client.put_artifact("dataset", workload._tar([(n, open(os.path.join(workload.paths.EXAMPLE_HOLDOUT, n), "rb").read())
                                                         for n in workload.holdout_files()]))
        assert r.status in (200, 201), r
        return ids, r.json()["id"]

    def job(self, client, job_id):
        return client.get_json(f"/v1/jobs/{job_id}")

    def events(self, client, job_id):
        return client.get_json(f"/v1/jobs/{job_id}/events")

    def wait(self, what, condition, timeout=120.0, every=0.1):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}\n"
                                     + "\n".join(f"--- {h.name}\n{h.log()[-3000:]}" for h in self.hosts))
            time.sleep(every)

    def streaming_job(self, client, name, limit):
        """Uploads a model and the holdout set, submits a job at the board's boot rate (115200 baud,
        ~3.7 samples a second: seconds to act on it in) and waits until it streams.
        Returns (job id, model id, dataset id, the Host running it)."""
        models, dataset = self.upload(client, models=1)
        job_id = client.submit({"name": name, "model": models[0], "dataset": dataset, "options": {"limit": limit}}).json()["id"]

        def streaming():
            j = self.job(client, job_id)
            return j if j["state"] == "running" and (j.get("progress") or {}).get("done", 0) >= 2 else None
        running = self.wait(f"job {job_id} streaming", streaming, timeout=60)
        return job_id, models[0], dataset, self.host(running["host"])

    def finished(self, client, job_id, timeout=120.0):
        return self.wait(f"job {job_id} to finish",
                         lambda: (lambda j: j if j["state"] in ("passed", "failed", "errored", "cancelled") else None)(
                             self.job(client, job_id)), timeout)
