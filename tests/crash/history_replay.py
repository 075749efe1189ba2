#!/usr/bin/env python3
"""The same event history from `iwd serve` and from `iwd replay --history` fed the same
operations (docs/reporting.md): a serve run with API tokens does a day's worth of item and
agent operations, stops; its journal (the operations as replay script lines, with their
instants) is replayed with --history; both histories must hold the same records, column by
column, but the actor: the serve's names the tokens, `rules` and `timer`, the replay's `replay`.

    python3 tests/crash/history_replay.py --iwd build/bin/iwd

Registered as the ctest case `crash/history_replay`. Standard library only.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import history_aggregates  # noqa: E402
from serve import Client, Server  # noqa: E402

RULES = "tests/replay/rules/leads.iwd"
TOKENS = {"crm": ("crm-token-0123456789", "source", None), "sup": ("sup-token-0123456789", "supervisor", None),
          "ann-app": ("ann-token-0123456789", "agent", "ann"), "bob-app": ("bob-token-0123456789", "agent", "bob")}
COLUMNS = ("seq, at, kind, item, reason, from_state, to_state, agent, department, process, priority, previous_priority, "
           "stage, due, overdue, dimensions, outcome, detail")


class Caller:
    def __init__(self, port, name):
        self.client = Client(port)
        self.client.headers = {"Authorization": f"Bearer {TOKENS[name][0]}"}

    def __call__(self, method, path, body=None, want=(200, 201)):
        status, reply = self.client.call(method, path, body)
        if status not in want:
            raise SystemExit(f"{method} {path} {body}: {status} {reply}")
        return reply


def operate(port):
    crm, sup, ann, bob = (Caller(port, n) for n in ("crm", "sup", "ann-app", "bob-app"))
    sup("PUT", "/v1/agents/ann", {"skills": {"sales": 3}})
    sup("PUT", "/v1/agents/bob", {"skills": {"sales": 1}, "state": "not_ready", "reason": "lunch"})
    for k, seg in enumerate(["Gold", "Silver", "Gold", "Silver", "Gold", "Silver"], 1):
        crm("POST", "/v1/items", {"id": f"L{k}", "segment": seg, "region": "EU" if k % 2 else "US"})
    ann("POST", "/v1/items/L1/accept")
    ann("POST", "/v1/items/L1/done", {"outcome": "converted"})
    crm("POST", "/v1/items/L1/complete")
    sup("PUT", "/v1/agents/bob/state", {"state": "ready"})
    offers = bob("GET", "/v1/agents/bob/offers")
    offers = offers.get("offers", offers.get("items", [])) if isinstance(offers, dict) else offers
    if not offers:
        raise SystemExit(f"bob has no offer: {offers}")
    bob("POST", f"/v1/items/{offers[0]['id']}/reject")
    crm("PATCH", "/v1/items/L4", {"region": "APAC"})
    crm("POST", "/v1/items/L5/hold")
    crm("POST", "/v1/items/L5/resume")
    crm("POST", "/v1/items/L6/cancel")
    crm("POST", "/v1/items", {"id": "L7", "segment": "Purple"}, want=(422,))  # refused: no record


def rows(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(f"SELECT {COLUMNS} FROM history_v ORDER BY seq").fetchall(), \
            db.execute("SELECT item, reason, actor FROM history ORDER BY seq").fetchall()
    finally:
        db.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iwd", required=True)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="iwd-history-replay-")
    try:
        config = os.path.join(work, "config.json")
        with open(config, "w") as f:
            json.dump({"tokens": [dict({"token": t, "role": r, "name": n}, **({"agent": a} if a else {}))
                                  for n, (t, r, a) in TOKENS.items()]}, f)
        server = Server(args.iwd, work)
        data = os.path.join(work, "data")
        server.start(RULES, data, config)
        try:
            operate(server.port)
        finally:
            rc = server.term()
        if rc != 0:
            raise SystemExit(f"iwd serve exited with {rc}: {server.log_tail()}")
        db = sqlite3.connect(os.path.join(data, "journal.db"))
        lines = [r[0] for r in db.execute("SELECT line FROM journal ORDER BY seq") if '"rules":' not in r[0]]
        db.close()
        script = os.path.join(work, "journal.jsonl")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        replayed = os.path.join(work, "replay.db")
        subprocess.run([args.iwd, "replay", RULES, script, "--history", replayed], check=True, stdout=subprocess.DEVNULL)
        served, served_actors = rows(os.path.join(data, "journal.db"))
        again, replay_actors = rows(replayed)
        problems = []
        if len(served) < 20:
            problems.append(f"only {len(served)} records from serve")
        for k in range(max(len(served), len(again))):
            a = served[k] if k < len(served) else None
            b = again[k] if k < len(again) else None
            if a != b:
                problems.append(f"record {k + 1}: serve {a} / replay {b}")
        actors = {(i, r): a for i, r, a in served_actors}
        if not any(r == "reject" and a == "bob-app" for _, r, a in served_actors):
            problems.append("no reject by bob-app")
        for key, want in {("L1", "capture"): "crm", ("L1", "accept"): "ann-app", ("L1", "offer"): "rules",
                          ("", "lunch"): "sup"}.items():
            if actors.get(key) != want:
                problems.append(f"actor of {key}: {actors.get(key)}, expected {want}")
        for path in (os.path.join(data, "journal.db"), replayed):  # the aggregates agree with the records
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            problems += [f"{os.path.basename(path)}: {x}" for x in history_aggregates.check(db)]
            db.close()
        if {a for _, _, a in replay_actors} - {"replay", "rules", "timer"}:
            problems.append(f"replay actors: {sorted({a for _, _, a in replay_actors})}")
        for x in problems[:20]:
            print("FAIL", x)
        print(f"{len(served)} records from serve, {len(again)} from the replay of its journal: "
              f"{'the same' if not problems else f'{len(problems)} problem(s)'}")
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
