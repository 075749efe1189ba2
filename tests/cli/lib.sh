# Tiny assertion helpers for the CLI tests. Source it; call `finish` at the end.
IWD=${1:?usage: $0 PATH_TO_IWD}
PASSED=0
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

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
