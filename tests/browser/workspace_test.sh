#!/usr/bin/env bash
# The console of a workspace other than the default (docs/deployment.md, "Workspaces"): its
# files at /v1/workspaces/{ws}/ui/, its API beside them. A real `iwd serve` with the workspace
# `sales` declared in its configuration, seeded over that workspace's API, then Debian's
# chromium (workspace_test.mjs) signs in with the workspace's token and reads its overview.
# Usage: workspace_test.sh IWD NPM_DIR SHOTS_DIR
source "$(dirname "$0")/browser_lib.sh"

DEFAULT=workspace-default-sup-token-01
SALES=workspace-sales-sup-token-0001
SALES_SOURCE=workspace-sales-src-token-001
RULES=tests/cli/report/day.iwd
cat >"$TMP/config.json" <<JSON
{"tokens": [{"token": "$DEFAULT", "role": "supervisor", "name": "dee"}],
 "workspaces": {"sales": {"rules": "$RULES", "tokens": [{"token": "$SALES", "role": "supervisor", "name": "sue"},
                                                        {"token": "$SALES_SOURCE", "role": "source", "name": "crm"}]}}}
JSON
SERVE_ARGS="--config $TMP/config.json"
start_server
[ -n "$PORT" ] || { echo "FAIL: iwd serve did not start"; cat "$TMP/serve.log"; exit 1; }

expect_exit 0 "the workspace's console is the same page" -- \
  test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/workspaces/sales/ui/")" = 200
expect_exit 0 "its /ui redirects to its /ui/" -- \
  test "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/v1/workspaces/sales/ui")" = "308 $URL/v1/workspaces/sales/ui/"
expect_exit 0 "no console of an unknown workspace" -- \
  test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/workspaces/nosuch/ui/")" = 404
# Its items: 7 sales and 3 claims; none in the default workspace.
TOKEN=$SALES expect_call 200 "ada" -- PUT /v1/workspaces/sales/agents/ada '{"skills":{"sales":5},"state":"not_ready","reason":"training"}'
items=()
for k in $(seq 1 7); do items+=("{\"id\":\"S-$k\",\"kind\":\"Sale\"}"); done
for k in $(seq 1 3); do items+=("{\"id\":\"C-$k\",\"kind\":\"Claim\"}"); done
TOKEN=$SALES_SOURCE expect_call 200 "the items" -- POST /v1/workspaces/sales/items/batch "{\"items\":[$(IFS=,; echo "${items[*]}")]}"
expect_not_in out '"error"' "every item captured"

run_in_browser "a workspace's console" workspace_test.mjs 120 IWD_SALES="$SALES" IWD_DEFAULT="$DEFAULT"
