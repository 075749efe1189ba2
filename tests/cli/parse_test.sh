#!/usr/bin/env bash
# `iwd parse --emit=ast`.
set -u
source "$(dirname "$0")/lib.sh"

expect_exit 0 "parse an example" -- "$IWD" parse --emit=ast examples/enterprise.iwd
expect_in out "File examples/enterprise.iwd" "the dump names the file"
expect_in out "Department Sales @" "departments with ranges"
expect_in out "SkillStage @" "target stages"
expect_exit 2 "unknown stage" -- "$IWD" parse --emit=bytecode examples/enterprise.iwd
expect_exit 2 "missing file" -- "$IWD" parse --emit=ast nope.iwd
printf 'department {\n' >"$TMP/bad.iwd"
expect_exit 1 "syntax errors exit 1" -- "$IWD" parse --emit=ast "$TMP/bad.iwd"
expect_in err "error[E0101]" "errors go to stderr"
# `report by` and `outcomes` (LANGUAGE.md 1.1 section 11) in the bound ruleset.
expect_exit 0 "--emit=bound of report by and outcomes" -- "$IWD" parse --emit=bound tests/replay/rules/leads.iwd
expect_in out "ReportBy #9 segment, #10 region" "the dimensions, by attribute"
expect_in out "Outcomes { converted, not_converted, no_answer, duplicate }" "the outcomes, in order"
# last_agent (LANGUAGE.md 1.1 section 3): the ninth core attribute, set by the runtime.
expect_in out "Attribute #8 last_agent: string? (core)" "last_agent among the core attributes"

finish
