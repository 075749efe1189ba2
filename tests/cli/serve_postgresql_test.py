#!/usr/bin/env python3
"""`iwd serve --store postgresql://...` (issue 18) against a PostgreSQL 15 cluster of its own
(as tests/support/pg_cluster.h starts one: a temporary folder, its Unix socket only): creates
acknowledged, kill -9, a restart once the lease expired, every acknowledged create present; a
second serve on the same store refused while the first holds the lease, naming the holder and
how long; a clean stop releases the lease at once; a serve whose lease another node took over
exits 1 saying so; a data folder's SQLite workspaces are refused, as is a --store that is not
PostgreSQL's (the event history there: serve_postgresql_history_test.py; workspaces there:
serve_postgresql_workspaces_test.py).
Usage: serve_postgresql_test.py IWD."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_cluster import Cluster  # noqa: E402
from serve_lib import Checks, call  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_serve_pg_")
CONFIG = {"history": False,
          "tokens": [{"token": "crm-token-0123456789ab", "role": "source", "name": "crm"},
                     {"token": "supervisor-token-012345", "role": "supervisor", "name": "sam"}]}
CRM, SUP = "crm-token-0123456789ab", "supervisor-token-012345"
check = Checks()


def serve(store, config=CONFIG, name="serve", data="data"):
    """`iwd serve --store STORE` (none when STORE is None) on a free loopback port: (process, port or None when it
    exited, its stderr)."""
    path = os.path.join(TMP, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    port_file = os.path.join(TMP, name + ".port")
    if os.path.exists(port_file):
        os.remove(port_file)
    log_path = os.path.join(TMP, name + ".log")
    log = open(log_path, "w")
    proc = subprocess.Popen([IWD, "serve", "--rules", "examples/enterprise.iwd"] + (["--store", store] if store else []) +
                            ["--data", os.path.join(TMP, data), "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--config", path], stderr=log)
    for _ in range(300):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read()), log_path
        if proc.poll() is not None:
            return proc, None, log_path
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start: " + open(log_path).read())


def create(port, k):
    return call(port, "POST", "/v1/items", {"id": f"C{k}", "department": "Sales", "segment": "Gold",
                                            "deal_value": 1000 + k}, CRM)[0]


cluster = Cluster()
procs = []
try:
    # Refused at start: a data folder whose workspaces a run without --store kept in SQLite: not served from PostgreSQL.
    proc, port, log = serve(None, config={**CONFIG, "admin_tokens": [{"token": "deployment-token-0123456", "name": "ops"}]},
                            name="sqlite", data="sqlite")
    check(port is not None, "a serve without --store: " + open(log).read())
    rules = open("examples/enterprise.iwd").read()
    status = call(port, "PUT", "/v1/admin/workspaces/sales",
                  {"rules": rules, "tokens": [{"token": "sales-token-0123456789ab", "role": "admin"}]},
                  "deployment-token-0123456")[0]
    check(status == 201, f"keeps a workspace created over the API in SQLite: {status}")
    proc.terminate()
    proc.wait(timeout=30)
    proc, port, log = serve(cluster.url, name="leftover", data="sqlite")
    if port is not None:
        proc.kill()
    check(port is None and proc.wait(timeout=30) == 2, "its folder's workspaces refused with --store postgresql://")
    check("workspaces/sales is a workspace kept in SQLite" in open(log).read(), "naming it: " + open(log).read())
    proc, port, log = serve("/tmp/somewhere.db", name="bad")
    check(port is None and proc.wait(timeout=30) == 2, "a --store that is not PostgreSQL's is refused")

    a, port, log_a = serve(cluster.url, name="a")
    procs.append(a)
    check(port is not None, "serve a starts on PostgreSQL: " + open(log_a).read())
    check("in PostgreSQL, workspace default at epoch 1" in open(log_a).read(), "and says where its journal is")
    acknowledged = [k for k in range(200) if create(port, k) == 201]
    check(len(acknowledged) == 200, f"200 creates acknowledged: {len(acknowledged)}")

    # A second serve on the same store: refused while a holds the lease.
    b, port_b, log_b = serve(cluster.url, name="b")
    check(port_b is None and b.wait(timeout=30) == 1, "a second serve exits 1 while the first holds the lease")
    text = open(log_b).read()
    check("held by" in text and "for another" in text and " ms" in text, "naming the holder and how long: " + text)

    a.send_signal(signal.SIGKILL)
    a.wait(timeout=30)
    # Restarted as a supervisor would: held until the lease (2 s) expires, then taken at epoch 2.
    started = time.monotonic()
    while True:
        c, port, log_c = serve(cluster.url, name="c")
        if port is not None or time.monotonic() - started > 10:
            break
        c.wait(timeout=30)
        time.sleep(0.2)
    procs.append(c)
    check(port is not None, "a restart takes the lease once it expired: " + open(log_c).read())
    check("at epoch 2" in open(log_c).read(), "at epoch 2")
    missing = [k for k in acknowledged if call(port, "GET", f"/v1/items/C{k}", None, SUP)[0] != 200]
    check(not missing, f"every acknowledged create is present after kill -9: missing {missing[:5]}")
    check(create(port, 1000) == 201, "and the restarted service goes on")

    # A clean stop releases the lease: the next start takes it at once.
    c.send_signal(signal.SIGTERM)
    check(c.wait(timeout=30) == 0, "a clean stop exits 0")
    d, port, log_d = serve(cluster.url, name="d")
    procs.append(d)
    check(port is not None and "at epoch 3" in open(log_d).read(), "the next start takes the released lease at once")
    if port is not None:
        check(call(port, "GET", "/v1/items/C1000", None, SUP)[0] == 200, "with what the stopped one acknowledged")

    # Another node takes the lease over (expired by hand, as after a pause): d's next renewal
    # is refused, it acknowledges nothing more and exits 1 saying why.
    cluster.sql("UPDATE iwd_lease SET expires_at = now() - interval '1 second'; "
                "UPDATE iwd_lease SET holder = 'node-x', epoch = epoch + 1, expires_at = now() + interval '1 minute'")
    try:
        status = d.wait(timeout=10)
    except subprocess.TimeoutExpired:
        status = None
    text = open(log_d).read()
    check(status == 1, f"a serve whose lease was taken over exits 1: {status}")
    check("the lease of workspace default is lost" in text and "held by node-x" in text, "saying why: " + text[-400:])
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    cluster.close()
    shutil.rmtree(TMP, ignore_errors=True)
check.finish()
