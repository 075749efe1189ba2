#!/usr/bin/env python3
"""`iwd serve` killed (SIGKILL) in the middle of a snapshot under creates, at each of its places
(server/snapshot_store.h): between two of the image's parts, after its row, in the middle of the
pruning; restarted on the same store each time, and every acknowledged create there. On
PostgreSQL the parts and the pruning run on a connection of their own beside the commits; on
SQLite they go through the committer. The steps are made small (IWD_SNAPSHOT_PART_BYTES,
IWD_SNAPSHOT_PRUNE_ROWS) so that a few hundred items make many of them, and the server says
where it is (IWD_TRACE_SNAPSHOT): the test kills it on the line of the place it wants. A last
compact after the restarts is stored, and prunes what the killed ones left.
Usage: serve_snapshot_crash_test.py IWD sqlite|postgresql"""
import json
import os
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_lib import Checks, call, start_serve  # noqa: E402

IWD, STORE = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix=f"iwd_snapshot_crash_{STORE}_")
ADMIN, CRM = "admin-token-0123456789ab", "crm-token-0123456789ab"
CONFIG = {"tokens": [{"token": ADMIN, "role": "admin", "name": "ops"}, {"token": CRM, "role": "source", "name": "crm"}]}
PLACES = [("between two parts", re.compile(r"snapshot: part 3 \(")),
          ("after the row", re.compile(r"snapshot: row published")),
          ("in the middle of the pruning", re.compile(r"snapshot: prune step: [1-9]"))]
BATCH = 20  # creates a request
os.environ.update({"IWD_TRACE_SNAPSHOT": "1", "IWD_SNAPSHOT_PART_BYTES": "16384", "IWD_SNAPSHOT_PRUNE_ROWS": "150"})
check = Checks()
acked = set()  # every create answered 201
lock = threading.Lock()


class Load:
    """Threads posting batches of new items until stopped (the server killed under them)."""

    def __init__(self, port, tag, threads=2):
        self.port, self.stop_flag, self.count = port, threading.Event(), 0
        self.threads = [threading.Thread(target=self.run, args=(f"{tag}-{k}",)) for k in range(threads)]
        for t in self.threads:
            t.start()

    def run(self, prefix):
        n = 0
        while not self.stop_flag.is_set():
            ids = [f"{prefix}-{n + k}" for k in range(BATCH)]
            n += BATCH
            try:
                status, body = call(self.port, "POST", "/v1/items/batch",
                                    {"items": [{"id": i, "department": "Sales", "segment": "Gold"} for i in ids]}, CRM)
            except OSError:
                return  # killed: not acknowledged
            if status == 200 and body:
                with lock:
                    for i, r in zip(ids, body.get("results", [])):
                        if r.get("status") == 201:
                            acked.add(i)
                            self.count += 1

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=30)


def log_size():
    path = os.path.join(TMP, "serve.log")
    return os.path.getsize(path) if os.path.exists(path) else 0


def wait_for_line(since, pattern, seconds):
    """The first line of serve.log after byte `since` matching `pattern`, within `seconds`; None."""
    deadline = time.monotonic() + seconds
    with open(os.path.join(TMP, "serve.log")) as f:
        f.seek(since)
        pending = ""
        while time.monotonic() < deadline:
            chunk = f.read()
            if not chunk:
                time.sleep(0.001)
                continue
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                if pattern.search(line):
                    return line
    return None


def serve(store_url, wait=30):
    """Started, again while a killed holder's lease runs out (PostgreSQL: 2 s)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return start_serve(IWD, TMP, CONFIG, store=store_url)
        except SystemExit:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def missing(port):
    """The acknowledged creates the server does not have."""
    gone = []
    for i in sorted(acked):
        status, _ = call(port, "GET", f"/v1/items/{i}", None, ADMIN)
        if status != 200:
            gone.append((i, status))
    return gone


def main():
    cluster, proc = None, None
    try:
        store_url = None
        if STORE == "postgresql":
            from pg_cluster import Cluster
            cluster = Cluster()
            store_url = cluster.url
        proc, port = serve(store_url)
        for round_, (place, pattern) in enumerate(PLACES):
            load = Load(port, f"r{round_}")
            while load.count < 600 and proc.poll() is None:  # a state of some hundred items more
                time.sleep(0.02)
            since = log_size()
            compacting = threading.Thread(target=lambda p=port: _compact(p))
            compacting.start()
            line = wait_for_line(since, pattern, 60)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            load.stop()
            compacting.join(timeout=60)
            check(line is not None, f"{STORE}: the snapshot reached the place {place} (its trace line)")
            proc, port = serve(store_url)
            gone = missing(port)
            check(not gone, f"{STORE}: killed {place}: every acknowledged create there ({len(acked)}); missing {gone[:5]}")
            print(f"{STORE}: killed {place} ({line}); {len(acked)} acknowledged creates, {len(gone)} missing", flush=True)
        status, body = compact(port, 120)
        check(status == 200, f"{STORE}: a compact after the kills is stored: {status} {body}")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        if cluster:
            lines = cluster.query("SELECT count(*) FROM iwd_journal")
        else:
            with sqlite3.connect(os.path.join(TMP, "data", "journal.db")) as db:
                lines = [str(db.execute("SELECT count(*) FROM journal").fetchone()[0])]
        check(lines == ["1"], f"{STORE}: the pruning left only the last line the snapshot covers: {lines}")
        proc, port = serve(store_url)
        gone = missing(port)
        check(not gone, f"{STORE}: after the last compact and a restart, every acknowledged create there; missing {gone[:5]}")
        with open(os.path.join(TMP, "serve.log")) as f:
            start = [l for l in f if "lines replayed" in l][-1]
        check(re.search(r"\(a snapshot and 0 lines replayed", start) is not None,
              f"{STORE}: the last restart starts from the last compact's snapshot: {start.strip()}")
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        if cluster:
            cluster.close()
        if check.failed:
            print(open(os.path.join(TMP, "serve.log")).read()[-4000:])
        shutil.rmtree(TMP, ignore_errors=True)
    check.finish()


def compact(port, timeout):
    """POST /v1/admin/compact, answered once the snapshot is stored: (status, body)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/admin/compact", method="POST",
                                 headers={"Authorization": "Bearer " + ADMIN})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def _compact(port):
    try:
        compact(port, 60)
    except OSError:
        pass  # killed before it answered


main()
