#!/usr/bin/env bash
# `iwd serve` with a damaged page in the history (issue 15): the start checks the journal's own
# tables only (the history shares journal.db and grows with it), so the server starts, every
# item acknowledged is there, and captures go on (the history grows at its end); reading the
# damaged records answers 503 history_unavailable naming the file, the table and the damage.
# A damaged journal is still refused at start (tests/unit/server/journal_damage_test.cpp).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

RULES=tests/replay/rules/leads.iwd
start_server
expect_exit 0 "the server started" -- test -n "$PORT"
for b in 0 1 2; do
  python3 -c "import json; print(json.dumps({'items': [{'id': f'L{$b * 100 + k}', 'segment': 'Gold', 'region': 'EU'} for k in range(100)]}))" >"$TMP/batch"
  expect_call 200 "a batch of 100 captures" -- POST /v1/items/batch "$(cat "$TMP/batch")"
done
expect_call 200 "cancel L7" -- POST /v1/items/L7/cancel ''
stop_server

# A leaf page of the history table, early in it (records of the first captures), its page
# type byte made invalid; the WAL copied into the file first so that it holds the page.
python3 - "$DATA/journal.db" >"$TMP/damage" <<'PY'
import sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
# The leaves in the b-tree's order (their rows in seq order), the second one damaged; an
# item whose capture record is on it.
leaves = db.execute("SELECT pageno, ncell FROM dbstat WHERE name = 'history_rows' AND pagetype = 'leaf' ORDER BY path").fetchall()
page = leaves[1][0]
(item,) = db.execute("SELECT item FROM history ORDER BY seq LIMIT 1 OFFSET ?", (leaves[0][1] + leaves[1][1] // 2,)).fetchone()
size = db.execute("PRAGMA page_size").fetchone()[0]
db.close()
with open(path, "r+b") as f:
    f.seek((page - 1) * size)
    assert f.read(1) == b"\x0d", "a leaf table page"
    f.seek((page - 1) * size)
    f.write(b"\x07")
print(f"damaged page {page} of {len(leaves)} history leaves, holding {item}")
PY
expect_in damage "damaged page" "a history page damaged"

start_server
expect_exit 0 "the server starts on a damaged history" -- test -n "$PORT"
expect_call 200 "the open items" -- GET '/v1/stats/queue?by=process'
expect_in out '"open":299' "all 299 open items acknowledged are there"
expect_call 200 "L1 is there" -- GET /v1/items/L1
expect_call 200 "and L299" -- GET /v1/items/L299
expect_call 201 "a capture goes on" -- POST /v1/items '{"id":"N1","segment":"Silver","region":"US"}'
ON_PAGE=$(sed 's/.*holding //' "$TMP/damage")
expect_call 503 "reading records on the damaged page is an error" -- GET "/v1/items/$ON_PAGE/history"
expect_in out '"code":"history_unavailable"' "the history unavailable"
expect_in out 'journal.db, table history: database disk image is malformed' "naming the file, the table and the damage"
stop_server
start_server
expect_call 200 "after another restart" -- GET '/v1/stats/queue?by=process'
expect_in out '"open":300' "the 299 and N1"
stop_server
finish
