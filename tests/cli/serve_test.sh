#!/usr/bin/env bash
# `iwd serve` against a real HTTP client (curl) on loopback: sources, agents (polling and
# Server-Sent Events), supervisors, admin (hot reload), bad input, metrics, a clean stop.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

start_server
expect_exit 0 "the server started and wrote its port" -- test -n "$PORT"
expect_exit 0 "it says it has no authentication" -- grep -q "no authentication configured" "$TMP/serve.log"
expect_call 200 "health" -- GET /healthz
expect_in out '"status":"ok"' "ok"

# Agents and sources.
expect_call 200 "an agent logs in" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2}}'
expect_in out '"state":"ready"' "ready"
expect_call 422 "an unknown skill" -- PUT /v1/agents/bob '{"skills":{"sales_procesing":8}}'
expect_in out 'did you mean `sales_processing`?' "with a suggestion"
expect_call 404 "state of an unknown agent" -- PUT /v1/agents/nobody/state '{"state":"ready"}'

# An offer stream for ada, open while the rest goes on.
curl -s -N "$URL/v1/agents/ada/offers/stream" >"$TMP/sse" 2>/dev/null &
SSE=$!
sleep 0.3
expect_call 201 "a capture" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
expect_in out '"state":"offered","process":"Sales.Gold","priority":500' "classified and offered at once"
expect_in out '"agent":"ada"' "to ada"
expect_call 201 "the same capture again is fine (the first answer)" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
expect_call 409 "the same id with another body" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Silver"}'
expect_in out '"code":"conflict"' "a conflict"
expect_call 200 "the agent's offers by polling" -- GET /v1/agents/ada/offers
expect_in out '"offers":[{"id":"S1","state":"offered"' "S1 is offered to ada"
expect_call 200 "accept" -- POST /v1/items/S1/accept '{"agent":"ada"}'
expect_in out '"state":"assigned"' "assigned"
for _ in $(seq 40); do grep -q "offer_ended" "$TMP/sse" && break; sleep 0.05; done
kill "$SSE" 2>/dev/null
cp "$TMP/sse" "$TMP/out"
expect_in out 'event: offer' "the stream pushed the offer"
expect_in out '"id":"S1","state":"offered"' "with the item"
expect_in out 'event: offer_ended' "and its end"
expect_in out '"reason":"accept"' "by accept"
expect_not_in out 'dimensions' "rules without report by: no dimensions"

expect_call 200 "a batch" -- POST /v1/items/batch '{"items":[{"id":"B1","department":"Finance","segment":"Silver"},{"department":"Finance"},{"id":"B2","department":"Finance","segment":"Platinum"}]}'
expect_in out '{"status":201,"item":{"id":"B1","state":"queued"' "the good one captured"
expect_in out '{"status":422,"error":{"code":"missing_id"' "one without an id"
expect_in out 'segment' "one with a bad segment, named"
expect_call 404 "a refused batch item was not stored" -- GET /v1/items/B2
expect_call 200 "get an item" -- GET /v1/items/B1
expect_call 200 "update reclassifies" -- PATCH /v1/items/B1 '{"segment":"Gold"}'
expect_in out '"process":"Finance.Gold"' "now Finance.Gold"
expect_call 200 "hold" -- POST /v1/items/B1/hold ''
expect_call 200 "resume" -- POST /v1/items/B1/resume ''
expect_call 200 "cancel" -- POST /v1/items/B1/cancel ''
expect_in out '"state":"canceled"' "canceled"
expect_call 409 "completing a canceled item" -- POST /v1/items/B1/complete ''
expect_in out '"code":"ended"' "ended"
expect_in out 'item `B1` is canceled' "says so"

# Bad input: named, nothing stored, the server keeps serving.
expect_call 400 "malformed JSON" -- POST /v1/items '{"id":"S2",'
expect_in out '"code":"malformed_json"' "named"
expect_call 400 "not an object" -- POST /v1/items '[1,2]'
expect_call 422 "a wrong type names the attribute" -- POST /v1/items '{"id":"S2","department":"Sales","segment":"Platinum"}'
expect_in out 'segment' "the attribute"
# A value not of the enum is a schema error of the request, `refused`, not a rules' rejection
# (`rejected`: a missing required attribute, no process); docs/api.md, "`rejected` or `refused`".
expect_in out '{"error":{"code":"refused","message":"capture: attribute `segment`: `Platinum` is not a value of Segment (Gold, Silver, Bronze)"}}' \
  "refused, the attribute, the value and the enum's values in the message"
