#!/usr/bin/env bash
# `iwd serve`: the real-time views (issue 15). GET /v1/stats/queue by department, process and
# `report by` dimension (an unknown `by` is 400 naming the accepted ones), GET /v1/agents
# (filters, pages), GET /v1/workbins (pages), supervisor role only; the Prometheus gauges per
# process and department; the same figures after a restart and across a hot reload.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

# expect_json PYTHON_EXPR DESCRIPTION: the expression over j, the JSON body in $TMP/out;
# g(NAME) is the group of that name, a(ID) the agent of that id.
expect_json() {
  if python3 -c "
import json, sys
j = json.load(open('$TMP/out'))
g = lambda n: next((x for x in j.get('groups', []) if x['name'] == n), None)
a = lambda n: next((x for x in j.get('agents', []) if x['id'] == n), None)
sys.exit(0 if ($1) else 1)"; then PASSED=$((PASSED + 1)); else
    FAILED=$((FAILED + 1)); echo "FAIL: $2: not ($1)"; sed 's/^/  body: /' "$TMP/out" | head -c 2000; echo
  fi
}

cat >"$TMP/config.json" <<'JSON'
{"tokens": [
  {"token": "source-token-0123456789", "role": "source", "name": "crm"},
  {"token": "agent-token-ada-0123456", "role": "agent", "agent": "ada"},
  {"token": "supervisor-token-012345", "role": "supervisor"},
  {"token": "admin-token-0123456789a", "role": "admin"}
]}
JSON
SERVE_ARGS="--config $TMP/config.json"
SUP=supervisor-token-012345
SRC=source-token-0123456789
start_server
expect_exit 0 "the server started" -- test -n "$PORT"
TOKEN=$SUP expect_call 200 "ada logs in" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2},"groups":["team1"],"state":"ready"}'
TOKEN=$SUP expect_call 200 "bob is on lunch" -- PUT /v1/agents/bob '{"skills":{"reception":3},"state":"not_ready","reason":"lunch"}'
for n in 1 2 3 4 5; do TOKEN=$SUP call PUT /v1/agents/c$n '{"state":"logged_out"}'; done
TOKEN=$SRC expect_call 201 "a Sales Gold item, offered to ada" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
TOKEN=$SRC expect_call 201 "a Finance item" -- POST /v1/items '{"id":"F1","department":"Finance","segment":"Silver"}'
TOKEN=$SRC expect_call 201 "an unclassified item, long overdue" -- POST /v1/items '{"id":"X1","department":"Legal","due_at":"2020-01-01T00:00:00Z"}'
TOKEN=$SRC expect_call 201 "another" -- POST /v1/items '{"id":"X2","department":"Legal","due_at":"2020-01-01T00:00:00Z"}'

TOKEN= expect_call 401 "no token" -- GET /v1/stats/queue
TOKEN=$SRC expect_call 403 "a source may not read the stats" -- GET '/v1/stats/queue?by=process'
TOKEN=agent-token-ada-0123456 expect_call 403 "nor an agent the agents" -- GET /v1/agents
TOKEN=agent-token-ada-0123456 expect_call 403 "nor the workbins" -- GET /v1/workbins
TOKEN=$SUP expect_call 200 "by process" -- GET '/v1/stats/queue?by=process'
expect_json "j['by'] == 'process' and g('Sales.Gold')['states']['offered'] == 1 and g('Sales.Gold')['open'] == 1" "S1 offered in Sales.Gold"
expect_json "g('Unclassified')['open'] == 2 and g('Unclassified')['overdue'] == 2 and g('Unclassified')['states']['queued'] == 2" "two overdue, queued"
expect_json "g('Finance.Silver')['overdue'] == 0 and g('Finance.Silver')['ages']['under_1h'] == 1 and g('Finance.Silver')['oldest_age_ms'] < 60000" "F1 is young"
expect_json "len(j['groups']) == 3 and g('Sales.Silver') is None" "empty processes are not listed"
TOKEN=$SUP expect_call 200 "by department" -- GET '/v1/stats/queue?by=department'
expect_json "g('Sales')['open'] == 1 and g('Finance')['open'] == 1 and g(None)['open'] == 2" "Sales, Finance, and none for the default process"
TOKEN=$SUP expect_call 200 "by process by default" -- GET /v1/stats/queue
expect_json "j['by'] == 'process'" "process"
TOKEN=$SUP expect_call 400 "an unknown grouping" -- GET '/v1/stats/queue?by=segment'
expect_in out '"code":"bad_by"' "bad_by"
expect_in out 'unknown grouping `by=segment`: one of `department`, `process`' "names the accepted ones"

