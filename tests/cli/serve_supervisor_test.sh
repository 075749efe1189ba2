#!/usr/bin/env bash
# A supervisor's actions over HTTP (issue 16, docs/lifecycle.md "Supervisors"): assign a queued
# item to a named agent (outside its targets), pull an offer back (requeue), hold, resume and
# cancel, set an agent not ready with a reason, return a whole workbin, override a priority. Each is refused to a
# source or agent token (403) and when illegal (4xx), with nothing changed; each is journaled
# (a restart replays it) and in the event history with the supervisor token's name as actor.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

cat >"$TMP/config.json" <<'JSON'
{
  "tokens": [
    {"token": "source-token-0123456789", "role": "source", "name": "crm"},
    {"token": "agent-token-fin-0123456", "role": "agent", "agent": "fin", "name": "fin-desk"},
    {"token": "supervisor-token-012345", "role": "supervisor", "name": "sam"},
    {"token": "admin-token-0123456789a", "role": "admin", "name": "root"}
  ]
}
JSON
SERVE_ARGS="--config $TMP/config.json"
start_server
SRC=source-token-0123456789
FIN=agent-token-fin-0123456
SUP=supervisor-token-012345
state_of() { TOKEN=$SUP call GET "/v1/items/$1"; python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j.get("state"), j.get("agent"))' "$TMP/body"; }

# fin does finance only: no Sales item's target takes her.
TOKEN=$SUP expect_call 200 "a supervisor registers fin" -- PUT /v1/agents/fin '{"skills":{"finance_processing":3},"state":"ready"}'
for id in S1 S2 S3 S4; do
  TOKEN=$SRC expect_call 201 "capture $id" -- POST /v1/items "{\"id\":\"$id\",\"department\":\"Sales\",\"segment\":\"Gold\"}"
done
expect_exit 0 "S1 waits in the queue" -- test "$(state_of S1)" = "queued None"

# Assign and requeue.
TOKEN=$SRC expect_call 403 "a source may not assign" -- POST /v1/items/S1/assign '{"agent":"fin"}'
TOKEN=$FIN expect_call 403 "nor may an agent" -- POST /v1/items/S1/assign '{"agent":"fin"}'
expect_exit 0 "nothing changed" -- test "$(state_of S1)" = "queued None"
TOKEN=$SUP expect_call 422 "assign without an agent" -- POST /v1/items/S1/assign '{}'
expect_in out '"code":"missing_agent"' "named"
TOKEN=$SUP expect_call 422 "assign to a number" -- POST /v1/items/S1/assign '{"agent":5}'
expect_in out '"code":"bad_agent"' "named"
TOKEN=$SUP expect_call 404 "assign to no agent" -- POST /v1/items/S1/assign '{"agent":"zed"}'
expect_in out 'no agent `zed`' "says which"
TOKEN=$SUP expect_call 404 "assign no item" -- POST /v1/items/S9/assign '{"agent":"fin"}'
TOKEN=$SUP expect_call 200 "a supervisor offers S1 to fin, outside its targets" -- POST /v1/items/S1/assign '{"agent":"fin"}'
expect_in out '"state":"offered"' "offered"
expect_in out '"agent":"fin"' "to fin"
TOKEN=$SUP expect_call 409 "S1 is offered: it cannot be assigned again" -- POST /v1/items/S1/assign '{"agent":"fin"}'
expect_in out 'only a queued item can be assigned' "says why"
TOKEN=$SRC expect_call 403 "a source may not requeue" -- POST /v1/items/S1/requeue ''
TOKEN=$SUP expect_call 200 "the supervisor pulls the offer back" -- POST /v1/items/S1/requeue ''
expect_in out '"state":"queued"' "queued again"
TOKEN=$SUP expect_call 409 "a queued item cannot be requeued" -- POST /v1/items/S1/requeue ''
TOKEN=$SUP expect_call 200 "fin is still ready (no rona)" -- GET /v1/agents/fin
expect_in out '"state":"ready"' "ready"

