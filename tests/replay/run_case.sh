#!/usr/bin/env bash
# One replay scenario: `run_case.sh IWD CASE.jsonl [--update]`, from the repository root.
#
# A case file is a replay script (docs/replay.md) whose comment lines name the rules and any
# extra arguments of `iwd replay`, followed by the expected output:
#
#   // rules: tests/replay/rules/desk.iwd
#   // args: --auto-accept
#   {"at": "0s", "agent": {"id": "a1", "skills": {"phone": 5}}}
#   ...
#   // ==== expected ====
#   {"at":"2026-01-05T09:00:00Z","event":"agent",...}
#
# The script is every line before the marker, so line numbers in "error" objects count from
# the top of the case file. The case passes when the output equals the expected part byte
# for byte, through the JIT and through the interpreter (--no-jit). `--update` (or
# IWD_REPLAY_UPDATE=1) rewrites the expected part from the actual output instead.
set -u
IWD=$1
CASE=$2
UPDATE=${3:-}
[ "${IWD_REPLAY_UPDATE:-}" = 1 ] && UPDATE=--update
MARKER='// ==== expected ===='
rules=$(sed -n 's|^// rules: *||p' "$CASE" | head -1)
args=$(sed -n 's|^// args: *||p' "$CASE" | head -1)
if [ -z "$rules" ]; then
  echo "$CASE: no '// rules: PATH' line"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v m="$MARKER" '$0 == m {exit} {print}' "$CASE" >"$tmp/script.jsonl"
awk -v m="$MARKER" 'found {print} $0 == m {found=1}' "$CASE" >"$tmp/expected"

run() {  # run OUTPUT [extra args]
  local out=$1
  shift
  # shellcheck disable=SC2086  # $args holds several words on purpose
  "$IWD" replay "$rules" "$tmp/script.jsonl" $args "$@" >"$out" 2>"$tmp/err"
  local code=$?
  if [ "$code" -gt 1 ]; then
    echo "$CASE: iwd replay exited $code"
    cat "$tmp/err"
    exit 1
  fi
}

run "$tmp/actual"
if [ "$UPDATE" = --update ]; then
  { cat "$tmp/script.jsonl"; echo "$MARKER"; cat "$tmp/actual"; } >"$CASE"
  echo "updated $CASE ($(wc -l <"$tmp/actual") lines)"
  exit 0
fi
if ! cmp -s "$tmp/expected" "$tmp/actual"; then
  echo "$CASE: the output differs from the expected part (- expected, + actual):"
  diff -u "$tmp/expected" "$tmp/actual" | tail -n +3
  exit 1
fi
run "$tmp/again"
if ! cmp -s "$tmp/actual" "$tmp/again"; then
  echo "$CASE: a second run printed something else"
  exit 1
fi
run "$tmp/interpreted" --no-jit
if ! cmp -s "$tmp/actual" "$tmp/interpreted"; then
  echo "$CASE: the interpreter (--no-jit) printed something else than the JIT:"
  diff -u "$tmp/actual" "$tmp/interpreted" | tail -n +3
  exit 1
fi
echo "ok: $(wc -l <"$tmp/actual") lines, the same twice and through the interpreter"
