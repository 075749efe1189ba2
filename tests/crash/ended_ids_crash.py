#!/usr/bin/env python3
"""`iwd serve` killed with SIGKILL while it frees ended items' ids (issue 17): the idempotency
window at 0, so each id's number is released as its item ends and given to the next ids, and
snapshots every 150 lines, so some are written while numbers are freed. Clients
capture items, cancel most, keep some open and capture ended ids again (new lives); the server
is killed mid-load twice (the second time after a restart from a snapshot that named freed
ids). After each restart every acknowledged change is there: the open items are exactly those
last acknowledged open (the one change in flight per client either way), and an item last
acknowledged canceled answers as canceled. About 10 s.

    python3 tests/crash/ended_ids_crash.py build/bin/iwd

Registered as the ctest case `crash/ended_ids` (tests/crash/CMakeLists.txt); prints `N passed,
M failed`. Reuses tests/cli/serve_lib.py's start_serve and Checks.
"""
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from serve_lib import Checks, start_serve  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_ended_ids_")
CONFIG = {"idempotency_window_seconds": 0, "compact_every": 150}
CLIENTS = 3
check = Checks()


def request(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path, json.dumps(body) if body is not None else "", {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


class Client(threading.Thread):
    """Captures ids of its own, cancels most, keeps every fifth open, and captures a canceled
    one again every seventh: `state` is each id's last acknowledged state, `inflight` the id of
    the change sent and not answered when the server went."""

    def __init__(self, port, name, state, stop):
        super().__init__(daemon=True)
        self.port, self.name, self.state, self.stop = port, name, state, stop
        self.inflight = None
        self.acked = 0

    def send(self, id, method, path, body, ok, then):
        self.inflight = id
        try:
            status, _ = request(self.port, method, path, body)
        except (OSError, http.client.HTTPException):
            return False
        if status != ok:
            return False
        self.state[id] = then
        self.inflight = None
        self.acked += 1
        return True

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            id = f"{self.name}-{n}"
            if not self.send(id, "POST", "/v1/items", {"id": id, "department": "Finance"}, 201, "open"):
                return
            if n % 5 != 0 and not self.send(id, "POST", f"/v1/items/{id}/cancel", None, 200, "canceled"):
                return
            if n % 7 == 0:  # a new life of an ended id (its number long given to others)
                again = f"{self.name}-{n - 6}"
                if self.state.get(again) == "canceled":
                    if not self.send(again, "POST", "/v1/items", {"id": again, "department": "Finance"}, 201, "open"):
                        return
                    if not self.send(again, "POST", f"/v1/items/{again}/cancel", None, 200, "canceled"):
                        return


def open_ids(port):
    ids, offset = set(), 0
    while True:
        status, page = request(port, "GET", f"/v1/queue?state=open&limit=1000&offset={offset}")
        assert status == 200, status
        ids.update(i["id"] for i in page["items"])
        if len(page["items"]) < 1000:
            return ids
        offset += 1000


def load_and_kill(proc, port, states, round_name, at_least):
    stop = threading.Event()
    clients = [Client(port, f"{round_name}{c}", states[c], stop) for c in range(CLIENTS)]
    for c in clients:
        c.start()
    deadline = time.monotonic() + 60
    while sum(c.acked for c in clients) < at_least and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for c in clients:
        c.join(15)
    acked = sum(c.acked for c in clients)
    check(acked >= at_least, f"{round_name}: {acked} changes acknowledged before the kill (wanted {at_least})")
    return {(k, c.inflight) for k, c in enumerate(clients) if c.inflight}


def verify(port, states, inflight, round_name):
    present = open_ids(port)
    expected = {id for s in states for id, st in s.items() if st == "open"}
    unsure = {id for _, id in inflight}
    missing = (expected - unsure) - present
    extra = (present - expected) - unsure
    check(not missing, f"{round_name}: acknowledged open items missing after the restart: {sorted(missing)[:5]}")
    check(not extra, f"{round_name}: items open that were not acknowledged open: {sorted(extra)[:5]}")
    canceled = [id for s in states for id, st in s.items() if st == "canceled" and id not in unsure]
    wrong = []
    for id in canceled[:: max(1, len(canceled) // 40)]:  # a sample: each is a request
        status, body = request(port, "GET", f"/v1/items/{id}")
        if status != 200 or body.get("state") != "canceled":
            wrong.append((id, status, body.get("state") if isinstance(body, dict) else body))
    check(not wrong, f"{round_name}: items acknowledged canceled that do not answer so: {wrong[:3]}")
    return len(expected), len(canceled)


try:
    proc, port = start_serve(IWD, TMP, CONFIG)
    states = [dict() for _ in range(CLIENTS)]
    inflight = load_and_kill(proc, port, states, "a", 1500)
    proc, port = start_serve(IWD, TMP, CONFIG)
    opened, canceled = verify(port, states, inflight, "first kill")
    check(opened > 0 and canceled > 0, f"both open ({opened}) and canceled ({canceled}) items were checked")
    # Settle the in-flight ones as the server has them (a capture in flight may never have been
    # acknowledged, and be there), then a second round on the restarted server.
    for c, id in inflight:
        status, body = request(port, "GET", f"/v1/items/{id}")
        state = body.get("state") if status == 200 else None
        states[c][id] = "open" if state == "queued" else "canceled" if state == "canceled" else "never"
    inflight = load_and_kill(proc, port, states, "b", 1500)
    proc, port = start_serve(IWD, TMP, CONFIG)
    verify(port, states, inflight, "second kill")
    status, body = request(port, "POST", "/v1/items", {"id": "after", "department": "Finance"})
    check(status == 201, f"a capture after the restarts: {status} {body}")
    proc.terminate()
    proc.wait(10)
finally:
    if check.failed:
        print("kept", TMP, file=sys.stderr)
    else:
        shutil.rmtree(TMP, ignore_errors=True)
check.finish()
