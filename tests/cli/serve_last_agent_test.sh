#!/usr/bin/env bash
# `iwd serve`: last_agent (LANGUAGE.md 1.1 section 3), set by the runtime when an agent holds
# an item, shown in the item's attributes, refused from a source (422, nothing changes), and
# kept across restarts: from the journal (its accept, transfer and park lines replayed) and
# from a snapshot (the item's record). The rules send work that comes back to its last agent
# first (`agent last_agent for 1h`), so the restarted service must still know it.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
RULES=tests/replay/rules/returns.iwd

start_server
expect_exit 0 "the server started" -- test -n "$PORT"
expect_call 200 "bob logs in" -- PUT /v1/agents/bob '{"skills":{"support":5}}'
expect_call 200 "ann logs in" -- PUT /v1/agents/ann '{"skills":{"support":5}}'
expect_call 201 "a capture" -- POST /v1/items '{"id":"T1"}'
expect_in out '"state":"offered"' "offered"
expect_not_in out 'last_agent' "no last agent yet: an offer is not holding"
expect_call 200 "bob accepts" -- POST /v1/items/T1/accept '{"agent":"bob"}'
expect_in out '"last_agent":"bob"' "bob is its last agent"
expect_in out '"priority":150' "the rules read it: classified again (boost 50 when has(last_agent))"
expect_call 200 "transferred to ann" -- POST /v1/items/T1/transfer '{"to":"ann"}'
expect_in out '"last_agent":"ann"' "ann is its last agent now"
expect_call 200 "ann parks it" -- POST /v1/items/T1/park ''
expect_call 422 "a source may not set it in a capture" -- POST /v1/items '{"id":"T2","last_agent":"bob"}'
expect_in out '"code":"refused"' "refused"
expect_in out '`last_agent` is set by the runtime' "naming the field"
expect_call 404 "nothing was captured" -- GET /v1/items/T2
expect_call 422 "nor in an update" -- PATCH /v1/items/T1 '{"last_agent":"bob"}'
expect_in out '`last_agent` is set by the runtime' "naming the field"
expect_call 200 "T1 as it was" -- GET /v1/items/T1
expect_in out '"last_agent":"ann"' "still ann"
stop_server

# From the journal: the accept, transfer and park lines set it again.
start_server
expect_call 200 "T1 after a restart from the journal" -- GET /v1/items/T1
expect_in out '"state":"parked"' "parked"
expect_in out '"last_agent":"ann"' "its last agent is ann"
expect_call 200 "a snapshot" -- POST /v1/admin/compact ""
stop_server

# From the snapshot (no line after it to replay): the record holds it. Returned to the queue,
# T1 goes to ann first (its stage `agent last_agent for 1h`), though bob has waited longer.
start_server
# The start's log line comes just after the port file: wait for it (the third start).
for _ in $(seq 100); do [ "$(grep -c 'lines replayed' "$TMP/serve.log")" -ge 3 ] && break; sleep 0.05; done
expect_exit 0 "started from the snapshot" -- bash -c "grep 'lines replayed' '$TMP/serve.log' | tail -1 | grep -q 'a snapshot and 0 lines'"
expect_call 200 "T1 after a restart from the snapshot" -- GET /v1/items/T1
expect_in out '"last_agent":"ann"' "its last agent is still ann"
expect_call 200 "a supervisor returns it" -- POST /v1/items/T1/return ''
expect_in out '"state":"offered"' "offered at once"
expect_in out '"agent":"ann"' "to ann, its last agent"
stop_server
finish
