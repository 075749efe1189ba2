"""The event history's aggregates agree with its records (docs/reporting.md, "Aggregates"):
the per-process cells of history_agg computed again from the records, the way the writer
counts them (history/aggregates.cpp, which mirrors reports/flow.cpp), and compared cell by cell.
After a kill, a restart and recovery, a cell counted twice or lost shows here.

    failures = check(sqlite3_connection)   # a list of sentences, empty when they agree

Standard library only.
"""
import json
import struct
from collections import Counter, defaultdict

BUCKET_MS = 15 * 60 * 1000
COUNTS = ("records", "entered", "completed", "canceled", "expired", "rejected", "completed_overdue", "handle_ms",
          "handled", "first_offer_ms", "first_offers", "backlog_change", "overdue_change")
END_STATES = ("completed", "canceled", "expired")


def expected(rows):
    """{(bucket, process): (Counter of COUNTS, sorted durations, outcomes Counter)} from the records."""
    cells = defaultdict(Counter)
    durations = defaultdict(list)
    outcomes = defaultdict(Counter)
    items = {}

    def changes(s, t, sign):
        cells[(t - t % BUCKET_MS, s["group"])]["backlog_change"] += sign
        if s["due"] is not None:
            late = max(t, s["due"])
            cells[(late - late % BUCKET_MS, s["group"])]["overdue_change"] += sign

    for at, kind, item, reason, frm, to, process, due, overdue, outcome in rows:
        if kind != "item":
            continue
        group = process or "(none)"
        key = (at - at % BUCKET_MS, group)
        c = cells[key]
        c["records"] += 1
        if to == "rejected":
            c["rejected"] += 1
            continue
        s = items.get(item)
        fresh = frm == "none" or s is None
        if fresh or s["group"] != group or s["due"] != due:
            if s is not None:
                changes(s, at, -1)
            if fresh:
                s = items[item] = {"captured": None, "queued": None, "offered": False, "assigned": None,
                                   "handle": 0, "outcome": ""}
            s["group"], s["due"] = group, due
            changes(s, at, +1)
            if frm == "none" and reason != "reload":
                s["captured"] = at
                c["entered"] += 1
        if outcome:
            s["outcome"] = outcome
        if frm == to:
            continue
        if to == "queued" and s["queued"] is None:
            s["queued"] = at
        if to == "offered" and not s["offered"]:
            s["offered"] = True
            if s["queued"] is not None:
                c["first_offer_ms"] += at - s["queued"]
                c["first_offers"] += 1
        if frm == "assigned" and s["assigned"] is not None:
            s["handle"] += at - s["assigned"]
        s["assigned"] = at if to == "assigned" else None
        if to not in END_STATES:
            continue
        c[to] += 1
        if to == "completed":
            c["completed_overdue"] += 1 if overdue else 0
            if s["captured"] is not None:
                durations[key].append(at - s["captured"])
            c["handle_ms"] += s["handle"]
            c["handled"] += 1
            outcomes[key][s["outcome"] or "(none)"] += 1
        changes(s, at, -1)
        del items[item]
    out = {}
    for key in set(cells) | set(durations) | set(outcomes):
        counts = Counter({k: v for k, v in cells[key].items() if v})
        if counts or durations[key] or outcomes[key]:
            out[key] = (counts, sorted(durations[key]), Counter(outcomes[key]))
    return out


def stored(db):
    out = {}
    for row in db.execute(f"SELECT bucket, value, {', '.join(COUNTS)}, complete_ms, outcomes FROM history_agg "
                          "WHERE by_name = 'process'"):
        counts = Counter({k: v for k, v in zip(COUNTS, row[2:2 + len(COUNTS)]) if v})
        blob = bytes(row[-2] or b"")
        durations = sorted(struct.unpack(f"<{len(blob) // 8}q", blob))
        out[(row[0], row[1])] = (counts, durations, Counter(json.loads(row[-1]) if row[-1] else {}))
    return out


def check(db):
    """Sentences for the cells that differ (at most 10), or [] when they agree. A history
    without aggregates (no table history_agg), or one a retention purge cut, is not checked."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    if "history_agg" not in tables or db.execute("SELECT COUNT(*) FROM history_meta WHERE name = 'last_seq'").fetchone()[0]:
        return []
    # One read transaction: a running server commits records and their cells between two reads.
    in_transaction = db.in_transaction
    if not in_transaction:
        db.execute("BEGIN")
    try:
        rows = db.execute("SELECT at, kind, item, reason, from_state, to_state, process, due, overdue, outcome "
                          "FROM history ORDER BY seq").fetchall()
        want, got = expected(rows), stored(db)
    finally:
        if not in_transaction:
            db.rollback()
    failures = []
    for key in sorted(set(want) | set(got)):
        if want.get(key) != got.get(key):
            failures.append(f"history aggregates of bucket {key[0]}, process {key[1]}: "
                            f"records say {want.get(key)}, history_agg holds {got.get(key)}")
    return failures[:10]
