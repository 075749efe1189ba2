#!/usr/bin/env bash
# The console's item page and the queue's sorted drill-down (docs/console.md), and the API they
# read: GET /v1/items/{id}/explain (roles, refusals, the curve's bound) and GET /v1/queue?sort=.
# A real `iwd serve` on loopback with tokens, seeded over the API, then Debian's chromium,
# headless, driven by puppeteer-core (item_test.mjs).
# Usage: item_test.sh IWD NPM_DIR SHOTS_DIR
source "$(dirname "$0")/browser_lib.sh"

SUPERVISOR=item-supervisor-token-012345
SOURCE=item-source-crm-token-0123456
OTHER=item-source-web-token-0123456
ADA=item-agent-token-ada-01234567
ADMIN=item-admin-token-root-0123456
# Sales items: a priority that climbs every hour (scheme standard), due in open office hours
# (Europe/Berlin).
serve_with_tokens examples/enterprise.iwd source:crm:$SOURCE source:web:$OTHER agent:ada:$ADA supervisor:sue:$SUPERVISOR admin:root:$ADMIN

# 30 items of Sales.Silver: ages from 0 to 29 hours (activate_at in the past), every third with
# its own due_at in the next days, so that the three orders differ. T-5's product (a string
# attribute) only looks like a time, without a zone: the page shows it as written.
items=()
for k in $(seq 1 30); do
  at=$(date -u -d "$(( (k * 7) % 30 )) hours ago" +%Y-%m-%dT%H:%M:%SZ)
  due=""
  [ $((k % 3)) -eq 0 ] && due=",\"due_at\":\"$(date -u -d "$(( 100 - k )) hours" +%Y-%m-%dT%H:%M:%SZ)\""
  [ "$k" -eq 5 ] && due+=',"product":"2026-12-08T10:00:00"'
  items+=("{\"id\":\"T-$k\",\"department\":\"Sales\",\"segment\":\"Silver\",\"activate_at\":\"$at\"$due}")
done
TOKEN=$SOURCE expect_call 200 "the items" -- POST /v1/items/batch "{\"items\":[$(IFS=,; echo "${items[*]}")]}"
expect_not_in out '"error"' "every item captured"
TOKEN=$OTHER expect_call 201 "an item of source web" -- POST /v1/items '{"id":"W-1","department":"Sales","segment":"Gold"}'
# A supervisor's override on T-5 until two hours from now.
UNTIL=$(date -u -d '2 hours' +%Y-%m-%dT%H:%M:%SZ)
TOKEN=$SUPERVISOR expect_call 200 "T-5 fixed at 5000 until $UNTIL" -- POST /v1/items/T-5/priority "{\"set\":5000,\"until\":\"$UNTIL\"}"
# ada takes one offer (the best item: T-5).
TOKEN=$SUPERVISOR expect_call 200 "ada logs in" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2},"state":"ready"}'
TOKEN=$ADA expect_call 200 "ada's offers" -- GET /v1/agents/ada/offers
expect_in out '"id":"T-5"' "T-5 is offered to ada"
TOKEN=$SUPERVISOR expect_call 200 "ada not ready: no more offers" -- PUT /v1/agents/ada '{"state":"not_ready"}'

# The explanation's roles and refusals.
TOKEN=$SUPERVISOR expect_call 200 "a supervisor reads T-5's explanation" -- GET '/v1/items/T-5/explain?curve=50'
expect_in out '"override":{"kind":"fixed","value":5000' "with the override in force"
expect_in out '"classification":{"result":"process","process":"Sales.Silver"' "and its process"
TOKEN=$SOURCE expect_call 200 "its source reads it" -- GET /v1/items/T-5/explain
TOKEN=$OTHER expect_call 403 "another source may not" -- GET /v1/items/T-5/explain
expect_in out "is not source \`web\`'s" "saying whose it is not"
TOKEN=$ADA expect_call 200 "ada reads her offer's" -- GET /v1/items/T-5/explain
TOKEN=$ADA expect_call 403 "but not another item's" -- GET /v1/items/T-6/explain
expect_in out "is not with agent \`ada\`" "saying so"
TOKEN=$SUPERVISOR expect_call 400 "a curve of 1 point" -- GET '/v1/items/T-6/explain?curve=1'
TOKEN=$SUPERVISOR expect_call 400 "a curve of 5000 points" -- GET '/v1/items/T-6/explain?curve=5000'
TOKEN=$SUPERVISOR expect_call 404 "an unknown item" -- GET /v1/items/NOPE/explain
TOKEN=$SOURCE expect_call 200 "T-30 canceled" -- POST /v1/items/T-30/cancel ''
TOKEN=$SUPERVISOR expect_call 409 "an ended item's explanation" -- GET /v1/items/T-30/explain
expect_in out '"code":"not_open"' "not open"
expect_in out 'is canceled' "named with its state"
# GET /v1/queue's orders: due (soonest first, items without due last) and age (oldest first).
TOKEN=$SUPERVISOR expect_call 400 "an unknown sort" -- GET '/v1/queue?sort=size'
expect_in out '"code":"bad_sort"' "bad_sort"
TOKEN=$SUPERVISOR expect_call 200 "by due" -- GET '/v1/queue?state=open&process=Sales.Silver&sort=due&limit=1000'
cp "$TMP/out" "$TMP/by_due.json"  # (expect_exit writes $TMP/out)
expect_exit 0 "due times ascending, none last" -- python3 -c '
import json,sys; items=json.load(open(sys.argv[1]))["items"]
keys=[i.get("due","9999") for i in items]; assert keys==sorted(keys) and len(items)==29, keys' "$TMP/by_due.json"
TOKEN=$SUPERVISOR expect_call 200 "by age" -- GET '/v1/queue?state=open&process=Sales.Silver&sort=age&limit=1000'
cp "$TMP/out" "$TMP/by_age.json"
expect_exit 0 "activate_at ascending: the oldest first" -- python3 -c '
import json,sys; items=json.load(open(sys.argv[1]))["items"]
keys=[i["attributes"]["activate_at"] for i in items]; assert keys==sorted(keys) and len(items)==29, keys' "$TMP/by_age.json"

# H-1 (Sales.Bronze) held and resumed 60 times: a timeline longer than a page (100 records),
# for "Show more" across a hot reload to the same rules in another zone (Asia/Tokyo).
TOKEN=$SOURCE expect_call 201 "H-1" -- POST /v1/items '{"id":"H-1","department":"Sales","segment":"Bronze"}'
for k in $(seq 1 60); do
  TOKEN=$SUPERVISOR expect_call 200 "H-1 held ($k)" -- POST /v1/items/H-1/hold ''
  TOKEN=$SUPERVISOR expect_call 200 "H-1 resumed ($k)" -- POST /v1/items/H-1/resume ''
done
sed -e 's|^timezone "Europe/Berlin"|timezone "Asia/Tokyo"|' examples/enterprise.iwd >"$TMP/enterprise-tokyo.iwd"
expect_exit 0 "the Tokyo rules differ from the Berlin ones by their zone only" -- \
  bash -c "diff examples/enterprise.iwd '$TMP/enterprise-tokyo.iwd' | grep -c '^[<>]' | grep -qx 2"

run_in_browser "the item page and the drill-down" item_test.mjs 200 IWD_SUPERVISOR="$SUPERVISOR" IWD_AGENT="$ADA" \
  IWD_ADMIN="$ADMIN" IWD_TOKYO_RULES="$TMP/enterprise-tokyo.iwd"
