#!/usr/bin/env python3
"""The deployment's surface on three `iwd serve --node` processes over one PostgreSQL cluster
(issue 18, docs/deployment.md "Running nodes"): the `default` workspace (the routes at the top)
is one workspace of the deployment, placed and leased as the others and kept in PostgreSQL, so
that items created through the top routes on every node land in it and are read back from each;
`GET /v1/admin/workspaces` lists the deployment's workspaces with their owners, the same on every
node; `DELETE /v1/admin/workspaces/{ws}` sent to a node that does not serve it reaches the owner
and removes the workspace everywhere, and a create of its name works afterwards; kill -9 of the
default's owner under creates through the top routes: every acknowledged create present after the
takeover. Prints the default's takeover time (kill to the first 201 through another node).

Usage: serve_nodes_default_test.py IWD. Prints `N passed, M failed`; exit 1 if any failed."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_cluster import Cluster  # noqa: E402
from serve_lib import Checks, call  # noqa: E402
from nodes_lib import stop_all, tear_down  # noqa: E402

IWD = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
CONFIG = {"workspaces": {"w1": {"rules": RULES}}}
check = Checks()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, tmp, url, name):
        self.name, self.port = name, free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(tmp, name + ".log")
        self.proc = subprocess.Popen(
            [IWD, "serve", "--rules", RULES, "--store", url, "--node", name, "--advertise", self.address,
             "--data", os.path.join(tmp, name), "--listen", f"127.0.0.1:{self.port}",
             "--config", os.path.join(tmp, "config.json")], stderr=open(self.log, "w"))

    def serves(self, ws):
        """Whether this node serves `ws` itself: asked as if forwarded once (Iwd-Proxied), which a
        node never forwards again, so a 200 is its own answer."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/workspaces/{ws}/healthz",
                                     headers={"Iwd-Proxied": "1"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status == 200 and json.loads(r.read()).get("workspace") == ws
        except (urllib.error.HTTPError, OSError, ValueError):
            return False


def servers(nodes, ws):
    return [n for n in nodes if n.proc.poll() is None and n.serves(ws)]


def until(seconds, what):
    """`what()` once true, tried every 0.1 s for `seconds`; its last value."""
    deadline = time.monotonic() + seconds
    while True:
        got = what()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def create(port, path, ident, seconds=5, sent=None):
    """A create, tried again with the same id (never doubled) while no node serves the workspace
    or the proxy fails (a takeover): the last status and body; `sent` gets when the last try
    was sent."""
    deadline = time.monotonic() + seconds
    while True:
        if sent is not None:
            sent[:] = [time.monotonic()]
        try:
            status, body = call(port, "POST", path, {"id": ident, "kind": "Sale"}, "")
        except OSError:
            status, body = None, None
        if status == 201 or time.monotonic() > deadline or (status not in (None, 502, 503)):
            return status, body
        time.sleep(0.1)


def retried(port, method, path, seconds=5):
    """A request tried again while it is answered 503 with Retry-After (no node serves the
    workspace as this node last read the leases: a scan every 250 ms), as a client does."""
    deadline = time.monotonic() + seconds
    while True:
        status, body = call(port, method, path, None, "")
        if status != 503 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.2)


def node_rows(cluster):
    """How many nodes are registered (none before the first node made iwd's tables)."""
    try:
        return int(cluster.query("SELECT count(*) FROM iwd_node")[0])
    except subprocess.CalledProcessError:
        return 0


def listing(node):
    status, body = call(node.port, "GET", "/v1/admin/workspaces", None, "")
    return body["workspaces"] if status == 200 else (status, body)


