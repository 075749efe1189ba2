#!/usr/bin/env python3
"""The PostgreSQL benchmarks' cluster prepared as one in service (issue 18,
bench/fixed_rate_lib.py's prepare_in_service; here with min_wal_size 256MB where the benchmarks
use 1GB): min_wal_size set, that much WAL written, then
CHECKPOINT, so that WAL written afterwards goes into recycled segments and no new segment is
created (zero-filled) under a benchmark's load; on a fresh cluster (initdb's defaults, the
benchmarks' --fresh-cluster) the same writes create new segments, which is what the preparation
takes away. --fresh-cluster is taken out of the scripts' arguments wherever it stands.
Usage: pg_in_service_test.py. Prints `N passed, M failed`; exit 1 if any failed."""
import os
import subprocess
import sys

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")
sys.path.insert(0, BENCH)
import fixed_rate_lib  # noqa: E402
from pg_cluster import Cluster  # noqa: E402  (fixed_rate_lib put tests/cli on the path)
from serve_lib import Checks  # noqa: E402

check = Checks()


def segments(cluster):
    return set(cluster.query("SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'"))


def write_segments(cluster, n):
    """N segments' worth of WAL moved through: a small insert and a segment switch, N times."""
    cluster.sql("CREATE TABLE IF NOT EXISTS t (n int)")
    cluster.sql(f"DO $$ BEGIN FOR i IN 1..{n} LOOP INSERT INTO t VALUES (i); PERFORM pg_switch_wal(); END LOOP; END $$")


prepared = Cluster()
try:
    # 256MB (16 segments), not the benchmarks' 1GB: the same property for a quarter of the WAL
    # written in the test's time.
    have = fixed_rate_lib.prepare_in_service(prepared, "256MB")
    check(prepared.query("SHOW min_wal_size") == ["256MB"], f"min_wal_size {prepared.query('SHOW min_wal_size')}")
    before = segments(prepared)
    check(have == len(before) and have >= 16, f"{have} segments said, {len(before)} in pg_wal, 16 wanted")
    lsn0 = prepared.query("SELECT pg_current_wal_lsn()")[0]
    write_segments(prepared, 8)
    after = segments(prepared)
    check(prepared.query(f"SELECT pg_current_wal_lsn() - '{lsn0}' >= 7 * 16 * 1024 * 1024")[0] == "t",
          "over 7 segments' worth of WAL written")
    check(after <= before, f"prepared: new segments created: {sorted(after - before)}")
finally:
    prepared.close()

fresh = Cluster()
try:
    before = segments(fresh)
    write_segments(fresh, 8)
    after = segments(fresh)
    check(len(after - before) >= 8, f"fresh: {len(after - before)} new segments for 8 written, 8 wanted")
finally:
    fresh.close()

for argv, fresh_flag, rest in ((["s", "a", "--fresh-cluster", "b"], True, ["s", "a", "b"]),
                               (["s", "a", "b"], False, ["s", "a", "b"])):
    out = subprocess.run([sys.executable, "-c", f"import sys; sys.argv = {argv!r}; sys.path.insert(0, {BENCH!r}); "
                          "import fixed_rate_lib as L; print(L.FRESH_CLUSTER, sys.argv)"],
                         capture_output=True, text=True, timeout=30).stdout.strip()
    check(out == f"{fresh_flag} {rest!r}", f"{argv}: {out}")

check.finish()