expect_call 422 "a missing required attribute: the rules reject the capture" -- POST /v1/items '{"id":"R1","segment":"Gold"}'
expect_in out '{"error":{"code":"rejected","message":"item `R1` is rejected: missing required attribute `department`","reason":"missing required attribute `department`"}}' \
  "rejected, with the rules' reason"
expect_call 422 "a number where a string goes" -- POST /v1/items '{"id":"S2","department":42}'
expect_in out 'department' "the attribute"
expect_call 422 "an unknown attribute" -- POST /v1/items '{"id":"S2","departmnt":"Sales"}'
expect_in out 'did you mean `department`?' "with a suggestion"
expect_call 422 "no id" -- POST /v1/items '{"department":"Sales"}'
expect_call 404 "an unknown item" -- POST /v1/items/NOPE/complete ''
expect_call 409 "an illegal transition" -- POST /v1/items/S1/resume ''
expect_in out 'only a held item can be resumed' "says why"
expect_call 404 "an unknown route" -- GET /v1/nothing
expect_call 400 "bad paging" -- GET '/v1/queue?limit=0'
expect_call 400 "a bad state filter" -- GET '/v1/queue?state=sleeping'
python3 -c "print('{\"id\":\"BIG\",\"department\":\"' + 'x' * 2000000 + '\"}')" >"$TMP/big.json"
curl -s -o "$TMP/out" -w '%{http_code}' -H 'Content-Type: application/json' -X POST "$URL/v1/items" --data-binary "@$TMP/big.json" >"$TMP/status"
expect_exit 0 "an oversize body is 413" -- grep -q 413 "$TMP/status"
expect_call 404 "nothing was stored" -- GET /v1/items/S2
expect_call 200 "the server still serves" -- GET /healthz

# Supervisors.
expect_call 201 "another capture" -- POST /v1/items '{"id":"F1","department":"Finance","segment":"Gold"}'
expect_call 201 "and another" -- POST /v1/items '{"id":"F2","department":"Finance","segment":"Bronze"}'
expect_call 200 "the queue in distribution order" -- GET '/v1/queue?limit=10'
expect_in out '"total":2,"offset":0,"sort":"priority","items":[{"id":"F1","state":"queued"' "F1 first (higher priority)"
expect_call 200 "filtered by process" -- GET '/v1/queue?process=Finance.Bronze'
expect_in out '"total":1,"offset":0,"sort":"priority","items":[{"id":"F2"' "only F2"
expect_call 200 "paged" -- GET '/v1/queue?limit=1&offset=1'
expect_in out '"items":[{"id":"F2"' "the second page"
expect_call 200 "filtered by state" -- GET '/v1/queue?state=assigned'
expect_in out '"total":1,"offset":0,"sort":"priority","items":[{"id":"S1"' "S1 is assigned"
expect_call 200 "park" -- POST /v1/items/S1/park ''
expect_call 200 "the workbin" -- GET /v1/agents/ada/workbin
expect_in out '"parked":[{"id":"S1","state":"parked"' "S1 is in ada's workbin"
expect_call 200 "return to the queue" -- POST /v1/items/S1/return ''
expect_in out '"id":"S1","state":"offered"' "offered again at once"
expect_call 200 "the agent goes not ready" -- PUT /v1/agents/ada/state '{"state":"not_ready","reason":"lunch"}'
expect_in out '"state":"not_ready","reason":"lunch"' "with its reason"

# Metrics.
expect_call 200 "metrics" -- GET /metrics
expect_in out 'iwd_queue_depth{process="Finance.Gold",state="queued"} 1' "queue depth by process and state"
expect_in out 'iwd_offers_total 2' "offers"
expect_in out 'iwd_assignments_total 1' "assignments"
expect_in out 'iwd_rona_total 0' "RONA"
expect_in out 'iwd_overdue_items' "overdue"
expect_in out 'iwd_capture_seconds_bucket{le="+Inf"} 4' "capture latency histogram"
expect_in out 'iwd_offer_wait_seconds_count 2' "offer latency histogram"