cluster = Cluster()
tmp = tempfile.mkdtemp(prefix="iwd_nodes_default_")
nodes, failed = [], True
try:
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(CONFIG, f)
    nodes = [Node(tmp, cluster.url, f"n{k}") for k in (1, 2, 3)]
    # Every node registered first: a workspace taken before its placed node joined moves to it.
    check(until(30, lambda: node_rows(cluster) == 3), "three nodes registered")
    time.sleep(1)
    check(until(30, lambda: len(servers(nodes, "default")) == 1 and len(servers(nodes, "w1")) == 1),
          "the default workspace served by exactly one node, as w1")
    owner = servers(nodes, "default")[0]
    print(f"placement: default on {owner.name}, w1 on {servers(nodes, 'w1')[0].name}")

    # The routes at the top, on every node: one workspace, read back from each.
    made = []
    for n in nodes:
        for k in range(3):
            ident = f"top-{n.name}-{k}"
            status, body = create(n.port, "/v1/items", ident)
            check(status == 201, f"POST /v1/items on {n.name}: {status} {body}")
            made.append(ident)
    for n in nodes:
        missing = [i for i in made if call(n.port, "GET", f"/v1/items/{i}", None, "")[0] != 200]
        check(not missing, f"every item created through the top routes read back on {n.name}: missing {missing}")
    rows = cluster.query("SELECT count(*) FROM iwd_journal WHERE workspace = 'default'")
    check(int(rows[0]) >= len(made), f"the default's journal in PostgreSQL: {rows}")

    # A workspace created over the API; the admin list, the same on every node, with owners.
    status, body = call(nodes[0].port, "PUT", "/v1/admin/workspaces/made", {"rules": open(RULES).read()}, "")
    check(status == 201 and body.get("owner"), f"a create over the API: {status} {body}")
    made_owner = [n for n in nodes if body and body.get("owner") == n.address]
    # Sent to its owner: the other nodes know a new workspace from their next read of the catalog.
    if made_owner:
        status, body = create(made_owner[0].port, "/v1/workspaces/made/items", "M-1")
        check(status == 201, f"an item in it: {status} {body}")

    def same_everywhere():
        lists = [listing(n) for n in nodes]
        return lists if all(lst == lists[0] for lst in lists) and isinstance(lists[0], list) else None

    lists = until(3, same_everywhere)
    check(lists is not None, f"GET /v1/admin/workspaces the same on every node: {[listing(n) for n in nodes]}")
    if lists:
        listed = {w["name"]: w for w in lists[0]}
        check(sorted(listed) == ["default", "made", "w1"], f"the deployment's workspaces: {sorted(listed)}")
        check(all(w.get("owner") and w.get("node") and w.get("epoch", 0) >= 1 for w in lists[0]),
              f"each with its owner, node and epoch: {lists[0]}")
        check(listed.get("default", {}).get("owner") == owner.address and
              (listed["default"].get("node") or "").startswith(owner.name + "#"), f"the default's owner: {listed.get('default')}")
        check(listed.get("w1", {}).get("owner") == servers(nodes, "w1")[0].address, f"w1's owner: {listed.get('w1')}")
        check([listed.get(w, {}).get("origin") for w in ("default", "made", "w1")] == ["default", "api", "config"],
              f"origins: {lists[0]}")

    # A delete sent to a node that does not serve it: it reaches the owner; gone everywhere.
    if made_owner:
        others = [n for n in nodes if n is not made_owner[0]]
        status, body = retried(others[0].port, "GET", "/v1/admin/workspaces/made")
        check(status == 200 and body.get("owner") == made_owner[0].address and body.get("ruleset"),
              f"GET /v1/admin/workspaces/made on a non-owner, answered by its owner: {status} {body}")
        status, body = retried(others[0].port, "DELETE", "/v1/admin/workspaces/made")
        check(status == 200 and body == {"deleted": "made"}, f"DELETE on a non-owner: {status} {body}")
        for n in nodes:
            lst = listing(n)
            check(isinstance(lst, list) and "made" not in [w["name"] for w in lst], f"not listed on {n.name}: {lst}")
            check(until(3, lambda: call(n.port, "GET", "/v1/workspaces/made/items/M-1", None, "")[0] == 404),
                  f"gone on {n.name}: {call(n.port, 'GET', '/v1/workspaces/made/items/M-1', None, '')}")
        status, body = call(others[1].port, "PUT", "/v1/admin/workspaces/made", {"rules": open(RULES).read()}, "")
        check(status == 201, f"a create of its name afterwards, on another node: {status} {body}")
        again = [n for n in nodes if body and body.get("owner") == n.address] or others
        status, body = create(again[0].port, "/v1/workspaces/made/items", "M-2")
        check(status == 201, f"an item in the new one: {status} {body}")
        status = call(again[0].port, "GET", "/v1/workspaces/made/items/M-1", None, "")[0]
        check(status == 404, f"nothing of the deleted one in it: {status}")

    # kill -9 of the default's owner under creates through the top routes of the other nodes.
    owner = (servers(nodes, "default") or [owner])[0]
    live = [n for n in nodes if n is not owner]
    acknowledged, first_after_kill, killed_at = [], [], [None]
    stop = threading.Event()

    def creates(node):
        k, sent = 0, []
        while not stop.is_set():
            ident = f"load-{node.name}-{k}"
            status, _ = create(node.port, "/v1/items", ident, seconds=15, sent=sent)
            if status == 201:
                acknowledged.append(ident)
                # Sent after the kill: answered by the new owner (not an answer of the killed one read late).
                if killed_at[0] and sent[0] > killed_at[0] and not first_after_kill:
                    first_after_kill.append(time.monotonic() - killed_at[0])
                k += 1
            elif status is not None:
                k += 1

    threads = [threading.Thread(target=creates, args=(n,)) for n in live]
    for t in threads:
        t.start()
    time.sleep(1.5)
    owner.proc.send_signal(signal.SIGKILL)
    owner.proc.wait()
    killed_at[0] = time.monotonic()
    until(15, lambda: first_after_kill)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    took = first_after_kill[0] if first_after_kill else None
    print(f"figure: takeover of default (on {owner.name}, killed): "
          f"{'%.2f s' % took if took is not None else 'none within 15 s'} from kill -9 to its first 201")
    check(took is not None, "the default served again after its owner's kill -9")
    check(until(5, lambda: len(servers(live, "default")) == 1), "the default served by exactly one live node")
    for n in live:
        missing = [i for i in acknowledged if call(n.port, "GET", f"/v1/items/{i}", None, "")[0] != 200]
        check(not missing, f"every acknowledged create ({len(acknowledged)}) present, read on {n.name}: missing {missing[:5]}")
        missing = [i for i in made if call(n.port, "GET", f"/v1/items/{i}", None, "")[0] != 200]
        check(not missing, f"and the first ones, on {n.name}: missing {missing}")
    print(f"figure: acknowledged creates through the top routes under the kill: {len(acknowledged)}")
    epoch = cluster.query("SELECT epoch FROM iwd_lease WHERE workspace = 'default'")
    check(epoch and int(epoch[0]) >= 2, f"the default at a higher epoch: {epoch}")
    stop_all(live, check)
    failed = check.failed > 0
finally:
    tear_down(nodes, cluster, tmp, failed)
check.finish()
