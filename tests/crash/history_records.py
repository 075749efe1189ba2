"""The event history's records as a reader sees them (docs/reporting.md): the rows of the view
`history`, then (schema version 7) the records of history_pending's rows, decoded here from
their blobs (history/pending.h's encoding), so that a check after a kill finds the records
`iwd serve` committed as pending exactly as if they were filled.

    rows = records(sqlite3_connection, ("seq", "at", "item", ...))   # tuples, in seq order

Standard library only.
"""

NAMES = ("kind", "reason", "from_state", "to_state", "agent", "department", "process", "outcome", "actor")


def _varint(blob, pos):
    value, shift = 0, 0
    while True:
        byte = blob[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _signed(blob, pos):
    u, pos = _varint(blob, pos)
    return (u >> 1) ^ -(u & 1), pos


def _text(blob, pos):
    n, pos = _varint(blob, pos)
    return blob[pos:pos + n].decode("utf-8", "replace"), pos + n


def pending(db):
    """The records of history_pending as dicts of the view's columns, in seq order ([] before
    version 7). Raises ValueError naming the row when a blob does not decode to its seqs."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    if "history_pending" not in tables:
        return []
    names = dict(db.execute("SELECT id, name FROM history_names"))
    out = []
    for row_id, first, last, blob in db.execute("SELECT id, first_seq, last_seq, records FROM history_pending ORDER BY id"):
        blob = bytes(blob)
        if not blob or blob[0] != 1:
            raise ValueError(f"history_pending row {row_id}: unknown format")
        pos, seq, at = 1, first - 1, 0
        while pos < len(blob):
            r = {}
            step, pos = _varint(blob, pos)
            delta, pos = _signed(blob, pos)
            seq, at = seq + step, at + delta
            r["seq"], r["at"] = seq, at
            for column in NAMES:
                ident, pos = _varint(blob, pos)
                r[column] = names[ident]
            r["item"], pos = _text(blob, pos)
            r["priority"], pos = _signed(blob, pos)
            r["previous_priority"], pos = _signed(blob, pos)
            r["stage"], pos = _signed(blob, pos)
            flags = blob[pos]
            pos += 1
            r["overdue"] = 1 if flags & 2 else 0
            r["due"] = None
            if flags & 1:
                due, pos = _signed(blob, pos)
                r["due"] = at + due
            r["dimension_set"], pos = _varint(blob, pos)
            r["detail"], pos = _text(blob, pos)
            out.append(r)
        if seq != last:
            raise ValueError(f"history_pending row {row_id}: its records end at seq {seq}, not {last}")
    return out


def records(db, columns):
    """The history's records as tuples of `columns` (the view history's names), filled then
    pending, in seq order. Read in one transaction when none is open (a running server fills
    pending records between two reads)."""
    own = not db.in_transaction
    if own:
        db.execute("BEGIN")
    try:
        rows = db.execute(f"SELECT {', '.join(columns)} FROM history ORDER BY seq").fetchall()
        rows += [tuple(r[c] for c in columns) for r in pending(db)]
    finally:
        if own:
            db.rollback()
    return rows
