#!/usr/bin/env python3
"""Recovery of `iwd serve --store postgresql://` per 100K open items (issue 18's figures): N open
items created (POST /v1/items/batch, 1,000 an item, examples/enterprise.iwd, no agents: all stay
open), then, with a snapshot (POST /v1/admin/compact: the journal after it empty) or without one
(`compact_every` 0: every line replayed), kill -9 and a restart on the same database (started
again while the killed one's 2 s lease runs out). Timed: kill to serving (GET /healthz answering
the N items), the start that succeeded to its port file (loading the snapshot and journal,
the rules, the process), and the replay iwd reports on stderr. A PostgreSQL 15 cluster of its own
(tests/cli/pg_cluster.py), a fresh database per run, with and without alternated in ROUNDS.
Usage: bench/recovery_postgresql.py [IWD] [ITEMS, comma-separated, default 100000] [ROUNDS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import concurrent.futures
import os
import re
import signal
import time

from fixed_rate_lib import alternate, arguments, call, fresh_database, median, start_serve, stop, table

BATCH = 1000


def create(port, items):
    """ITEMS open items in batches of 1,000, four batches at a time; every one 201."""
    def batch(start):
        body = {"items": [{"id": f"R-{k}", "department": "Sales", "segment": "Silver"}
                          for k in range(start, min(items, start + BATCH))]}
        status, answer = call(port, "POST", "/v1/items/batch", body, "")
        bad = [r for r in answer["results"] if r["status"] != 201] if status == 200 else answer
        if bad:
            raise SystemExit(f"a batch from {start} failed: {status} {str(bad)[:300]}")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(batch, range(0, items, BATCH)))


def healthy(port, items):
    try:
        status, body = call(port, "GET", "/healthz", None, "")
        return status == 200 and body.get("open_items") == items
    except OSError:
        return False


def run(cluster, folder, r, case):
    items, snapshot = case
    name = f"r{r}_{items}_{int(snapshot)}"
    store = fresh_database(cluster, name)
    config = {"compact_every": 0}  # no snapshot but the one asked for
    proc, port, _, _ = start_serve(IWD, folder, store, config, name=name)
    try:
        began = time.monotonic()
        create(port, items)
        created = time.monotonic() - began
        if snapshot:
            status, body = call(port, "POST", "/v1/admin/compact", None, "")
            if status >= 300:
                raise SystemExit(f"the snapshot failed: {status} {body}")
        if not healthy(port, items):
            raise SystemExit(f"not {items} open items before the kill: {call(port, 'GET', '/healthz', None, '')}")
        os.kill(proc.pid, signal.SIGKILL)
        killed = time.monotonic()
        proc.wait()
        log = os.path.join(folder, name + ".log")
        logged = os.path.getsize(log)
        proc, port, _, started = start_serve(IWD, folder, store, config, name=name)
        while not healthy(port, items):
            if time.monotonic() - killed > 120:
                raise SystemExit(f"not serving {items} items 120 s after the kill")
            time.sleep(0.005)
        serving = time.monotonic() - killed
        with open(log) as f:
            f.seek(logged)
            said = re.search(r"journal .*\((a snapshot and )?(\d+) lines replayed in (\d+) ms", f.read())
        return {"created_s": created, "serving_s": serving, "start_s": started,
                "replay_ms": int(said.group(3)) if said else None, "lines": int(said.group(2)) if said else None,
                "from_snapshot": bool(said and said.group(1))}
    finally:
        stop(proc)


def show(r, case, out, load):
    items, snapshot = case
    return (f"round {r} {items} items {'with a snapshot' if snapshot else 'journal only   '}: kill -9 to serving "
            f"{out['serving_s']:.2f} s, the start that succeeded to its port {out['start_s']:.2f} s, replay "
            f"{out['replay_ms']} ms ({'a snapshot and ' if out['from_snapshot'] else ''}{out['lines']} lines); "
            f"created in {out['created_s']:.1f} s (load {load})")


def main():
    global IWD, SIZES, ROUNDS
    args, fresh = arguments()  # --fresh-cluster anywhere: fixed_rate_lib.arguments
    IWD = args[0] if len(args) > 0 else "build/bin/iwd"
    SIZES = [int(n) for n in (args[1] if len(args) > 1 else "100000").split(",")]
    ROUNDS = int(args[2]) if len(args) > 2 else 3
    cases = [(items, snapshot) for items in SIZES for snapshot in (False, True)]
    results = alternate(ROUNDS, cases, run, show, fresh)
    table(cases, results, [
        ("open items", lambda c, runs: f"{c[0]:,}"), ("snapshot", lambda c, runs: "yes" if c[1] else "no"),
        ("kill -9 to serving", lambda c, runs: f"{median(runs, lambda o: o['serving_s']):.2f} s"),
        ("start to port", lambda c, runs: f"{median(runs, lambda o: o['start_s']):.2f} s"),
        ("replay (iwd's figure)", lambda c, runs: f"{median(runs, lambda o: o['replay_ms'] or 0):.0f} ms"),
        ("replay per 100K items", lambda c, runs: f"{median(runs, lambda o: o['replay_ms'] or 0) * 100000 / c[0]:.0f} ms")])


if __name__ == "__main__":
    main()
