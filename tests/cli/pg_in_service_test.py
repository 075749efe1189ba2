#!/usr/bin/env python3
"""The PostgreSQL benchmarks' cluster prepared as one in service (issue 18,
bench/fixed_rate_lib.py's prepare_in_service; here with min_wal_size 256MB where the benchmarks
use 1GB): min_wal_size set, that much WAL written, then
CHECKPOINT, so that WAL written afterwards goes into recycled segments and no new segment is
created (zero-filled) under a benchmark's load; on a fresh cluster (initdb's defaults, the
benchmarks' --fresh-cluster) the same writes create new segments, which is what the preparation
takes away. --fresh-cluster is taken out of the scripts' arguments wherever it stands, in their
main (importing a script runs nothing); fixed_rate_postgresql.py's trace summary counts the
snapshot's place transaction apart from the batches over 10 ms.
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

# --fresh-cluster is taken out in each script's main (fixed_rate_lib.arguments), wherever it
# stands; importing the library or a script changes no argument and runs nothing.
for argv, fresh_flag, rest in ((["a", "--fresh-cluster", "b"], True, ["a", "b"]), (["a", "b"], False, ["a", "b"])):
    check(fixed_rate_lib.arguments(argv) == (rest, fresh_flag), f"{argv}: {fixed_rate_lib.arguments(argv)}")
SCRIPTS = ["fixed_rate_postgresql", "nodes_postgresql", "recovery_postgresql", "serve_load_postgresql",
           "snapshot_stall_postgresql", "takeover_postgresql"]
out = subprocess.run([sys.executable, "-c", f"import sys; sys.argv = ['s', '--fresh-cluster', 'no-such-iwd']; "
                      f"sys.path.insert(0, {BENCH!r}); import fixed_rate_lib, {', '.join(SCRIPTS)}; print(sys.argv)"],
                     capture_output=True, text=True, timeout=60)
check(out.stdout.strip() == "['s', '--fresh-cluster', 'no-such-iwd']" and out.returncode == 0,
      f"importing the scripts: {out.stdout.strip()} {out.stderr.strip()[-300:]}")

# bench/fixed_rate_postgresql.py's summary of a server's trace: the transaction that places the
# snapshot (traced whatever its time) is counted apart, not among the batches over 10 ms.
import fixed_rate_postgresql  # noqa: E402
TRACE = ["iwd serve: trace 5.0 ms committer: transaction of 3 batch(es), 40 line(s) in 12.5 ms",
         "iwd serve: trace 6.0 ms committer: transaction of 1 batch(es), 2 line(s), a snapshot's place in 3.1 ms",
         "iwd serve: trace 7.0 ms committer: transaction of 2 batch(es), 9 line(s) in 10.4 ms",
         "iwd serve: trace 8.0 ms committer: transaction of 1 batch(es), 0 line(s), a snapshot's place in 14.0 ms",
         "iwd serve: trace 9.0 ms history: aggregates' checkpoint of 5 item(s) (1 replaced, 0 gone) on its own in 20.0 ms"]
summary = fixed_rate_postgresql.trace_summary(TRACE)
check(summary == {"longest_batch_ms": 12.5, "batches_over_10ms": 2, "snapshot_places": 2, "longest_place_ms": 14.0,
                  "side_checkpoints": 1, "longest_side_ms": 20.0}, f"trace summary: {summary}")

check.finish()
