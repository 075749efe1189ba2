#!/usr/bin/env python3
"""`iwd check` on one file, a fresh process each run (issue 19, "the checker at 10K lines"):
several binaries alternated in every round, each round RUNS runs of each, and per round the
median wall time and the median CPU time (user + sys of the process and its threads, from
wait4). Prints the per-round medians and the median of those, per binary, and the load
average before and after. The output of every run is checked to be the same bytes for every
binary (a faster checker that says something else is not faster).

Usage: bench/check_time.py FILE ROUNDS RUNS IWD [IWD...] [-- CHECK-ARGS...]
  e.g. bench/check_time.py /tmp/ten_k.iwd 5 5 /tmp/before/iwd build/bin/iwd -- --format json
The 10K-line file: IWD_DUMP_RULESET=/tmp/ten_k.iwd build/bench/compile_phases_bench 1 160 20 check
"""
import hashlib
import os
import statistics
import subprocess
import sys
import threading
import time


def run_one(cmd):
    """Runs cmd; returns its stdout, stderr, exit status and CPU seconds (user + sys of the
    process and its threads, from wait4's rusage, in microseconds: os.times counts 10 ms ticks)."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        # Both pipes read at once (a large output on one must not block the other); wait4 then
        # reaps the process itself, so its rusage is this run's alone.
        err_chunks = []
        reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
        reader.start()
        out = proc.stdout.read()
        reader.join()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        return out, err_chunks[0], proc.returncode, usage.ru_utime + usage.ru_stime


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    if len(argv) < 4:
        sys.exit(__doc__)
    path, rounds, runs, binaries = argv[0], int(argv[1]), int(argv[2]), argv[3:]
    walls = {b: [] for b in binaries}
    cpus = {b: [] for b in binaries}
    digest = {}
    print(f"load average before: {os.getloadavg()}")
    for _ in range(rounds):
        for b in binaries:
            w, c = [], []
            for _ in range(runs):
                start = time.perf_counter()
                out, err, code, cpu = run_one([b, "check", *extra, path])
                w.append(time.perf_counter() - start)
                c.append(cpu)
                h = hashlib.sha256(out + b"\0" + err + bytes([code & 0xFF])).hexdigest()
                digest.setdefault(h, set()).add(b)
            walls[b].append(statistics.median(w))
            cpus[b].append(statistics.median(c))
    print(f"load average after: {os.getloadavg()}")
    for b in binaries:
        print(f"{b}\n  wall s per round: {' / '.join(f'{x:.3f}' for x in walls[b])}  median {statistics.median(walls[b]):.3f}"
              f"\n  CPU s per round:  {' / '.join(f'{x:.3f}' for x in cpus[b])}  median {statistics.median(cpus[b]):.3f}")
    if len(binaries) > 1:
        base = statistics.median(walls[binaries[0]])
        for b in binaries[1:]:
            print(f"wall {b} / {binaries[0]}: {statistics.median(walls[b]) / base:.3f}")
    if len(digest) != 1:
        print("OUTPUTS DIFFER:", {h[:12]: sorted(bs) for h, bs in digest.items()})
        sys.exit(1)
    print("every run printed the same bytes")


if __name__ == "__main__":
    main()
