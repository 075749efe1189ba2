"""What Python tests of `iwd serve` share: starting a server on a free loopback port."""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request


def start_serve(iwd, tmp, config, rules="examples/enterprise.iwd", data="data", store=None, wait=30):
    """`iwd serve` with `config` (written to TMP/config.json) and its data in TMP/DATA, its
    stderr appended to TMP/serve.log: (process, port) once it listens. `rules` None: no
    --rules (the rules the data folder's store keeps). `store`: --store (PostgreSQL's URI).
    Not listening within `wait` seconds (a loaded machine): killed, and SystemExit."""
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    port_file = os.path.join(tmp, "port")
    if os.path.exists(port_file):
        os.remove(port_file)
    log = open(os.path.join(tmp, "serve.log"), "a")
    proc = subprocess.Popen([iwd, "serve"] + (["--rules", rules] if rules else []) +
                            (["--store", store] if store else []) +
                            ["--data", os.path.join(tmp, data), "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--config", path], stderr=log)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    if proc.poll() is None:  # not listening in time: not left running beside the next try
        proc.kill()
        proc.wait()
    raise SystemExit("the server did not start: " + open(os.path.join(tmp, "serve.log")).read())


def call(port, method, path, body, token):
    """A JSON request to the server on loopback port `port` with a bearer token: (status, body
    parsed, or None when empty); an HTTP error's status and body too."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Checks:
    """A test script's tally: check(ok, what) prints each failure; finish() prints the failures
    again (last, so that a log cut to its tail, as CI's summary is, still names them), then
    `N passed, M failed`, and exits 1 when any failed."""

    def __init__(self):
        self.passed = self.failed = 0
        self.failures = []

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(what)
            print("FAIL:", what)

    def finish(self):
        import sys
        for what in self.failures[:10]:
            print("FAILED:", str(what)[:300])
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
