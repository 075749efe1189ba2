#!/usr/bin/env bash
# `iwd eval`: one item, batches, the JIT and the interpreter agree, errors.
set -u
source "$(dirname "$0")/lib.sh"

ITEM='{"department":"Sales","segment":"Gold","deal_value":20000}'
AGENTS=(--agent '{"skills":{"sales_processing":8,"legacy_processing":2},"id":"a1"}' --agent '{"skills":{"sales_processing":5}}')
expect_exit 0 "an item through the JIT" -- "$IWD" eval examples/enterprise.iwd --item "$ITEM" --at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d "${AGENTS[@]}"
cp "$TMP/out" "$TMP/jit.json"
expect_in out '"process":"Sales.Gold","department":"Sales","due":"2026-12-02T10:00:00Z"' "process, department and due (72 office hours)"
expect_in out '{"age":"0h","value":500},{"age":"11h","value":520},{"age":"3d","value":1740}' "priorities at ages (75% of the SLA clock is at 1w4h: no 15m steps yet at 3d)"
expect_in out '{"age":"0h","at":"11h"}' "the next change"
expect_in out '{"agent":1,"at":"11h","eligible":false},{"agent":1,"at":"3d","eligible":true}' "stages open in turn"
expect_exit 0 "the same item through the interpreter" -- "$IWD" eval --no-jit examples/enterprise.iwd --item "$ITEM" --at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d "${AGENTS[@]}"
cp "$TMP/out" "$TMP/interp.json"
expect_exit 0 "both engines print the same" -- cmp "$TMP/interp.json" "$TMP/jit.json"

expect_exit 0 "a rejection is a result" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":0}'
expect_in out '{"rejected":"no process takes the item' "the rejection says why"
expect_exit 1 "a wrong type" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":"x"}'
expect_in err 'attribute `cart_value`: expected a number' "the error names the attribute"
expect_exit 1 "an unknown attribute" -- "$IWD" eval examples/leads.iwd --item '{"cart_valu":3}'
expect_in err 'did you mean `cart_value`?' "with a suggestion"
expect_exit 1 "malformed JSON" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":'
expect_exit 1 "an unknown skill" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --agent '{"skills":{"insde_sales":3}}'
expect_in err 'did you mean `inside_sales`?' "skills are checked"
expect_exit 2 "bad ages" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --ages 1x
expect_exit 2 "a folder of several rulesets" -- "$IWD" eval examples --item '{}'
expect_exit 2 "neither --item nor --items" -- "$IWD" eval examples/leads.iwd

printf '%s\n' '{"cart_value": 900}' 'not json' '{"cart_value": 0}' '' '{"cart_value": 50, "channel": "Marketplace"}' >"$TMP/items.jsonl"
expect_exit 0 "a batch" -- "$IWD" eval examples/leads.iwd --items "$TMP/items.jsonl" --at 2026-11-23T15:00:00Z --stats
expect_in out '"process":"Leads.Hot"' "first line"
expect_in out '{"error":"line 2: malformed JSON' "a bad line gets its own error and the rest go on"
expect_in out '"process":"Leads.Marketplace"' "the last line"
expect_in err "3 items evaluated in" "stats on stderr"
[ "$(wc -l <"$TMP/out")" -eq 4 ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: one line per item"; }
expect_exit 0 "a batch from standard input" -- bash -c "'$IWD' eval examples/leads.iwd --items - < '$TMP/items.jsonl'"
expect_in out '"process":"Leads.Hot"' "stdin works"

finish
