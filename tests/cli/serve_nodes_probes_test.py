#!/usr/bin/env python3
"""What a node of a deployment says about itself at the top of its paths (issue 18,
docs/deployment.md "Probing a node"), three `iwd serve --node` processes over one PostgreSQL
cluster, the default workspace and three declared ones:

- settled: on every node `GET /healthz` (its own answer, never the default workspace's owner's)
  says `ok`, the store reachable, the heartbeat held, ready, and the workspaces whose lease it
  holds with their epochs and lease times, each served; `GET /readyz` is 200; `GET /metrics`
  names the node (`iwd_node_info`) and lists the same workspaces (`iwd_node_workspace_epoch`,
  `..._lease_seconds`, `..._serving`): every workspace of the deployment on exactly one node, at
  the epoch `iwd_lease` holds, with a lease of at most 2 s left;
- a placement being started: the snapshot table locked by the test, kill -9 of a node: the node
  that acquires one of its workspaces cannot start it while the lock is held, and meanwhile its
  `/readyz` is 503 `not_ready` naming that workspace, its `/healthz` listing it not served yet;
  the lock released, it is ready again and serves it;
- the database down (stopped past every lease): every node's `/healthz` still 200 but `degraded`,
  the store unreachable, the heartbeat not held, no workspace; `/readyz` 503 naming the store and
  `iwd_node_store_up 0`; PostgreSQL started again: every node ready, each workspace on one node.

Usage: serve_nodes_probes_test.py IWD. Prints `N passed, M failed`; exit 1 if any failed."""
import json
import os
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodes_lib import ROOT, Node, request, servers, stop_all, tear_down, wait_placed  # noqa: E402
from pg_cluster import Cluster, Session  # noqa: E402
from serve_lib import Checks  # noqa: E402

IWD = sys.argv[1]
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
WORKSPACES = ["w1", "w2", "w3"]
ALL = ["default"] + WORKSPACES
check = Checks()


def probe(node, path):
    """(status, parsed body) of a node's own /healthz or /readyz; (None, error) when it does not answer."""
    try:
        status, body, _ = request(node.port, "GET", path, timeout=5)
        return status, body
    except OSError as e:
        return None, str(e)


