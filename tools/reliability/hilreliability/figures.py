"""Checks and figures as the suites print them, and the exit status they add up to."""
import json


class Check:
    def __init__(self, name, ok, detail="", gate=True):
        # gate=False: a figure reported against an aim, never failing the run.
        self.name, self.ok, self.detail, self.gate = name, bool(ok), detail, gate

    @property
    def verdict(self):
        if self.gate:
            return "ok" if self.ok else "FAIL"
        return "met" if self.ok else "not met"

    def as_dict(self):
        return {"name": self.name, "ok": self.ok, "gate": self.gate, "detail": self.detail}


def table(rows, headers):
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def print_checks(title, checks):
    print(f"\n{title}")
    print(table([[c.verdict, c.name, c.detail] for c in checks], ["verdict", "check", "figure / detail"]))


def exit_status(checks):
    failed = [c for c in checks if c.gate and not c.ok]
    if failed:
        print(f"\n{len(failed)} check(s) FAILED: " + "; ".join(c.name for c in failed))
        return 1
    print("\nall checks passed")
    return 0


def write_json(path, payload):
    if path:
        with open(path, "w") as f:
            json.dump(payload, f, indent=2, sort_keys=True, default=str)
