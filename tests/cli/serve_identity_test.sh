#!/usr/bin/env bash
# `iwd serve`: item identity (issue 17; docs/api.md, "Idempotency and item identity"). A capture
# the rules reject answers 422 `rejected` with the reason and keeps nothing, so the corrected
# capture of the same id is accepted (single and batch, before and after a restart); an ended
# item's id is captured again as a new life, and the history shows both lives; a retried
# create within the idempotency window answers as the first did, and after it an ended id is
# free while an open one stays taken.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v, list) else v.get(k)
print(v)' "$TMP/body" "$1"; }  # the last call's body (expect_exit writes $TMP/out)

echo '{"idempotency_window_seconds": 3}' >"$TMP/config.json"
SERVE_ARGS="--config $TMP/config.json"
start_server
expect_call 422 "a capture without its required department is rejected" -- POST /v1/items '{"id":"X1","segment":"Gold"}'
expect_in out '"code":"rejected"' "the code"
expect_in out 'missing required attribute' "the rules' reason in the message"
expect_exit 0 "and alone in error.reason" -- test "$(field error.reason)" != "None"
expect_call 404 "nothing is kept: no open X1" -- POST /v1/items/X1/hold ''
expect_call 201 "the corrected capture of the same id is accepted" -- POST /v1/items '{"id":"X1","department":"Sales","segment":"Gold"}'
expect_call 201 "the same body again: the first answer" -- POST /v1/items '{"id":"X1","department":"Sales","segment":"Gold"}'
expect_call 409 "another body of the open item" -- POST /v1/items '{"id":"X1","department":"Sales","segment":"Silver"}'
expect_call 200 "a batch: one rejected, one captured" -- POST /v1/items/batch '{"items":[{"id":"X2"},{"id":"X3","department":"Sales"}]}'
expect_exit 0 "the rejected element says so" -- test "$(field results.0.status)/$(field results.0.error.code)" = "422/rejected"
expect_exit 0 "the other is captured" -- test "$(field results.1.status)" = "201"
expect_call 200 "X1's history: the rejection first" -- GET /v1/items/X1/history
expect_in out 'missing required attribute' "the reason in the record"
expect_exit 0 "rejected, by the API, with the reason" -- test "$(field records.0.to)/$(field records.0.actor)/$(field records.0.life)" = "rejected/api/1"
expect_exit 0 "the accepted capture is the second life" -- test "$(field records.1.to)/$(field records.1.life)" = "queued/2"
# An ended item's id: a new life.
expect_call 201 "E1" -- POST /v1/items '{"id":"E1","department":"Sales","segment":"Gold"}'
expect_call 200 "canceled" -- POST /v1/items/E1/cancel ''
expect_call 201 "E1 again with another body: a new life" -- POST /v1/items '{"id":"E1","department":"Sales","segment":"Silver"}'
expect_exit 0 "queued" -- test "$(field state)" = "queued"
expect_call 200 "GET answers the current life" -- GET /v1/items/E1
expect_exit 0 "open, Silver" -- test "$(field state)/$(field attributes.segment)" = "queued/Silver"
expect_call 200 "the history shows both lives" -- GET /v1/items/E1/history
expect_in out '"life":1' "the first"
expect_in out '"life":2' "the second"
stop_server

start_server
expect_call 201 "after a restart: X2, rejected before, is free" -- POST /v1/items '{"id":"X2","department":"Sales"}'
expect_call 409 "E1's second life is open" -- POST /v1/items '{"id":"E1","department":"Sales","segment":"Gold"}'
expect_call 200 "E1 canceled again" -- POST /v1/items/E1/cancel ''
expect_call 200 "the ended item read from the history: its last life" -- GET /v1/items/E1
expect_exit 0 "canceled" -- test "$(field state)" = "canceled"
# The window (3 s here): within it the same body is the first answer, after it a new life.
expect_call 201 "W1" -- POST /v1/items '{"id":"W1","department":"Sales","segment":"Gold"}'
cp "$TMP/out" "$TMP/first"
expect_call 200 "W1 canceled" -- POST /v1/items/W1/cancel ''
expect_call 201 "W1's create again within the window" -- POST /v1/items '{"id":"W1","department":"Sales","segment":"Gold"}'
expect_exit 0 "the first answer's body" -- cmp -s "$TMP/body" "$TMP/first"
expect_call 409 "not a new life: W1 is still canceled" -- POST /v1/items/W1/hold ''
expect_call 201 "W2, left open" -- POST /v1/items '{"id":"W2","department":"Sales","segment":"Gold"}'
sleep 3.2
expect_call 201 "W1's create after the window: a new life" -- POST /v1/items '{"id":"W1","department":"Sales","segment":"Gold"}'
expect_call 200 "open" -- POST /v1/items/W1/hold ''
expect_call 409 "W2's create after the window: still open, still taken" -- POST /v1/items '{"id":"W2","department":"Sales","segment":"Gold"}'
expect_in out 'idempotency window' "the message says why"
stop_server
grep -q "internal error" "$TMP/serve.log" && { FAILED=$((FAILED + 1)); echo "FAIL: an internal error in the log"; }
finish
