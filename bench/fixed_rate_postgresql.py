#!/usr/bin/env python3
"""Durable creates of `iwd serve --store postgresql://` at fixed rates (issue 18's target: 10,000/s
at p99 under 20 ms, one workspace, two cores): bench/fixed_rate (open loop, latency from each
request's due time) at each RATE, history off and on, alternated in ROUNDS; a PostgreSQL 15 cluster
of its own (tests/cli/pg_cluster.py, Unix socket), a fresh database and `iwd serve` per run
(examples/enterprise.iwd, creates as bench/load/create.lua's), WARMUP s unmeasured then SECONDS s.
IWD may name several binaries, comma-separated (a build before a change and after it): each round
runs each of them at each rate, history off and on, in turn. Each server runs with
IWD_TRACE_SNAPSHOT=1 (server/snapshot_store.h): the batch transactions over 10 ms of each run (how
many, the longest; the transaction that places the snapshot, traced whatever its time, apart) and
the history's aggregates' checkpoints (in a batch's transaction, or on their own connection) are
read from its trace.
Prints each run (achieved rate, p50/p99/p99.9/max, non-2xx and errors, iwd's and PostgreSQL's CPU
per create, the load average) and the medians per binary, rate and history.
Usage: bench/fixed_rate_postgresql.py [IWD[,IWD...]] [FIXED_RATE] [ROUNDS] [SECONDS] [RATES, comma-separated]
       [CONNECTIONS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import os
import re

from fixed_rate_lib import alternate, arguments, describe, fixed_rate, fresh_database, load_columns, start_serve, stop, table, with_cpu

WARMUP = 2


def trace_summary(lines):
    """From the server's trace (LINES): the batch transactions over 10 ms, how many and the longest,
    those that placed a snapshot apart (the committer traces each of them, whatever its time: one a
    run, counted apart, with its own longest, not among the batches over 10 ms), and the
    aggregates' checkpoints written on their own connection (their longest)."""
    batches, places, side = [], [], []
    for line in lines:
        if m := re.search(r"committer: transaction of .* in ([0-9.]+) ms", line):
            (places if ", a snapshot's place" in line else batches).append(float(m.group(1)))
        elif m := re.search(r"history: aggregates' checkpoint .* in ([0-9.]+) ms", line):
            side.append(float(m.group(1)))
    return {"longest_batch_ms": max(batches, default=0), "batches_over_10ms": len(batches),
            "snapshot_places": len(places), "longest_place_ms": max(places, default=0),
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
    with open(os.path.join(folder, name + ".log"), errors="replace") as log:
        out["trace"] = trace_summary(log)
    return out


def show(r, case, out, load):
    binary, rate, history = case
    t = out["trace"]
    return (f"round {r} {IWDS[binary]} rate {rate} history {'on ' if history else 'off'}: {describe(out)} (load {load}); "
            f"batches over 10 ms {t['batches_over_10ms']} (longest {t['longest_batch_ms']:.0f} ms; the snapshot's place "
            f"apart: {t['snapshot_places']}, longest {t['longest_place_ms']:.0f} ms), checkpoints on their "
            f"own connection {t['side_checkpoints']} (longest {t['longest_side_ms']:.0f} ms)")


def main():
    global IWDS, GEN, ROUNDS, SECONDS, RATES, CONNECTIONS
    args, fresh = arguments()  # --fresh-cluster anywhere: fixed_rate_lib.arguments
    IWDS = (args[0] if len(args) > 0 else "build/bin/iwd").split(",")
    GEN = args[1] if len(args) > 1 else "build/bin/fixed_rate"
    ROUNDS = int(args[2]) if len(args) > 2 else 3
    SECONDS = float(args[3]) if len(args) > 3 else 10
    RATES = [int(r) for r in (args[4] if len(args) > 4 else "5000,10000,15000").split(",")]
    CONNECTIONS = int(args[5]) if len(args) > 5 else 100  # 128 stalled before ea46d6c (bench/RESULTS.md); kept for comparison
    os.environ["IWD_TRACE_SNAPSHOT"] = "1"
    cases = [(binary, rate, history) for rate in RATES for history in (False, True) for binary in range(len(IWDS))]
    results = alternate(ROUNDS, cases, run, show, fresh)
    table(cases, results, [("binary", lambda c, runs: IWDS[c[0]]), ("rate", lambda c, runs: f"{c[1]:,}/s"),
                           ("history", lambda c, runs: "on" if c[2] else "off")]
          + load_columns()
          + [("longest batch transaction", lambda c, runs: "/".join(f"{o['trace']['longest_batch_ms']:.0f}" for o in runs) + " ms")])


if __name__ == "__main__":
    main()
