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
# another file system) the binary is run where it is.
ln "$IWD" "$TMP/iwd" 2>/dev/null && IWD="$TMP/iwd"

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
