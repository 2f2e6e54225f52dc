"""hild as a child process: started on a state directory, killed, restarted, stopped."""
import json
import os
import signal
import subprocess
import time

from . import paths
from .client import Client


class HildFailed(RuntimeError):
    pass


class Hild:
    def __init__(self, state_dir, socket_path=None, boards=4, core="host-harness", tcp=None,
                 token_file=None, config=None, hild=paths.HILD, log_path=None, extra_args=()):
        self.state_dir = state_dir
        self.socket_path = socket_path or os.path.join(state_dir, "hild.sock")
        self.boards, self.core, self.tcp, self.token_file = boards, core, tcp, token_file
        self.config, self.binary, self.extra_args = config, hild, list(extra_args)
        self.log_path = log_path or os.path.join(os.path.dirname(state_dir.rstrip("/")) or ".",
                                                 os.path.basename(state_dir.rstrip("/")) + ".log")
        self.proc = None
        self.starts = 0
        self.client = Client(socket_path=self.socket_path)

    def argv(self):
        a = [self.binary, "--state-dir", self.state_dir, "--socket", self.socket_path, "--no-udev",
             "--boards", paths.BOARDS, "--mock", str(self.boards), "--mock-core", self.core]
        if self.config:
            a += ["--config", self.config]
        if self.tcp:
            a += ["--tcp", f"{self.tcp[0]}:{self.tcp[1]}", "--token-file", self.token_file]
        return a + self.extra_args

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=90.0, wait_boards=True):
        """Starts hild and returns once the API answers and every mock board is attached."""
        assert not self.alive()
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"\n==== start {self.starts} at {time.time():.3f}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     cwd=paths.ROOT)
        log.close()
        self.started_at = time.monotonic()
        if not self.client.wait_up(timeout, alive=self.alive):
            self.kill()
            raise HildFailed(f"hild did not come up (exit {self.proc.returncode}); see {self.log_path}: "
                             + self.log_tail())
        if wait_boards:
            deadline = time.monotonic() + timeout
            while True:
                boards = self.client.get_json("/v1/boards")
                if len(boards) >= self.boards and all(b["state"] in ("idle", "busy") for b in boards):
                    break
                if time.monotonic() > deadline:
                    raise HildFailed(f"boards not attached within {timeout} s: {json.dumps(boards)[:500]}")
                time.sleep(0.05)
        self.ready_seconds = time.monotonic() - self.started_at
        return self

    def kill(self):
        """SIGKILL; True when it was alive to be killed."""
        if not self.alive():
            return False
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return True

    def terminate(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGTERM)

    def stop(self, timeout=60.0):
        """SIGTERM and wait; returns the exit status (SIGKILL after `timeout`, status None)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - n))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def memory_kib(self):
        """(VmRSS, VmHWM) in KiB from /proc/PID/status."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
        return out["VmRSS"], out["VmHWM"]
