#!/usr/bin/env python3
"""Three `iwd serve --node` processes over one PostgreSQL cluster (issue 18, docs/deployment.md
"Running nodes"): four declared workspaces placed over the nodes, each served by exactly one
(the others proxy its requests there); one created over the API answered once served, refused on every node after, and of two
creates of one name at once one made, one refused; creates in every workspace sent to its owner; kill -9
of the node serving the most: its workspaces taken by the others (acquired, recovered from the
journal) and served again; every acknowledged create present afterwards, each workspace served by
exactly one live node. Prints the takeover time of each workspace (kill to its first 201).

Usage: serve_nodes_test.py IWD. Prints `N passed, M failed`; exit 1 if any failed."""
import json
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nodes_lib  # noqa: E402
from nodes_lib import servers  # noqa: E402
from pg_cluster import Cluster  # noqa: E402
from serve_lib import Checks, call  # noqa: E402

IWD = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
WORKSPACES = ["w1", "w2", "w3", "w4"]
CONFIG = {"workspaces": {ws: {"rules": RULES} for ws in WORKSPACES}}
check = Checks()


def wait_placed(nodes, seconds):
    return nodes_lib.wait_placed(nodes, WORKSPACES, seconds)


cluster = Cluster()
tmp = tempfile.mkdtemp(prefix="iwd_nodes_")
nodes, failed = [], True
try:
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(CONFIG, f)
    nodes = [nodes_lib.Node(IWD, tmp, cluster.url, f"n{k}") for k in (1, 2, 3)]
    check(wait_placed(nodes, 30), "each workspace served by exactly one node")
    owner = {ws: servers(nodes, ws)[0] for ws in WORKSPACES if servers(nodes, ws)}
    print("placement: " + ", ".join(f"{ws} on {n.name}" for ws, n in sorted(owner.items())))
    other = [n for n in nodes if n is not owner.get("w1")][0]
    deadline = time.monotonic() + 3  # the other nodes know the owner as of their last scan (every 250 ms)
    while True:
        status, body = call(other.port, "GET", "/v1/workspaces/w1/healthz", None, "")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(status == 200 and body.get("workspace") == "w1", f"another node proxies w1's requests to its owner: {status} {body}")

    # A workspace created over the API on one node: answered once a node serves it, named in `owner`.
    asked = time.monotonic()
    status, body = call(nodes[0].port, "PUT", "/v1/admin/workspaces/made", {"rules": open(RULES).read()}, "")
    print(f"figure: a create over the API answered in {time.monotonic() - asked:.2f} s; "
          + "; ".join(line for line in nodes[0].logged().splitlines() if "workspace made created" in line))
    made_owner = [n for n in nodes if body and body.get("owner") == f"http://127.0.0.1:{n.port}"]
    check(status == 201 and made_owner, f"a create over the API names the node serving it: {status} {body}")
    if made_owner:
        status, body = call(made_owner[0].port, "POST", "/v1/workspaces/made/items", {"id": "M-1", "kind": "Sale"}, "")
        check(status == 201, f"which takes an item at once: {status} {body}")
    for n in nodes:
        status = call(n.port, "PUT", "/v1/admin/workspaces/made", {"rules": open(RULES).read()}, "")[0]
        check(status == 409, f"a second create of it on {n.name} is refused (409): {status}")

    # Two creates of one new name at once on two nodes: one is made, the other refused (409) under
    # its lease by the catalog, never made again over the first (which would erase its rows).
    answers = {}

    def race(n):
        answers[n.name] = call(n.port, "PUT", "/v1/admin/workspaces/raced", {"rules": open(RULES).read()}, "")[0]

    racers = [threading.Thread(target=race, args=(n,)) for n in nodes[1:]]
    for t in racers:
        t.start()
    for t in racers:
        t.join(timeout=30)
    check(sorted(answers.values()) == [201, 409], f"two creates of one name at once: one 201, one 409: {answers}")

    by_port = {n.port: n for n in nodes}
    acknowledged = {ws: [] for ws in WORKSPACES}
    first_after_kill = {}
    killed_at, victim_of = [None], [None]
    stop = threading.Event()

    def creates(ws):
        target, k = owner.get(ws, nodes[0]), 0
        while not stop.is_set():
            ident = f"{ws}-{k}"
            try:
                status, body = call(target.port, "POST", f"/v1/workspaces/{ws}/items", {"id": ident, "kind": "Sale"}, "")
            except OSError:  # a killed node: try another
                target = nodes[(nodes.index(target) + 1) % 3]
                k += 1
                time.sleep(0.05)
                continue
            if status == 201:
                acknowledged[ws].append(ident)
                # From a live node: an answer of the killed one read after the kill is no takeover.
                if killed_at[0] and target is not victim_of[0] and ws not in first_after_kill:
                    first_after_kill[ws] = time.monotonic() - killed_at[0]
            elif status == 503 and body and body["error"].get("owner"):
                target = by_port.get(int(body["error"]["owner"].rsplit(":", 1)[1]), target)
            else:
                time.sleep(0.05)
            k += 1

    threads = [threading.Thread(target=creates, args=(ws,)) for ws in WORKSPACES]
    for t in threads:
        t.start()
    time.sleep(1.5)
    victim = max(nodes, key=lambda n: sum(1 for ws in WORKSPACES if owner.get(ws) is n))
    moved = [ws for ws in WORKSPACES if owner.get(ws) is victim]
    victim_of[0] = victim
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait()
    killed_at[0] = time.monotonic()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(ws in first_after_kill for ws in WORKSPACES):
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    for ws in moved:
        took = first_after_kill.get(ws)
        print(f"figure: takeover of {ws} (on {victim.name}, killed): "
              f"{'%.2f s' % took if took is not None else 'none within 20 s'} from kill -9 to its first 201")
        check(took is not None, f"{ws} served again after its node's kill -9")
    live = [n for n in nodes if n is not victim]
    check(wait_placed(live, 10), "each workspace served by exactly one live node after the kill")
    for ws in WORKSPACES:
        served = servers(live, ws)
        if not served:
            continue
        missing = [i for i in acknowledged[ws] if call(served[0].port, "GET", f"/v1/workspaces/{ws}/items/{i}", None, "")[0] != 200]
        check(not missing, f"every acknowledged create of {ws} ({len(acknowledged[ws])}) present: missing {missing[:5]}")
    print("figure: acknowledged creates: " + ", ".join(f"{ws} {len(acknowledged[ws])}" for ws in WORKSPACES))
    epochs = dict(r.split("|") for r in cluster.query("SELECT workspace, epoch FROM iwd_lease"))
    check(all(int(epochs[ws]) >= 2 for ws in moved), f"the moved workspaces at a higher epoch: {epochs}")
    nodes_lib.stop_all(live, check)
    failed = check.failed > 0
finally:
    nodes_lib.tear_down(nodes, cluster, tmp, failed)
check.finish()
