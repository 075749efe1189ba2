#!/usr/bin/env bash
# SARIF of real diagnostics (every golden file) validates against the published schema.
set -u
source "$(dirname "$0")/lib.sh"

SCHEMA=${IWD_SARIF_SCHEMA:-.tools/sarif/sarif-schema-2.1.0.json}
if [ ! -s "$SCHEMA" ]; then
  echo "FAIL: the SARIF schema is missing at $SCHEMA: run scripts/setup.sh"
  exit 1
fi
"$IWD" check --format sarif tests/golden >"$TMP/golden.sarif" 2>/dev/null
expect_exit 0 "the SARIF log validates" -- /usr/bin/python3 tests/sarif/validate.py "$SCHEMA" "$TMP/golden.sarif"
expect_exit 0 "it holds hundreds of results" -- /usr/bin/python3 -c "
import json, sys
run = json.load(open('$TMP/golden.sarif'))['runs'][0]
sys.exit(0 if len(run['results']) > 300 and len(run['tool']['driver']['rules']) > 50 else 1)"
"$IWD" check --format sarif examples >"$TMP/examples.sarif"
expect_exit 0 "a clean run is a valid, empty log" -- /usr/bin/python3 tests/sarif/validate.py "$SCHEMA" "$TMP/examples.sarif"
finish
