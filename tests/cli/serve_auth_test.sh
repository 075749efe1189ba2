#!/usr/bin/env bash
# `iwd serve --config`: API tokens and roles. No token or a wrong one: 401; a role the route
# does not allow: 403; an agent token acts only for its own agent; every role reads the rules'
# zone and time attributes in GET /v1/me, following a hot reload. Without a configuration
# the server refuses to listen beyond loopback.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

cat >"$TMP/config.json" <<'JSON'
{
  "tokens": [
    {"token": "source-token-0123456789", "role": "source", "name": "crm"},
    {"token": "agent-token-ada-0123456", "role": "agent", "agent": "ada"},
    {"token": "agent-token-bob-0123456", "role": "agent", "agent": "bob"},
    {"token": "supervisor-token-012345", "role": "supervisor"},
    {"token": "admin-token-0123456789a", "role": "admin"}
  ],
  "stream_keep_alive_seconds": 1
}
JSON
expect_exit 2 "no configuration: loopback only" -- "$IWD" serve --rules examples/enterprise.iwd --data "$TMP/d0" --listen 0.0.0.0:0
expect_in err "listens on loopback only" "says why"
echo '{"tokens": [{"token": "short", "role": "admin"}]}' >"$TMP/bad.json"
expect_exit 2 "a bad configuration" -- "$IWD" serve --rules examples/enterprise.iwd --config "$TMP/bad.json"
expect_in err "tokens[0].token is at least 16 characters" "names the field"
expect_exit 2 "a missing rules file, under a low open-file limit" -- bash -c "ulimit -n 200; '$IWD' serve --rules '$TMP/none.iwd' --data '$TMP/d1'"
expect_in err "the open-file limit (200) allows about 136 connections, not max_connections 10000" "says the limit is short"

SERVE_ARGS="--config $TMP/config.json"
start_server
expect_exit 0 "no 'no authentication' notice" -- bash -c "! grep -q 'no authentication' '$TMP/serve.log'"
TOKEN= expect_call 200 "health needs no token" -- GET /healthz
TOKEN= expect_call 401 "no token" -- POST /v1/items '{"id":"S1","department":"Sales"}'
expect_in out '"code":"unauthenticated"' "named"
TOKEN=wrong-token-000000000 expect_call 401 "a wrong token" -- POST /v1/items '{"id":"S1","department":"Sales"}'
TOKEN=agent-token-ada-0123456 expect_call 403 "an agent may not capture" -- POST /v1/items '{"id":"S1","department":"Sales"}'
expect_in out '"code":"forbidden"' "forbidden"
TOKEN=source-token-0123456789 expect_call 403 "a source may not upload rules" -- PUT /v1/admin/rules 'ruleset x version "1"'
TOKEN=supervisor-token-012345 expect_call 403 "nor may a supervisor" -- PUT /v1/admin/rules 'ruleset x version "1"'
TOKEN=agent-token-ada-0123456 expect_call 404 "ada cannot register herself" -- PUT /v1/agents/ada '{"state":"ready"}'
TOKEN=supervisor-token-012345 expect_call 200 "a supervisor registers ada" -- PUT /v1/agents/ada '{"skills":{"sales_processing":8,"legacy_processing":2},"state":"not_ready"}'
TOKEN=agent-token-ada-0123456 expect_call 403 "ada may not raise her own skills or capacity" -- PUT /v1/agents/ada '{"skills":{"sales_processing":10},"capacity":100000,"state":"ready"}'
expect_in out '`state` and `reason` only, not `capacity`, `skills`' "names the fields"
TOKEN=supervisor-token-012345 expect_call 200 "ada's skills are unchanged" -- GET /v1/agents/ada
expect_in out '"sales_processing":8' "still 8"
TOKEN=agent-token-ada-0123456 expect_call 200 "ada logs herself in" -- PUT /v1/agents/ada '{"state":"ready"}'
TOKEN=agent-token-ada-0123456 expect_call 403 "ada may not act for bob" -- PUT /v1/agents/bob '{"skills":{"sales_processing":8}}'
expect_in out 'acts for agent `ada` only' "says so"
TOKEN=supervisor-token-012345 expect_call 200 "a supervisor registers bob" -- PUT /v1/agents/bob '{"skills":{"sales_processing":1},"state":"not_ready"}'
TOKEN=agent-token-bob-0123456 expect_call 200 "bob logs in" -- PUT /v1/agents/bob '{"state":"ready"}'
TOKEN=source-token-0123456789 expect_call 201 "a source captures" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Gold"}'
expect_in out '"agent":"ada"' "offered to ada"
TOKEN=agent-token-bob-0123456 expect_call 403 "bob may not accept as ada" -- POST /v1/items/S1/accept '{"agent":"ada"}'
TOKEN=agent-token-bob-0123456 expect_call 409 "bob's own accept is refused: it is ada's offer" -- POST /v1/items/S1/accept ''
expect_in out 'offered to `ada`, not to `bob`' "says so"
TOKEN=agent-token-bob-0123456 expect_call 403 "bob may not read ada's offers" -- GET /v1/agents/ada/offers
TOKEN=agent-token-ada-0123456 expect_call 200 "ada reads her offer" -- GET /v1/items/S1
expect_in out '"state":"offered"' "offered"
TOKEN=agent-token-bob-0123456 expect_call 403 "bob may not read it" -- GET /v1/items/S1
expect_in out 'item `S1` is not with agent `bob`' "says so"
TOKEN=source-token-0123456789 expect_call 201 "a legal item (nobody handles legal)" -- POST /v1/items '{"id":"L2","department":"Legal"}'
TOKEN=agent-token-ada-0123456 expect_call 403 "ada may not read an item not with her" -- GET /v1/items/L2
TOKEN=agent-token-ada-0123456 expect_call 404 "nor learn of an unknown one more than 404" -- GET /v1/items/NOPE
TOKEN=agent-token-ada-0123456 expect_call 200 "ada accepts" -- POST /v1/items/S1/accept ''
TOKEN=agent-token-ada-0123456 expect_call 200 "and reads it assigned" -- GET /v1/items/S1
expect_in out '"state":"assigned"' "assigned"
TOKEN=agent-token-bob-0123456 expect_call 403 "bob may not park ada's item" -- POST /v1/items/S1/park ''
expect_in out 'item `S1` is not with agent `bob`' "says so"
TOKEN=agent-token-ada-0123456 expect_call 200 "ada parks it" -- POST /v1/items/S1/park ''
TOKEN=agent-token-ada-0123456 expect_call 200 "and reads it in her workbin" -- GET /v1/items/S1
expect_in out '"state":"parked"' "parked"
TOKEN=agent-token-bob-0123456 expect_call 403 "bob may not" -- GET /v1/items/S1
TOKEN=source-token-0123456789 expect_call 200 "L2 canceled" -- POST /v1/items/L2/cancel ''
TOKEN=agent-token-ada-0123456 expect_call 403 "an ended item is with nobody" -- GET /v1/items/L2
TOKEN=agent-token-ada-0123456 expect_call 403 "an agent may not read the queue" -- GET /v1/queue
TOKEN=supervisor-token-012345 expect_call 200 "a supervisor may" -- GET /v1/queue
TOKEN=supervisor-token-012345 expect_call 200 "and read ada's workbin" -- GET /v1/agents/ada/workbin
TOKEN=supervisor-token-012345 expect_call 200 "and return the item" -- POST /v1/items/S1/return ''
TOKEN=source-token-0123456789 expect_call 403 "a source may not read metrics" -- GET /metrics
TOKEN=supervisor-token-012345 expect_call 200 "a supervisor may" -- GET /metrics
TOKEN=admin-token-0123456789a expect_call 200 "an admin may do a source's work" -- POST /v1/items/S1/hold ''
# Every role reads the rules' zone in GET /v1/me (an agent reads no GET /v1/admin/rules): the
# zone of the ruleset in force, after a hot reload to rules in another zone too.
TOKEN=agent-token-ada-0123456 expect_call 403 "an agent may not read the ruleset" -- GET /v1/admin/rules
# And the attributes the rules type `time` (a console shows those as instants, the others as
# written): the core ones, and after the reload the new rules' own `follow_up` too.
core_times='"time_attributes":["captured_at","due_at","activate_at","expire_at"]'
for t in agent-token-ada-0123456 source-token-0123456789 supervisor-token-012345 admin-token-0123456789a; do
  TOKEN=$t expect_call 200 "who is ${t%%-*}" -- GET /v1/me
  expect_in out '"timezone":"Europe/Berlin"' "${t%%-*} reads the rules' zone"
  expect_in out "$core_times" "${t%%-*} reads the rules' time attributes"
