#!/usr/bin/env python3
"""Takeover of a workspace with N open items by another node (issue 18: "kill -9 of an owner ...
takeover time measured (target under 5 s with a 2 s lease, plus recovery time for 100K open
items)"). Three `iwd serve --node` processes (2 s leases) over one PostgreSQL cluster of the
script's own, one declared workspace w1 (examples/enterprise.iwd, `compact_every` 0); N open items
created on w1's owner A (POST /v1/workspaces/w1/items/batch, 1,000 a batch), then a snapshot
(POST .../admin/compact: nothing after it to replay) or none (every line replayed); kill -9 of A;
from then on a create of a new item is sent to another node every 10 ms (proxied to w1's owner once
there is one; 503 until then) and, apart, a read of the first item created before the kill.
Timed from the kill: the new owner's acquire (its log's "serving workspace w1" line, less the
start it reports), its start (the rules compiled, then the engine's stages as the workspace's
/metrics give them: iwd_recovery_seconds{stage}), the first create answered 201, the first read
answered 200. Checked: every item created before the kill open after it.
A fresh database for each run; cases alternated in each of ROUNDS. IWD may be WRITER:READER: the
nodes start on WRITER (which writes the items, the journal and the snapshot), and once the
snapshot is taken the two nodes that do not own w1 are stopped and started again on READER, which
takes w1 over: a snapshot of WRITER's format recovered by READER. Several, comma-separated, each
case runs with each in turn (e.g. old:new,new:new: the same recovery code on both formats); the
journal-only case runs only with the pairs of one binary.
Usage: bench/takeover_postgresql.py [IWD[,IWD...]] [ITEMS, comma-separated, default 100000] [ROUNDS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request

from fixed_rate_lib import RULES, alternate, arguments, call, fresh_database, median, table, write_config
import nodes_lib
from pg_cluster import PG

BATCH = 1000
STAGES = ("snapshot_read", "rules", "image", "window", "replay", "finish")


def create(port, items):
    """ITEMS open items in w1, batches of 1,000 one after another; every one 201."""
    for start in range(0, items, BATCH):
        body = {"items": [{"id": f"R-{k}", "department": "Sales", "segment": "Silver"}
                          for k in range(start, min(items, start + BATCH))]}
        status, answer, _ = nodes_lib.request(port, "POST", "/v1/workspaces/w1/items/batch", body, timeout=60)
        bad = [r for r in answer["results"] if r["status"] != 201] if status == 200 else answer
        if bad:
            raise SystemExit(f"a batch from {start} failed: {status} {str(bad)[:300]}")


def until(what, seconds, step=0.01):
    """Calls WHAT every STEP until it is true: the monotonic time it was, or None after SECONDS."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if what():
            return time.monotonic()
        time.sleep(step)
    return None


def answered(port, method, path, body, want):
    try:
        return nodes_lib.request(port, method, path, body, timeout=5)[0] == want
    except OSError:
        return False


