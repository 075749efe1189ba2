#!/usr/bin/env bash
# `iwd serve`: an agent's time in state survives a restart (GET /v1/agents `since`, the instant
# it entered its state): after a graceful stop, after a snapshot (POST /v1/admin/compact: the
# state loaded from it), across a hot reload and after kill -9 (the journal replayed), the same
# instant comes back.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

RULES=tests/replay/rules/leads.iwd
# since NAME: the agent's `since` in the last GET /v1/agents ($TMP/out).
since() {
  python3 -c "import json; print(next(a['since'] for a in json.load(open('$TMP/out'))['agents'] if a['id'] == '$1'))"
}
# expect_since NAME INSTANT WHAT: the agent's `since` is INSTANT and its time in state counts from it.
expect_since() {
  if python3 -c "
import json, sys
a = next(a for a in json.load(open('$TMP/out'))['agents'] if a['id'] == '$1')
sys.exit(0 if a['since'] == '$2' and a['time_in_state_ms'] >= 1000 else 1)"; then PASSED=$((PASSED + 1)); else
    FAILED=$((FAILED + 1)); echo "FAIL: $3: $1 not since $2 (or less than 1 s in state)"; sed 's/^/  body: /' "$TMP/out"; echo
  fi
}

start_server
expect_exit 0 "the server started" -- test -n "$PORT"
expect_call 200 "ana logs in, not ready" -- PUT /v1/agents/ana '{"skills":{"sales":3},"state":"not_ready","reason":"lunch"}'
sleep 0.2
expect_call 200 "bob logs in, ready" -- PUT /v1/agents/bob '{"skills":{"sales":2},"state":"ready"}'
expect_call 200 "the agents" -- GET /v1/agents
ANA=$(since ana)
BOB=$(since bob)
expect_exit 0 "two instants" -- test -n "$ANA" -a -n "$BOB" -a "$ANA" != "$BOB"
sleep 1.1
stop_server

start_server
expect_call 200 "after a restart" -- GET /v1/agents
expect_since ana "$ANA" "after a restart"
expect_since bob "$BOB" "after a restart"
expect_call 200 "a snapshot" -- POST /v1/admin/compact
stop_server
start_server
expect_call 200 "after a restart from the snapshot" -- GET /v1/agents
expect_since ana "$ANA" "from the snapshot"
expect_since bob "$BOB" "from the snapshot"

# A hot reload: the agents carried over into a runtime on the new rules, in their states.
sed -e 's/version "1.0"/version "1.1"/' tests/replay/rules/leads.iwd >"$TMP/leads2.iwd"
curl -s -o "$TMP/out" -w '%{http_code}' -X PUT "$URL/v1/admin/rules" --data-binary "@$TMP/leads2.iwd" >"$TMP/status"
expect_exit 0 "the hot reload" -- test "$(cat "$TMP/status")" = 200
expect_call 200 "after the hot reload" -- GET /v1/agents
expect_since ana "$ANA" "after a hot reload"
expect_since bob "$BOB" "after a hot reload"

expect_call 200 "bob goes not ready" -- PUT /v1/agents/bob '{"state":"not_ready","reason":"training"}'
expect_call 200 "the agents" -- GET /v1/agents
BOB2=$(since bob)
expect_exit 0 "bob's instant moved" -- test "$BOB2" != "$BOB"
sleep 1.1
kill -9 "$PID"
wait "$PID" 2>/dev/null
start_server
expect_call 200 "after kill -9" -- GET /v1/agents
expect_since ana "$ANA" "after kill -9"
expect_since bob "$BOB2" "after kill -9"
stop_server
finish
