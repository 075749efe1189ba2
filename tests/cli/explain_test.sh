#!/usr/bin/env bash
# `iwd explain`: text and JSON, agents, --process, rejections, bad input and usage.
set -u
source "$(dirname "$0")/lib.sh"

ITEM='{"department":"Sales","segment":"Gold","deal_value":20000}'
AT=2026-11-23T09:00:00+01:00
AGENTS=(--agent '{"skills":{"sales_processing":8,"legacy_processing":2},"id":"a1"}' --agent '{"skills":{"sales_processing":5}}')

expect_exit 0 "text" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --at "$AT" --age 2h "${AGENTS[@]}"
cp "$TMP/out" "$TMP/jit.txt"
expect_in out 'Process: Sales.Gold  [examples/enterprise.iwd:68]' "the process and where it is"
expect_in out 'department Finance: when department == "Finance"' "each department tried, as written"
expect_in out '-> false  (department = "Sales")' "the value and the attribute that made it fail"
expect_in out 'Due: 2026-12-02T10:00:00Z' "the due instant (as iwd eval gives it)"
expect_in out 'sat 2026-11-28  no open hours on sat' "closed days of the calendar"
expect_in out 'wed 2026-12-02  08:00-11:00       3h  total 72h: the SLA runs out at 11:00' "where the SLA runs out"
expect_in out 'every 1h add 20: 2 steps x 20' "every steps"
expect_in out '(deal_value ?? 0) >= 10000 -> true' "a define's parts"
expect_in out 'raised to 500' "the clamp"
expect_in out 'next change at age 11h (2026-11-23T19:00:00Z): 520' "the next change"
expect_in out 'skipped at once: preferred_agent is absent' "a skipped agent stage"
expect_in out 'eligible at age 2h through stage 2' "the first agent"
expect_in out 'eligible from age 1d4h24m through stage 3' "the second agent, later"

expect_exit 0 "the interpreter explains alike" -- "$IWD" explain --no-jit examples/enterprise.iwd --item "$ITEM" --at "$AT" --age 2h "${AGENTS[@]}"
cp "$TMP/out" "$TMP/interp.txt"
expect_exit 0 "same text" -- cmp "$TMP/interp.txt" "$TMP/jit.txt"

# The numbers are iwd eval's.
expect_exit 0 "eval of the same item" -- "$IWD" eval examples/enterprise.iwd --item "$ITEM" --at "$AT" --ages 2h "${AGENTS[@]}"
expect_in out '"due":"2026-12-02T10:00:00Z","priority":[{"age":"2h","value":500}],"next_change":[{"age":"2h","at":"11h"}]' "eval agrees"

expect_exit 0 "JSON" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --at "$AT" --age 2h "${AGENTS[@]}" --format json
cp "$TMP/out" "$TMP/explain.json"
expect_exit 0 "JSON parses, with the documented fields" -- /usr/bin/python3 -c "
import json, sys
e = json.load(open('$TMP/explain.json'))
assert list(e) == ['ruleset', 'at', 'age', 'now', 'age_from', 'item', 'classification', 'why_not', 'due', 'priority', 'targets', 'agents'], list(e)
assert e['classification']['process'] == 'Sales.Gold' and e['due']['due'] == '2026-12-02T10:00:00Z'
assert e['priority']['value'] == 500 and e['priority']['min']['applied'] is True
assert e['item']['department'] == '\"Sales\"' and e['item']['segment'] == 'Gold'
assert [a['eligible'] for a in e['agents']] == [True, False] and e['agents'][1]['eligible_from'] == {'age': '1d4h24m', 'stage': 3}
"

