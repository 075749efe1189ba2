#!/usr/bin/env bash
# `iwd serve` with ids scoped by source (`id_scope`: "source", issue 17; docs/api.md, "Ids"):
# two sources both capture their case "1001"; each is an item of its own (`crm:1001`,
# `cases:1001`), each source names its own by "1001" in paths and bodies and changes only it;
# supervisors see and name the scoped form. After a restart too.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

two_sources_config
python3 - "$TMP/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["id_scope"] = "source"; json.dump(c, open(sys.argv[1], "w"))
PY
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v, list) else v.get(k)
print(v)' "$TMP/body" "$1"; }

start_server
TOKEN=$CRM expect_call 201 "crm captures its case 1001" -- POST /v1/items '{"id":"1001","department":"Sales","segment":"Gold"}'
expect_exit 0 "as crm:1001" -- test "$(field id)" = "crm:1001"
TOKEN=$CASES expect_call 201 "cases captures its own 1001" -- POST /v1/items '{"id":"1001","department":"Sales","segment":"Silver"}'
expect_exit 0 "as cases:1001" -- test "$(field id)" = "cases:1001"
TOKEN=$CASES expect_call 200 "and 1002 in a batch" -- POST /v1/items/batch '{"items":[{"id":"1002","department":"Sales"}]}'
expect_exit 0 "as cases:1002" -- test "$(field results.0.item.id)" = "cases:1002"
TOKEN=$CRM expect_call 201 "crm's retry is its own first answer" -- POST /v1/items '{"id":"1001","department":"Sales","segment":"Gold"}'
TOKEN=$CASES expect_call 200 "cases reads its 1001" -- GET /v1/items/1001
expect_exit 0 "its own: Silver" -- test "$(field id)/$(field attributes.segment)" = "cases:1001/Silver"
TOKEN=$CASES expect_call 200 "cases updates its 1001 (the body's id its own key)" -- PATCH /v1/items/1001 '{"id":"1001","segment":"Bronze"}'
TOKEN=$CRM expect_call 200 "crm cancels its 1001" -- POST /v1/items/1001/cancel ''
TOKEN=$SUP expect_call 200 "a supervisor reads crm:1001" -- GET /v1/items/crm:1001
expect_exit 0 "canceled" -- test "$(field state)" = "canceled"
TOKEN=$SUP expect_call 200 "and cases:1001" -- GET /v1/items/cases:1001
expect_exit 0 "still queued, Bronze" -- test "$(field state)/$(field attributes.segment)" = "queued/Bronze"
TOKEN=$CASES expect_call 200 "cases reads its 1001's history" -- GET /v1/items/1001/history
expect_exit 0 "cases:1001's" -- test "$(field id)" = "cases:1001"
TOKEN=$CRM expect_call 404 "crm cannot name cases' item (it is crm:cases:1001 for crm)" -- POST /v1/items/cases:1001/cancel ''
TOKEN=$CRM expect_call 400 "a key too long once scoped" -- GET "/v1/items/$(printf 'k%.0s' $(seq 254))"
stop_server

start_server
TOKEN=$CASES expect_call 200 "after a restart cases cancels its 1001" -- POST /v1/items/1001/cancel ''
TOKEN=$CRM expect_call 201 "crm's 1001 again: a new life of crm:1001" -- POST /v1/items '{"id":"1001","department":"Sales","segment":"Silver"}'
expect_exit 0 "crm:1001 queued" -- test "$(field id)/$(field state)" = "crm:1001/queued"
TOKEN=$SUP expect_call 200 "the queue shows the scoped ids" -- GET "/v1/queue?state=open"
expect_in out '"id":"crm:1001"' "crm:1001"
expect_in out '"id":"cases:1002"' "cases:1002"
stop_server
finish