done
TOKEN=supervisor-token-012345 expect_call 200 "the ruleset in force" -- GET /v1/admin/rules
expect_in out "$core_times" "the same time attributes as GET /v1/me"
sed -e 's/ruleset enterprise version "2026.11"/ruleset enterprise version "2026.11-ny"/' \
    -e 's|^timezone "Europe/Berlin"|timezone "America/New_York"|' \
    -e 's|^  product: string?|&\n  follow_up: time?|' examples/enterprise.iwd >"$TMP/enterprise-ny.iwd"
TOKEN=admin-token-0123456789a expect_call 200 "a hot reload to rules in New York's zone" -- PUT /v1/admin/rules "$(cat "$TMP/enterprise-ny.iwd")"
new_times='"time_attributes":["captured_at","due_at","activate_at","expire_at","follow_up"]'
TOKEN=agent-token-ada-0123456 expect_call 200 "who is ada, after the reload" -- GET /v1/me
expect_in out '"timezone":"America/New_York"' "ada reads the new rules' zone"
expect_in out "$new_times" "and their time attributes, follow_up among them"
TOKEN=supervisor-token-012345 expect_call 200 "the ruleset in force" -- GET /v1/admin/rules
expect_in out '"timezone":"America/New_York"' "the same zone as GET /v1/admin/rules"
expect_in out "$new_times" "the same time attributes as GET /v1/admin/rules"
TOKEN=admin-token-0123456789a expect_call 405 "a known path with another method" -- DELETE /v1/items/S1
expect_in out '"code":"method_not_allowed"' "named"
expect_in out '/v1/items/S1 takes GET, HEAD, PATCH, not DELETE' "with the methods it takes"
allow=$(curl -s -o /dev/null -D - -X DELETE -H "Authorization: Bearer admin-token-0123456789a" "$URL/v1/items/S1" | tr -d '\r' | grep -i '^allow:')
expect_exit 0 "and an Allow header ($allow)" -- test "$allow" = "Allow: GET, HEAD, PATCH"

# An idle offer stream gets keep-alive comments (every second here); stopping the server ends
# it, and the server stops at once.
curl -s -N -H "Authorization: Bearer agent-token-bob-0123456" "$URL/v1/agents/bob/offers/stream" >"$TMP/bob" 2>/dev/null &
STREAM=$!
sleep 2.5
expect_in bob ': keep-alive' "keep-alive on an idle stream"
started=$(date +%s%N)
stop_server
expect_exit 0 "the stream ended with the server" -- timeout 5 bash -c "wait_for() { while kill -0 $STREAM 2>/dev/null; do sleep 0.05; done; }; wait_for"
expect_exit 0 "and the server stopped within two seconds" -- test $((($(date +%s%N) - started) / 1000000)) -lt 2000
finish