def metrics(node):
    """The node's /metrics as {(name, labels): value}, labels a sorted tuple of (key, value)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{node.port}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        pairs = tuple(sorted(tuple(p.split("=", 1)) for p in labels.rstrip("}").split(",") if p)) if labels else ()
        out[(name, tuple((k, v.strip('"')) for k, v in pairs))] = float(value)
    return out


def wait_until(what, seconds, every=0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(every)
    return None


def all_ready(nodes, seconds):
    return wait_until(lambda: all(probe(n, "/readyz")[0] == 200 for n in nodes), seconds)


def settled(cluster, nodes):
    check(all_ready(nodes, 20), "every node ready (GET /readyz 200) once the workspaces are placed")
    epochs = {r.split("|")[0]: int(r.split("|")[1]) for r in cluster.query("SELECT workspace, epoch FROM iwd_lease")}
    held_by = {}
    for n in nodes:
        status, health = probe(n, "/healthz")
        check(status == 200 and health.get("node") == n.name, f"{n.name}'s /healthz is its own: {status} {health}")
        if status != 200 or health.get("node") != n.name:
            continue
        check(health["status"] == "ok" and health["store"] == "reachable" and health["heartbeat"]["held"]
              and health["ready"] and health["problems"] == [] and health["advertise"] == n.address
              and health["process"].startswith(n.name + "#"),
              f"{n.name}'s /healthz: ok, the store reachable, the heartbeat held, ready: {health}")
        mine = {w["name"]: w for w in health["workspaces"]}
        for ws, w in mine.items():
            held_by.setdefault(ws, []).append(n.name)
            check(w["serving"] and w["epoch"] == epochs.get(ws) and 0 < w["lease_seconds_left"] <= 2,
                  f"{n.name} serves {ws} at the epoch of iwd_lease ({epochs.get(ws)}), its lease running: {w}")
        check(sorted(health["placed"]) == sorted(mine),
              f"{n.name} holds the workspaces placed on it: placed {health['placed']}, held {sorted(mine)}")
        check(sorted(mine) == sorted(ws for ws in ALL if n in servers(nodes, ws)),
              f"{n.name}'s /healthz lists what it serves: {sorted(mine)}")
        status, ready = probe(n, "/readyz")
        check(status == 200 and ready == {"ready": True, "node": n.name, "workspaces": sorted(mine)},
              f"{n.name}'s /readyz: {status} {ready}")
        m = metrics(n)
        info = [labels for (name, labels) in m if name == "iwd_node_info"]
        check(len(info) == 1 and dict(info[0]).get("node") == n.name and dict(info[0]).get("advertise") == n.address,
              f"{n.name}'s /metrics names it: {info}")
        check(m.get(("iwd_node_store_up", ())) == 1 and m.get(("iwd_node_ready", ())) == 1
              and 0 <= m.get(("iwd_node_heartbeat_age_seconds", ()), -1) < 2
              and m.get(("iwd_node_workspaces", ())) == len(mine),
              f"{n.name}'s /metrics: the store up, ready, the heartbeat fresh, {len(mine)} workspaces")
        for ws in ALL:
            label = (("workspace", ws),)
            epoch = m.get(("iwd_node_workspace_epoch", label))
            if ws in mine:
                check(epoch == epochs.get(ws) and 0 < m.get(("iwd_node_workspace_lease_seconds", label), 0) <= 2
                      and m.get(("iwd_node_workspace_serving", label)) == 1,
                      f"{n.name}'s /metrics lists {ws} at epoch {epochs.get(ws)}, its lease running, served: {epoch}")
            else:
                check(epoch is None, f"{n.name}'s /metrics does not list {ws}, served elsewhere")
    check(all(len(held_by.get(ws, [])) == 1 for ws in ALL),
          f"every workspace on exactly one node's /healthz: {held_by}")
    return held_by


def snapshots_locked(cluster):
    """iwd_snapshots locked (ACCESS EXCLUSIVE) by a session of the test's own until its close(): a
    workspace cannot be started (its latest snapshot read) meanwhile."""
    session = Session(cluster)
    session.say("BEGIN; LOCK TABLE iwd_snapshots IN ACCESS EXCLUSIVE MODE; SELECT 'locked';", "locked")
    return session


def being_started(cluster, nodes, held_by):
    """Kill -9 of the node holding the most; one of its workspaces acquired by another node but not
    started while the snapshots are locked: that node is not ready, naming it."""
    victim = max(nodes, key=lambda n: sum(1 for ws in ALL if held_by.get(ws) == [n.name]))
    moved = [ws for ws in ALL if held_by.get(ws) == [victim.name]]
    others = [n for n in nodes if n is not victim]
    print(f"kill -9 of {victim.name}, holding {moved}")
    lock = snapshots_locked(cluster)
    try:
        victim.proc.kill()
        victim.proc.wait()

        def starting():  # (node, workspace, its /healthz entry) of a moved workspace held, not served yet
            for n in others:
                status, health = probe(n, "/healthz")
                for w in (health.get("workspaces", []) if status == 200 else []):
                    if w["name"] in moved and not w["serving"]:
                        return n, w["name"], w
            return None

        found = wait_until(starting, 8)
        check(found, f"a workspace of the killed node acquired by another and not started while the snapshots are locked")
        if found:
            n, ws, w = found
            status, ready = probe(n, "/readyz")
            print(f"{n.name} holds {ws} not started yet: /readyz {status} {ready}")
            check(status == 503 and ready["error"]["code"] == "not_ready" and ready["ready"] is False
                  and any(ws in p and "being started" in p for p in ready["problems"]) and ws in ready["error"]["message"],
                  f"{n.name}'s /readyz while {ws} is being started there: 503 not_ready naming it: {status} {ready}")
            status, health = probe(n, "/healthz")
            check(status == 200 and not health["ready"] and health["status"] == "ok",
                  f"{n.name}'s /healthz meanwhile: 200, ok (alive, its store reachable) but not ready: {health}")
            m = metrics(n)
            check(m.get(("iwd_node_workspace_serving", (("workspace", ws),))) == 0 and m.get(("iwd_node_ready", ())) == 0,
                  f"{n.name}'s /metrics meanwhile: {ws} held, not served; not ready")
    finally:
        lock.close()  # the transaction ends with the session, and the lock with it
    nodes.remove(victim)
    check(all_ready(nodes, 15), "the two nodes left ready once the lock is released")
    check(wait_placed(nodes, ALL, 10), "each workspace served by exactly one of the two nodes left")


def database_down(cluster, nodes):
    cluster.stop()
    try:
        def degraded():
            answers = [probe(n, "/healthz") for n in nodes]
            if all(s == 200 and h["status"] == "degraded" and h["store"] == "unreachable" and not h["heartbeat"]["held"]
                   and h["workspaces"] == [] for s, h in answers):
                return answers
            return None

        answers = wait_until(degraded, 8)
        check(answers, "with the database down, every node's /healthz 200 degraded: the store unreachable, the heartbeat "
              f"not held, no workspace: {[probe(n, '/healthz') for n in nodes] if not answers else ''}")
        for n in nodes:
            status, ready = probe(n, "/readyz")
            check(status == 503 and any("store" in p for p in ready.get("problems", [])),
                  f"{n.name}'s /readyz with the database down: 503 naming the store: {status} {ready}")
            m = metrics(n)
            check(m.get(("iwd_node_store_up", ())) == 0 and m.get(("iwd_node_ready", ())) == 0
                  and m.get(("iwd_node_workspaces", ())) == 0,
                  f"{n.name}'s /metrics with the database down: the store down, not ready, no workspace")
    finally:
        cluster.start()

    # Back from an outage longer than half the node ttl, each node settles for a node ttl: its
    # /healthz says how long is left, and so does its /metrics; then it stops settling.
    def settling():
        for n in nodes:
            status, h = probe(n, "/healthz")
            if status == 200 and h.get("settling_seconds") is not None and h["settling_seconds"] > 0:
                return n, h
        return None

    seen = wait_until(settling, 5, 0.02)
    check(seen, f"a node back from the outage settling: /healthz settling_seconds > 0: {[probe(n, '/healthz') for n in nodes]}")
    check(all_ready(nodes, 20), "every node ready again once the database is back")
    check(wait_placed(nodes, ALL, 10), "each workspace served by exactly one node after")
    done = wait_until(lambda: all(probe(n, "/healthz")[1].get("settling_seconds", 0) is None for n in nodes)
                      and all(metrics(n).get(("iwd_node_settling_seconds", ())) == 0 for n in nodes), 10)
    check(done, "every node settled: /healthz settling_seconds null and /metrics iwd_node_settling_seconds 0")


cluster = Cluster()
tmp = tempfile.mkdtemp(prefix="iwd_probes_")
nodes, failed = [], True
began = time.monotonic()
try:
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump({"workspaces": {ws: {"rules": RULES} for ws in WORKSPACES}}, f)
    nodes = [Node(IWD, tmp, cluster.url, f"n{k}") for k in (1, 2, 3)]
    check(wait_placed(nodes, ALL, 30), "each workspace served by exactly one node")
    held_by = settled(cluster, nodes)
    all_nodes = list(nodes)
    being_started(cluster, nodes, held_by)
    database_down(cluster, nodes)
    stop_all(nodes, check)
    nodes = all_nodes
    failed = check.failed > 0
finally:
    tear_down(nodes, cluster, tmp, failed)
print("the test took %.1f s" % (time.monotonic() - began))
check.finish()
