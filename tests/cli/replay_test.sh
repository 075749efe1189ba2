#!/usr/bin/env bash
# `iwd replay`: the example of docs/replay.md, exit codes, standard input, bundles, options.
set -u
source "$(dirname "$0")/lib.sh"

# The example in docs/replay.md, run and compared byte for byte.
block() {  # block MARKER: the fenced block after `<!-- replay-example: MARKER -->`
  awk -v m="<!-- replay-example: $1 -->" '$0 == m {on=1; next} on && /^```/ {if (inside) exit; inside=1; next} inside {print}' docs/replay.md
}
block script >"$TMP/doc_script.jsonl"
block output >"$TMP/doc_expected.json"
[ -s "$TMP/doc_script.jsonl" ] && [ -s "$TMP/doc_expected.json" ] && PASSED=$((PASSED + 1)) ||
  { FAILED=$((FAILED + 1)); echo "FAIL: docs/replay.md lost its example blocks"; }
expect_exit 1 "the documented example (one refused line)" -- "$IWD" replay examples/blended.iwd "$TMP/doc_script.jsonl"
cp "$TMP/out" "$TMP/doc_actual.json"
expect_in err '1 line refused' "the refusal is summed up on stderr"
expect_exit 0 "the documented output is what replay prints" -- diff -u "$TMP/doc_expected.json" "$TMP/doc_actual.json"

# Standard input, and a clean script exits 0.
grep -v acept "$TMP/doc_script.jsonl" >"$TMP/clean.jsonl"
expect_exit 0 "a clean script from standard input" -- bash -c "'$IWD' replay examples/blended.iwd - < '$TMP/clean.jsonl'"
expect_in out '"to":"completed","reason":"complete"' "stdin works"

# A bundle replays like its source.
expect_exit 0 "build a bundle" -- "$IWD" build examples/blended.iwd -o "$TMP/blended.iwdb"
expect_exit 0 "replay from the bundle" -- "$IWD" replay "$TMP/blended.iwdb" "$TMP/clean.jsonl"
cp "$TMP/out" "$TMP/from_bundle.json"
expect_exit 0 "replay from the source" -- "$IWD" replay examples/blended.iwd "$TMP/clean.jsonl"
cp "$TMP/out" "$TMP/from_source.json"
expect_exit 0 "the bundle and the source give the same output" -- cmp "$TMP/from_source.json" "$TMP/from_bundle.json"

# --auto-accept, --policy, --start.
printf '%s\n' '{"at": "0s", "agent": {"id": "a", "skills": {"phone": 1}}}' '{"at": "1s", "capture": {"id": "C", "kind": "Call"}}' >"$TMP/auto.jsonl"
expect_exit 0 "--auto-accept" -- "$IWD" replay examples/blended.iwd "$TMP/auto.jsonl" --auto-accept --start 2026-11-23T08:00:00Z
expect_in out '{"at":"2026-11-23T08:00:01Z","event":"item","item":"C","from":"offered","to":"assigned","reason":"accept"' "offers are accepted at once, from --start"
expect_exit 0 "--policy proficiency" -- "$IWD" replay examples/blended.iwd "$TMP/auto.jsonl" --policy proficiency

# Usage problems exit 2; rules with errors exit 1.
expect_exit 2 "a missing script" -- "$IWD" replay examples/blended.iwd "$TMP/nope.jsonl"
expect_in err "cannot read" "says which file"
expect_exit 2 "a bad policy" -- "$IWD" replay examples/blended.iwd "$TMP/auto.jsonl" --policy fastest
expect_exit 2 "a bad --start" -- "$IWD" replay examples/blended.iwd "$TMP/auto.jsonl" --start tomorrow
expect_exit 2 "missing rules" -- "$IWD" replay "$TMP/none.iwd" "$TMP/auto.jsonl"
printf 'ruleset broken\nattributes { x: nmber }\n' >"$TMP/broken.iwd"
expect_exit 1 "rules with errors" -- "$IWD" replay "$TMP/broken.iwd" "$TMP/auto.jsonl"
expect_in err "error[" "the rules' diagnostics"

# The main job's example day (scripts/run.sh): no refused line, and the same through both engines.
expect_exit 0 "the example day replays cleanly" -- "$IWD" replay examples/enterprise.iwd examples/enterprise_day.jsonl
cp "$TMP/out" "$TMP/day_jit.jsonl"
expect_not_in out '"error"' "no line of the example day is refused"
expect_in out '"event":"widen","item":"S-101"' "S-101's target widens past its preferred agent"
expect_in out '"reason":"rona"' "and a RONA"
expect_exit 0 "the example day through the interpreter" -- "$IWD" replay --no-jit examples/enterprise.iwd examples/enterprise_day.jsonl
cp "$TMP/out" "$TMP/day_interp.jsonl"
expect_exit 0 "the same output" -- cmp "$TMP/day_jit.jsonl" "$TMP/day_interp.jsonl"
finish
