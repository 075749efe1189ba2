#!/usr/bin/env python3
"""Durable creates of `iwd serve --store postgresql://` with the event history off and on,
alternated in rounds (bench/serve_load.sh on a PostgreSQL 15 cluster of its own, a fresh
database each run): the history's cost on PostgreSQL. Prints each run's creates/s, p99 and
server CPU per create, then the medians. IWD may name several binaries, comma-separated (a
build before a change and after it): each round runs each of them, history off and on.
Usage: bench/serve_load_postgresql.py [IWD[,IWD...]] [ROUNDS] [SECONDS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli"))
from fixed_rate_lib import arguments, new_cluster  # noqa: E402


def run(cluster, iwd, history, name):
    cluster.sql(f"CREATE DATABASE {name}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"history": history}, f)
    env = dict(os.environ, SERVE_CONFIG=f.name, SERVE_STORE=f"postgresql://iwd@/{name}?host={cluster.dir}")
    out = subprocess.run(["bench/serve_load.sh", iwd, SECONDS, "64"], env=env, capture_output=True, text=True,
                         timeout=int(SECONDS) + 120).stdout
    os.unlink(f.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    cpu = float(re.search(r"([\d.]+) us per create", out).group(1))
    return rate, p99_ms, cpu


def main():
    global IWDS, ROUNDS, SECONDS
    args, fresh = arguments()  # --fresh-cluster anywhere: fixed_rate_lib.arguments
    IWDS = (args[0] if len(args) > 0 else "build/bin/iwd").split(",")
    ROUNDS = int(args[1]) if len(args) > 1 else 3
    SECONDS = args[2] if len(args) > 2 else "5"
    cluster = new_cluster(fresh)
    results = {(i, h): [] for i in range(len(IWDS)) for h in (False, True)}
    try:
        for r in range(ROUNDS):
            for i, iwd in enumerate(IWDS):
                for history in (False, True):
                    load = open("/proc/loadavg").read().split()[0]
                    rate, p99, cpu = run(cluster, iwd, history, f"r{r}_{i}_{int(history)}")
                    results[i, history].append((rate, p99, cpu))
                    print(f"round {r} {iwd} history {'on ' if history else 'off'}: {rate:.0f} creates/s, p99 {p99:.1f} ms, "
                          f"{cpu:.1f} us CPU per create (load {load})", flush=True)
    finally:
        cluster.close()
    for i, iwd in enumerate(IWDS):
        for history in (False, True):
            rates, p99s, cpus = zip(*results[i, history])
            print(f"median {iwd} history {'on ' if history else 'off'}: {statistics.median(rates):.0f} creates/s, "
                  f"p99 {statistics.median(p99s):.1f} ms, {statistics.median(cpus):.1f} us CPU per create")
        off, on = (statistics.median(r[0] for r in results[i, h]) for h in (False, True))
        print(f"{iwd}: history on / off: {on / off:.3f} creates/s")


if __name__ == "__main__":
    main()
