"""`python3 tools/farm/hilfarm up [--hosts N] [--boards N] [--lease-seconds S]`: a bench of several
hosts on this machine, to try one: a throwaway PostgreSQL server and N hilds sharing it, each with
its own mock boards, until Ctrl-C. Prints the sockets to point hilctl at (HILD_SOCKET=…)."""
import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hilfarm import cluster as pg  # noqa: E402
from hilfarm.farm import Farm  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(prog="hilfarm", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start a PostgreSQL server and N hilds sharing it, until Ctrl-C")
    up.add_argument("--hosts", type=int, default=3)
    up.add_argument("--boards", type=int, default=2, help="mock boards per host")
    up.add_argument("--lease-seconds", type=float, default=10)
    fo = sub.add_parser("failover", help="measure how long a job of a SIGKILLed host takes to run on another")
    fo.add_argument("--lease-seconds", type=float, nargs="+", default=[3, 10])
    args = p.parse_args(argv)
    if pg.binaries() is None:
        sys.exit("hilfarm: PostgreSQL is not installed: apt-get install postgresql")
    if args.command == "failover":
        return failover(args.lease_seconds)
    cluster = pg.Cluster()
    farm = None
    try:
        farm = Farm(cluster, hosts=args.hosts, boards=args.boards, lease_seconds=args.lease_seconds).start()
        print(f"PostgreSQL: {farm.url}")
        for h in farm.hosts:
            print(f"{h.name}: HILD_SOCKET={h.hild.socket_path}  (pid {h.hild.pid}, log {h.hild.log_path})")
        print("e.g.  HILD_SOCKET=" + farm.hosts[0].hild.socket_path + " .build/debug/hilctl boards")
        print("Ctrl-C stops every hild and the server.", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        if farm:
            farm.stop()
        cluster.stop()


def failover(leases):
    """Three hosts of one board; a job streaming on one; SIGKILL it; time until the job runs elsewhere."""
    cluster = pg.Cluster()
    try:
        for lease in leases:
            farm = Farm(cluster, hosts=3, boards=1, lease_seconds=lease).start()
            try:
                front = farm.hosts[0].client
                job_id, _, _, victim = farm.streaming_job(front, "failover", limit=60)
                other = next(h for h in farm.hosts if h is not victim).client
                start = time.monotonic()
                victim.hild.kill()
                farm.wait("the job running on another host", lambda: (lambda j: j["state"] == "running" and j["host"] != victim.name)(
                    farm.job(other, job_id)), every=0.02)
                print(f"lease {lease:g} s: SIGKILL of {victim.name} -> job {job_id} running on another host after {time.monotonic() - start:.2f} s", flush=True)
            finally:
                farm.stop()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