# An agent's state with a reason, by a supervisor.
TOKEN=$SUP expect_call 200 "the supervisor sets fin not ready" -- PUT /v1/agents/fin/state '{"state":"not_ready","reason":"coaching"}'
TOKEN=$SUP expect_call 409 "a not-ready agent cannot be assigned" -- POST /v1/items/S1/assign '{"agent":"fin"}'
expect_in out 'agent `fin` is not_ready' "says why"
expect_exit 0 "nothing changed" -- test "$(state_of S1)" = "queued None"
TOKEN=$FIN expect_call 200 "fin is ready again" -- PUT /v1/agents/fin/state '{"state":"ready"}'
TOKEN=$SUP expect_call 200 "assign S1" -- POST /v1/items/S1/assign '{"agent":"fin"}'
TOKEN=$SUP expect_call 200 "assign S2" -- POST /v1/items/S2/assign '{"agent":"fin"}'
TOKEN=$SUP expect_call 409 "fin has no room for a third workitem" -- POST /v1/items/S3/assign '{"agent":"fin"}'
expect_in out 'has no room' "says why"

# Hold, resume, cancel by a supervisor; restart stays the source's.
TOKEN=$SUP expect_call 200 "a supervisor holds S3" -- POST /v1/items/S3/hold ''
expect_in out '"state":"held"' "held"
TOKEN=$SUP expect_call 200 "and resumes it" -- POST /v1/items/S3/resume ''
expect_in out '"state":"queued"' "queued"
TOKEN=$SUP expect_call 403 "a supervisor may not restart" -- POST /v1/items/S3/restart ''
TOKEN=$FIN expect_call 403 "an agent may not cancel" -- POST /v1/items/S3/cancel ''
TOKEN=$FIN expect_call 200 "fin accepts S1" -- POST /v1/items/S1/accept ''
TOKEN=$SUP expect_call 409 "an assigned item cannot be held" -- POST /v1/items/S1/hold ''
TOKEN=$SUP expect_call 200 "a supervisor cancels an assigned item" -- POST /v1/items/S1/cancel ''
expect_in out '"state":"canceled"' "canceled"

# Bulk return of a workbin.
TOKEN=$FIN expect_call 200 "fin accepts S2" -- POST /v1/items/S2/accept ''
TOKEN=$FIN expect_call 200 "and parks it" -- POST /v1/items/S2/park ''
TOKEN=$SUP expect_call 200 "assign S4" -- POST /v1/items/S4/assign '{"agent":"fin"}'
TOKEN=$FIN expect_call 200 "fin accepts S4" -- POST /v1/items/S4/accept ''
TOKEN=$FIN expect_call 200 "and parks it" -- POST /v1/items/S4/park ''
TOKEN=$FIN expect_call 403 "an agent may not return its workbin" -- POST /v1/agents/fin/workbin/return ''
TOKEN=$SUP expect_call 404 "no such agent" -- POST /v1/agents/zed/workbin/return ''
TOKEN=$SUP expect_call 200 "the supervisor returns fin's workbin" -- POST /v1/agents/fin/workbin/return ''
expect_in out '"returned":2' "both items"
expect_in out '"remaining":0' "none left"
expect_exit 0 "S2 queued" -- test "$(state_of S2)" = "queued None"
expect_exit 0 "S4 queued" -- test "$(state_of S4)" = "queued None"
TOKEN=$SUP expect_call 200 "an empty workbin returns nothing" -- POST /v1/agents/fin/workbin/return ''
expect_in out '"returned":0' "none"

# Bulk actions on a filter: preview, then apply with the count seen, in batches.
for id in B1 B2 B3 B4 B5; do
  TOKEN=$SRC expect_call 201 "capture $id (no department: no target takes it)" -- POST /v1/items "{\"id\":\"$id\",\"department\":\"Legal\"}"
