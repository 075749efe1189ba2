#!/usr/bin/env bash
# Durable creates against the real `iwd serve` on loopback with wrk (Debian's): a fresh data
# folder, examples/enterprise.iwd, CONNECTIONS keep-alive connections for SECONDS seconds,
# each request a create with an id of its own (bench/load/create.lua). Prints wrk's report
# and the server's journal counters. Bounded: wrk stops after SECONDS, the server after it.
# Usage: bench/serve_load.sh [IWD] [SECONDS] [CONNECTIONS]
# SERVE_CONFIG=FILE passes --config FILE (e.g. {"history": false} to measure the history's cost);
# SERVE_STORE=URI passes --store URI (PostgreSQL: bench/serve_load_postgresql.py starts a cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
IWD=${1:-build/bin/iwd}
SECONDS_=${2:-10}
CONNECTIONS=${3:-64}
command -v wrk >/dev/null || { echo "serve_load: wrk is missing (scripts/setup.sh installs it)" >&2; exit 2; }
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$DATA"' EXIT
"$IWD" serve --rules examples/enterprise.iwd --data "$DATA" --listen 127.0.0.1:0 --port-file "$DATA/port" \
  ${SERVE_CONFIG:+--config "$SERVE_CONFIG"} ${SERVE_STORE:+--store "$SERVE_STORE"} 2>"$DATA/log" &
SERVER=$!
for _ in $(seq 200); do [ -s "$DATA/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$DATA/port")"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_}s" --latency -s bench/load/create.lua "$URL"
curl -s "$URL/metrics" | grep -E '^iwd_(journal|captures_total|http_responses_total|outbox_pending|notifications_delivered)'
# The server's CPU time (user + system, all threads): per create, less sensitive than the
# rate to what else runs on the machine.
TICKS=$(getconf CLK_TCK)
read -r UT ST < <(awk '{print $14, $15}' "/proc/$SERVER/stat")
CREATES=$(curl -s "$URL/metrics" | awk '/^iwd_captures_total/ {print $2}')
awk -v u="$UT" -v s="$ST" -v t="$TICKS" -v n="$CREATES" \
  'BEGIN {printf "server CPU: %.2f s user, %.2f s system; %.1f us per create\n", u/t, s/t, (u+s)/t*1e6/(n>0?n:1)}'
# What the server wrote (write() bytes: the WAL and its checkpoints, the responses), per create.
WCHAR=$(awk '/^wchar:/ {print $2}' "/proc/$SERVER/io")
COMMITS=$(curl -s "$URL/metrics" | awk '/^iwd_journal_transactions_total/ {print $2}')
awk -v w="$WCHAR" -v n="$CREATES" -v c="$COMMITS" \
  'BEGIN {printf "server writes: %.0f bytes per create, %.1f KiB per commit\n", w/(n>0?n:1), w/1024/(c>0?c:1)}'
# What the server said on stderr about its journal (a failure makes every later change 503).
grep -E 'the journal failed' "$DATA/log" | cut -c1-200 || true
