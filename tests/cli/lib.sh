# Tiny assertion helpers for the CLI tests. Source it; call `finish` at the end.
IWD=${1:?usage: $0 PATH_TO_IWD}
PASSED=0
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The binary as it is when the test starts, pinned by a hard link in TMP. A build that relinks
# it meanwhile (the shared build folder's other builds: GNU ld unlinks the file and writes a new
# one over seconds, executable only at the end) made every later run of it fail with exit 126
# (cli/report, under ctest -j2 beside builds: issue 15). Where no hard link can be made (TMP on
# another file system than the binary: TMPDIR elsewhere) it is copied there instead, which pins
# it as well at the cost of its size, and stderr says so; a binary that can be neither linked
# nor copied (no such file) ends the test at once, exit 2 (both checked by report_test.sh).
if ! ln "$IWD" "$TMP/iwd" 2>/dev/null; then
  if ! cp "$IWD" "$TMP/iwd"; then
    echo "tests/cli/lib.sh: cannot pin the binary $IWD: neither a hard link nor a copy of it in $TMP could be made" >&2
    exit 2
  fi
  echo "tests/cli/lib.sh: $IWD cannot be hard-linked into $TMP (another file system?): the test runs a copy of it" >&2
fi
IWD="$TMP/iwd"

# expect_exit CODE DESCRIPTION -- COMMAND...
expect_exit() {
  local want=$1 what=$2
  shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: $what: exit $got, expected $want"
    sed 's/^/  out: /' "$TMP/out" | head -20
    sed 's/^/  err: /' "$TMP/err" | head -20
  fi
}

# expect_in FILE(out|err) TEXT DESCRIPTION
expect_in() {
  if grep -qF -- "$2" "$TMP/$1"; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: $3: '$2' not in std$1"
    sed "s/^/  $1: /" "$TMP/$1" | head -20
  fi
}

expect_not_in() {
  if grep -qF -- "$2" "$TMP/$1"; then
    FAILED=$((FAILED + 1))
    echo "FAIL: $3: '$2' should not be in std$1"
  else
    PASSED=$((PASSED + 1))
  fi
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
