#!/usr/bin/env python3
"""The notification crash test: `iwd serve` with a subscription to a local receiver (started
here) is killed with SIGKILL at seeded moments under load, restarted on the same data folder,
and at the end every acknowledged change's notification has arrived at least once, in order
per item, with a valid signature (docs/notifications.md: the outbox is written in the change's
transaction, so a crash after the acknowledgement loses no notification).

The load: client threads capture items (`captured`), update them into another process
(`process_changed`: Sales.Gold to Sales.Silver) and cancel them (`canceled`) as a crm source.
The receiver fails one request in eight (500), so retries and a crash between a change and its
delivery both happen. A request that got no answer (the kill) is in doubt: its notification may
come or not, but never out of order.

    python3 tests/crash/notify_crash.py --iwd build/bin/iwd [--rounds 5] [--seed S]

Registered as the ctest case `crash/notify` (tests/crash/CMakeLists.txt). Standard library only;
reuses serve.py's Server and Client.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from serve import Client, Lost, Server  # noqa: E402

SECRET = "whsec-crash-0123456789abcdef"
SOURCE = "crash-source-token-0123456789"
EVENTS = ["captured", "process_changed", "canceled"]


def verify_signature(header, body, tolerance=600):
    """docs/notifications.md's verification: HMAC-SHA256 over "t." and the body."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= tolerance
    except (KeyError, ValueError, AttributeError):
        return False


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps every request (in arrival order) with whether its signature verified; fails one in
    eight with 500, by a seeded draw."""
    arrivals = []  # (item, seq, event, delivery, verified)
    lock = threading.Lock()
    rng = random.Random(0)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        verified = verify_signature(self.headers.get("Iwd-Signature", ""), body)
        try:
            j = json.loads(body)
        except ValueError:
            j = {}
        with Receiver.lock:
            fail = Receiver.rng.random() < 0.125
            if not fail:  # a failed attempt is not a delivery: the sender tries again
                Receiver.arrivals.append((j.get("item"), j.get("seq"), j.get("event"), j.get("delivery"), verified))
        self.send_response(500 if fail else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Loader(threading.Thread):
    """One client: items of its own, each captured, updated into Silver, canceled. `acked`:
    (item, event) the server acknowledged; `doubt`: the request that had no answer."""

    def __init__(self, port, prefix, rng, stop, counter):
        super().__init__(daemon=True)
        self.client = Client(port, timeout=10)
        self.client.headers["Authorization"] = "Bearer " + SOURCE
        self.prefix, self.rng, self.stop, self.counter = prefix, rng, stop, counter
        self.acked = []
        self.open = []  # (item, stage): 0 captured, 1 updated
        self.doubt = None

    def run(self):
        # Paced (about 125 requests a second per client): the sender delivers one notification
        # at a time per subscription, and the backlog a round leaves must drain within the test.
        while not self.stop.wait(self.rng.uniform(0.004, 0.012)):
            try:
                self.step()
            except Lost as e:
                self.doubt = str(e)
                return

    def step(self):
        if not self.open or (len(self.open) < 6 and self.rng.random() < 0.5):
            item = f"{self.prefix}-{next(self.counter)}"
            status, body = self.client.call("POST", "/v1/items", {"id": item, "department": "Sales", "segment": "Gold"})
            if status in (200, 201):
                self.acked.append((item, "captured"))
                self.open.append((item, 0))
            return
        k = self.rng.randrange(len(self.open))
        item, stage = self.open[k]
        if stage == 0:
            status, body = self.client.call("PATCH", f"/v1/items/{item}", {"segment": "Silver"})
            if status == 200 and isinstance(body, dict) and body.get("process") == "Sales.Silver":
                self.acked.append((item, "process_changed"))
                self.open[k] = (item, 1)
        else:
            status, _ = self.client.call("POST", f"/v1/items/{item}/cancel")
            if status == 200:
                self.acked.append((item, "canceled"))
                del self.open[k]


def counter():
    n = 0
    while True:
        n += 1
        yield n


def check(loaders, arrivals):
    """Failures: acknowledged changes not notified, bad signatures, deliveries out of order."""
    failures = []
    bad = [a for a in arrivals if not a[4]]
    if bad:
        failures.append(f"{len(bad)} deliveries whose signature does not verify, e.g. {bad[0]}")
    got = {(a[0], a[2]) for a in arrivals}
    acked = [x for ld in loaders for x in ld.acked]
    missing = [x for x in acked if x not in got]
    if missing:
        failures.append(f"{len(missing)} of {len(acked)} acknowledged changes never notified, e.g. {missing[:5]}")
    # In order per item: when a notification arrives, every earlier one of its item (a lower seq)
    # has arrived before it, at least once.
    seqs_by_item = {}
    for item, seq, *_ in arrivals:
        seqs_by_item.setdefault(item, set()).add(seq)
    seen_by_item = {}
    for item, seq, event, delivery, _ in arrivals:
        seen = seen_by_item.setdefault(item, set())
        earlier = {s for s in seqs_by_item[item] if s < seq} - seen
        if earlier:
            failures.append(f"item {item}: {event} (seq {seq}, {delivery}) arrived before seq {sorted(earlier)}")
        seen.add(seq)
    # Per item, the events in lifecycle order (a stale delivery id would break this too).
    for item, kinds in _first_kinds(arrivals).items():
        if kinds != EVENTS[:len(kinds)]:
            failures.append(f"item {item}: notified {kinds}, not in the lifecycle's order")
    return failures, len(acked)


def _first_kinds(arrivals):
    kinds = {}
    for item, _, event, _, _ in arrivals:
        k = kinds.setdefault(item, [])
        if event not in k:
            k.append(event)
    return kinds


def self_check():
    """The check finds what it is there to find: a change never notified, a delivery before an
    earlier one of its item, a signature that does not verify."""
    class Acked:
        acked = [("a", "captured"), ("a", "process_changed"), ("b", "captured"), ("b", "canceled")]
    arrivals = [("a", 2, "process_changed", "crm-2", True), ("a", 1, "captured", "crm-1", True),
                ("b", 3, "captured", "crm-3", False)]
    found, _ = check([Acked], arrivals)
    expected = ["signature", "never notified", "arrived before seq [1]", "not in the lifecycle's order"]
    missed = [e for e in expected if not any(e in f for f in found)]
    if missed or len(found) != len(expected):
        raise SystemExit(f"the checker is broken: expected failures naming {expected}, got {found}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iwd", required=True)
    ap.add_argument("--rules", default="examples/enterprise.iwd")
    ap.add_argument("--rounds", type=int, default=5, help="kill -9 and restart this many times")
    ap.add_argument("--threads", type=int, default=3)
    ap.add_argument("--seed", default=str(random.randrange(1 << 30)))
    ap.add_argument("--settle", type=float, default=30, help="seconds to wait for the last deliveries")
    args = ap.parse_args()
    self_check()
    print(f"seed {args.seed} (rerun: python3 tests/crash/notify_crash.py --iwd {args.iwd} --seed {args.seed})", flush=True)
    rng = random.Random(args.seed)
    Receiver.rng = random.Random(f"{args.seed}/receiver")

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    workdir = tempfile.mkdtemp(prefix="iwd-notify-crash-")
    config = os.path.join(workdir, "config.json")
    with open(config, "w") as f:
        json.dump({"tokens": [{"token": SOURCE, "role": "source", "name": "crm"}],
                   "subscriptions": {"crm": {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hooks",
                                             "events": EVENTS, "sources": ["crm"], "secret": SECRET}},
                   "notifications": {"retry_initial_seconds": 0.05, "retry_max_seconds": 0.3, "timeout_seconds": 2}}, f)
    server = Server(args.iwd, workdir)
    data = os.path.join(workdir, "data")
    loaders, failures, ids, began, owed_total = [], [], counter(), time.monotonic(), 0
    try:
        r = 0
        # More rounds (five at most) while no kill has fallen between a change and its notification.
        while r < args.rounds or (owed_total == 0 and r < args.rounds + 5):
            port = server.start(args.rules, data, config)
            stop = threading.Event()
            batch = [Loader(port, f"r{r}t{k}", random.Random(f"{args.seed}/{r}/{k}"), stop, ids) for k in range(args.threads)]
            for ld in batch:
                ld.start()
            kill_after = rng.uniform(0.3, 1.5)
            time.sleep(kill_after)
            if not server.alive():
                failures.append(f"round {r + 1}: iwd serve exited by itself:\n{server.log_tail()}")
            server.kill()
            stop.set()
            for ld in batch:
                ld.join(30)
                if ld.is_alive():
                    failures.append(f"round {r + 1}: a client still waits 30 s after the kill")
            loaders += batch
            with Receiver.lock:
                got = {(a[0], a[2]) for a in Receiver.arrivals}
            owed = sum(1 for ld in loaders for x in ld.acked if x not in got)
            owed_total += owed
            print(f"round {r + 1}: kill -9 at {kill_after:.2f}s, {sum(len(ld.acked) for ld in batch)} changes "
                  f"acknowledged, {sum(1 for ld in batch if ld.doubt)} in doubt, {owed} acknowledged but not yet "
                  f"notified at the kill", flush=True)
            r += 1
        # The last start: what is still owed is delivered.
        server.start(args.rules, data, config)
        acked = [x for ld in loaders for x in ld.acked]
        settle_from = time.monotonic()
        deadline = settle_from + args.settle
        while time.monotonic() < deadline:
            with Receiver.lock:
                got = {(a[0], a[2]) for a in Receiver.arrivals}
            if all(x in got for x in acked):
                break
            time.sleep(0.1)
        with Receiver.lock:
            arrivals = list(Receiver.arrivals)
        found, n = check(loaders, arrivals)
        failures += found
        rc = server.term()
        if rc != 0:
            failures.append(f"iwd serve after SIGTERM: exit status {rc}")
        if "internal error" in open(server.log_path, errors="replace").read():
            failures.append(f"an internal error in the log ({server.log_path})")
        if owed_total == 0:  # the point of the test: some notification must cross a kill
            failures.append("no kill fell between an acknowledged change and its notification: nothing was tested")
        distinct = len({a[3] for a in arrivals})
        print(f"{n} acknowledged changes over {r} kills, {len(arrivals)} deliveries ({distinct} distinct, "
              f"{len(arrivals) - distinct} redelivered), the last {time.monotonic() - settle_from:.1f}s after the last "
              f"start, {time.monotonic() - began:.1f}s in all", flush=True)
    finally:
        server.kill()
        receiver.shutdown()
    for f in failures:
        print(f"FAIL (seed {args.seed}): {f}", flush=True)
    if not failures:
        shutil.rmtree(workdir, ignore_errors=True)
    print("passed" if not failures else f"{len(failures)} failure(s); data and log kept in {workdir}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