done
HOLD_ALL='"filter":{"process":"Unclassified"},"action":{"op":"hold"}'
TOKEN=$SRC expect_call 403 "a source may not preview" -- POST /v1/actions/preview "{$HOLD_ALL}"
TOKEN=$SUP expect_call 200 "preview" -- POST /v1/actions/preview "{$HOLD_ALL}"
expect_in out '"count":5,"sample":["B1","B2","B3","B4","B5"]' "five, in the queue's order"
TOKEN=$SUP expect_call 422 "an unknown process" -- POST /v1/actions/preview '{"filter":{"process":"Nope"},"action":{"op":"hold"}}'
expect_in out 'no process `Nope`' "says which"
TOKEN=$SUP expect_call 422 "an unknown filter field" -- POST /v1/actions/preview '{"filter":{"colour":"red"},"action":{"op":"hold"}}'
TOKEN=$SUP expect_call 422 "not a bulk action" -- POST /v1/actions/preview '{"filter":{},"action":{"op":"explode"}}'
TOKEN=$SUP expect_call 422 "an apply without the count" -- POST /v1/actions/apply "{$HOLD_ALL}"
expect_in out '"code":"missing_count"' "named"
TOKEN=$SUP expect_call 409 "an apply with another count than the filter's now" -- POST /v1/actions/apply "{$HOLD_ALL,\"count\":4}"
expect_in out 'matches 5 items now, not 4' "says both"
expect_exit 0 "nothing held" -- test "$(state_of B1)" = "queued None"
TOKEN=$SUP expect_call 200 "apply, two at a time" -- POST /v1/actions/apply "{$HOLD_ALL,\"count\":5,\"limit\":2}"
expect_in out '"applied":2' "two"
expect_in out '"remaining":3,"next":{"count":3}' "three to go"
TOKEN=$SUP expect_call 200 "apply the rest" -- POST /v1/actions/apply "{$HOLD_ALL,\"count\":3}"
expect_in out '"applied":3' "three"
expect_in out '"remaining":0,"next":null' "done"
expect_exit 0 "B5 held" -- test "$(state_of B5)" = "held None"
TOKEN=$SUP expect_call 200 "a priority for every held one" -- POST /v1/actions/apply '{"filter":{"state":"held","process":"Unclassified"},"action":{"op":"priority","set":9000},"count":5}'
expect_in out '"applied":5' "five"
TOKEN=$SUP expect_call 200 "none older than an hour" -- POST /v1/actions/preview '{"filter":{"state":"open","older_than":"1h"},"action":{"op":"cancel"}}'
expect_in out '"count":0' "none"
TOKEN=$SUP expect_call 200 "from source api" -- POST /v1/actions/preview '{"filter":{"state":"held","source":"api"},"action":{"op":"resume"}}'
expect_in out '"count":5' "the five"

# Priority overrides: shown by GET of the item, kept by a snapshot, a hot reload and a restart.
ADM=admin-token-0123456789a
TOKEN=$SRC expect_call 201 "capture P1" -- POST /v1/items '{"id":"P1","department":"Sales","segment":"Gold"}'
TOKEN=$SRC expect_call 403 "a source may not override a priority" -- POST /v1/items/P1/priority '{"set":4000}'
TOKEN=$SUP expect_call 422 "a priority that is not a number" -- POST /v1/items/P1/priority '{"set":"high"}'
expect_in out '`set` is a whole number' "says why"
TOKEN=$SUP expect_call 422 "an until in the past" -- POST /v1/items/P1/priority '{"set":4000,"until":"2001-01-01T00:00:00Z"}'
expect_in out 'is not after now' "says why"
TOKEN=$SUP expect_call 422 "an item in the body" -- POST /v1/items/P1/priority '{"item":"P2","set":4000}'
TOKEN=$SUP expect_call 404 "no such item" -- POST /v1/items/P9/priority '{"set":4000}'
TOKEN=$SUP expect_call 200 "a fixed priority until 2099" -- POST /v1/items/P1/priority '{"set":4000,"until":"2099-01-01T00:00:00Z"}'
expect_in out '"priority":4000,"priority_override":{"kind":"fixed","value":4000,"until":"2099-01-01T00:00:00Z","until_handled":false}' "in force, shown"
TOKEN=$SUP expect_call 200 "cleared" -- POST /v1/items/P1/priority '{"clear":true}'
expect_not_in out 'priority_override' "gone"
TOKEN=$SUP expect_call 409 "nothing left to clear" -- POST /v1/items/P1/priority '{"clear":true}'
expect_in out 'has no priority override' "says why"
TOKEN=$SUP expect_call 200 "a boost until handled" -- POST /v1/items/P1/priority '{"boost":7,"until":"handled"}'
expect_in out '"priority_override":{"kind":"boost","value":7,"until":null,"until_handled":true}' "shown"
boosted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["priority"])' "$TMP/out")
# (Before the snapshot, which compacts the journal.)
expect_exit 0 "the journal has the assign and requeue lines" -- \
  bash -c "sqlite3 '$DATA/journal.db' 'SELECT line FROM journal' | grep -c '\"assign\":{\"agent\":\"fin\",\"item\":\"S' | grep -qx 4 &&
           sqlite3 '$DATA/journal.db' 'SELECT line FROM journal' | grep -q '\"requeue\":\"S1\"'"