# --process: why (not) that process.
expect_exit 0 "why not another process" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --at "$AT" --process Sales.Bronze
expect_in out 'Process Sales.Bronze: process Sales.Gold comes before it in department Sales and takes the item' "the verdict"
expect_exit 0 "why not a process whose condition fails" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --at "$AT" --process Sales.Silver
expect_in out 'Process Sales.Silver: its condition does not hold' "the verdict"
expect_exit 0 "why not a process of another department" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --at "$AT" --process Finance.Gold
expect_in out 'Process Finance.Gold: the condition of its department Finance does not hold' "the verdict"
expect_exit 0 "the process it got" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --at "$AT" --process Sales.Gold
expect_in out 'Process Sales.Gold: the item goes to it' "the verdict"
expect_exit 2 "an unknown process" -- "$IWD" explain examples/enterprise.iwd --item "$ITEM" --process Sales.Gld
expect_in err 'iwd explain: --process: unknown process `Sales.Gld` (did you mean `Sales.Gold`?)' "named, with a suggestion"
# A ruleset without a process: the item rejected in words, and --process told there is none.
NONE=tests/explain/rules/no_processes.iwd
expect_exit 0 "a ruleset without a process" -- "$IWD" explain $NONE --item '{"kind":"order"}' --at "$AT"
expect_in out 'Rejected: no process takes the item' "rejects the item, saying why"
expect_exit 0 "the same as JSON" -- "$IWD" explain $NONE --item '{"kind":"order"}' --at "$AT" --format json
expect_in out '"result": "rejected"' "rejected"
expect_exit 2 "--process on a ruleset without a process" -- "$IWD" explain $NONE --item '{"kind":"order"}' --process Sales.Gold
expect_in err "iwd explain: --process: unknown process \`Sales.Gold\`: $NONE has no process" "says it has none"

# Rejections are explanations, not errors.
expect_exit 0 "a rejected item" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":0}' --at 2026-11-23T15:00:00Z
expect_in out 'Rejected: no process takes the item: no department matches it and there is no default process' "the reason"
expect_in out '-> false  (cart_value = 0)' "and the condition that failed"
expect_not_in out 'Due:' "no due instant for a rejected item"
expect_exit 0 "a missing required attribute" -- "$IWD" explain examples/leads.iwd --item '{"channel":"App"}' --format json
expect_in out '"missing_required": "cart_value"' "named in the JSON"

# Bad input: exit 2, with the runtime decoder's messages (iwd eval's).
expect_exit 2 "malformed JSON" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":'
expect_in err 'iwd explain: --item: malformed JSON at offset' "says where"
expect_exit 2 "a wrong type" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":"x"}'
expect_in err 'iwd explain: --item: attribute `cart_value`: expected a number' "names the attribute"
expect_exit 2 "an unknown attribute" -- "$IWD" explain examples/leads.iwd --item '{"cart_valu":3}'
expect_in err 'did you mean `cart_value`?' "with a suggestion"
expect_exit 2 "an unknown skill" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":9}' --agent '{"skills":{"insde_sales":3}}'
expect_in err 'iwd explain: --agent 1: unknown skill `insde_sales` (did you mean `inside_sales`?)' "skills are checked"
expect_exit 2 "a bad agent" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":9}' --agent '[1]'
expect_in err 'iwd explain: --agent 1: an agent is a JSON object' "says what an agent is"
printf 'attributes { a: int = 0 }\ndepartment D when b > 1 { process P }\n' >"$TMP/broken.iwd"
expect_exit 1 "rules with errors" -- "$IWD" explain "$TMP/broken.iwd" --item '{}'
expect_in err 'error[' "the diagnostics"

# Usage: exit 2.
expect_exit 2 "a bad --at" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":9}' --at yesterday
expect_in err 'iwd explain: --at:' "names the option"
expect_exit 2 "a bad --age" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":9}' --age 1x
expect_exit 2 "a negative --age" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":9}' --age=-1h
expect_exit 2 "no --item" -- "$IWD" explain examples/leads.iwd
expect_exit 2 "a folder of several rulesets" -- "$IWD" explain examples --item '{}'
expect_exit 2 "a missing file" -- "$IWD" explain does/not/exist.iwd --item '{}'
expect_exit 0 "a bundle" -- "$IWD" build examples/leads.iwd -o "$TMP/leads.iwdb"
expect_exit 2 "explanations need the source, not a bundle" -- "$IWD" explain "$TMP/leads.iwdb" --item '{"cart_value":9}'
expect_in err 'is a bundle: this needs the rules' "says so"
expect_exit 2 "a bad --format" -- "$IWD" explain examples/leads.iwd --item '{"cart_value":9}' --format xml
expect_exit 0 "--help" -- "$IWD" explain --help
expect_in out '--process' "documents --process"

finish
