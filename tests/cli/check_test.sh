#!/usr/bin/env bash
# `iwd check`: exit codes, formats, folders, imports.
set -u
source "$(dirname "$0")/lib.sh"

expect_exit 0 "the examples check clean" -- "$IWD" check examples/
expect_in out "checked 3 files: 0 errors, 0 warnings" "summary line for the examples"

for f in examples/*.iwd; do
  expect_exit 0 "$f checks clean" -- "$IWD" check "$f"
done

expect_exit 2 "a missing file is a usage problem" -- "$IWD" check does/not/exist.iwd
expect_in err "iwd check: cannot read 'does/not/exist.iwd'" "one-line message for a missing file"
expect_not_in err "terminate called" "no exception escapes"

expect_exit 2 "no path at all" -- "$IWD" check
expect_exit 2 "an unknown format" -- "$IWD" check --format xml examples/
expect_exit 0 "--help" -- "$IWD" check --help

cat >"$TMP/bad.iwd" <<'IWD'
priority gold {
  start 400
  evry 1h add 50
}
IWD
expect_exit 1 "a syntax error" -- "$IWD" check "$TMP/bad.iwd"
expect_in out "bad.iwd:3:3: error[E0101]" "clang-style location"
expect_in out "did you mean \`every\`?" "a suggestion"
expect_in out "   3 |   evry 1h add 50" "the source line"

expect_exit 1 "json format" -- "$IWD" check --format json "$TMP/bad.iwd"
expect_in out '"code":"E0101"' "a JSON object per diagnostic"
expect_exit 1 "sarif format" -- "$IWD" check --format sarif "$TMP/bad.iwd"
expect_in out '"version":"2.1.0"' "a SARIF log"
expect_in out '"ruleId":"E0101"' "a SARIF result"

# Warnings pass unless --deny-warnings.
mkdir -p "$TMP/warn"
printf 'priority shared { start 1 }\n' >"$TMP/warn/_shared.iwd"
printf 'import "_shared.iwd"\nimport "_shared.iwd"\ndefault process P { priority shared }\n' >"$TMP/warn/main.iwd"
expect_exit 0 "warnings alone pass" -- "$IWD" check "$TMP/warn/main.iwd"
expect_in out "warning[W0203]" "the duplicate import is a warning"
expect_exit 1 "--deny-warnings makes warnings fail" -- "$IWD" check --deny-warnings "$TMP/warn/main.iwd"

# A folder: files imported by another file are checked through their importer only.
expect_exit 0 "a folder with an imported part" -- "$IWD" check "$TMP/warn"
expect_in out "checked 2 files" "both files were read"

# Imports resolve relative to the importing file, wherever iwd runs.
(cd / && "$IWD" check "$TMP/warn/main.iwd" >"$TMP/out" 2>&1)
expect_in out "0 errors" "imports are relative to the importing file"

finish
