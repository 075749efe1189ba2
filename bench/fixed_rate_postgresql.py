#!/usr/bin/env python3
"""Durable creates of `iwd serve --store postgresql://` at fixed rates (issue 18's target: 10,000/s
at p99 under 20 ms, one workspace, two cores): bench/fixed_rate (open loop, latency from each
request's due time) at each RATE, history off and on, alternated in ROUNDS; a PostgreSQL 15 cluster
of its own (tests/cli/pg_cluster.py, Unix socket), a fresh database and `iwd serve` per run
(examples/enterprise.iwd, creates as bench/load/create.lua's), WARMUP s unmeasured then SECONDS s.
IWD may name several binaries, comma-separated (a build before a change and after it): each round
runs each of them at each rate, history off and on, in turn. Each server runs with
IWD_TRACE_SNAPSHOT=1 (server/snapshot_store.h): the longest batch transaction of each run and the
history's aggregates' checkpoints (in a batch's transaction, or on their own connection) are read
from its trace.
Prints each run (achieved rate, p50/p99/p99.9/max, non-2xx and errors, iwd's and PostgreSQL's CPU
per create, the load average) and the medians per binary, rate and history.
Usage: bench/fixed_rate_postgresql.py [IWD[,IWD...]] [FIXED_RATE] [ROUNDS] [SECONDS] [RATES, comma-separated]
       [CONNECTIONS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import os
import re
import sys

from fixed_rate_lib import alternate, describe, fixed_rate, fresh_database, load_columns, start_serve, stop, table, with_cpu

IWDS = (sys.argv[1] if len(sys.argv) > 1 else "build/bin/iwd").split(",")
GEN = sys.argv[2] if len(sys.argv) > 2 else "build/bin/fixed_rate"
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 10
RATES = [int(r) for r in (sys.argv[5] if len(sys.argv) > 5 else "5000,10000,15000").split(",")]
CONNECTIONS = int(sys.argv[6]) if len(sys.argv) > 6 else 100  # 128 stalled before ea46d6c (bench/RESULTS.md); kept for comparison
WARMUP = 2
os.environ["IWD_TRACE_SNAPSHOT"] = "1"


def trace_summary(log_path):
    """The longest batch transaction over 10 ms, how many there were, and the aggregates' checkpoints
    written on their own connection (their longest), from the server's trace."""
    batches, side = [], []
    for line in open(log_path, errors="replace"):
        if m := re.search(r"committer: transaction of .* in ([0-9.]+) ms", line):
            batches.append(float(m.group(1)))
        elif m := re.search(r"history: aggregates' checkpoint .* in ([0-9.]+) ms", line):
            side.append(float(m.group(1)))
    return {"longest_batch_ms": max(batches, default=0), "batches_over_10ms": len(batches),
            "side_checkpoints": len(side), "longest_side_ms": max(side, default=0)}


def run(cluster, folder, r, case):
    binary, rate, history = case
    name = f"f{r}_{binary}_{rate}_{int(history)}"
    proc, port, _, _ = start_serve(IWDS[binary], folder, fresh_database(cluster, name), {"history": history}, name=name)
    try:
        out = with_cpu(cluster, [proc.pid],
                       lambda: fixed_rate(GEN, [f"http://127.0.0.1:{port}/v1/items"], rate, SECONDS, WARMUP, CONNECTIONS))
    finally:
        stop(proc)
    out["trace"] = trace_summary(os.path.join(folder, name + ".log"))
    return out


def show(r, case, out, load):
    binary, rate, history = case
    t = out["trace"]
    return (f"round {r} {IWDS[binary]} rate {rate} history {'on ' if history else 'off'}: {describe(out)} (load {load}); "
            f"batches over 10 ms {t['batches_over_10ms']} (longest {t['longest_batch_ms']:.0f} ms), checkpoints on their "
            f"own connection {t['side_checkpoints']} (longest {t['longest_side_ms']:.0f} ms)")


cases = [(binary, rate, history) for rate in RATES for history in (False, True) for binary in range(len(IWDS))]
results = alternate(ROUNDS, cases, run, show)
table(cases, results, [("binary", lambda c, runs: IWDS[c[0]]), ("rate", lambda c, runs: f"{c[1]:,}/s"),
                       ("history", lambda c, runs: "on" if c[2] else "off")]
      + load_columns()
      + [("longest batch transaction", lambda c, runs: "/".join(f"{o['trace']['longest_batch_ms']:.0f}" for o in runs) + " ms")])
