#!/usr/bin/env bash
# `iwd serve` over a journal that fails on purpose (IWD_JOURNAL_FAULT, server/journal_fault.h):
# for each kind (a failed insert, a short commit, a full disk, a failed fsync) the server is
# started with the fault after 6 transactions (the rules line, then 5 creates one by one);
# from the failure on every request is answered 503 journal_failed, a log line names the
# error, /healthz is unhealthy and /metrics says so. It is stopped (SIGTERM, or SIGKILL for
# the kinds that leave frames in the log), restarted without the fault, and exactly the
# acknowledged items are there. Then damage: a changed line, a truncated file, a missing
# snapshot part: the server refuses to start (exit 2) naming the file, table and position.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

create() {  # create ID: the status
  curl -s -o "$TMP/create.out" -w '%{http_code}' -H 'Content-Type: application/json' -X POST "$URL/v1/items" \
    --data-binary "{\"id\":\"$1\",\"department\":\"Sales\",\"segment\":\"Gold\"}"
}
open_ids() {  # the open items' ids, sorted
  curl -s "$URL/v1/queue?state=open&limit=1000" | python3 -c "import json,sys; [print(i['id']) for i in json.load(sys.stdin)['items']]" | sort
}

for kind in write commit full fsync; do
  DATA="$TMP/data-$kind"
  : >"$TMP/serve.log"
  export IWD_JOURNAL_FAULT="$kind:after=6"
  start_server
  unset IWD_JOURNAL_FAULT
  expect_exit 0 "$kind: the server started" -- test -n "$PORT"
  expect_exit 0 "$kind: the fault is announced" -- grep -q "IWD_JOURNAL_FAULT is set: the journal will fail on purpose ($kind after 6" "$TMP/serve.log"
  : >"$TMP/acked"
  status=
  for n in $(seq 1 300); do  # one by one until the first refusal (a full disk first fills its last pages)
    status=$(create "$kind-$n")
    [ "$status" = 201 ] || break
    echo "$kind-$n" >>"$TMP/acked"
  done
  acked=$(wc -l <"$TMP/acked")
  expect_exit 0 "$kind: the first refusal is 503 ($status after $acked creates)" -- test "$status" = 503
  if [ "$kind" = full ]; then
    expect_exit 0 "$kind: at least 5 creates stored first ($acked)" -- test "$acked" -ge 5
  else
    expect_exit 0 "$kind: exactly 5 creates stored first ($acked)" -- test "$acked" -eq 5
  fi
  cp "$TMP/create.out" "$TMP/out"
  expect_in out '"code":"journal_failed"' "$kind: the refusal's code"
  reason="disk I/O error"
  [ "$kind" = full ] && reason="database or disk is full"
  expect_in out "$reason" "$kind: the refusal names the error"
  expect_exit 0 "$kind: a log line names the error" -- grep -q "iwd serve: the journal failed: $reason" "$TMP/serve.log"
  # After it, everything is refused: creates from several clients at once, a batch.
  late=()
  for c in 1 2 3 4 5 6 7 8; do
    create "$kind-late-$c" >"$TMP/late$c" &
    late+=($!)
  done
  wait "${late[@]}"
  expect_exit 0 "$kind: 8 concurrent creates after the failure all 503" -- test "$(cat "$TMP"/late* | tr -d '\n')" = 503503503503503503503503
  rm -f "$TMP"/late*
  expect_call 200 "$kind: a batch after the failure" -- POST /v1/items/batch '{"items":[{"id":"B1","department":"Sales"},{"id":"B2","department":"Sales"}]}'
  expect_in out '"results":[{"status":503,"error":{"code":"journal_failed"' "$kind: each item of the batch 503"
  expect_call 503 "$kind: /healthz is unhealthy" -- GET /healthz
  expect_in out '"code":"journal_failed"' "$kind: /healthz says why"
  expect_in out "$reason" "$kind: /healthz names the error"
  expect_call 200 "$kind: /metrics still answers" -- GET /metrics
  expect_in out 'iwd_journal_failed 1' "$kind: the failure gauge"
  expect_in out 'iwd_journal_failures_total 11' "$kind: the refused changes counted (the first, 8 concurrent, 2 in the batch)"
  if [ "$kind" = commit ] || [ "$kind" = fsync ]; then
    kill -KILL "$PID"  # a crash: what the failed commit left in the log must not come back
    wait "$PID" 2>/dev/null
  else
    stop_server
  fi
  start_server
  expect_exit 0 "$kind: restarted without the fault" -- test -n "$PORT"
  open_ids >"$TMP/present"
  sort "$TMP/acked" >"$TMP/acked.sorted"
  expect_exit 0 "$kind: exactly the acknowledged items after the restart" -- diff "$TMP/acked.sorted" "$TMP/present"
  expect_call 201 "$kind: creates are stored again" -- POST /v1/items '{"id":"again","department":"Sales"}'
  expect_call 200 "$kind: healthy again" -- GET /healthz
  stop_server
done

# Damage: the server refuses to start, naming the file, the table and the position.
serve_once() { timeout 30 "$IWD" serve --rules examples/enterprise.iwd --data "$DATA" --listen 127.0.0.1:0; }
DATA="$TMP/data-write"
python3 - "$DATA/journal.db" <<'EOF'
import sys
path = sys.argv[1]
b = bytearray(open(path, 'rb').read())
at = b.find(b'"id":"write-3"')
assert at > 0
b[at + 12] = ord('8')  # write-3 -> write-8: a line that still reads, but not as written
open(path, 'wb').write(b)
EOF
expect_exit 2 "a changed line: refused" -- serve_once
expect_in err "$DATA/journal.db, table journal: seq" "the changed line's file, table and seq"
expect_in err "the line is damaged (it does not match its checksum)" "the changed line: what is wrong"

DATA="$TMP/data-full"
size=$(stat -c %s "$DATA/journal.db")
truncate -s $((size / 2)) "$DATA/journal.db"
expect_exit 2 "a truncated file: refused" -- serve_once
expect_in err "$DATA/journal.db is damaged" "the truncated file named"

DATA="$TMP/data-commit"
: >"$TMP/serve.log"
start_server
expect_call 200 "a snapshot" -- POST /v1/admin/compact ''
stop_server
python3 - "$DATA/journal.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("DELETE FROM snapshot_parts WHERE field = 'captured' AND part = 0").rowcount
assert n == 1
db.commit()
EOF
expect_exit 2 "a missing snapshot part: refused" -- serve_once
expect_in err "$DATA/journal.db, table snapshot_parts: snapshot" "the snapshot's file, table and number"
expect_in err "is damaged: captured part 1 of 1 (row part=0) is missing" "the missing part"
finish
