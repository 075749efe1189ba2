#!/usr/bin/env bash
# `iwd serve` with `complete by source` (docs/language.md): an agent's done of such an item is
# 422 `refused` with the rules' sentence, and nothing changes: the item stays assigned, the
# journal has no line and the history no record for it, and a restart shows the same. The
# source's complete ends it; a cancel ends another; a process with `complete by agent` keeps
# the agent's done.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
RULES=tests/replay/rules/claims.iwd
# records FILE: how many history records GET /v1/items/{id}/history answered
records() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["records"]))' "$TMP/$1"; }

start_server
expect_exit 0 "the server started" -- test -n "$PORT"
expect_call 200 "an agent logs in" -- PUT /v1/agents/pia '{"skills":{"claims":5},"capacity":{"workitem":2,"total":2}}'
expect_call 201 "a payout" -- POST /v1/items '{"id":"P1","kind":"Payout"}'
expect_in out '"state":"offered"' "offered to pia"
expect_call 200 "pia accepts it" -- POST /v1/items/P1/accept '{"agent":"pia"}'
expect_call 200 "its history so far" -- GET /v1/items/P1/history
cp "$TMP/out" "$TMP/before"
expect_call 422 "pia marks it done" -- POST /v1/items/P1/done ''
expect_in out '"code":"refused"' "refused by the rules"
expect_in out 'item `P1` cannot be marked done by an agent: only the source completes the items of process `Claims.Payout` (`complete by source`)' "saying why"
expect_call 422 "with an outcome too" -- POST /v1/items/P1/done '{}'
expect_call 200 "nothing changed" -- GET /v1/items/P1
expect_in out '"state":"assigned"' "still assigned"
expect_in out '"agent":"pia"' "to pia"
expect_call 200 "its history again" -- GET /v1/items/P1/history
cp "$TMP/out" "$TMP/after"
expect_exit 0 "no history record for the refusals" -- test "$(records before)" = "$(records after)"
expect_not_in after '"reason":"done"' "no done in the history"
expect_call 201 "another payout" -- POST /v1/items '{"id":"P2","kind":"Payout"}'
expect_call 200 "pia accepts it" -- POST /v1/items/P2/accept '{"agent":"pia"}'
expect_call 200 "canceled while assigned" -- POST /v1/items/P2/cancel ''
expect_in out '"state":"canceled"' "canceled"
expect_call 201 "a review" -- POST /v1/items '{"id":"R1","kind":"Review"}'
expect_call 200 "pia accepts it" -- POST /v1/items/R1/accept '{"agent":"pia"}'
expect_call 200 "a review is the agent's to mark done" -- POST /v1/items/R1/done ''
expect_in out '"state":"done_pending"' "done, for the source to confirm"
stop_server
journal_lines
expect_not_in out '"done":"P1"' "the journal has no done of P1"
expect_in out '"done":"R1"' "but the review's"

# The restart replays the journal: P1 is still pia's, and the source completes it.
start_server
expect_call 200 "P1 after a restart" -- GET /v1/items/P1
expect_in out '"state":"assigned"' "still assigned"
expect_call 422 "done is still refused" -- POST /v1/items/P1/done ''
expect_call 200 "the source completes it" -- POST /v1/items/P1/complete ''
expect_in out '"state":"completed"' "completed"
stop_server
finish
