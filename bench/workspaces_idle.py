#!/usr/bin/env python3
"""What idle workspaces cost (docs/deployment.md, "Workspaces"): in each round, `iwd serve` on a
fresh data folder (the baseline: the default workspace only), its RSS, then N workspaces
created over the admin routes and its RSS again; then the server restarted on that folder
(N workspaces to start) against a restart of a folder with none, alternated. Prints the
medians over the rounds: kB of RSS and threads per idle workspace, and start (to the port file) with N
workspaces against without.

Usage: bench/workspaces_idle.py IWD [N] [ROUNDS]
"""
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli"))
from serve_lib import call, start_serve  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
DEPLOY = "deployment-admin-token-1"
CONFIG = {"tokens": [{"token": "default-admin-token-0001", "role": "admin"}], "admin_tokens": [{"token": DEPLOY}]}


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def timed_start(iwd, tmp, data):
    t0 = time.monotonic()
    proc, port = start_serve(iwd, tmp, CONFIG, rules=RULES, data=data)
    return proc, port, (time.monotonic() - t0) * 1000


def main():
    iwd = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rules_text = open(RULES).read()
    per_ws, threads, with_ms, without_ms = [], [], [], []
    for r in range(rounds):
        tmp = tempfile.mkdtemp(prefix="iwd_ws_bench_")
        proc, port, _ = timed_start(iwd, tmp, "many")
        time.sleep(0.5)
        before, threads_before = rss_kb(proc.pid), len(os.listdir(f"/proc/{proc.pid}/task"))
        for k in range(n):
            status, body = call(port, "PUT", f"/v1/admin/workspaces/w{k}",
                                {"rules": rules_text, "tokens": [{"token": f"ws-w{k}-admin-token-00001", "role": "admin"}]},
                                DEPLOY)
            assert status == 201, (status, body)
        time.sleep(0.5)
        per_ws.append((rss_kb(proc.pid) - before) / n)
        threads.append((len(os.listdir(f"/proc/{proc.pid}/task")) - threads_before) / n)
        stop(proc)
        for order in ((True, False) if r % 2 == 0 else (False, True)):  # alternated
            proc, _, ms = timed_start(iwd, tmp, "many" if order else "none")
            (with_ms if order else without_ms).append(ms)
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"rounds {rounds}, {n} workspaces: RSS per idle workspace median {statistics.median(per_ws):.0f} kB "
          f"({', '.join(f'{v:.0f}' for v in per_ws)}); threads per workspace {statistics.median(threads):.1f}")
    print(f"start with {n} workspaces: median {statistics.median(with_ms):.0f} ms "
          f"({', '.join(f'{v:.0f}' for v in with_ms)}); without: median {statistics.median(without_ms):.0f} ms "
          f"({', '.join(f'{v:.0f}' for v in without_ms)}); ratio {statistics.median(with_ms) / statistics.median(without_ms):.2f}")


if __name__ == "__main__":
    main()
