#!/usr/bin/env bash
# Durable creates against the real `iwd serve` on loopback with wrk (Debian's): a fresh data
# folder, examples/enterprise.iwd, CONNECTIONS keep-alive connections for SECONDS seconds,
# each request a create with an id of its own (bench/load/create.lua). Prints wrk's report
# and the server's journal counters. Bounded: wrk stops after SECONDS, the server after it.
# Usage: bench/serve_load.sh [IWD] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
IWD=${1:-build/bin/iwd}
SECONDS_=${2:-10}
CONNECTIONS=${3:-64}
command -v wrk >/dev/null || { echo "serve_load: wrk is missing (scripts/setup.sh installs it)" >&2; exit 2; }
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$DATA"' EXIT
"$IWD" serve --rules examples/enterprise.iwd --data "$DATA" --listen 127.0.0.1:0 --port-file "$DATA/port" 2>"$DATA/log" &
SERVER=$!
for _ in $(seq 200); do [ -s "$DATA/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$DATA/port")"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_}s" --latency -s bench/load/create.lua "$URL"
curl -s "$URL/metrics" | grep -E '^iwd_(journal|captures_total|http_responses_total)'
