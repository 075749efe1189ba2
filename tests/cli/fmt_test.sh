#!/usr/bin/env bash
# `iwd fmt`: in place, --check, --diff, folders, stdin, syntax errors, exit codes.
set -u
source "$(dirname "$0")/lib.sh"

printf 'define  a=1\npriority p { start 1  max 9 }\n' >"$TMP/messy.iwd"
printf 'define a = 1\n\npriority p {\n  start 1\n  max 9\n}\n' >"$TMP/want.iwd"
cp "$TMP/messy.iwd" "$TMP/messy.orig"

# --check changes nothing, names the file on stderr, exits 1.
expect_exit 1 "--check on an unformatted file" -- "$IWD" fmt --check "$TMP/messy.iwd"
expect_in err "messy.iwd" "--check lists the file"
expect_in err "\`iwd fmt --diff $TMP/messy.iwd\` shows the change" "--check says how to see the change"
cmp -s "$TMP/messy.iwd" "$TMP/messy.orig" && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: --check changed the file"; }

# --diff prints a unified diff and changes nothing.
expect_exit 0 "--diff" -- "$IWD" fmt --diff "$TMP/messy.iwd"
expect_in out "--- $TMP/messy.iwd" "diff header"
expect_in out "@@ -1,2 +1,6 @@" "hunk header"
expect_in out "-define  a=1" "removed line"
expect_in out "+define a = 1" "added line"
expect_in out "+  start 1" "added line in the block"
cmp -s "$TMP/messy.iwd" "$TMP/messy.orig" && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: --diff changed the file"; }

# The diff applies: patch turns the file into its formatted form.
if command -v patch >/dev/null; then
  "$IWD" fmt --diff "$TMP/messy.iwd" >"$TMP/messy.diff"
  cp "$TMP/messy.iwd" "$TMP/patched.iwd"
  if patch -s "$TMP/patched.iwd" <"$TMP/messy.diff" && cmp -s "$TMP/patched.iwd" "$TMP/want.iwd"; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: the diff does not apply"
  fi
fi

# stdin to stdout.
expect_exit 0 "stdin" -- sh -c "\"$IWD\" fmt - <\"$TMP/messy.iwd\""
cmp -s "$TMP/out" "$TMP/want.iwd" && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: stdin output"; cat "$TMP/out"; }

# In place; then the file is formatted: --check passes and a second run changes nothing.
expect_exit 0 "in place" -- "$IWD" fmt "$TMP/messy.iwd"
cmp -s "$TMP/messy.iwd" "$TMP/want.iwd" && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: in place result"; cat "$TMP/messy.iwd"; }
expect_exit 0 "--check on a formatted file" -- "$IWD" fmt --check "$TMP/messy.iwd"
expect_exit 0 "--diff on a formatted file" -- "$IWD" fmt --diff "$TMP/messy.iwd"
[ ! -s "$TMP/out" ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: empty diff expected"; }

# A folder: every .iwd file below it.
mkdir -p "$TMP/dir/sub"
printf 'define b=2\n' >"$TMP/dir/one.iwd"
printf 'define c = 3\n' >"$TMP/dir/sub/two.iwd"
printf 'not rules\n' >"$TMP/dir/notes.txt"
expect_exit 1 "--check a folder" -- "$IWD" fmt --check "$TMP/dir"
expect_in err "one.iwd" "the unformatted file is listed"
expect_not_in err "two.iwd" "the formatted file is not listed"
expect_not_in err "notes.txt" "other files are ignored"
expect_exit 0 "format a folder" -- "$IWD" fmt "$TMP/dir"
expect_exit 0 "the folder is formatted" -- "$IWD" fmt --check "$TMP/dir"

# Comments survive.
printf '// head\ndefine d = 1 // tail\n/* end */\n' >"$TMP/comments.iwd"
expect_exit 0 "comments" -- "$IWD" fmt --check "$TMP/comments.iwd"

# A syntax error: diagnostics on stderr, file unchanged, exit 1.
printf 'priority gold {\n  start 400\n  evry 1h add 50\n}\n' >"$TMP/bad.iwd"
cp "$TMP/bad.iwd" "$TMP/bad.orig"
expect_exit 1 "a syntax error" -- "$IWD" fmt "$TMP/bad.iwd"
expect_in err "bad.iwd:3:3: error[E0101]" "the diagnostic is rendered"
cmp -s "$TMP/bad.iwd" "$TMP/bad.orig" && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: a broken file was changed"; }
expect_exit 1 "a syntax error with --check" -- "$IWD" fmt --check "$TMP/bad.iwd"

# Unreadable paths and usage.
expect_exit 2 "a missing file" -- "$IWD" fmt does/not/exist.iwd
expect_in err "iwd fmt: cannot read 'does/not/exist.iwd'" "one line for a missing file"
expect_not_in err "terminate called" "no exception escapes"
expect_exit 2 "no path" -- "$IWD" fmt
expect_exit 0 "--help" -- "$IWD" fmt --help

# Short blocks written on one line stay on one line when they fit; aligned trailing
# comments stay aligned, a lone one goes one space after its code.
printf 'priority p {\n  start 1    // a\n  max 20     // b\n  overdue 30   // c\n}\n\nattributes { id: string  n: int = 0 }\ndefault process U { sla 2h  targets { skill s > 0 } }\n' >"$TMP/short.iwd"
printf 'priority p {\n  start 1    // a\n  max 20     // b\n  overdue 30 // c\n}\n\nattributes { id: string, n: int = 0 }\n\ndefault process U {\n  sla 2h\n  targets { skill s > 0 }\n}\n' >"$TMP/short.want"
expect_exit 0 "short blocks" -- sh -c "\"$IWD\" fmt - <\"$TMP/short.iwd\""
cmp -s "$TMP/out" "$TMP/short.want" && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: short blocks"; diff "$TMP/short.want" "$TMP/out"; }

# The examples are in the canonical layout (run `iwd fmt examples/` after editing one).
expect_exit 0 "--check examples/" -- "$IWD" fmt --check examples/

finish
