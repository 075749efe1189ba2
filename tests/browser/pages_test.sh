#!/usr/bin/env bash
# The console's reports and rules pages in a real browser (docs/console.md): a real `iwd serve`
# on loopback with tokens, a small day seeded over the API (captures, an offer accepted, done
# and completed, a cancel), then Debian's chromium, headless, driven by puppeteer-core through
# PAGE's test: reports_test.mjs or rules_test.mjs.
# Usage: pages_test.sh IWD NPM_DIR SHOTS_DIR PAGE
source "$(dirname "$0")/browser_lib.sh"
PAGE=${4:?usage: $0 IWD NPM_DIR SHOTS_DIR PAGE}

ADMIN=pages-admin-token-0123456789
SUPERVISOR=pages-supervisor-token-0123
SOURCE=pages-source-token-012345678
ADA=pages-agent-token-ada-012345
# Sales for agents with the `sales` skill, claims that nobody takes; `report by segment`; the
# rules' zone is Europe/Berlin.
serve_with_tokens tests/cli/report/day.iwd admin:root:$ADMIN supervisor:sue:$SUPERVISOR source:crm:$SOURCE agent:ada:$ADA

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
take_offer $ADA ada
TOKEN=$ADA expect_call 200 "and marks it done" -- POST /v1/items/$OFFERED/done ''
TOKEN=$SOURCE expect_call 200 "the source completes it" -- POST /v1/items/$OFFERED/complete '{"outcome":"won"}'
TOKEN=$SOURCE expect_call 200 "a claim canceled" -- POST /v1/items/C-1/cancel ''

run_in_browser "the console's $PAGE page" "${PAGE}_test.mjs" 240 \
  IWD_ADMIN="$ADMIN" IWD_SUPERVISOR="$SUPERVISOR" IWD_SOURCE="$SOURCE" IWD_TMP="$TMP" IWD_RULES="$RULES"
