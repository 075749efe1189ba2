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

# Allowing and denying lints: --allow, --deny, --deny-warnings and `// iwd:allow(...)`.
mkdir -p "$TMP/lint"
cat >"$TMP/lint/rules.iwd" <<'IWD'
attributes { deal_value: number = 0 }
define big = deal_value >= 10000
calendar office { mon..fri 08:00-18:00 }
skills { reception }
default process Everything { targets { skill reception > 0 } complete within 1d }
IWD
expect_exit 0 "unused declarations are warnings" -- "$IWD" check "$TMP/lint/rules.iwd"
expect_in out "warning[W0610]" "the unused define is reported"
expect_in out "warning[W0611]" "the unused calendar is reported"
expect_exit 0 "--allow silences a code" -- "$IWD" check --allow W0610 "$TMP/lint/rules.iwd"
expect_not_in out "W0610" "the allowed code is gone"
expect_in out "0 errors, 1 warning" "the other warning stays"
expect_exit 0 "--allow is repeatable and takes names" -- "$IWD" check --allow W0610 --allow unused-calendar "$TMP/lint/rules.iwd"
expect_in out "0 errors, 0 warnings" "both allowed"
expect_exit 1 "--deny makes a code an error" -- "$IWD" check --deny W0611 "$TMP/lint/rules.iwd"
expect_in out "error[W0611]" "the denied code is an error"
expect_in out "warning[W0610]" "other codes stay warnings"
expect_exit 1 "--deny wins over --allow" -- "$IWD" check --allow W0611 --deny W0611 "$TMP/lint/rules.iwd"
expect_in out "error[W0611]" "denied although allowed"
expect_exit 1 "--deny-warnings" -- "$IWD" check --deny-warnings "$TMP/lint/rules.iwd"
expect_exit 0 "--deny-warnings leaves allowed codes alone" -- "$IWD" check --deny-warnings --allow W0610 --allow W0611 "$TMP/lint/rules.iwd"
expect_exit 2 "errors cannot be allowed" -- "$IWD" check --allow E0101 "$TMP/lint/rules.iwd"
expect_in err "iwd check: --allow E0101: E0101 is an error" "a clear message for --allow E0101"
expect_exit 2 "errors cannot be denied" -- "$IWD" check --deny E0302 "$TMP/lint/rules.iwd"
expect_exit 2 "an unknown code is a usage error" -- "$IWD" check --allow W9999 "$TMP/lint/rules.iwd"
expect_in err "--allow W9999: no such diagnostic code" "a clear message for an unknown code"
expect_exit 0 "json without allowed diagnostics" -- "$IWD" check --format json --allow W0610 "$TMP/lint/rules.iwd"
expect_not_in out '"code":"W0610"' "allowed diagnostics are not in the JSON"
expect_in out '"code":"W0611"' "other diagnostics are"

{ printf '// iwd:allow(W0610, W9999)\n/* iwd:allow(E0302) */\n'; cat "$TMP/lint/rules.iwd"; } >"$TMP/lint/allowing.iwd"
expect_exit 0 "a file's allow comment" -- "$IWD" check "$TMP/lint/allowing.iwd"
expect_not_in out "W0610" "allowed in the file"
expect_in out "warning[W0611]" "other codes are not"
expect_in err "allowing.iwd:1: \`iwd:allow\` names \`W9999\`, which is not a diagnostic code" "an unknown code in a comment is named with file and line"
expect_in err "allowing.iwd:2: \`iwd:allow\` names \`E0302\`, an error" "an error code in a comment is named"
expect_exit 1 "a file's allow does not override --deny" -- "$IWD" check --deny W0610 "$TMP/lint/allowing.iwd"
expect_in out "error[W0610]" "denied although the file allows it"

# A shared file imported by two rulesets: a define is unused only if neither uses it.
mkdir -p "$TMP/shared"
printf 'attributes { deal_value: number = 0 }\ndefine big = deal_value >= 10000\ndefine small = deal_value < 10\ndefine nobody = deal_value == 5\n' >"$TMP/shared/_defs.iwd"
printf 'import "_defs.iwd"\ndepartment A {\n  process Big when big\n  process Rest\n}\n' >"$TMP/shared/a.iwd"
printf 'import "_defs.iwd"\ndepartment B {\n  process Small when small\n  process Rest\n}\n' >"$TMP/shared/b.iwd"
expect_exit 0 "two rulesets sharing defines" -- "$IWD" check "$TMP/shared"
expect_in out "define \`nobody\` is never used" "a define neither uses is reported"
expect_not_in out "define \`big\`" "a define one ruleset uses is not"
expect_not_in out "define \`small\`" "nor the other's"
expect_exit 0 "one ruleset alone" -- "$IWD" check "$TMP/shared/a.iwd"
expect_in out "define \`small\` is never used" "alone, the other ruleset's define is unused"

finish