TOKEN=$SUP expect_call 200 "every agent" -- GET /v1/agents
expect_json "[x['id'] for x in j['agents']] == ['ada', 'bob', 'c1', 'c2', 'c3', 'c4', 'c5'] and j['next_cursor'] is None" "in login order"
expect_json "a('ada')['holding'] == ['S1'] and a('ada')['load'] == 1 and a('ada')['reason'] is None and a('ada')['time_in_state_ms'] >= 0" "ada holds S1"
expect_json "a('bob')['state'] == 'not_ready' and a('bob')['reason'] == 'lunch'" "bob's reason"
TOKEN=$SUP expect_call 200 "not ready ones" -- GET '/v1/agents?state=not_ready'
expect_json "[x['id'] for x in j['agents']] == ['bob']" "bob only"
TOKEN=$SUP expect_call 200 "by group" -- GET '/v1/agents?group=team1'
expect_json "[x['id'] for x in j['agents']] == ['ada']" "ada only"
TOKEN=$SUP expect_call 200 "by skill" -- GET '/v1/agents?skill=reception'
expect_json "[x['id'] for x in j['agents']] == ['bob']" "bob only"
TOKEN=$SUP expect_call 200 "a group no one has" -- GET '/v1/agents?group=nobody-here'
expect_json "j['agents'] == []" "none"
TOKEN=$SUP expect_call 400 "an unknown skill" -- GET '/v1/agents?skill=juggling'
expect_in out 'no skill `juggling` in the rules (skills: `sales_processing`, `legacy_processing`, `finance_processing`, `reception`)' "names the skills"
TOKEN=$SUP expect_call 400 "an unknown state" -- GET '/v1/agents?state=asleep'
expect_in out '"code":"bad_state"' "bad_state"
TOKEN=$SUP expect_call 400 "a limit of 0" -- GET '/v1/agents?limit=0'
expect_in out '"code":"bad_page"' "bad_page"
TOKEN=$SUP expect_call 400 "a bad cursor" -- GET '/v1/agents?cursor=x1'
expect_in out '"code":"bad_cursor"' "bad_cursor"
# Pages of 3: every agent once, in order.
seen="" cursor=""
for _ in 1 2 3 4; do
  TOKEN=$SUP call GET "/v1/agents?limit=3${cursor:+&cursor=$cursor}"
  seen="$seen$(python3 -c "import json; print(' '.join(x['id'] for x in json.load(open('$TMP/body'))['agents']), end=' ')")"
  cursor=$(python3 -c "import json; c = json.load(open('$TMP/body'))['next_cursor']; print(c or '')")
  [ -z "$cursor" ] && break
done
echo "$seen" >"$TMP/out"
expect_in out "ada bob c1 c2 c3 c4 c5 " "pages of 3 give each agent once"

TOKEN=agent-token-ada-0123456 expect_call 200 "ada accepts S1" -- POST /v1/items/S1/accept ''
TOKEN=agent-token-ada-0123456 expect_call 200 "and parks it" -- POST /v1/items/S1/park ''
TOKEN=$SRC expect_call 201 "another Sales Gold item, offered to ada" -- POST /v1/items '{"id":"S2","department":"Sales","segment":"Gold"}'
TOKEN=agent-token-ada-0123456 expect_call 200 "ada accepts S2" -- POST /v1/items/S2/accept ''
TOKEN=agent-token-ada-0123456 expect_call 200 "and parks it" -- POST /v1/items/S2/park ''
TOKEN=$SUP expect_call 200 "the workbins" -- GET /v1/workbins
expect_json "sorted(x['item']['id'] for x in j['parked']) == ['S1', 'S2'] and all(x['agent'] == 'ada' for x in j['parked'])" "S1 and S2 with ada"
TOKEN=$SUP expect_call 200 "a page of one" -- GET '/v1/workbins?limit=1'
expect_json "len(j['parked']) == 1 and j['next_cursor'] is not None" "with a cursor"
first=$(python3 -c "import json; j = json.load(open('$TMP/out')); print(j['parked'][0]['item']['id'], j['next_cursor'])")
TOKEN=$SUP expect_call 200 "the next page" -- GET "/v1/workbins?limit=1&cursor=${first#* }"
expect_json "len(j['parked']) == 1 and j['parked'][0]['item']['id'] != '${first% *}' and j['next_cursor'] is None" "the other item, the end"
TOKEN=$SUP expect_call 200 "ada's workbin" -- GET '/v1/workbins?agent=ada'
expect_json "len(j['parked']) == 2" "two"
TOKEN=$SUP expect_call 200 "bob's" -- GET '/v1/workbins?agent=bob'
expect_json "j['parked'] == []" "empty"
TOKEN=$SUP expect_call 404 "no such agent" -- GET '/v1/workbins?agent=ghost'
TOKEN=$SUP expect_call 200 "ada in the agents list" -- GET /v1/agents
expect_json "a('ada')['parked'] == ['S1', 'S2'] and a('ada')['parked_count'] == 2 and a('ada')['holding'] == []" "her workbin"
TOKEN=$SUP expect_call 200 "the stats" -- GET '/v1/stats/queue?by=process'
expect_json "g('Sales.Gold')['states']['parked'] == 2" "two parked"

