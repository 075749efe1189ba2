"""What Python tests of `iwd serve` share: starting a server on a free loopback port."""
import json
import os
import subprocess
import time


def start_serve(iwd, tmp, config, rules="examples/enterprise.iwd"):
    """`iwd serve` with `config` (written to TMP/config.json) and its data in TMP/data, its
    stderr appended to TMP/serve.log: (process, port) once it listens."""
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    port_file = os.path.join(tmp, "port")
    if os.path.exists(port_file):
        os.remove(port_file)
    log = open(os.path.join(tmp, "serve.log"), "a")
    proc = subprocess.Popen([iwd, "serve", "--rules", rules, "--data", os.path.join(tmp, "data"), "--listen", "127.0.0.1:0",
                             "--port-file", port_file, "--config", path], stderr=log)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit("the server did not start: " + open(os.path.join(tmp, "serve.log")).read())


class Checks:
    """A test script's tally: check(ok, what) prints each failure; finish() prints
    `N passed, M failed` and exits 1 when any failed."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)

    def finish(self):
        import sys
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
