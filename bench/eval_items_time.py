#!/usr/bin/env python3
"""`iwd eval --items` timed per process (issue 19): several iwd binaries (a before and an
after) run in turn in each round on the same rules and items, each run's CPU time (user + sys
of the process and its threads, from wait4's rusage: microseconds), wall time and minor page
faults recorded; per binary the medians and minimums over the rounds, and the load average
before and after. Every run's output is checked to be the same bytes.

Usage: bench/eval_items_time.py ROUNDS ITEMS IWD [IWD...] -- RULES [EVAL-ARGS...]
  e.g. bench/eval_items_time.py 15 /tmp/items.jsonl /tmp/before/iwd build/bin/iwd -- \\
         /tmp/population.iwdb --ages 5h --at 2026-01-05T09:00:00Z
(bench/eval_items.sh writes such a population and items; this runs each binary more often.)"""
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    argv = sys.argv[1:]
    if "--" not in argv or argv.index("--") < 3:
        sys.exit(__doc__)
    i = argv.index("--")
    args, argv = argv[i + 1:], argv[:i]
    rounds, items, binaries = int(argv[0]), argv[1], argv[2:]
    runs = {b: [] for b in binaries}  # (cpu s, wall s, faults)
    digests = {}
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryFile() as out:
        for _ in range(rounds):
            for b in binaries:
                out.seek(0)
                out.truncate()
                start = time.monotonic()
                p = subprocess.Popen([b, "eval", *args, "--items", items], stdout=out, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(p.pid, 0)
                wall = time.monotonic() - start
                if os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"{b}: exit {os.waitstatus_to_exitcode(status)}")
                out.seek(0)
                digests.setdefault(hashlib.sha256(out.read()).hexdigest(), set()).add(b)
                runs[b].append((usage.ru_utime + usage.ru_stime, wall, usage.ru_minflt))
    print(f"load average after: {os.getloadavg()}")
    for b in binaries:
        cpu, wall, faults = zip(*runs[b])
        print(f"{b}\n  CPU  median {statistics.median(cpu) * 1e3:.1f} ms, min {min(cpu) * 1e3:.1f} ms"
              f"\n  wall median {statistics.median(wall) * 1e3:.1f} ms, min {min(wall) * 1e3:.1f} ms"
              f"\n  minor faults median {statistics.median(faults):.0f}")
    if len(digests) != 1:
        print("OUTPUTS DIFFER:", {h[:12]: sorted(bs) for h, bs in digests.items()})
        sys.exit(1)
    print("every run printed the same bytes")


if __name__ == "__main__":
    main()
