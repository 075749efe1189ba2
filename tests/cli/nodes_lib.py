"""What the tests of `iwd serve --node` share (issue 18, docs/deployment.md "Running nodes"): a node
process on a free loopback port with its stderr in a log, which node serves a workspace itself,
waiting until each workspace is served by exactly one node, and a request that gives back the
answer's headers too."""
import json
import os
import socket
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=10):
    """A JSON request on loopback: (status, body parsed or None, headers); an HTTP error's too.
    OSError (refused, timed out) is raised."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = {"raw": raw.decode(errors="replace")}
        return e.code, parsed, e.headers


class Node:
    """`iwd serve --node NAME` on `url` (a cluster's), with TMP/config.json, its log TMP/NAME.log."""

    def __init__(self, iwd, tmp, url, name):
        self.name, self.port = name, free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(tmp, name + ".log")
        self.proc = subprocess.Popen(
            [iwd, "serve", "--rules", os.path.join(ROOT, "examples/enterprise.iwd"), "--store", url, "--node", name,
             "--advertise", self.address, "--data", os.path.join(tmp, name), "--listen", f"127.0.0.1:{self.port}",
             "--config", os.path.join(tmp, "config.json")], stderr=open(self.log, "w"))

    def status(self, ws, timeout=10):
        """Whether this node serves `ws` itself: asked as if forwarded once (Iwd-Proxied), which a node
        never forwards again (503 not_owner), so a 200 is its own answer; None when it does not answer."""
        try:
            return request(self.port, "GET", f"/v1/workspaces/{ws}/healthz", headers={"Iwd-Proxied": "1"},
                           timeout=timeout)[0]
        except OSError:
            return None

    def logged(self):
        with open(self.log, errors="replace") as f:
            return f.read()


def servers(nodes, ws):
    return [n for n in nodes if n.proc.poll() is None and n.status(ws) == 200]


def wait_placed(nodes, workspaces, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(len(servers(nodes, ws)) == 1 for ws in workspaces):
            return True
        time.sleep(0.2)
    return False


def print_logs(nodes, chars=2500):
    for n in nodes:
        with open(n.log, errors="replace") as f:
            print(f"--- {n.name}\n" + f.read()[-chars:])


def stop_all(nodes, check):
    """SIGTERM to each of `nodes`, then each must exit 0 within 30 s (a clean stop)."""
    for n in nodes:
        n.proc.send_signal(signal.SIGTERM)
    for n in nodes:
        check(n.proc.wait(timeout=30) == 0, f"{n.name} stops cleanly")


def tear_down(nodes, cluster, tmp, failed):
    """After a test: every node still running killed (one stopped by SIGSTOP continued first),
    the cluster stopped, the nodes' logs printed when a check failed, TMP removed. Each node needs
    `proc`, `name` and `log` (its stderr's file)."""
    for n in nodes:
        if n.proc.poll() is None:
            n.proc.send_signal(signal.SIGCONT)
            n.proc.kill()
            n.proc.wait()
    cluster.close()
    if failed:
        print_logs(nodes)
    shutil.rmtree(tmp, ignore_errors=True)
