#!/usr/bin/env bash
# `iwd simulate` comparison mode: B is A with more agents (--agents), other rules (--rules-b) or
# another scenario (--scenario-b), over the same arrivals; bad input refused, saying why.
set -u
source "$(dirname "$0")/lib.sh"

run=(simulate examples/blended.iwd examples/blended_scenario.json)
# Each table's rows as {scope: (a, b, b - a, ci95)}, by title.
rows='import json,sys
d = json.load(open(sys.argv[1]))
t = {x["title"].split(";")[0]: {r["scope"]: (r["a"], r["b"], r["b_minus_a"], r["ci95"]) for r in x["rows"]} for x in d["comparison"]}'

expect_exit 0 "two more phone agents" -- "$IWD" "${run[@]}" --agents +2@phone
cp "$TMP/out" "$TMP/first.txt"
expect_in out "Comparison, service level: share taken within 20s (%); A: examples/blended.iwd with examples/blended_scenario.json, B: examples/blended.iwd with examples/blended_scenario.json +2@phone" \
  "the service level table names both sides"
expect_in out "Voice.Inbound" "a row per process"
expect_exit 0 "the same output again" -- "$IWD" "${run[@]}" --agents +2@phone
cp "$TMP/out" "$TMP/again.txt"
expect_exit 0 "byte for byte" -- cmp "$TMP/first.txt" "$TMP/again.txt"
expect_exit 0 "--format json" -- "$IWD" "${run[@]}" --agents +2@phone --format json
cp "$TMP/out" "$TMP/agents.json"
expect_exit 0 "the same arrivals on both sides, more calls answered, shorter call waits" -- python3 -c "$rows
arr = t['Comparison, arrivals in the window']
assert all(a == b and d == 0 for a, b, d, _ in arr.values()), arr
sl = t['Comparison, service level: share taken within 20s (%)']['Voice.Inbound']
assert sl[1] > sl[0] and sl[2] - sl[3] > 0, sl
w = t['Comparison, mean wait until taken (s)']['Voice.Inbound']
assert w[2] < 0 and abs(w[2] - (w[1] - w[0])) < 1e-9, w
assert d['a'] == 'examples/blended.iwd with examples/blended_scenario.json'" "$TMP/agents.json"
expect_exit 0 "occupancy per group and the backlog over time compared too" -- python3 -c "$rows
o = t['Comparison, occupancy per agent group (%)']
assert list(o) == ['phone', 'blend'] and o['phone'][1] < o['phone'][0] and abs(o['phone'][2] - (o['phone'][1] - o['phone'][0])) < 1e-9, o
b = t['Comparison, backlog over time: mean items waiting to be taken, every 1h from the start']
assert list(b) == ['2026-11-23T%02d:00:00Z' % h for h in range(8, 12)], b
assert sum(r[1] for r in b.values()) < sum(r[0] for r in b.values()), b" "$TMP/agents.json"
expect_exit 0 "--interval 15m" -- "$IWD" "${run[@]}" --agents +2@phone --interval 15m
expect_in out "Comparison, backlog over time: mean items waiting to be taken, every 15m from the start" "the backlog every 15 minutes"
expect_in out "2026-11-23T11:45:00Z" "to the last quarter"
expect_exit 0 "--agents -2@phone and +2@blend: both apply" -- "$IWD" "${run[@]}" --agents -2@phone --agents +2@blend
expect_in out "+2@blend" "named in B's label"

# Other rules: calls no longer outrank work items, so calls wait longer and cases less.
sed 's/  start 5000 /  start 500 /' examples/blended.iwd >"$TMP/calls_last.iwd"
expect_exit 0 "--rules-b" -- "$IWD" "${run[@]}" --rules-b "$TMP/calls_last.iwd" --format json
cp "$TMP/out" "$TMP/rules.json"
expect_exit 0 "calls wait longer, cases less" -- python3 -c "$rows
w = t['Comparison, mean wait until taken (s)']
assert w['Voice.Inbound'][2] > 0 and w['BackOffice.Cases'][2] < 0, w" "$TMP/rules.json"

# Another scenario: a sixth phone agent (the same seed): the same as --agents +1@phone.
sed 's/"group": "phone", "count": 5/"group": "phone", "count": 6/' examples/blended_scenario.json >"$TMP/six.json"
expect_exit 0 "--scenario-b" -- "$IWD" "${run[@]}" --scenario-b "$TMP/six.json"
expect_in out "B: examples/blended.iwd with $TMP/six.json" "B is the other scenario"
cp "$TMP/out" "$TMP/six.txt"
expect_exit 0 "--agents +1@phone" -- "$IWD" "${run[@]}" --agents +1@phone
cp "$TMP/out" "$TMP/plus_one.txt"
expect_exit 0 "gives the same numbers as a scenario with one more phone agent" -- bash -c \
  "diff <(grep -v '^Comparison' '$TMP/six.txt') <(grep -v '^Comparison' '$TMP/plus_one.txt')"

# Bad input: exit 2 for an option, 1 for the rules' errors (with the file and the line).
expect_exit 2 "an unknown group" -- "$IWD" "${run[@]}" --agents +2@phnoe
expect_in err "iwd simulate: --agents: \`+2@phnoe\`: the scenario has no agent group \`phnoe\` (did you mean \`phone\`?)" "with a did-you-mean"
expect_exit 2 "a count without its sign" -- "$IWD" "${run[@]}" --agents 2@phone
expect_in err "expected +N@GROUP or -N@GROUP" "says the form"
expect_exit 2 "fewer than none" -- "$IWD" "${run[@]}" --agents -9@phone
expect_in err "the group \`phone\` has 5 agents" "says how many there are"
sed 's/sla 20s/sla 20x/' examples/blended.iwd >"$TMP/bad.iwd"
expect_exit 1 "rules B that do not compile" -- "$IWD" "${run[@]}" --rules-b "$TMP/bad.iwd"
expect_in err "bad.iwd:36:7: error[E0103]" "the compiler's diagnostic, with the file and the line"
[ -s "$TMP/out" ] && { FAILED=$((FAILED + 1)); echo "FAIL: output for bad rules B"; } || PASSED=$((PASSED + 1))
sed 's/"replications": 5/"replications": 3/' examples/blended_scenario.json >"$TMP/three.json"
expect_exit 2 "scenarios with other replications" -- "$IWD" "${run[@]}" --scenario-b "$TMP/three.json"
expect_in err "the scenarios' replications differ (5 and 3): a comparison pairs them" "says why"
sed 's/"back_office": 7/"back_ofice": 7/' examples/blended_scenario.json >"$TMP/bad.json"
expect_exit 1 "a bad scenario B" -- "$IWD" "${run[@]}" --scenario-b "$TMP/bad.json"
expect_in err "bad.json: line 18: the rules declare no skill \`back_ofice\`" "named with its line"
expect_exit 2 "--history with a comparison" -- "$IWD" "${run[@]}" --agents +1@phone --history "$TMP/h.db"

finish
