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
# another file system than the binary: TMPDIR elsewhere) a copy there pins it as well, and
# stderr says so; where the copy cannot be made or cannot run (no room, TMP mounted noexec) the
# binary runs in place, unpinned, as before the pinning, and stderr says so. A binary that is not
# there ends the test at once, exit 2. (All three checked by report_test.sh.)
if [ ! -f "$IWD" ] || [ ! -x "$IWD" ]; then
  echo "tests/cli/lib.sh: cannot pin the binary $IWD: no executable file there" >&2
  exit 2
fi
if ln "$IWD" "$TMP/iwd" 2>/dev/null; then
  IWD="$TMP/iwd"
elif cp "$IWD" "$TMP/iwd" 2>/dev/null && "$TMP/iwd" --version >/dev/null 2>&1; then
  echo "tests/cli/lib.sh: $IWD cannot be hard-linked into $TMP (another file system?): the test runs a copy of it" >&2
  IWD="$TMP/iwd"
else
  rm -f "$TMP/iwd"
  echo "tests/cli/lib.sh: $IWD can be neither hard-linked into $TMP nor run from a copy there (no room, or noexec?): the test runs it in place, unpinned" >&2
fi

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
