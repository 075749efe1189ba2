#!/usr/bin/env bash
# The console's reports and rules pages in a real browser (docs/console.md): a real `iwd serve`
# on loopback with tokens, a small day seeded over the API (captures, an offer accepted, done
# and completed, a cancel), then Debian's chromium, headless, driven by puppeteer-core through
# PAGE's test: reports_test.mjs or rules_test.mjs.
# Usage: pages_test.sh IWD NPM_DIR SHOTS_DIR PAGE
set -u
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../cli/serve_lib.sh"
NPM_DIR=${2:?usage: $0 IWD NPM_DIR SHOTS_DIR PAGE}
SHOTS=${3:?usage: $0 IWD NPM_DIR SHOTS_DIR PAGE}
PAGE=${4:?usage: $0 IWD NPM_DIR SHOTS_DIR PAGE}

ADMIN=pages-admin-token-0123456789
SUPERVISOR=pages-supervisor-token-0123
SOURCE=pages-source-token-012345678
ADA=pages-agent-token-ada-012345
cat >"$TMP/config.json" <<JSON
{
  "tokens": [
    {"token": "$ADMIN", "role": "admin", "name": "root"},
    {"token": "$SUPERVISOR", "role": "supervisor", "name": "sue"},
    {"token": "$SOURCE", "role": "source", "name": "crm"},
    {"token": "$ADA", "role": "agent", "agent": "ada"}
  ]
}
JSON
# Sales for agents with the `sales` skill, claims that nobody takes; `report by segment`; the
# rules' zone is Europe/Berlin.
RULES=tests/cli/report/day.iwd
SERVE_ARGS="--config $TMP/config.json"
start_server
[ -n "$PORT" ] || { echo "FAIL: iwd serve did not start"; cat "$TMP/serve.log"; exit 1; }

TOKEN=$SUPERVISOR expect_call 200 "ada" -- PUT /v1/agents/ada '{"skills":{"sales":5},"state":"ready"}'
items=()
for k in $(seq 1 8); do
  seg=$([ $((k % 2)) -eq 0 ] && echo Gold || echo Silver)
  items+=("{\"id\":\"S-$k\",\"kind\":\"Sale\",\"segment\":\"$seg\"}")
done
for k in 1 2 3; do items+=("{\"id\":\"C-$k\",\"kind\":\"Claim\",\"tier\":2}"); done
TOKEN=$SOURCE expect_call 200 "the items" -- POST /v1/items/batch "{\"items\":[$(IFS=,; echo "${items[*]}")]}"
expect_not_in out '"error"' "every item captured"
# ada takes her offer, marks it done and the source completes it; a claim is canceled.
TOKEN=$ADA expect_call 200 "ada's offers" -- GET /v1/agents/ada/offers
OFFERED=$(grep -o '"id":"S-[0-9]*"' "$TMP/out" | head -1 | cut -d'"' -f4)
TOKEN=$ADA expect_call 200 "ada accepts $OFFERED" -- POST /v1/items/$OFFERED/accept ''
TOKEN=$ADA expect_call 200 "and marks it done" -- POST /v1/items/$OFFERED/done ''
TOKEN=$SOURCE expect_call 200 "the source completes it" -- POST /v1/items/$OFFERED/complete '{"outcome":"won"}'
TOKEN=$SOURCE expect_call 200 "a claim canceled" -- POST /v1/items/C-1/cancel ''

mkdir -p "$SHOTS"
expect_exit 0 "the console's $PAGE page in chromium (${PAGE}_test.mjs)" -- \
  env IWD_URL="$URL" IWD_ADMIN="$ADMIN" IWD_SUPERVISOR="$SUPERVISOR" IWD_SOURCE="$SOURCE" IWD_NPM_DIR="$NPM_DIR" \
  IWD_SHOTS="$SHOTS" IWD_TMP="$TMP" IWD_RULES="$RULES" timeout 240 node "$(dirname "$0")/${PAGE}_test.mjs"
sed 's/^/  /' "$TMP/out"
[ -s "$TMP/err" ] && sed 's/^/  stderr: /' "$TMP/err" | head -40
stop_server
finish