TOKEN=$ADM expect_call 200 "a snapshot" -- POST /v1/admin/compact ''
sed 's/ruleset enterprise version "2026.11"/ruleset enterprise version "2026.11-b"/' examples/enterprise.iwd >"$TMP/enterprise-b.iwd"
TOKEN=$ADM expect_call 200 "a hot reload" -- PUT /v1/admin/rules "$(cat "$TMP/enterprise-b.iwd")"
TOKEN=$SUP expect_call 200 "the override survives the reload" -- GET /v1/items/P1
expect_in out "\"priority\":$boosted,\"priority_override\":{\"kind\":\"boost\"" "same priority, same override"

# A supervisor logs an agent out with a reason: kept while logged out, in the history.
TOKEN=$SUP expect_call 200 "the supervisor logs fin out (sick)" -- PUT /v1/agents/fin/state '{"state":"logged_out","reason":"sick"}'
expect_in out '"state":"logged_out","reason":"sick"' "with the reason"
TOKEN=$SUP expect_call 422 "a reason with ready" -- PUT /v1/agents/fin/state '{"state":"ready","reason":"back"}'

# Journaled: a restart replays every action.
stop_server
start_server
expect_exit 0 "after a restart: S1 canceled (told from the history)" -- test "$(state_of S1)" = "canceled fin"
expect_exit 0 "S2 queued" -- test "$(state_of S2)" = "queued None"
expect_exit 0 "S3 queued" -- test "$(state_of S3)" = "queued None"
TOKEN=$SUP expect_call 200 "P1 after the restart" -- GET /v1/items/P1
expect_in out "\"priority\":$boosted,\"priority_override\":{\"kind\":\"boost\",\"value\":7" "keeps its override"
stop_server
history() { sqlite3 "$DATA/journal.db" "SELECT $1 FROM history WHERE $2 ORDER BY seq"; }
expect_exit 0 "the history: S1's assign, requeue and cancel by sam" -- \
  test "$(history "reason || ' ' || actor" "item = 'S1' AND reason IN ('assign', 'requeue', 'cancel')" | tr '\n' ,)" = "assign sam,requeue sam,assign sam,cancel sam,"
expect_exit 0 "the history: one return per item, by sam" -- \
  test "$(history "item || ' ' || actor" "reason = 'return'" | tr '\n' ,)" = "S2 sam,S4 sam,"
expect_exit 0 "the history: hold and resume by sam" -- \
  test "$(history "reason || ' ' || actor" "item = 'S3' AND reason IN ('hold', 'resume')" | tr '\n' ,)" = "hold sam,resume sam,"
expect_exit 0 "the history: fin set not ready (coaching) by sam" -- \
  test "$(history "reason || ' ' || actor" "kind = 'agent' AND agent = 'fin' AND to_state = 'not_ready'" | tr '\n' ,)" = "coaching sam,"
expect_exit 0 "the history: P1's overrides by sam" -- \
  test "$(history "reason || ' ' || actor" "item = 'P1' AND kind = 'priority'" | tr '\n' ,)" = "override sam,override sam,override sam,"
expect_exit 0 "the history: one hold per item of the bulk action, by sam" -- \
  test "$(history "item || ' ' || actor" "reason = 'hold' AND item LIKE 'B%'" | tr '\n' ,)" = "B1 sam,B2 sam,B3 sam,B4 sam,B5 sam,"
expect_exit 0 "the history: fin logged out (sick) by sam" -- \
  test "$(history "reason || ' ' || actor" "kind = 'agent' AND agent = 'fin' AND to_state = 'logged_out'" | tr '\n' ,)" = "sick sam,"
finish
