#!/usr/bin/env python3
"""Notifications of `iwd serve --store postgresql://...` (issue 18), against a PostgreSQL 15 cluster
of its own and a receiver on loopback: creates under load, kill -9, a restart once the lease
expired; every acknowledged create is notified, signed, at least once (the outbox is written in
the journal's transactions, so what was acknowledged is owed). Usage: serve_postgresql_notify_test.py IWD."""
import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_cluster import Cluster, serve_on, tear_down  # noqa: E402
from serve_lib import Checks, call  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_serve_pg_notify_")
SECRET, SOURCE = "whsec-0123456789abcdef", "source-token-0123456789"
check = Checks()
seen, lock = [], threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        parts = dict(p.split("=", 1) for p in self.headers.get("Iwd-Signature", "t=0,v1=x").split(","))
        signed = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        with lock:
            seen.append((json.loads(body), hmac.compare_digest(signed, parts["v1"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


rx = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=rx.serve_forever, daemon=True).start()
CONFIG = {"tokens": [{"token": SOURCE, "role": "source", "name": "crm"}],
          "subscriptions": {"crm": {"url": f"http://127.0.0.1:{rx.server_address[1]}/crm", "events": ["captured"],
                                    "secret": SECRET}},
          "notifications": {"retry_initial_seconds": 0.1, "retry_max_seconds": 0.5, "timeout_seconds": 2}}


def notified():
    with lock:
        return {body["item"] for body, ok in seen if body.get("event") == "captured" and ok}


cluster = Cluster()
proc = None
try:
    proc, port = serve_on(cluster, IWD, TMP, CONFIG)
    acknowledged, stop = [], threading.Event()

    def load():
        k = 0
        while not stop.is_set():
            try:
                if call(port, "POST", "/v1/items", {"id": f"N{k}", "department": "Sales", "segment": "Gold"},
                        SOURCE)[0] == 201:
                    acknowledged.append(f"N{k}")
            except OSError:
                return
            k += 1

    t = threading.Thread(target=load)
    t.start()
    while len(acknowledged) < 100 and t.is_alive():
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stop.set()
    t.join(timeout=30)
    check(len(acknowledged) >= 100, f"creates acknowledged before the kill: {len(acknowledged)}")
    proc, port = serve_on(cluster, IWD, TMP, CONFIG)
    check("at epoch 2" in open(os.path.join(TMP, "serve.log")).read(), "the restart took the lease at epoch 2")
    until = time.monotonic() + 30
    while time.monotonic() < until and not set(acknowledged) <= notified():
        time.sleep(0.1)
    missing = set(acknowledged) - notified()
    check(not missing, f"every acknowledged create notified, signed, at least once: {sorted(missing)[:5]} missing")
    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=30) == 0, "a clean stop")
finally:
    rx.shutdown()
    tear_down(cluster, proc, TMP, check.failed)
check.finish()
