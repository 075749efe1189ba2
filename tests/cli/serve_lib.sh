# Helpers for the `iwd serve` tests: start the server on loopback, call it with curl.
# Source after lib.sh. DATA is the data folder; extra serve arguments in SERVE_ARGS.
DATA="$TMP/data"
PID=
SERVE_ARGS=${SERVE_ARGS:-}
start_server() {
  rm -f "$TMP/port"
  # shellcheck disable=SC2086
  "$IWD" serve --rules "${RULES:-examples/enterprise.iwd}" --data "$DATA" --listen 127.0.0.1:0 --port-file "$TMP/port" \
    $SERVE_ARGS 2>>"$TMP/serve.log" &
  PID=$!
  for _ in $(seq 200); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  PORT=$(cat "$TMP/port" 2>/dev/null)
  URL="http://127.0.0.1:$PORT"
}
stop_server() {
  kill -TERM "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
}
# call METHOD PATH [BODY]: the status in $TMP/status, the body in $TMP/body. TOKEN: a bearer token.
call() {
  local auth=()
  [ -n "${TOKEN:-}" ] && auth=(-H "Authorization: Bearer $TOKEN")
  if [ $# -ge 3 ]; then
    curl -s -o "$TMP/body" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/json' -X "$1" "$URL$2" --data-binary "$3" >"$TMP/status"
  else
    curl -s -o "$TMP/body" -w '%{http_code}' "${auth[@]}" -X "$1" "$URL$2" >"$TMP/status"
  fi
}
# expect_call STATUS DESCRIPTION -- METHOD PATH [BODY]; the body is then in $TMP/out
expect_call() {
  local want=$1 what=$2
  shift 3
  call "$@"
  if [ "$(cat "$TMP/status")" = "$want" ]; then PASSED=$((PASSED + 1)); else
    FAILED=$((FAILED + 1)); echo "FAIL: $what: status $(cat "$TMP/status"), expected $want"; sed 's/^/  body: /' "$TMP/body"; echo
  fi
  cp "$TMP/body" "$TMP/out"
}
# journal_lines: the journal's lines, in order, into $TMP/out (the server stopped).
journal_lines() {
  python3 - "$DATA/journal.db" >"$TMP/out" <<'PY'
import sqlite3, sys
for (line,) in sqlite3.connect(sys.argv[1]).execute("SELECT line FROM journal ORDER BY seq"):
    print(line)
PY
}
# Two sources (crm, with two tokens, and cases), a supervisor and an admin: $TMP/config.json,
# served with it (SERVE_ARGS), the tokens in CRM, CRM2, CASES, SUP and ADMIN.
two_sources_config() {
  cat >"$TMP/config.json" <<'JSON'
{
  "tokens": [
    {"token": "crm-token-0123456789ab", "role": "source", "name": "crm"},
    {"token": "crm-token-rotated-0123", "role": "source", "name": "crm"},
    {"token": "cases-token-0123456789", "role": "source", "name": "cases"},
    {"token": "supervisor-token-012345", "role": "supervisor", "name": "sam"},
    {"token": "admin-token-0123456789a", "role": "admin", "name": "root"}
  ]
}
JSON
  SERVE_ARGS="--config $TMP/config.json"
  CRM=crm-token-0123456789ab CRM2=crm-token-rotated-0123 CASES=cases-token-0123456789
  SUP=supervisor-token-012345 ADMIN=admin-token-0123456789a
}
