#!/usr/bin/env bash
# The clusters of tests/support/pg_cluster.h that a test process left behind when it died
# before its destructor ran (a crash, a ctest timeout): `reap` stops each /tmp/iwd-pg-*
# cluster whose `owner` process is gone and removes its folder. Clusters of running tests are
# left alone. The ctest fixture pg_cluster runs it before and after the PostgreSQL tests.
set -euo pipefail
[ "${1:-}" = reap ] || { echo "usage: $0 reap" >&2; exit 2; }
BIN=/usr/lib/postgresql/15/bin
for dir in /tmp/iwd-pg-*; do
  [ -d "$dir" ] || continue
  owner=$(cat "$dir/owner" 2>/dev/null || true)
  if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as=()
    [ "$(id -u)" -eq 0 ] && as=(runuser -u "$(stat -c %U "$dir")" --)
    timeout 40 "${as[@]}" "$BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  echo "pg_cluster: removed $dir (its test process ${owner:-?} is gone)"
done
