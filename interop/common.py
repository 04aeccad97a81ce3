"""What the interop scripts share: running a client program and counting
checks."""
import subprocess
import sys


def run(*cmd, stdin=None):
    """Run a client program; fail with its own words when it fails."""
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout


class Checks:
    """Runs checks one by one, printing a line each, and ends with a count."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, label, fn):
        try:
            fn()
            self.passed += 1
            print(f"ok    {label}")
        except Exception as e:  # report and go on: every client gets its say
            self.failed += 1
            print(f"FAIL  {label}: {e}")

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
