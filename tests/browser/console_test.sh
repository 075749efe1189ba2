#!/usr/bin/env bash
# The supervisor console in a real browser (docs/console.md): a real `iwd serve` on loopback
# with tokens, seeded over the API, the /ui/ files' headers over HTTP, then Debian's chromium,
# headless, driven by puppeteer-core (console_test.mjs) through the pages.
# Usage: console_test.sh IWD NPM_DIR SHOTS_DIR
source "$(dirname "$0")/browser_lib.sh"

SUPERVISOR=console-supervisor-token-0123
SOURCE=console-source-token-01234567
ADA=console-agent-token-ada-0123
# Sales go to agents with the `sales` skill, claims to `claims`; `report by segment`, and the
# rules' zone is Europe/Berlin.
serve_with_tokens tests/cli/report/day.iwd source:crm:$SOURCE agent:ada:$ADA supervisor:sue:$SUPERVISOR

# The files over HTTP: public (the pages hold no data), with their headers.
curl -s -D "$TMP/headers" -o "$TMP/index" "$URL/ui/"
expect_exit 0 "GET /ui/ is the page" -- grep -q '<script type="module" src="app.js">' "$TMP/index"
expect_exit 0 "a Content-Security-Policy" -- grep -qi "^content-security-policy: default-src 'self'" "$TMP/headers"
expect_exit 0 "revalidated" -- grep -qi '^cache-control: no-cache' "$TMP/headers"
ETAG=$(grep -i '^etag:' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r')
expect_exit 0 "the same ETag again is 304" -- test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$URL/ui/")" = 304
expect_exit 0 "/ui redirects to /ui/" -- test "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/ui")" = "308 $URL/ui/"
for path in '/ui/../' '/ui/../v1/admin/rules' '/ui/%2e%2e/%2e%2e/etc/passwd' '/ui/..%2fapp.js' '/ui/app.js%00' \
            '/ui/./app.js' '/ui//app.js' "/ui/$(head -c 4000 /dev/zero | tr '\0' a)"; do
  expect_exit 0 "GET $(echo "$path" | cut -c1-40) is 404" -- \
    test "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL$path")" = 404
done
expect_exit 0 "POST /ui/ is 405" -- test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/ui/")" = 405
expect_exit 0 "the chart library is embedded" -- \
  test "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$URL/ui/vendor/uPlot.esm.js")" = "200 text/javascript; charset=utf-8"
TOKEN=$SUPERVISOR expect_call 200 "the ruleset in force" -- GET /v1/admin/rules
expect_in out '"timezone":"Europe/Berlin"' "with the rules' zone"
expect_in out '"report_by":["segment"]' "and the report-by dimensions"

# Agents: ada sells, bob handles claims, carl is away.
TOKEN=$SUPERVISOR expect_call 200 "ada" -- PUT /v1/agents/ada '{"skills":{"sales":5},"state":"ready"}'
TOKEN=$SUPERVISOR expect_call 200 "bob" -- PUT /v1/agents/bob '{"skills":{"claims":3},"state":"ready"}'
TOKEN=$SUPERVISOR expect_call 200 "carl" -- PUT /v1/agents/carl '{"skills":{"sales":2,"claims":2},"state":"not_ready","reason":"training"}'
# 60 sales (more than a page of 50), 20 of them due an hour ago (overdue), and 5 claims.
DUE=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)
items=()
for k in $(seq 1 60); do
  seg=$([ $((k % 3)) -eq 0 ] && echo Gold || echo Silver)
  if [ "$k" -le 20 ]; then
    items+=("{\"id\":\"S-$k\",\"kind\":\"Sale\",\"segment\":\"$seg\",\"due_at\":\"$DUE\"}")
  else
    items+=("{\"id\":\"S-$k\",\"kind\":\"Sale\",\"segment\":\"$seg\"}")
  fi
done
for k in $(seq 1 5); do items+=("{\"id\":\"C-$k\",\"kind\":\"Claim\",\"tier\":2}"); done
TOKEN=$SOURCE expect_call 200 "the items" -- POST /v1/items/batch "{\"items\":[$(IFS=,; echo "${items[*]}")]}"
expect_not_in out '"error"' "every item captured"
# ada accepts her offer and parks it: a parked item in her workbin, and a new offer.
take_offer $ADA ada
TOKEN=$ADA expect_call 200 "and parks it" -- POST /v1/items/$OFFERED/park ''

run_in_browser "the console" console_test.mjs 240 IWD_SUPERVISOR="$SUPERVISOR" IWD_SOURCE="$SOURCE"
