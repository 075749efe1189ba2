#!/usr/bin/env python3
"""The store suites' SQLite cases leave nothing in their temporary folder (tests/support/temp_dir.h):
each test binary given is run with `--gtest_filter=FILTER` and TMPDIR set to an empty folder of
this test's own, which must be empty afterwards (their fixtures left `iwd-sqlstore-*`,
`iwd-store-*` and `iwd-outbox-store-*` folders in /tmp on every run, passing ones included).

Usage: no_leftovers.py FILTER BINARY... Prints `N passed, M failed`; exit 1 if any failed."""
import os
import shutil
import subprocess
import sys
import tempfile

FILTER, BINARIES = sys.argv[1], sys.argv[2:]
passed = failed = 0
for binary in BINARIES:
    tmp = tempfile.mkdtemp(prefix="iwd-leftovers-")
    try:
        run = subprocess.run([binary, f"--gtest_filter={FILTER}"], env={**os.environ, "TMPDIR": tmp},
                             capture_output=True, text=True, timeout=100)
        ran = run.returncode == 0 and "[  PASSED  ]" in run.stdout
        left = sorted(os.listdir(tmp))
        ok = ran and not left
        print(("PASS" if ok else "FAIL") + f": {os.path.basename(binary)} ({FILTER}) "
              + ("ran" if ran else f"failed (exit {run.returncode}):\n{run.stdout[-3000:]}{run.stderr[-2000:]}")
              + (f", left {len(left)} in TMPDIR: {left[:5]}" if left else ", left nothing in TMPDIR"))
        passed, failed = passed + ok, failed + (not ok)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
