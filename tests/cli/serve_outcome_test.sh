#!/usr/bin/env bash
# `iwd serve`: outcomes of `done` and `complete` (LANGUAGE.md 1.1 section 11). An optional
# {"outcome": CODE} body; an undeclared code is 422 with the declared list and a did-you-mean,
# and changes nothing (not journaled); a declared one is journaled, so a restart replays it.
# A free `note` (at most 1000 bytes) goes with it to the history, its route and the task detail
# report, journaled too.
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
expect_call 422 "a note that is not a string" -- POST /v1/items/L1/done '{"outcome":"converted","note":["x"]}'
expect_in out '"code":"bad_note"' "named"
expect_in out '`note` is a string: free text of at most 1000 bytes' "with its bound"
LONG=$(printf 'é%.0s' $(seq 501))  # 1002 bytes of UTF-8
expect_call 422 "a note over 1000 bytes" -- POST /v1/items/L1/done "{\"note\":\"$LONG\"}"
expect_in out '`note` is at most 1000 bytes of UTF-8; this one is 1002' "says how long"
expect_call 200 "done with a declared outcome and a note" -- POST /v1/items/L1/done '{"outcome":"converted","note":"called back, wants the Gold plan"}'
expect_in out '"state":"done_pending"' "done, pending the source"
expect_call 200 "L1's history" -- GET /v1/items/L1/history
expect_in out '"reason":"done","from":"assigned","to":"done_pending","agent":"ana"' "the done record"
expect_in out '"outcome":"converted","note":"called back, wants the Gold plan"' "with its outcome and note"
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
expect_call 200 "the source completes it with an outcome and a note" -- POST /v1/items/L1/complete '{"outcome":"no_answer","note":"né à Zürich"}'
expect_in out '"state":"completed"' "completed"
expect_call 200 "the task detail report" -- GET '/v1/reports/task-detail?item=L1&from=2000-01-01&to=2100-01-01'
expect_in out 'called back, wants the Gold plan' "holds the done's note (detail)"
expect_in out 'né à Zürich' "and the complete's"
expect_call 200 "L2 completed without one" -- POST /v1/items/L2/complete '{}'
stop_server
python3 - "$DATA/journal.db" >"$TMP/out" <<'PY'
import sqlite3, sys
for (line,) in sqlite3.connect(sys.argv[1]).execute("SELECT line FROM journal ORDER BY seq"):
    print(line)
PY
expect_in out '"done":{"item":"L1","note":"called back, wants the Gold plan","outcome":"converted"}' "the journal holds the done with its outcome and note"
expect_in out '"complete":{"item":"L1","note":"né à Zürich","outcome":"no_answer"}' "and the complete with its own"
expect_not_in out 'convertd' "not the refused outcome"
expect_not_in out 'no-answer' "nor the other"
# The notes come back from the journal: with the history's records gone (a journal older than
# its history), recovery stores them again, notes included.
python3 - "$DATA/journal.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM history")
db.commit()
PY
start_server
expect_call 409 "L1 stays completed after another restart" -- POST /v1/items/L1/done ''
expect_in out 'item `L1` is completed' "says so"
expect_call 200 "L1's history, stored again by recovery" -- GET /v1/items/L1/history
expect_in out '"outcome":"converted","note":"called back, wants the Gold plan","actor":"journal"' "the done's note from the journal"
expect_in out '"outcome":"no_answer","note":"né à Zürich","actor":"journal"' "the complete's"
stop_server
finish
