#!/usr/bin/env python3
"""Durable creates of `iwd serve --store postgresql://` at fixed rates (issue 18's target: 10,000/s
at p99 under 20 ms, one workspace, two cores): bench/fixed_rate (open loop, latency from each
request's due time) at each RATE, history off and on, alternated in ROUNDS; a PostgreSQL 15 cluster
of its own (tests/cli/pg_cluster.py, Unix socket), a fresh database and `iwd serve` per run
(examples/enterprise.iwd, creates as bench/load/create.lua's), WARMUP s unmeasured then SECONDS s.
Prints each run (achieved rate, p50/p99/p99.9/max, non-2xx and errors, iwd's and PostgreSQL's CPU
per create, the load average) and the medians per rate and history.
Usage: bench/fixed_rate_postgresql.py [IWD] [FIXED_RATE] [ROUNDS] [SECONDS] [RATES, comma-separated]
       [CONNECTIONS]"""
import sys

from fixed_rate_lib import alternate, describe, fixed_rate, fresh_database, load_columns, start_serve, stop, table, with_cpu

IWD = sys.argv[1] if len(sys.argv) > 1 else "build/bin/iwd"
GEN = sys.argv[2] if len(sys.argv) > 2 else "build/bin/fixed_rate"
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 10
RATES = [int(r) for r in (sys.argv[5] if len(sys.argv) > 5 else "5000,10000,15000").split(",")]
CONNECTIONS = int(sys.argv[6]) if len(sys.argv) > 6 else 100  # 128 stalled before ea46d6c (bench/RESULTS.md); kept for comparison
WARMUP = 2


def run(cluster, folder, r, case):
    rate, history = case
    name = f"f{r}_{rate}_{int(history)}"
    proc, port, _, _ = start_serve(IWD, folder, fresh_database(cluster, name), {"history": history}, name=name)
    try:
        return with_cpu(cluster, [proc.pid],
                        lambda: fixed_rate(GEN, [f"http://127.0.0.1:{port}/v1/items"], rate, SECONDS, WARMUP, CONNECTIONS))
    finally:
        stop(proc)


def show(r, case, out, load):
    rate, history = case
    return f"round {r} rate {rate} history {'on ' if history else 'off'}: {describe(out)} (load {load})"


cases = [(rate, history) for rate in RATES for history in (False, True)]
results = alternate(ROUNDS, cases, run, show)
table(cases, results, [("rate", lambda c, runs: f"{c[0]:,}/s"), ("history", lambda c, runs: "on" if c[1] else "off")]
      + load_columns())
