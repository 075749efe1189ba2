#!/usr/bin/env bash
# `iwd serve`: a retried create within the idempotency window answers as the first did across
# restarts (issue 17; docs/api.md, "Idempotency and item identity"): after a graceful stop
# (recovery renders the first answer again as it replays the capture line), after a restart
# from a snapshot (POST /v1/admin/compact: it keeps the window's answers and each capture's
# instant) and after kill -9. Each item is captured while no agent could take it, so its
# first answer says queued; by the retries it has been offered to an agent, so the item as
# it stands (what the retries answered before) differs from the first answer.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

# capture N BODY: POST /v1/items, the answer kept in $TMP/first.N
capture() {
  expect_call 201 "$1 captured" -- POST /v1/items "$2"
  cp "$TMP/body" "$TMP/first.$1"
}
# retried N BODY WHEN: the same create answers the first answer's status and body
retried() {
  expect_call 201 "$1 retried $3: 201" -- POST /v1/items "$2"
  expect_exit 0 "$1 retried $3: the first answer's body" -- cmp -s "$TMP/body" "$TMP/first.$1"
}
A='{"id":"A","department":"Sales","segment":"Gold"}'
B='{"id":"B","department":"Sales","segment":"Silver"}'
C='{"id":"C","department":"Sales","segment":"Bronze"}'
D='{"id":"D","department":"Sales","segment":"Gold"}'

start_server
capture A "$A"
expect_exit 0 "A's first answer: queued" -- grep -q '"state":"queued"' "$TMP/first.A"
expect_call 200 "an agent" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2}}'
expect_call 200 "A is offered to ada now" -- GET /v1/items/A
expect_in out '"agent":"ada"' "ada"
stop_server

start_server
retried A "$A" "after a graceful restart"
capture B "$B"
expect_call 200 "a snapshot" -- POST /v1/admin/compact ''
expect_call 200 "A canceled after the snapshot" -- POST /v1/items/A/cancel ''
stop_server

start_server
retried A "$A" "after a restart from a snapshot (ended since)"
retried B "$B" "after a restart from a snapshot"
capture C "$C"
expect_call 200 "a snapshot" -- POST /v1/admin/compact ''
capture D "$D"
expect_call 200 "bob" -- PUT /v1/agents/bob '{"skills":{"sales_processing":8,"legacy_processing":2}}'
sleep 0.3  # the group commit of the last answers has been acknowledged: kill -9 now
kill -9 "$PID"
wait "$PID" 2>/dev/null

start_server
retried A "$A" "after kill -9"
retried B "$B" "after kill -9"
retried C "$C" "after kill -9 (in the snapshot)"
retried D "$D" "after kill -9 (after the snapshot)"
expect_call 409 "another body of open B is still a conflict" -- POST /v1/items '{"id":"B","department":"Sales","segment":"Gold"}'
stop_server
grep -q "internal error" "$TMP/serve.log" && { FAILED=$((FAILED + 1)); echo "FAIL: an internal error in the log"; }
finish
