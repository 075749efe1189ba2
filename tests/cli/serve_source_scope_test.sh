#!/usr/bin/env bash
# `iwd serve`: a source token changes and reads only its own source's items (issue 17, "Audit
# trail"; a source is its token's name, docs/api.md "Authentication"). Another source's token
# gets 403 on every source route, and nothing changes: no state, no history record by it. The
# owner is known after a restart too (from the history's capture record), with and without a
# snapshot; a configuration of two sources without the history is refused.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

two_sources_config
state_of() { TOKEN=$SUP call GET "/v1/items/$1"; python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("state"))' "$TMP/body"; }
# Every source route, by cases on crm's item $1: 403 each, the item still $2.
refused_everywhere() {
  local id=$1 state=$2 what=$3
  TOKEN=$CASES expect_call 403 "$what: capture of crm's id" -- POST /v1/items "{\"id\":\"$id\",\"department\":\"Sales\"}"
  expect_in out "item \`$id\` is not source \`cases\`'s" "named"
  TOKEN=$CASES expect_call 200 "$what: a batch" -- POST /v1/items/batch "{\"items\":[{\"id\":\"$id\",\"department\":\"Sales\"},{\"id\":\"$id-new\",\"department\":\"Sales\"}]}"
  expect_in out '"results":[{"status":403' "the other's id refused in the batch"
  expect_in out '{"status":20' "its own new one captured (or the same again)"
  TOKEN=$CASES expect_call 403 "$what: read" -- GET "/v1/items/$id"
  TOKEN=$CASES expect_call 403 "$what: its history" -- GET "/v1/items/$id/history"
  TOKEN=$CASES expect_call 403 "$what: update" -- PATCH "/v1/items/$id" '{"segment":"Silver"}'
  for op in complete cancel hold resume restart; do
    TOKEN=$CASES expect_call 403 "$what: $op" -- POST "/v1/items/$id/$op" ''
  done
  TOKEN=$CASES expect_call 403 "$what: reschedule" -- POST "/v1/items/$id/reschedule" '{"due_at":"2099-01-01T00:00:00Z"}'
  expect_exit 0 "$what: $id still $state" -- test "$(state_of "$id")" = "$state"
}

start_server
TOKEN=$CRM expect_call 201 "crm captures R1" -- POST /v1/items '{"id":"R1","department":"Sales","segment":"Gold"}'
TOKEN=$CRM expect_call 201 "and R2" -- POST /v1/items '{"id":"R2","department":"Sales"}'
refused_everywhere R1 queued "running"
TOKEN=$CRM expect_call 200 "crm reads its own item" -- GET /v1/items/R1
TOKEN=$CRM2 expect_call 200 "crm's other token (the same source) holds it" -- POST /v1/items/R1/hold ''
TOKEN=$SUP expect_call 200 "a supervisor resumes any item" -- POST /v1/items/R1/resume ''
TOKEN=$CRM expect_call 201 "the same body again from crm is the item" -- POST /v1/items '{"id":"R1","department":"Sales","segment":"Gold"}'
TOKEN=$CRM expect_call 403 "crm may not touch the batch item cases captured" -- POST /v1/items/R1-new/cancel ''
stop_server

# After a restart the owner comes from the history's capture record.
start_server
refused_everywhere R2 queued "after a restart"
TOKEN=$CRM expect_call 200 "crm updates its item" -- PATCH /v1/items/R2 '{"segment":"Silver"}'
TOKEN=$ADMIN expect_call 200 "a snapshot" -- POST /v1/admin/compact ''
stop_server
start_server
refused_everywhere R2 queued "after a restart from a snapshot"
TOKEN=$CRM expect_call 200 "crm cancels it" -- POST /v1/items/R2/cancel ''
TOKEN=$CASES expect_call 403 "the ended item is not cases' either" -- POST /v1/items/R2/cancel ''
stop_server
python3 - "$DATA/journal.db" >"$TMP/out" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print("by cases:", [r for r in db.execute("SELECT item, reason FROM history WHERE actor = 'cases' AND item NOT LIKE '%-new'")])
PY
expect_in out "by cases: []" "no record of cases on crm's items: nothing changed"

# Two sources need the history (the owner of an item captured before a restart is read there).
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["history"]=False; json.dump(c, open(sys.argv[1], "w"))' "$TMP/config.json"
expect_exit 2 "two sources without the history are refused" -- "$IWD" serve --config "$TMP/config.json" --rules examples/enterprise.iwd --data "$TMP/other" --listen 127.0.0.1:0
expect_in err 'two sources (`cases`, `crm`) need the event history' "says why"
finish
