#!/usr/bin/env bash
# The event history's cost to durable creates (issue 15): bench/serve_load.sh with the history
# on and off, alternated in ROUNDS rounds, the same binary. Prints creates/s and the server's
# CPU per create for each run; compare within a round.
# Usage: bench/history_cost.sh [IWD] [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
IWD=${1:-build/bin/iwd}
ROUNDS=${2:-5}
OFF=$(mktemp)
trap 'rm -f "$OFF"' EXIT
echo '{"history": false}' >"$OFF"
for r in $(seq "$ROUNDS"); do
  for mode in on off; do
    if [ "$mode" = off ]; then export SERVE_CONFIG=$OFF; else unset SERVE_CONFIG; fi
    out=$(bash bench/serve_load.sh "$IWD" "${3:-10}" "${4:-64}" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    cpu=$(awk '/server CPU/ {print $(NF-3)}' <<<"$out")
    echo "round $r history=$mode creates/s=$rps cpu_us_per_create=$cpu load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
