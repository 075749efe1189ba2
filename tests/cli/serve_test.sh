#!/usr/bin/env bash
# `iwd serve` against a real HTTP client (curl) on loopback: the item and agent API, bad
# input, idempotent capture, recovery after SIGKILL in the middle of a stream of creates
# (every acknowledged item is back), and a clean stop on SIGTERM.
set -u
source "$(dirname "$0")/lib.sh"

DATA="$TMP/data"
PID=
start_server() {
  rm -f "$TMP/port"
  "$IWD" serve --rules examples/enterprise.iwd --data "$DATA" --listen 127.0.0.1:0 --port-file "$TMP/port" 2>>"$TMP/serve.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  PORT=$(cat "$TMP/port" 2>/dev/null)
  URL="http://127.0.0.1:$PORT"
}
# call METHOD PATH [BODY]: the status in $TMP/status, the body in $TMP/body
call() {
  if [ $# -ge 3 ]; then
    curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" "$URL$2" -d "$3" >"$TMP/status"
  else
    curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" "$URL$2" >"$TMP/status"
  fi
}
expect_call() {  # STATUS DESCRIPTION -- METHOD PATH [BODY]
  local want=$1 what=$2
  shift 3
  call "$@"
  if [ "$(cat "$TMP/status")" = "$want" ]; then PASSED=$((PASSED + 1)); else
    FAILED=$((FAILED + 1)); echo "FAIL: $what: status $(cat "$TMP/status"), expected $want"; sed 's/^/  body: /' "$TMP/body"; echo
  fi
  cp "$TMP/body" "$TMP/out"
}

start_server
expect_exit 0 "the server started and wrote its port" -- test -n "$PORT"
expect_call 200 "health" -- GET /healthz
expect_call 200 "an agent logs in" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2}}'
expect_in out '"state":"ready"' "ready"
expect_call 201 "a capture" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
expect_in out '"state":"offered","process":"Sales.Gold","priority":500' "classified and offered at once"
expect_call 200 "the same capture again is fine" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
expect_call 409 "the same id with another body" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Silver"}'
expect_in out '"code":"conflict"' "a conflict"
expect_call 200 "the agent's offers by polling" -- GET /v1/agents/ada/offers
expect_in out '"id":"S1","state":"offered"' "S1 is offered to ada"
expect_call 200 "accept" -- POST /v1/items/S1/accept '{"agent":"ada"}'
expect_in out '"state":"assigned"' "assigned"
expect_call 400 "malformed JSON" -- POST /v1/items '{"id":"S2",'
expect_in out '"code":"malformed_json"' "named"
expect_call 422 "a wrong type names the attribute" -- POST /v1/items '{"id":"S2","department":"Sales","segment":"Platinum"}'
expect_in out 'segment' "the attribute"
expect_call 422 "an unknown attribute" -- POST /v1/items '{"id":"S2","departmnt":"Sales"}'
expect_in out 'did you mean `department`?' "with a suggestion"
expect_call 422 "no id" -- POST /v1/items '{"department":"Sales"}'
expect_call 404 "an unknown item" -- POST /v1/items/NOPE/complete ''
expect_call 422 "an illegal transition" -- POST /v1/items/S1/resume ''
expect_in out 'only a held item can be resumed' "says why"
expect_call 404 "an unknown route" -- GET /v1/nothing
python3 -c "print('{\"id\":\"BIG\",\"department\":\"' + 'x' * 2000000 + '\"}')" >"$TMP/big.json"
curl -s -o "$TMP/out" -w '%{http_code}' -X POST "$URL/v1/items" --data-binary "@$TMP/big.json" >"$TMP/status"
[ "$(cat "$TMP/status")" = 413 ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: an oversize body: $(cat "$TMP/status")"; }
expect_call 200 "the server still serves" -- GET /healthz
expect_call 201 "another capture" -- POST /v1/items '{"id":"F1","department":"Finance","segment":"Gold"}'
expect_call 200 "the queue in distribution order" -- GET '/v1/queue?limit=10'
expect_in out '"total":1,"items":[{"id":"F1","state":"queued"' "F1 waits"
expect_call 200 "metrics" -- GET /metrics
expect_in out 'iwd_items{process="Sales.Gold",state="assigned"} 1' "Prometheus text"

# A stream of creates, killed with SIGKILL in the middle: every acknowledged id comes back.
(for n in $(seq 1 400); do
   code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/v1/items" -d "{\"id\":\"W$n\",\"department\":\"Sales\",\"segment\":\"Silver\"}")
   [ "$code" = 201 ] && echo "W$n"
 done) >"$TMP/acked" 2>/dev/null &
STREAM=$!
for _ in $(seq 200); do [ "$(wc -l <"$TMP/acked")" -ge 50 ] && break; sleep 0.02; done
kill -9 "$PID"
wait "$STREAM" 2>/dev/null
ACKED=$(wc -l <"$TMP/acked")
expect_exit 0 "some creates were acknowledged before the kill ($ACKED)" -- test "$ACKED" -ge 50
start_server
missing=0
while read -r id; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/items/$id")" = 200 ] || missing=$((missing + 1))
done <"$TMP/acked"
expect_exit 0 "every acknowledged item is back after the restart ($missing missing of $ACKED)" -- test "$missing" -eq 0
expect_call 200 "S1 is still assigned to ada" -- GET /v1/items/S1
expect_in out '"state":"assigned","process":"Sales.Gold","priority":500' "state and priority"
expect_in out '"agent":"ada"' "and agent"
kill -TERM "$PID"
wait "$PID"
expect_exit 0 "SIGTERM stops it cleanly" -- grep -q "iwd serve: stopped" "$TMP/serve.log"
finish
