#!/usr/bin/env bash
# `iwd serve`: an item's audit trail (issue 17): GET /v1/items/{id}/history, its records from the
# event history oldest first, paged, each with its actor; GET /v1/items/{id} of an item that
# ended (its final state from the history, after a restart too); a source token reads only the
# items its own source captured (403 otherwise), a supervisor every item.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

two_sources_config
# field FILE KEY...: a value of the JSON in $TMP/FILE
field() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: j = j[int(k)] if isinstance(j, list) else j.get(k)
print(j)' "$TMP/$1" "${@:2}"; }

start_server
TOKEN=$CRM expect_call 201 "crm captures H1" -- POST /v1/items '{"id":"H1","department":"Sales","segment":"Gold"}'
TOKEN=$CASES expect_call 201 "cases captures C1" -- POST /v1/items '{"id":"C1","department":"Finance"}'
TOKEN=$SUP expect_call 200 "a supervisor holds H1" -- POST /v1/items/H1/hold ''
TOKEN=$CRM expect_call 200 "crm resumes it" -- POST /v1/items/H1/resume ''
TOKEN=$CRM expect_call 200 "crm cancels it" -- POST /v1/items/H1/cancel ''

TOKEN=$SUP expect_call 200 "an ended item is read from the history" -- GET /v1/items/H1
expect_in out '"id":"H1","state":"canceled"' "its final state"
expect_in out '"process":' "its process"
expect_in out '"ended_at":"' "when it ended"
expect_in out '"source":"crm"' "its source"
TOKEN=$CRM expect_call 200 "its source reads it" -- GET /v1/items/H1
TOKEN=$CASES expect_call 403 "another source may not" -- GET /v1/items/H1
expect_in out 'item `H1` is not source `cases`' "says whose it is not"
TOKEN=$CASES expect_call 200 "cases reads its own open item" -- GET /v1/items/C1
TOKEN=$SUP expect_call 404 "an id never seen" -- GET /v1/items/NOPE
expect_in out 'no open item `NOPE`' "is not found"

TOKEN=$CRM expect_call 200 "H1's history" -- GET /v1/items/H1/history
cp "$TMP/out" "$TMP/all"
expect_in out '"id":"H1","records":[' "its records"
expect_not_in out 'next_cursor' "all on one page"
expect_exit 0 "the capture first, by crm" -- test "$(field all records 0 reason) $(field all records 0 actor)" = "capture crm"
python3 - "$TMP/all" >"$TMP/out" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["records"]
print(" ".join(f"{r.get('to')}:{r['actor']}" for r in rs if r["kind"] == "item"))
print("ordered" if [r["seq"] for r in rs] == sorted(r["seq"] for r in rs) else "unordered")
PY
expect_in out 'held:sam' "the hold by the supervisor's token"
expect_in out 'canceled:crm' "the cancel by the source's"
expect_in out 'ordered' "oldest first"
TOKEN=$SUP expect_call 200 "a supervisor reads any history" -- GET /v1/items/H1/history
TOKEN=$CASES expect_call 403 "another source may not" -- GET /v1/items/H1/history
expect_not_in out '"records"' "and sees none of it"
TOKEN=$CASES expect_call 200 "cases reads its own item's history" -- GET /v1/items/C1/history
TOKEN=$SUP expect_call 404 "no history of an id never seen" -- GET /v1/items/NOPE/history
expect_in out 'no item `NOPE` in the history' "named"
TOKEN=$SUP expect_call 400 "a bad limit" -- GET '/v1/items/H1/history?limit=0'
expect_in out '"code":"bad_page"' "bad_page"
TOKEN=$SUP expect_call 400 "a bad cursor" -- GET '/v1/items/H1/history?cursor=x'
expect_in out '"code":"bad_cursor"' "bad_cursor"

# Pages of 2 records: together the whole history, in order, the last without a cursor.
cursor=
: >"$TMP/paged"
for _ in $(seq 20); do
  TOKEN=$CRM expect_call 200 "a page" -- GET "/v1/items/H1/history?limit=2${cursor:+&cursor=$cursor}"
  python3 -c 'import json,sys; [print(r["seq"]) for r in json.load(open(sys.argv[1]))["records"]]' "$TMP/out" >>"$TMP/paged"
  cursor=$(field out next_cursor)
  [ "$cursor" = None ] && break
done
python3 -c 'import json,sys; [print(r["seq"]) for r in json.load(open(sys.argv[1]))["records"]]' "$TMP/all" >"$TMP/whole"
expect_exit 0 "the pages are the whole history" -- cmp "$TMP/paged" "$TMP/whole"
expect_exit 0 "in more than one page" -- test "$(wc -l <"$TMP/whole")" -gt 2
stop_server

start_server
TOKEN=$SUP expect_call 200 "after a restart the ended item is still told" -- GET /v1/items/H1
expect_in out '"state":"canceled"' "canceled"
TOKEN=$CRM expect_call 200 "and its history" -- GET /v1/items/H1/history
expect_exit 0 "the same records" -- test "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["records"]))' "$TMP/out")" = "$(wc -l <"$TMP/whole")"
stop_server
finish
