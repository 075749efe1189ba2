#!/usr/bin/env python3
"""Throughput of several `iwd serve --node` nodes over one PostgreSQL (issue 18's figures): 4
workspaces (examples/enterprise.iwd each) placed over 3 nodes, against 1 workspace on 1 node, in
the same run, alternated in ROUNDS, a fresh database for each. bench/fixed_rate sends creates at
a fixed total RATE spread evenly over the workspaces, each to the node serving it (found as
tests/cli/serve_nodes_test.py does; no proxy hop), CONNECTIONS in all; a RATE above what the
nodes take shows their throughput (the achieved rate) with latency growing. Every process (the
nodes, PostgreSQL, the generator) on this machine. Prints each run (achieved creates/s, p50/p99,
non-2xx and errors, the nodes' and PostgreSQL's CPU per create) and the medians.
Usage: bench/nodes_postgresql.py [IWD] [FIXED_RATE] [ROUNDS] [SECONDS] [RATES, comma-separated]
       [HISTORY: on|off] [CONNECTIONS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

from fixed_rate_lib import RULES, alternate, arguments, describe, fixed_rate, fresh_database, load_columns, stop, table, with_cpu, write_config

WARMUP = 2
SETUPS = {"4 workspaces over 3 nodes": (4, 3), "1 workspace on 1 node": (1, 1)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serves(port, ws):
    """Whether the node on PORT serves WS itself (asked as a forwarded request, never forwarded again)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/workspaces/{ws}/healthz", headers={"Iwd-Proxied": "1"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status == 200
    except (urllib.error.HTTPError, OSError):
        return False


def start_nodes(folder, store, workspaces, count):
    config = write_config(folder, {"history": HISTORY, "workspaces": {ws: {"rules": RULES} for ws in workspaces}})
    nodes = []
    for k in range(count):
        port, name = free_port(), f"n{k + 1}"
        log = open(os.path.join(folder, name + ".log"), "a")
        proc = subprocess.Popen([IWD, "serve", "--rules", RULES, "--store", store, "--node", name, "--advertise",
                                 f"http://127.0.0.1:{port}", "--data", os.path.join(folder, name), "--listen",
                                 f"127.0.0.1:{port}", "--config", config], stderr=log)
        nodes.append((proc, port))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        owners = {ws: [port for proc, port in nodes if proc.poll() is None and serves(port, ws)] for ws in workspaces}
        if all(len(o) == 1 for o in owners.values()):
            return nodes, {ws: o[0] for ws, o in owners.items()}
        time.sleep(0.2)
    for proc, _ in nodes:
        stop(proc)
    raise SystemExit(f"the workspaces were not each served by one node within 60 s: {owners}")


def run(cluster, folder, r, case):
    rate, setup = case
    n_ws, n_nodes = SETUPS[setup]
    workspaces = [f"w{k + 1}" for k in range(n_ws)]
    nodes, owner = start_nodes(folder, fresh_database(cluster, f"n{r}_{rate}_{n_ws}"), workspaces, n_nodes)
    try:
        urls = [f"http://127.0.0.1:{owner[ws]}/v1/workspaces/{ws}/items" for ws in workspaces]
        out = with_cpu(cluster, [p.pid for p, _ in nodes],
                       lambda: fixed_rate(GEN, urls, rate, SECONDS, WARMUP, max(1, CONNECTIONS // n_ws)))
    finally:
        for proc, _ in nodes:
            stop(proc)
    out["placement"] = {ws: [k + 1 for k, (_, port) in enumerate(nodes) if port == owner[ws]][0] for ws in workspaces}
    return out


def show(r, case, out, load):
    rate, setup = case
    return f"round {r} rate {rate} {setup}: {describe(out)}, placement {json.dumps(out['placement'])} (load {load})"


def main():
    global IWD, GEN, ROUNDS, SECONDS, RATES, HISTORY, CONNECTIONS
    args, fresh = arguments()  # --fresh-cluster anywhere: fixed_rate_lib.arguments
    IWD = args[0] if len(args) > 0 else "build/bin/iwd"
    GEN = args[1] if len(args) > 1 else "build/bin/fixed_rate"
    ROUNDS = int(args[2]) if len(args) > 2 else 3
    SECONDS = float(args[3]) if len(args) > 3 else 10
    RATES = [int(r) for r in (args[4] if len(args) > 4 else "5000,10000,40000").split(",")]
    HISTORY = (args[5] if len(args) > 5 else "on") == "on"
    CONNECTIONS = int(args[6]) if len(args) > 6 else 100  # 128 stalled before ea46d6c (bench/RESULTS.md); kept for comparison
    cases = [(rate, setup) for rate in RATES for setup in SETUPS]
    results = alternate(ROUNDS, cases, run, show, fresh)
    print(f"history {'on' if HISTORY else 'off'}")
    table(cases, results, [("rate asked", lambda c, runs: f"{c[0]:,}/s"), ("setup", lambda c, runs: c[1])]
          + load_columns(("p50", "p99")))


if __name__ == "__main__":
    main()