TOKEN=$SUP call GET /metrics
cp "$TMP/body" "$TMP/out"
expect_in out 'iwd_process_queued_items{process="Unclassified"} 2' "queued by process"
expect_in out 'iwd_process_queued_items{process="Sales.Silver"} 0' "every process of the rules"
expect_in out 'iwd_process_overdue_items{process="Unclassified"} 2' "overdue by process"
expect_in out 'iwd_department_queued_items{department="Finance"} 1' "queued by department"
expect_in out 'iwd_process_oldest_age_seconds{process="Unclassified"}' "oldest age"
expect_in out 'iwd_queue_depth{process="Sales.Gold",state="parked"} 2' "the depth gauge as before"
stop_server

# A restart: the figures are rebuilt from the recovered runtime.
start_server
TOKEN=$SUP expect_call 200 "after a restart" -- GET '/v1/stats/queue?by=process'
expect_json "g('Sales.Gold')['states']['parked'] == 2 and g('Unclassified')['overdue'] == 2 and g('Finance.Silver')['open'] == 1" "the same figures"
TOKEN=$SUP expect_call 200 "the workbins too" -- GET /v1/workbins
expect_json "len(j['parked']) == 2" "two"
stop_server

# `report by` dimensions, and a hot reload that changes them.
RULES=tests/replay/rules/leads.iwd
SERVE_ARGS=
DATA="$TMP/leads"
start_server
expect_call 200 "ana logs in, not ready" -- PUT /v1/agents/ana '{"skills":{"sales":3},"state":"not_ready"}'
expect_call 201 "a Gold lead" -- POST /v1/items '{"id":"L1","segment":"Gold"}'
expect_call 201 "a Silver one in the US" -- POST /v1/items '{"id":"L2","segment":"Silver","region":"US"}'
expect_call 201 "a Gold one in the US" -- POST /v1/items '{"id":"L3","segment":"Gold","region":"US"}'
expect_call 200 "by segment" -- GET '/v1/stats/queue?by=segment'
expect_json "g('Gold')['open'] == 2 and g('Silver')['open'] == 1 and g('Gold')['priority'] == {'min': 150, 'max': 150}" "Gold 2, Silver 1"
expect_json "g('Silver')['due_next_hour'] == 0 and g('Silver')['overdue'] == 0" "due in a day"
expect_call 200 "by region" -- GET '/v1/stats/queue?by=region'
expect_json "g('EU')['open'] == 1 and g('US')['open'] == 2" "EU 1, US 2"
expect_call 400 "by department names the dimensions too" -- GET '/v1/stats/queue?by=nothing'
expect_in out 'one of `department`, `process`, `segment`, `region`' "the accepted ones"
sed -e 's/version "1.0"/version "1.1"/' -e 's/^report by segment, region/report by region/' tests/replay/rules/leads.iwd >"$TMP/leads2.iwd"
curl -s -o "$TMP/body" -w '%{http_code}' -X PUT "$URL/v1/admin/rules" --data-binary "@$TMP/leads2.iwd" >"$TMP/status"
cp "$TMP/body" "$TMP/out"
expect_in out '"items_reevaluated":3' "the hot reload carried the items over"
expect_call 400 "segment is no dimension now" -- GET '/v1/stats/queue?by=segment'
expect_call 200 "by region after the reload" -- GET '/v1/stats/queue?by=region'
expect_json "g('EU')['open'] == 1 and g('US')['open'] == 2 and g('US')['states']['queued'] == 2" "the same figures"
expect_call 200 "by process" -- GET '/v1/stats/queue?by=process'
expect_json "g('Leads')['open'] == 3" "three"
expect_call 200 "ana's time in state goes on across the reload" -- GET /v1/agents
expect_json "a('ana')['state'] == 'not_ready' and a('ana')['time_in_state_ms'] > 0" "not reset"
stop_server
finish