def settled_owner(nodes, seconds):
    """The node serving w1 once the placement has settled: one server, the same for 3 s (a lease
    and a half). Three nodes started at once place w1 on the first to acquire it, and it may move
    to its rendezvous owner when the others register: creates sent meanwhile get 503 no_owner."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if nodes_lib.wait_placed(nodes, ["w1"], max(deadline - time.monotonic(), 0.1)):
            owner = nodes_lib.servers(nodes, "w1")
            time.sleep(3)
            if nodes_lib.servers(nodes, "w1") == owner:
                return owner[0]
    raise SystemExit(f"w1 not served by one node for 3 s running within {seconds} s")


def run(cluster, folder, r, case):
    (writer, reader), items, snapshot = case
    name = f"t{r}_{IWDS.index([writer, reader])}_{items}_{int(snapshot)}"
    store = fresh_database(cluster, name)
    tmp = os.path.join(folder, name)
    os.makedirs(tmp)
    write_config(tmp, {"compact_every": 0, "workspaces": {"w1": {"rules": RULES}}})
    nodes = [nodes_lib.Node(writer, tmp, store, f"n{k}") for k in (1, 2, 3)]
    try:
        owner = settled_owner(nodes, 60)
        began = time.monotonic()
        create(owner.port, items)
        created = time.monotonic() - began
        if snapshot:
            status, body, _ = nodes_lib.request(owner.port, "POST", "/v1/workspaces/w1/admin/compact", timeout=120)
            if status >= 300:
                raise SystemExit(f"the snapshot failed: {status} {body}")
        image = subprocess.run([os.path.join(PG, "psql"), "-h", cluster.dir, "-U", "iwd", "-d", name, "-At", "-c",
                                "SELECT coalesce(sum(length(text)), 0) FROM iwd_snapshot_parts WHERE workspace = 'w1' AND "
                                "snapshot = (SELECT max(seq) FROM iwd_snapshots WHERE workspace = 'w1')"],
                               capture_output=True, text=True, timeout=60).stdout.strip()
        if reader != writer:  # the others on READER: stopped (cleanly), started again, registered
            for k, n in enumerate(nodes):
                if n is not owner:
                    n.proc.terminate()
                    n.proc.wait(timeout=30)
                    nodes[k] = nodes_lib.Node(reader, tmp, store, n.name)
            if not until(lambda: all(n.status("w1", timeout=5) in (200, 503) and
                                     answered(n.port, "GET", "/v1/workspaces/w1/healthz", None, 200) for n in nodes), 60):
                nodes_lib.print_logs(nodes, 1500)
                raise SystemExit("the nodes started again on READER do not answer w1 within 60 s")
            if nodes_lib.servers(nodes, "w1") != [owner]:
                raise SystemExit(f"w1 moved when the others started again: {[n.name for n in nodes_lib.servers(nodes, 'w1')]}")
        others = [n for n in nodes if n is not owner]
        logged = {n.name: os.path.getsize(n.log) for n in others}
        asked = others[0]  # the node the client talks to (the new owner or not)
        times = {}

        def reader():
            times["read"] = until(lambda: answered(asked.port, "GET", "/v1/workspaces/w1/items/R-0", None, 200), 120)

        def said_serving():
            for n in others:
                with open(n.log, errors="replace") as f:
                    f.seek(logged[n.name])
                    if "serving workspace w1 " in f.read():
                        return True
            return False

        def watcher():
            times["serving"] = until(said_serving, 120, 0.002)

        threads = [threading.Thread(target=reader), threading.Thread(target=watcher)]
        os.kill(owner.proc.pid, signal.SIGKILL)
        killed = time.monotonic()
        owner.proc.wait()
        for t in threads:
            t.start()
        probe = [0]

        def create_one():
            probe[0] += 1
            return answered(asked.port, "POST", "/v1/workspaces/w1/items",
                            {"id": f"T-{probe[0]}", "department": "Sales", "segment": "Silver"}, 201)

        times["create"] = until(create_one, 120)
        for t in threads:
            t.join()
        # The new owner's line, seen when it was written (polled), less the start it reports.
        said = {}
        for n in others:
            with open(n.log, errors="replace") as f:
                f.seek(logged[n.name])
                m = re.search(r"serving workspace w1 at epoch (\d+) \((a snapshot and )?(\d+) lines replayed, (\d+) ms\)",
                              f.read())
            if m:
                said = {"node": n, "epoch": int(m.group(1)), "lines": int(m.group(3)), "start_ms": int(m.group(4))}
        if not said or None in (times["create"], times["read"], times["serving"]):
            raise SystemExit(f"w1 not served again within 120 s: {said} {times}")
        new = said["node"]
        req = urllib.request.Request(f"http://127.0.0.1:{new.port}/v1/workspaces/w1/metrics", headers={"Iwd-Proxied": "1"})
        with urllib.request.urlopen(req, timeout=10) as page:  # text, not JSON
            text = page.read().decode()
        found = {s: re.search(r'iwd_recovery_seconds\{[^}]*stage="%s"[^}]*\} ([0-9.e+-]+)' % s, text) for s in STAGES}
        stages = {s: float(m.group(1)) for s, m in found.items() if m}  # none from a binary before they existed
        status, health, _ = nodes_lib.request(new.port, "GET", "/v1/workspaces/w1/healthz", headers={"Iwd-Proxied": "1"})
        if status != 200 or health["open_items"] < items + 1:
            raise SystemExit(f"after the takeover {health} open, not the {items} created before the kill and a probe")
        for k in range(0, items, max(1, items // 20)):  # a sample of the old items, each there
            if not answered(new.port, "GET", f"/v1/workspaces/w1/items/R-{k}", None, 200):
                raise SystemExit(f"R-{k}, created before the kill, is not there after the takeover")
        start_s = said["start_ms"] / 1000
        engine_s = sum(stages.values())
        return {"image_bytes": int(image or 0), "created_s": created, "create_s": times["create"] - killed, "serving_s": times["serving"] - killed, "read_s": times["read"] - killed,
                "start_s": start_s, "compile_s": start_s - engine_s if stages else None, "stages": stages, "lines": said["lines"],
                "open": health["open_items"], "epoch": said["epoch"], "new": new.name, "old": owner.name}
    finally:
        for n in nodes:
            if n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()


def label(case):
    (writer, reader), items, snapshot = case
    which = f"{os.path.basename(writer)}:{os.path.basename(reader)}: " if len(IWDS) > 1 else ""
    return f"{which}{items:,} items, {'a snapshot' if snapshot else 'journal only'}"


def show(r, case, out, load):
    st = ", ".join(f"{k} {v * 1000:.0f}" for k, v in out["stages"].items())
    return (f"round {r} {label(case)}: kill -9 of {out['old']} to the first create answered {out['create_s']:.2f} s, "
            f"to the first read {out['read_s']:.2f} s, to the new owner's serving line {out['serving_s']:.2f} s; "
            f"{out['new']}'s start {out['start_s'] * 1000:.0f} ms (epoch "
            f"{out['epoch']}, {out['lines']} lines): rules compiled "
            f"{'%.0f ms' % (out['compile_s'] * 1000) if out['compile_s'] is not None else 'n/a'}, engine ms: {st or 'n/a'}; "
            f"{out['open']} open after; snapshot {out['image_bytes'] / 1e6:.1f} MB; created in {out['created_s']:.1f} s (load {load})")


def ms(f):
    def cell(c, runs):
        try:
            return f"{median(runs, f) * 1000:,.0f} ms"
        except (KeyError, TypeError):  # stages not reported by this binary
            return "n/a"
    return cell


def main():
    global IWDS, SIZES, ROUNDS
    args, fresh = arguments()  # --fresh-cluster anywhere: fixed_rate_lib.arguments
    IWDS = [(w.split(":") + w.split(":"))[:2] for w in (args[0] if len(args) > 0 else "build/bin/iwd").split(",")]
    SIZES = [int(n) for n in (args[1] if len(args) > 1 else "100000").split(",")]
    ROUNDS = int(args[2]) if len(args) > 2 else 3
    # Journal only: with the same binary on every node (the journal's lines do not depend on it).
    cases = [(tuple(iwd), items, snapshot) for items in SIZES for snapshot in (True, False) for iwd in IWDS
             if snapshot or iwd[0] == iwd[1]]
    results = alternate(ROUNDS, cases, run, show, fresh)
    table(cases, results, [
        ("case", lambda c, runs: label(c)),
        ("kill -9 to first create", lambda c, runs: f"{median(runs, lambda o: o['create_s']):.2f} s"),
        ("to first read", lambda c, runs: f"{median(runs, lambda o: o['read_s']):.2f} s"),
        ("lease wait (kill to acquire)", ms(lambda o: o["serving_s"] - o["start_s"])),
        ("snapshot", lambda c, runs: f"{median(runs, lambda o: o['image_bytes']) / 1e6:.1f} MB"),
        ("start", ms(lambda o: o["start_s"])),
        ("serving to first create", ms(lambda o: o["create_s"] - o["serving_s"])),
        ("rules compiled", ms(lambda o: o["compile_s"]))]
        + [(s, ms(lambda o, s=s: o["stages"][s])) for s in STAGES])


if __name__ == "__main__":
    main()
