#!/usr/bin/env python3
"""The snapshot's stall at fixed rates (issue 18): durable creates on `iwd serve --store
postgresql://` with the DEFAULT compact_every (a 10 s run at 10,000/s after 2 s of warm-up writes
120,000 lines: one snapshot of about 100,000 open items falls inside it), two binaries (before,
after) alternated, history off and on, in ROUNDS; a PostgreSQL 15 cluster of its own and a fresh
database per run (bench/fixed_rate_lib.py). Each server runs with IWD_TRACE_SNAPSHOT=1
(server/snapshot_store.h), and its trace is summed up per run: the engine's copy of the state,
the steps on the committer (how many, the longest, their sum) and on the snapshot's own
connection, the longest batch transaction. A third case, the after binary with `compact_every: 0`
(no snapshot in the run), history off, is the floor the machine allows at the time.
Usage: bench/snapshot_stall_postgresql.py BEFORE_IWD AFTER_IWD [FIXED_RATE] [ROUNDS] [SECONDS] [RATE] [CONNECTIONS] [--fresh-cluster]
The cluster is prepared as one in service (fixed_rate_lib.prepare_in_service: min_wal_size 1GB, that much
WAL written, then CHECKPOINT, so runs write into recycled WAL segments); --fresh-cluster (anywhere among the
arguments) keeps initdb's defaults instead, which zero-fill a new segment every 1.5-3 s at 10,000 creates/s."""
import os
import re

from fixed_rate_lib import alternate, arguments, describe, fixed_rate, fresh_database, load_columns, start_serve, stop, table, with_cpu

WARMUP = 2


def trace_summary(log_path):
    """What the server's trace says of the run."""
    capture, committer_steps, side_parts, prunes, batches = [], [], [], [], []
    side = False
    for line in open(log_path, errors="replace"):
        if "iwd serve: trace" not in line:
            continue
        if m := re.search(r"engine: state captured in ([0-9.]+) ms", line):
            capture.append(float(m.group(1)))
        elif m := re.search(r"committer: step in ([0-9.]+) ms", line):
            committer_steps.append(float(m.group(1)))
        elif m := re.search(r"snapshot: part \d+ \(\d+ bytes\) stored in ([0-9.]+) ms", line):
            side_parts.append(float(m.group(1)))
        elif m := re.search(r"snapshot: prune step: \d+ rows deleted in ([0-9.]+) ms", line):
            prunes.append(float(m.group(1)))
        elif m := re.search(r"committer: transaction of .* in ([0-9.]+) ms", line):
            batches.append(float(m.group(1)))
        elif "on a connection of their own" in line:
            side = True

    def most(v):
        return f"{max(v):.0f}" if v else "-"
    return (f"snapshots {len(capture)}, engine copy {'/'.join(f'{c:.0f}' for c in capture) or '-'} ms; committer steps "
            f"{len(committer_steps)} (longest {most(committer_steps)} ms, sum {sum(committer_steps):.0f} ms); "
            f"parts {len(side_parts)} (longest {most(side_parts)} ms) and prune steps {len(prunes)} (longest "
            f"{most(prunes)} ms){' on their own connection' if side else ' on the committer'}; longest batch "
            f"transaction {most(batches)} ms")


def run(cluster, folder, r, case):
    binary, history = case
    name = f"s{r}_{binary.replace(' ', '_')}_{int(history)}"
    config = {"history": history}
    if binary == "no snapshot":
        config["compact_every"] = 0
    proc, port, _, _ = start_serve(BINARIES.get(binary, BINARIES["after"]), folder, fresh_database(cluster, name), config,
                                   name=name)
    try:
        out = with_cpu(cluster, [proc.pid],
                       lambda: fixed_rate(GEN, [f"http://127.0.0.1:{port}/v1/items"], RATE, SECONDS, WARMUP, CONNECTIONS))
    finally:
        stop(proc)
    out["trace"] = trace_summary(os.path.join(folder, name + ".log"))
    return out


def show(r, case, out, load):
    binary, history = case
    return (f"round {r} {binary:11} history {'on ' if history else 'off'}: {describe(out)} (load {load})\n"
            f"    trace: {out['trace']}")


def main():
    global BINARIES, GEN, ROUNDS, SECONDS, RATE, CONNECTIONS
    args, fresh = arguments()  # --fresh-cluster anywhere: fixed_rate_lib.arguments
    BINARIES = {"before": args[0], "after": args[1]}
    GEN = args[2] if len(args) > 2 else "build/bench/fixed_rate"
    ROUNDS = int(args[3]) if len(args) > 3 else 2
    SECONDS = float(args[4]) if len(args) > 4 else 10
    RATE = int(args[5]) if len(args) > 5 else 10000
    CONNECTIONS = int(args[6]) if len(args) > 6 else 100
    os.environ["IWD_TRACE_SNAPSHOT"] = "1"
    cases = [(binary, history) for history in (False, True) for binary in ("before", "after")] + [("no snapshot", False)]
    results = alternate(ROUNDS, cases, run, show, fresh)
    table(cases, results, [("binary", lambda c, runs: c[0]), ("history", lambda c, runs: "on" if c[1] else "off")]
          + load_columns() + [("max queued", lambda c, runs: "/".join(str(o["max_queued"]) for o in runs))])


if __name__ == "__main__":
    main()
