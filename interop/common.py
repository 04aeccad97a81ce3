"""What the interop scripts share: reading the endpoints file, running a
client program and counting checks."""
import json
import ssl
import subprocess
import sys


def endpoints(path):
    """Read what `mailflow up --endpoints-json` wrote: the whole of it, the hosts
    by name, the users by address, and a TLS context trusting the run's CA."""
    with open(path, encoding="utf-8") as f:
        ep = json.load(f)
    hosts = {h["name"]: h for h in ep["hosts"]}
    users = {u["address"]: u for u in ep["users"]}
    return ep, hosts, users, ssl.create_default_context(cafile=ep["ca_file"])


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
