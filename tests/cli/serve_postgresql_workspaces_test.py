#!/usr/bin/env python3
"""Workspaces in PostgreSQL (issue 18, docs/deployment.md "Workspaces in PostgreSQL"): `iwd serve
--store postgresql://` with a workspace declared in the configuration and others created over the
admin routes, each under a lease of its own, on a cluster of its own (tests/cli/pg_cluster.py).
Items in each, tokens that do not cross; a delete gone from the catalog before it answers, its rows
erased; kill -9 under creates in two workspaces and a stream of workspace creates; after the
restart (every lease taken at a higher epoch) every acknowledged item is in its workspace and in no
other, every acknowledged workspace is there and answers, the deleted one stays deleted, and the
catalog holds exactly the workspaces served; a name created again starts empty.

Usage: serve_postgresql_workspaces_test.py IWD. Prints `N passed, M failed`; exit 1 if any failed."""
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
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
DEFAULT, DEPLOY, SALES = "default-admin-token-0001", "deployment-admin-token-1", "sales-admin-token-000001"
CONFIG = {"tokens": [{"token": DEFAULT, "role": "admin"}],
          "admin_tokens": [{"token": DEPLOY, "name": "ops"}],
          "workspaces": {"sales": {"rules": RULES, "tokens": [{"token": SALES, "role": "admin"}]}}}
RULES_TEXT = open(RULES).read()
check = Checks()


def token(ws):
    return SALES if ws == "sales" else f"ws-{ws}-admin-token-0000001"


def create_workspace(port, name):
    return call(port, "PUT", f"/v1/admin/workspaces/{name}",
                {"rules": RULES_TEXT, "tokens": [{"token": token(name), "role": "admin"}]}, DEPLOY)


def item(port, ws, ident, method="POST"):
    if method == "POST":
        return call(port, "POST", f"/v1/workspaces/{ws}/items", {"id": ident, "kind": "Sale"}, token(ws))[0]
    return call(port, "GET", f"/v1/workspaces/{ws}/items/{ident}", None, token(ws))[0]


def catalog(cluster):
    return dict(row.split("|") for row in cluster.query("SELECT workspace, origin FROM iwd_workspaces"))


def rows_of(cluster, ws):
    return int(cluster.query(f"SELECT (SELECT count(*) FROM iwd_journal WHERE workspace = '{ws}') + "
                             f"(SELECT count(*) FROM iwd_rulesets WHERE workspace = '{ws}')")[0])


