"""A throwaway PostgreSQL server (Debian's `postgresql`) in a temp dir, on a Unix socket only.

initdb refuses to run as root; as root the server runs as the `postgres` user, as Debian's own
clusters do. Stopped with `-m immediate` (what a power cut leaves) and its files removed.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import uuid


def binaries():
    """Debian's server binaries (the newest version installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class Cluster:
    def __init__(self):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.dir = tempfile.mkdtemp(prefix="hil-farm-pg-")
        self.port = 6400 + os.getpid() % 500
        self.as_root = os.geteuid() == 0
        os.chmod(self.dir, 0o755)
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start_server()

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    def start_server(self):
        self._run("pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.dir, "server.log"),
                  "-o", f"-k {self.dir} -c listen_addresses= -p {self.port} -c fsync=off -c max_connections=200",
                  "start")

    def stop_server(self, mode="fast"):
        """Stops the server (`fast`: clients are disconnected; `immediate`: as a crash) and keeps its data."""
        self._run("pg_ctl", "-D", self.data, "-w", "-m", mode, "stop")

    def _run(self, tool, *args, as_postgres=True):
        argv = [os.path.join(self.bin, tool), *args]
        if self.as_root and as_postgres:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        # Output to a file, not a pipe: the server pg_ctl starts would hold a pipe open.
        with open(os.path.join(self.dir, f"{tool}.out"), "wb") as out:
            r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        if r.returncode != 0:
            with open(os.path.join(self.dir, f"{tool}.out"), errors="replace") as f:
                raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {f.read()[-2000:]}")

    def url(self, database):
        return f"postgresql:///{database}?host={self.dir}&port={self.port}&user=postgres"

    def fresh_database(self):
        name = "farm_" + uuid.uuid4().hex[:12]
        self._run("createdb", "-h", self.dir, "-p", str(self.port), "-U", "postgres", name, as_postgres=False)
        return self.url(name)

    def psql(self, url, sql):
        """Runs SQL and returns its rows as lists of strings (tab-separated, unaligned)."""
        r = subprocess.run([os.path.join(self.bin, "psql"), url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr.strip()}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def stop(self):
        try:
            self.stop_server("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
