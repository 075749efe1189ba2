#!/usr/bin/env bash
# `iwd test`: the examples pass; failures name the expectation, the place and the actual value.
set -u
source "$(dirname "$0")/lib.sh"

expect_exit 0 "the examples' tests pass" -- "$IWD" test examples/
expect_in out "11 passed, 0 failed" "the closing line"
expect_exit 0 "and with the interpreter" -- "$IWD" test --no-jit examples/
expect_in out "11 passed, 0 failed" "the same count"

cat >"$TMP/wrong.iwd" <<'IWD'
attributes { kind: string }
skills { s }
priority p { start 10  every 1h add 5 }
department D when kind == "d" { sla 2h  priority p  targets { skill s > 3 }  process P }
default process Other
test "right" {
  given { kind: "d" }
  expect process D.P
  expect priority 15 at 1h
}
test "wrong" {
  given { kind: "d" }
  expect process Other
  expect priority 16 at 1h
  expect eligible { s: 2 } at 0h
  expect due 2026-01-05T10:00:00Z
  expect priority 99 at 28h23m
}
IWD
expect_exit 1 "a failing test exits 1" -- "$IWD" test "$TMP/wrong.iwd"
expect_in out "PASS $TMP/wrong.iwd:6 right" "a passing test"
expect_in out "FAIL $TMP/wrong.iwd:11 wrong" "a failing test with its place"
expect_in out "wrong.iwd:13:3: expect process Other: got process D.P" "expectation and actual value"
expect_in out "wrong.iwd:14:3: expect priority 16 at 1h: got priority 15" "priority"
expect_in out "expect eligible { s: 2 } at 0h: got not eligible" "eligibility, at the age as written"
expect_in out "expect due 2026-01-05T10:00:00Z: got due 2026-01-05T11:00:00Z" "due"
expect_in out "wrong.iwd:17:3: expect priority 99 at 28h23m: got priority" "hours stay hours, as the test writes them"
expect_in out "1 passed, 1 failed" "the closing line counts tests"
expect_exit 1 "json" -- "$IWD" test --format json "$TMP/wrong.iwd"
cp "$TMP/out" "$TMP/result.json"
expect_exit 0 "the json parses" -- /usr/bin/python3 -c "import json,sys; d=json.load(open('$TMP/result.json')); sys.exit(0 if d['failed']==1 and d['passed']==1 else 1)"
expect_exit 1 "junit" -- "$IWD" test --format junit "$TMP/wrong.iwd"
cp "$TMP/out" "$TMP/result.xml"
expect_exit 0 "the junit parses" -- /usr/bin/python3 -c "import xml.etree.ElementTree as E; r=E.parse('$TMP/result.xml').getroot(); import sys; sys.exit(0 if r.find('testsuite').get('failures')=='5' else 1)"

# Coverage: what no test reached.
expect_exit 1 "coverage" -- "$IWD" test --coverage "$TMP/wrong.iwd"
expect_in out "coverage of $TMP/wrong.iwd: 2 of 4 reached (50%)" "departments, processes and stages are counted"
expect_in out "not reached: $TMP/wrong.iwd:5: process \`Other\`" "the default process no test took"
expect_in out "stage 1 of targets" "the stage no agent was taken by"
expect_exit 0 "a threshold met" -- "$IWD" test --coverage-threshold 60 examples/leads.iwd
expect_exit 1 "a threshold missed" -- "$IWD" test --coverage-threshold 90 examples/leads.iwd
expect_in err "coverage 66.7% is below the threshold of 90%" "says by how much"

printf 'department {\n' >"$TMP/broken.iwd"
expect_exit 1 "rules with errors fail" -- "$IWD" test "$TMP/broken.iwd"
expect_in err "error[E0101]" "their diagnostics on stderr"
expect_exit 2 "a missing path" -- "$IWD" test nope.iwd

finish