cluster = Cluster()
tmp = tempfile.mkdtemp(prefix="iwd_pg_workspaces_")
proc, failed = None, True
try:
    proc, port = serve_on(cluster, IWD, tmp, CONFIG)
    check(item(port, "sales", "S-1") == 201, "an item in the declared workspace")
    for ws in ("a", "b", "gone"):
        status, body = create_workspace(port, ws)
        check(status == 201, f"create {ws}: {status} {body}")
    check(item(port, "gone", "G-1") == 201, "an item in gone")
    for k in range(5):
        check(item(port, "a", f"A-{k}") == 201 and item(port, "b", f"B-{k}") == 201, f"items A-{k}, B-{k}")
    check(call(port, "GET", "/v1/workspaces/b/items/B-0", None, token("a"))[0] == 403, "a's token on b")
    check(call(port, "GET", "/v1/workspaces/a/items/B-0", None, token("a"))[0] == 404, "B-0 is not a's")
    check(call(port, "GET", "/v1/items/A-0", None, DEFAULT)[0] == 404, "A-0 is not the default's")
    check(catalog(cluster) == {"sales": "config", "a": "api", "b": "api", "gone": "api"},
          f"the catalog: {catalog(cluster)}")
    leases = dict(r.split("|") for r in cluster.query("SELECT workspace, epoch FROM iwd_lease"))
    check(leases == {"default": "1", "sales": "1", "a": "1", "b": "1", "gone": "1"}, f"a lease each: {leases}")

    # A delete: out of the catalog before it answers; its rows erased once its engine stopped.
    check(call(port, "DELETE", "/v1/admin/workspaces/gone", None, DEPLOY)[0] == 200, "delete gone")
    check("gone" not in catalog(cluster), "gone is out of the catalog when the delete answers")
    deadline = time.monotonic() + 10
    while rows_of(cluster, "gone") and time.monotonic() < deadline:
        time.sleep(0.1)
    check(rows_of(cluster, "gone") == 0, "and its rows erased")
    check(call(port, "DELETE", "/v1/admin/workspaces/sales", None, DEPLOY)[0] == 409, "a declared one is not deleted")

    # kill -9 under item creates in a and b and a stream of workspace creates.
    acknowledged = {"a": [], "b": [], "new": []}
    stop = threading.Event()

    def items_in(ws):
        k = 0
        while not stop.is_set():
            try:
                if item(port, ws, f"{ws.upper()}-x{k}") == 201:
                    acknowledged[ws].append(f"{ws.upper()}-x{k}")
            except Exception:  # the server died under this request: not acknowledged
                return
            k += 1

    def workspaces():
        k = 0
        while not stop.is_set():
            try:
                if create_workspace(port, f"crash-{k}")[0] == 201:
                    acknowledged["new"].append(f"crash-{k}")
            except Exception:
                return
            k += 1

    threads = [threading.Thread(target=items_in, args=(ws,)) for ws in ("a", "b")] + [threading.Thread(target=workspaces)]
    for t in threads:
        t.start()
    time.sleep(2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join(timeout=20)
    print(f"figure: acknowledged before kill -9: {len(acknowledged['a'])} in a, {len(acknowledged['b'])} in b, "
          f"{len(acknowledged['new'])} workspaces created")
    check(acknowledged["a"] and acknowledged["b"] and acknowledged["new"], "creates acknowledged in each before the kill")

    started = time.monotonic()
    proc, port = serve_on(cluster, IWD, tmp, CONFIG)
    print(f"figure: restart after kill -9 serving in {time.monotonic() - started:.1f} s")
    status, body = call(port, "GET", "/v1/admin/workspaces", None, DEPLOY)
    names = {w["name"] for w in body["workspaces"]} if status == 200 else set()
    for ws, other in (("a", "b"), ("b", "a")):
        missing = [i for i in acknowledged[ws] if item(port, ws, i, "GET") != 200]
        check(not missing, f"every acknowledged item of {ws} after kill -9: missing {missing[:5]}")
        crossed = [i for i in acknowledged[ws][:50] if call(port, "GET", f"/v1/workspaces/{other}/items/{i}", None,
                                                              token(other))[0] != 404]
        check(not crossed, f"none of {ws}'s in {other}: {crossed[:5]}")
    check(item(port, "sales", "S-1", "GET") == 200, "sales keeps S-1")
    missing = [n for n in acknowledged["new"] if n not in names]
    check(not missing, f"every acknowledged workspace after kill -9: missing {missing}")
    for name in names - {"default"}:
        status, body = call(port, "GET", f"/v1/workspaces/{name}/healthz", None, "")
        check(status == 200 and body.get("workspace") == name, f"{name} answers after the restart: {status} {body}")
    check("gone" not in names and call(port, "GET", "/v1/workspaces/gone/healthz", None, "")[0] == 404,
          "a deleted workspace stays deleted")
    check(set(catalog(cluster)) == names - {"default"}, f"the catalog is what is served: {catalog(cluster)} {names}")
    epochs = dict(r.split("|") for r in cluster.query("SELECT workspace, epoch FROM iwd_lease WHERE holder IS NOT NULL"))
    check(all(int(epochs.get(ws, 0)) >= 2 for ws in ("a", "b", "sales")), f"taken at a higher epoch: {epochs}")
    check(call(port, "GET", "/v1/workspaces/a/items/A-0", None, token("b"))[0] == 403, "tokens apart after the restart")
    check(item(port, "a", "A-after") == 201, "a goes on")

    # The name of a deleted workspace created again: nothing of the old one.
    check(create_workspace(port, "gone")[0] == 201, "gone created again")
    check(item(port, "gone", "G-1", "GET") == 404, "without the old one's items")

    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=30) == 0, "a clean stop exits 0")
    held = cluster.query("SELECT workspace FROM iwd_lease WHERE holder IS NOT NULL AND expires_at > now()")
    check(not held, f"and releases every lease it holds (a kill -9's ran out): {held}")
    failed = check.failed > 0
finally:
    tear_down(cluster, proc, tmp, failed)
check.finish()