# Admin: a ruleset with errors is refused with its diagnostics; a good one is in force at once.
printf 'ruleset broken version "1"\ndefault process P { sla 1h }\nbogus\n' >"$TMP/bad.iwd"
expect_call 422 "an upload with errors" -- PUT /v1/admin/rules "$(cat "$TMP/bad.iwd")"
expect_in out '"code":"rule_errors"' "refused"
expect_in out '"diagnostics":[{"code":"E0101","severity":"error"' "with the diagnostics as data"
expect_in out '"file":"upload.iwd","line":3,"column":1' "located in the file as uploaded"
# Uploads are compiled in memory: an import out of the upload is a located error, nothing read.
expect_call 422 "an upload importing /etc/passwd" -- PUT /v1/admin/rules "$(printf 'import "/etc/passwd"\n'; cat examples/enterprise.iwd)"
expect_in out '"code":"E0201","severity":"error","message":"cannot import `/etc/passwd`","file":"upload.iwd","line":1,"column":8' "located"
expect_in out 'is an absolute path' "and says why"
expect_call 422 "files whose import leaves them" -- PUT /v1/admin/rules '{"files":{"rules/main.iwd":"import \"../../etc/passwd\"\ndefault process P\n"}}'
expect_in out '"file":"rules/main.iwd","line":1,"column":8' "named as uploaded"
expect_in out 'leads outside' "and says why"
expect_call 400 "a file set without files" -- PUT /v1/admin/rules '{"root":"main.iwd"}'
expect_in out '"code":"bad_upload"' "is a bad upload"
expect_call 200 "the running rules still stay" -- GET /v1/admin/rules
expect_in out '"ruleset":"enterprise 2026.11"' "still 2026.11"
expect_call 200 "the running rules stay" -- GET /v1/admin/rules
expect_in out '"ruleset":"enterprise 2026.11"' "still 2026.11"
sed 's/version "2026.11"/version "2026.12"/; s/Silver  | 72h | standard | 200 | 1000/Silver  | 72h | standard | 300 | 1000/' \
  examples/enterprise.iwd >"$TMP/new.iwd"
# Several files as JSON: the calendars in a file of their own, imported by the root.
python3 - "$TMP/new.iwd" >"$TMP/new.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
calendars = "".join(re.findall(r"^calendar [^\n]*\{.*?^\}\n", text, re.M | re.S))
assert calendars, "no calendar in the example"
main = 'import "lib/calendars.iwd"\n' + text.replace(calendars, "")
print(json.dumps({"files": {"main.iwd": main, "lib/calendars.iwd": calendars}, "root": "main.iwd"}))
PY
expect_call 200 "a new ruleset, in two files" -- PUT /v1/admin/rules "$(cat "$TMP/new.json")"
expect_in out '"ruleset":"enterprise 2026.12"' "in force"
expect_in out '"items_reevaluated":3' "the open items re-evaluated"
expect_call 201 "a capture under the new rules" -- POST /v1/items '{"id":"F3","department":"Finance","segment":"Silver"}'
expect_in out '"priority":300' "the new minimum"

# Compaction: a snapshot replaces the journal before it; the restart below starts from it.
expect_call 200 "a snapshot on demand" -- POST /v1/admin/compact ""
expect_in out '"items":4' "every open item in it"
expect_call 201 "a capture after the snapshot" -- POST /v1/items '{"id":"F4","department":"Finance","segment":"Gold"}'
stop_server
expect_exit 0 "SIGTERM stops it cleanly" -- grep -q "iwd serve: stopped" "$TMP/serve.log"

# Restarted without --rules: the uploaded rules are still in force, the items as they were.
"$IWD" serve --data "$DATA" --listen 127.0.0.1:0 --port-file "$TMP/port2" 2>>"$TMP/serve.log" &
PID=$!
for _ in $(seq 200); do [ -s "$TMP/port2" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$TMP/port2")"
expect_call 200 "after a restart" -- GET /v1/admin/rules
expect_in out '"ruleset":"enterprise 2026.12"' "the uploaded rules"
expect_call 200 "S1 is as it was" -- GET /v1/items/S1
expect_in out '"state":"offered"' "offered"
expect_in out '"agent":"ada"' "to ada"
expect_call 200 "F4, captured after the snapshot" -- GET /v1/items/F4
expect_exit 0 "recovery started from the snapshot" -- grep -q "a snapshot and 1 lines replayed" "$TMP/serve.log"
stop_server
# A port out of range is refused, not cut to 16 bits (99999 would have bound 34463).
expect_exit 2 "a port past 65535 is refused" -- "$IWD" serve --rules examples/enterprise.iwd --data "$TMP/data-port" --listen 127.0.0.1:99999
expect_in err "is not a number from 0 to 65535" "and says why"
expect_exit 2 "so is a port that is not a number" -- "$IWD" serve --rules examples/enterprise.iwd --data "$TMP/data-port" --listen 127.0.0.1:80x
finish
