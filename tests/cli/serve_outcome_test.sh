#!/usr/bin/env bash
# `iwd serve`: outcomes of `done` and `complete` (LANGUAGE.md 1.1 section 11). An optional
# {"outcome": CODE} body; an undeclared code is 422 with the declared list and a did-you-mean,
# and changes nothing (not journaled); a declared one is journaled, so a restart replays it.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
RULES=tests/replay/rules/leads.iwd

start_server
expect_exit 0 "the server started" -- test -n "$PORT"
expect_call 200 "an agent logs in" -- PUT /v1/agents/ana '{"skills":{"sales":3}}'
# ana's offer stream: with `report by`, an offer's end carries the item's values then.
curl -s -N "$URL/v1/agents/ana/offers/stream" >"$TMP/sse" 2>/dev/null &
SSE=$!
sleep 0.3
expect_call 201 "a capture" -- POST /v1/items '{"id":"L1","segment":"Gold"}'
expect_in out '"state":"offered"' "offered to ana"
expect_call 200 "accept" -- POST /v1/items/L1/accept '{"agent":"ana"}'
for _ in $(seq 40); do grep -q "offer_ended" "$TMP/sse" && break; sleep 0.05; done
kill "$SSE" 2>/dev/null
cp "$TMP/sse" "$TMP/out"
expect_in out 'event: offer_ended' "the offer's end is streamed"
expect_in out '"reason":"accept","dimensions":{"segment":"Gold","region":"EU"}' "with the report by values"
expect_call 422 "an undeclared outcome" -- POST /v1/items/L1/done '{"outcome":"convertd"}'
expect_in out '"code":"refused"' "refused"
expect_in out 'the declared outcomes are converted, not_converted, no_answer, duplicate' "with the declared list"
expect_in out 'did you mean `converted`?' "and a suggestion"
expect_call 422 "an outcome that is not a string" -- POST /v1/items/L1/done '{"outcome":7}'
expect_in out '"code":"bad_outcome"' "named"
expect_call 200 "nothing changed" -- GET /v1/items/L1
expect_in out '"state":"assigned"' "still assigned"
expect_call 200 "done with a declared outcome" -- POST /v1/items/L1/done '{"outcome":"converted"}'
expect_in out '"state":"done_pending"' "done, pending the source"
expect_call 201 "another capture" -- POST /v1/items '{"id":"L2"}'
expect_call 200 "accept it" -- POST /v1/items/L2/accept '{"agent":"ana"}'
expect_call 200 "done without an outcome, as before" -- POST /v1/items/L2/done ''
expect_call 422 "complete with an undeclared outcome" -- POST /v1/items/L2/complete '{"outcome":"no-answer"}'
expect_in out 'did you mean `no_answer`?' "a suggestion"
stop_server

# The restart replays the journal, outcome included.
start_server
expect_call 200 "L1 after a restart" -- GET /v1/items/L1
expect_in out '"state":"done_pending"' "done, as before"
expect_call 200 "the source completes it with an outcome" -- POST /v1/items/L1/complete '{"outcome":"no_answer"}'
expect_in out '"state":"completed"' "completed"
expect_call 200 "L2 completed without one" -- POST /v1/items/L2/complete '{}'
stop_server
python3 - "$DATA/journal.db" >"$TMP/out" <<'PY'
import sqlite3, sys
for (line,) in sqlite3.connect(sys.argv[1]).execute("SELECT line FROM journal ORDER BY seq"):
    print(line)
PY
expect_in out '"done":{"item":"L1","outcome":"converted"}' "the journal holds the done with its outcome"
expect_in out '"complete":{"item":"L1","outcome":"no_answer"}' "and the complete with its own"
expect_not_in out 'convertd' "not the refused outcome"
expect_not_in out 'no-answer' "nor the other"
start_server
expect_call 409 "L1 stays completed after another restart" -- POST /v1/items/L1/done ''
expect_in out 'item `L1` is completed' "says so"
stop_server
finish
