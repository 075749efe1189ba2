#!/usr/bin/env python3
"""The event history of `iwd serve --store postgresql://...` (issue 18), against a PostgreSQL 15
cluster of its own: creates and cancels acknowledged, kill -9 in the middle, a restart once the
lease expired; then every acknowledged change is in the history that GET /v1/reports/... and
each item's timeline (GET /v1/items/{id}/history) read, the history's rows are the workspace's
in PostgreSQL (none in the data folder), and the restarted service's records follow on.
Usage: serve_postgresql_history_test.py IWD."""
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
TMP = tempfile.mkdtemp(prefix="iwd_serve_pg_history_")
CRM, SUP = "crm-token-0123456789ab", "supervisor-token-012345"
CONFIG = {"tokens": [{"token": CRM, "role": "source", "name": "crm"},
                     {"token": SUP, "role": "supervisor", "name": "sam"}]}
check = Checks()


def create(port, k):
    return call(port, "POST", "/v1/items", {"id": f"H{k}", "department": "Sales", "segment": "Gold",
                                            "deal_value": 1000 + k}, CRM)[0]


def timeline(port, item):
    """The reasons of an item's records, oldest first (every page)."""
    reasons, cursor = [], None
    while True:
        status, body = call(port, "GET", f"/v1/items/{item}/history" + (f"?cursor={cursor}" if cursor else ""), None,
                            SUP)
        if status != 200:
            return None
        reasons += [r["reason"] for r in body["records"]]
        cursor = body.get("next")
        if not cursor:
            return reasons


cluster = Cluster()
proc = None
try:
    proc, port = serve_on(cluster, IWD, TMP, CONFIG)
    # Creates, every third one canceled, from two threads while the server is killed under them:
    # what was acknowledged (201, 200) is what must be there after the restart.
    created, canceled, stop = [], [], threading.Event()

    def load(first):
        k = first
        while not stop.is_set():
            try:
                if create(port, k) != 201:
                    return
                created.append(k)
                if k % 3 == 0 and call(port, "POST", f"/v1/items/H{k}/cancel", None, CRM)[0] == 200:
                    canceled.append(k)
            except OSError:
                return
            k += 2

    threads = [threading.Thread(target=load, args=(first,)) for first in (0, 1)]
    for t in threads:
        t.start()
    while len(created) < 150 and all(t.is_alive() for t in threads):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    check(len(created) >= 150, f"creates acknowledged before the kill: {len(created)}")
    check(len(canceled) >= 40, f"cancels acknowledged before the kill: {len(canceled)}")
    check(not os.path.exists(os.path.join(TMP, "data", "journal.db")), "nothing kept in the data folder")

    proc, port = serve_on(cluster, IWD, TMP, CONFIG)
    check("at epoch 2" in open(os.path.join(TMP, "serve.log")).read(), "the restart took the lease at epoch 2")
    # Each item's timeline: its capture, and its cancel when one was acknowledged.
    wrong = []
    for k in created:
        reasons = timeline(port, f"H{k}")
        if reasons is None or "capture" not in reasons or (k in canceled and "cancel" not in reasons):
            wrong.append((k, reasons))
    check(not wrong, f"every acknowledged change is in its item's timeline: {wrong[:3]}")
    status, body = call(port, "GET", f"/v1/items/H{canceled[0]}", None, SUP) if canceled else (0, None)
    check(status == 200 and body.get("state") == "canceled", f"a canceled item is read from the history: {status} {body}")

    # The reports read the same history: the aggregates count every acknowledged create and
    # cancel (and maybe a change committed as the server died, unacknowledged); the task
    # detail of a canceled item reads its records.
    day = time.strftime("%Y-%m-%d", time.gmtime())
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    status, body = call(port, "GET", f"/v1/reports/intraday-process?from={day}&to={tomorrow}&interval=1d", None, SUP)
    check(status == 200, f"the intraday report: {status} {body}")
    rows = body["rows"] if status == 200 else []
    new, ended = sum(r["new"] for r in rows), sum(r["canceled"] for r in rows)
    check(len(created) <= new <= len(created) + 2, f"it counts every acknowledged create: {new} for {len(created)}")
    check(len(canceled) <= ended <= len(canceled) + 2, f"and every acknowledged cancel: {ended} for {len(canceled)}")
    if canceled:
        status, body = call(port, "GET", f"/v1/reports/task-detail?item=H{canceled[0]}&from={day}&to={tomorrow}", None,
                            SUP)
        reasons = [r.get("reason") for r in body.get("rows", [])] if status == 200 else []
        check("capture" in reasons and "cancel" in reasons, f"the task detail of a canceled item: {status} {body}")

    # The restarted service goes on: its records after the recovered ones, in the workspace's rows.
    check(create(port, 100000) == 201, "the restarted service takes a create")
    check((timeline(port, "H100000") or [""])[0] == "capture", f"and records it: {timeline(port, 'H100000')}")
    seqs = cluster.query("SELECT count(*), count(DISTINCT seq), max(seq) FROM iwd_history WHERE workspace = 'default'")
    count, distinct, top = (int(x) for x in seqs[0].split("|"))
    check(count == distinct == top, f"the history's seqs are 1..{top} with none twice: {count} rows, {distinct} seqs")
    check(cluster.query("SELECT value FROM iwd_history_meta WHERE workspace = 'default' AND name = 'schema'") == ["4"],
          "the workspace's history is of schema version 4")
finally:
    tear_down(cluster, proc, TMP, check.failed)
check.finish()
