#!/usr/bin/env bash
# The supervisor's actions in the console, in a real browser (docs/console.md, "Actions"): a
# real `iwd serve` on loopback with a supervisor, a viewer and an agent token, seeded over the
# API (agents ada, ready, bob, away, and carl, outside the sales' targets; sales waiting, one
# offered to ada, two in her workbin), then Debian's chromium, headless, driven by puppeteer-core (actions_test.mjs).
# Usage: actions_test.sh IWD NPM_DIR SHOTS_DIR
source "$(dirname "$0")/browser_lib.sh"

SUPERVISOR=actions-supervisor-token-0123
VIEWER=actions-viewer-token-01234567
SOURCE=actions-source-token-01234567
ADA=actions-agent-token-ada-01234
serve_with_tokens tests/cli/report/day.iwd supervisor:sue:$SUPERVISOR viewer:wallboard:$VIEWER source:crm:$SOURCE agent:ada:$ADA

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
  take_offer $ADA ada
  TOKEN=$ADA expect_call 200 "and parks it" -- POST /v1/items/$OFFERED/park ''
done

run_in_browser "the console's actions" actions_test.mjs 240 \
  IWD_SUPERVISOR="$SUPERVISOR" IWD_VIEWER="$VIEWER" IWD_SOURCE="$SOURCE" IWD_AGENT="$ADA"
