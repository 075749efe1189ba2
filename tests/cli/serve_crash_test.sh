#!/usr/bin/env bash
# `iwd serve` killed with SIGKILL in the middle of a stream of creates (single and batch,
# from several clients at once): after a restart every acknowledged id is there, and items
# in flight keep their state, agent and priority.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

start_server
expect_call 200 "an agent" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2}}'
expect_call 201 "a capture" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
expect_call 200 "accepted" -- POST /v1/items/S1/accept ''
expect_call 201 "another, parked" -- POST /v1/items '{"id":"S2","department":"Sales","segment":"Silver"}'
expect_call 200 "accepted" -- POST /v1/items/S2/accept ''
expect_call 200 "parked" -- POST /v1/items/S2/park ''

# Four clients: three post single creates, one posts batches of 20; each records what was acknowledged.
client() {
  local c=$1
  for n in $(seq 1 3000); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -X POST "$URL/v1/items" -d "{\"id\":\"W$c-$n\",\"department\":\"Sales\",\"segment\":\"Bronze\"}")
    [ "$code" = 201 ] && echo "W$c-$n" || break
  done
}
batch_client() {
  for n in $(seq 1 500); do
    body=$(python3 -c "import json,sys; print(json.dumps({'items': [{'id': f'B$n-{k}', 'department': 'Finance', 'segment': 'Bronze'} for k in range(20)]}))")
    curl -s -H 'Content-Type: application/json' -X POST "$URL/v1/items/batch" -d "$body" >"$TMP/batch.out" || break
    python3 -c "import json; [print(r['item']['id']) for r in json.load(open('$TMP/batch.out'))['results'] if r['status'] == 201]" 2>/dev/null || break
  done
}
for c in 1 2 3; do client "$c" >"$TMP/acked$c" 2>/dev/null & done
batch_client >"$TMP/acked4" 2>/dev/null &
for _ in $(seq 400); do [ "$(cat "$TMP"/acked* | wc -l)" -ge 300 ] && break; sleep 0.02; done
kill -9 "$PID"
wait "$PID" 2>/dev/null
wait
cat "$TMP"/acked1 "$TMP"/acked2 "$TMP"/acked3 "$TMP"/acked4 >"$TMP/acked"
ACKED=$(wc -l <"$TMP/acked")
expect_exit 0 "creates were acknowledged before the kill ($ACKED)" -- test "$ACKED" -ge 300
expect_exit 0 "batch creates among them" -- test -s "$TMP/acked4"

start_server
expect_exit 0 "the server restarted" -- test -n "$PORT"
# Every acknowledged id, checked in one request per page of the queue.
: >"$TMP/present"
offset=0
while :; do
  curl -s "$URL/v1/queue?state=open&limit=1000&offset=$offset" >"$TMP/page"
  n=$(python3 -c "import json; d=json.load(open('$TMP/page')); [print(i['id']) for i in d['items']]; print(len(d['items']), file=open('$TMP/n','w'))" >>"$TMP/present"; cat "$TMP/n")
  [ "$n" -lt 1000 ] && break
  offset=$((offset + 1000))
done
missing=$(sort "$TMP/present" | comm -13 - <(sort "$TMP/acked") | wc -l)
expect_exit 0 "every acknowledged item is back after the restart ($missing missing of $ACKED)" -- test "$missing" -eq 0
expect_call 200 "S1 is still assigned to ada" -- GET /v1/items/S1
expect_in out '"state":"assigned","process":"Sales.Gold","priority":500' "state and priority"
expect_in out '"agent":"ada"' "and agent"
expect_call 200 "S2 is still in ada's workbin" -- GET /v1/agents/ada/workbin
expect_in out '"parked":[{"id":"S2","state":"parked"' "parked"
stop_server
finish
