#!/usr/bin/env bash
# The supervisor's actions in the console, in a real browser (docs/console.md, "Actions"): a
# real `iwd serve` on loopback with a supervisor, a viewer and an agent token, seeded over the
# API (agents ada, ready, bob, away, and carl, outside the sales' targets; sales waiting, one
# offered to ada, two in her workbin), then Debian's chromium, headless, driven by puppeteer-core (actions_test.mjs).
# Usage: actions_test.sh IWD NPM_DIR SHOTS_DIR
set -u
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../cli/serve_lib.sh"
NPM_DIR=${2:?usage: $0 IWD NPM_DIR SHOTS_DIR}
SHOTS=${3:?usage: $0 IWD NPM_DIR SHOTS_DIR}

SUPERVISOR=actions-supervisor-token-0123
VIEWER=actions-viewer-token-01234567
SOURCE=actions-source-token-01234567
ADA=actions-agent-token-ada-01234
cat >"$TMP/config.json" <<JSON
{
  "tokens": [
    {"token": "$SUPERVISOR", "role": "supervisor", "name": "sue"},
    {"token": "$VIEWER", "role": "viewer", "name": "wallboard"},
    {"token": "$SOURCE", "role": "source", "name": "crm"},
    {"token": "$ADA", "role": "agent", "agent": "ada"}
  ]
}
JSON
RULES=tests/cli/report/day.iwd
SERVE_ARGS="--config $TMP/config.json"
start_server
[ -n "$PORT" ] || { echo "FAIL: iwd serve did not start"; cat "$TMP/serve.log"; exit 1; }

TOKEN=$SUPERVISOR expect_call 200 "ada" -- PUT /v1/agents/ada '{"skills":{"sales":5},"state":"ready"}'
TOKEN=$SUPERVISOR expect_call 200 "bob" -- PUT /v1/agents/bob '{"skills":{"sales":3},"state":"not_ready","reason":"lunch"}'
# carl handles claims (none come): ready, and outside the sales' targets.
TOKEN=$SUPERVISOR expect_call 200 "carl" -- PUT /v1/agents/carl '{"skills":{"claims":2},"state":"ready"}'
items=()
for k in $(seq 1 12); do items+=("{\"id\":\"S-$k\",\"kind\":\"Sale\"}"); done
TOKEN=$SOURCE expect_call 200 "the items" -- POST /v1/items/batch "{\"items\":[$(IFS=,; echo "${items[*]}")]}"
expect_not_in out '"error"' "every item captured"
# ada accepts two offers in turn and parks them (one item at a time: the rules declare no
# capacity): two items in her workbin, and a third offered to her.
for _ in 1 2; do
  TOKEN=$ADA expect_call 200 "ada's offers" -- GET /v1/agents/ada/offers
  OFFERED=$(grep -o '"id":"S-[0-9]*"' "$TMP/out" | head -1 | cut -d'"' -f4)
  TOKEN=$ADA expect_call 200 "ada accepts $OFFERED" -- POST /v1/items/$OFFERED/accept ''
  TOKEN=$ADA expect_call 200 "and parks it" -- POST /v1/items/$OFFERED/park ''
done

mkdir -p "$SHOTS"
expect_exit 0 "the console's actions in chromium (actions_test.mjs)" -- \
  env IWD_URL="$URL" IWD_SUPERVISOR="$SUPERVISOR" IWD_VIEWER="$VIEWER" IWD_SOURCE="$SOURCE" IWD_AGENT="$ADA" \
  IWD_NPM_DIR="$NPM_DIR" IWD_SHOTS="$SHOTS" timeout 240 node "$(dirname "$0")/actions_test.mjs"
sed 's/^/  /' "$TMP/out"
[ -s "$TMP/err" ] && sed 's/^/  stderr: /' "$TMP/err" | head -40
stop_server
finish
