"""`python3 -m hilreliability <suite> [options]`: crash-loop, api, load."""
import argparse
import sys

from . import paths


def parser():
    p = argparse.ArgumentParser(prog="python3 -m hilreliability",
                                description="Reliability suites for hild (issue 17). Each prints its figures and exits 1 when one falls short.")
    sub = p.add_subparsers(dest="suite", required=True)
    from . import apisuite, crashloop, load
    for name, module, help_ in (("crash-loop", crashloop, "SIGKILL hild at chosen moments until the queue drains; check nothing was lost"),
                                ("api", apisuite, "schemathesis against the OpenAPI document over TCP, auth, socket mode, limits, full disk"),
                                ("load", load, "50 clients on boards, jobs and event streams while jobs run; latency and memory")):
        s = sub.add_parser(name, help=help_, description=help_)
        module.add_arguments(s)
        s.add_argument("--hild", default=paths.HILD, help="the hild binary (default .build/debug/hild)")
        s.add_argument("--hilctl", default=paths.HILCTL, help="the hilctl binary (default .build/debug/hilctl)")
        s.add_argument("--workdir", default=None, help="where the temporary state directories go (default $TMPDIR)")
        s.add_argument("--json", default=None, metavar="FILE", help="also write the figures as JSON")
        s.add_argument("--keep", action="store_true", help="keep the state directories even when every check passes")
        s.add_argument("-v", "--verbose", action="store_true")
        s.set_defaults(module=module)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    missing = paths.missing_binaries(args.hild, args.hilctl)
    if missing:
        print(f"hilreliability: {missing}", file=sys.stderr)
        return 2
    return args.module.run(args)
