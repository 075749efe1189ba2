#!/usr/bin/env bash
# `iwd eval`: batches, standard input, and the same answers as iwd replay and iwd serve. One
# item's answer, rejections and bad input, each through the JIT and the interpreter, are the
# data-file cases in tests/eval/ (mode `eval`, docs/testing.md).
set -u
source "$(dirname "$0")/lib.sh"

printf '%s\n' '{"cart_value": 900}' 'not json' '{"cart_value": 0}' '' '{"cart_value": 50, "channel": "Marketplace"}' \
  '{"channel": "App"}' '{"cart_value": "x"}' >"$TMP/items.jsonl"
expect_exit 0 "a batch" -- "$IWD" eval examples/leads.iwd --items "$TMP/items.jsonl" --at 2026-11-23T15:00:00Z --stats
expect_in out '"process":"Leads.Hot"' "first line"
expect_in out '{"error":"line 2: malformed JSON' "a bad line gets its own error and the rest go on"
expect_in out '"process":"Leads.Marketplace"' "the last line"
expect_in out '{"rejected":"missing required attribute `cart_value`"}' "a rejection in a batch"
expect_in out '{"rejected":"attribute `cart_value`: expected a number, got a string"}' "a refusal in a batch"
expect_in err "5 items evaluated in" "stats on stderr"
[ "$(wc -l <"$TMP/out")" -eq 6 ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: one line per item"; }
expect_exit 0 "a batch from standard input" -- bash -c "'$IWD' eval examples/leads.iwd --items - < '$TMP/items.jsonl'"
expect_in out '"process":"Leads.Hot"' "stdin works"

# The same answer as the runtime's: iwd replay captures the same items at the same instant.
cat >"$TMP/script.jsonl" <<'JSONL'
{"start": "2026-11-23T08:00:00Z"}
{"at": "0s", "capture": {"id": "W1", "department": "Sales", "segment": "Silver", "deal_value": 20000}}
{"at": "0s", "capture": {"id": "W2", "segment": "Silver"}}
{"at": "0s", "capture": {"id": "W3", "department": "Sales", "segment": 7}}
{"at": "30d"}
JSONL
expect_exit 1 "the runtime's answers (one capture refused)" -- "$IWD" replay examples/enterprise.iwd "$TMP/script.jsonl"
cp "$TMP/out" "$TMP/replay.jsonl"
expect_exit 0 "eval agrees with the runtime: process, priority at every change, due, stage openings, rejections" -- /usr/bin/python3 - "$IWD" "$TMP/replay.jsonl" <<'PY'
import json, subprocess, sys
iwd, replay = sys.argv[1], [json.loads(l) for l in open(sys.argv[2])]
def ev(item, ages="0h", *more):
    out = subprocess.run([iwd, "eval", "examples/enterprise.iwd", "--at", "2026-11-23T08:00:00Z", "--item", json.dumps(item),
                          "--ages", ages, *more], capture_output=True, text=True, check=True).stdout
    return json.loads(out)
def age(at):  # from 2026-11-23T08:00:00Z, whole hours or days
    import datetime
    d = datetime.datetime.fromisoformat(at.replace("Z", "+00:00")) - datetime.datetime(2026, 11, 23, 8, tzinfo=datetime.timezone.utc)
    return f"{int(d.total_seconds() * 1000)}ms"
def ms(duration):  # "2d5h" -> milliseconds
    import re
    units = {"w": 604800000, "d": 86400000, "h": 3600000, "m": 60000, "s": 1000, "ms": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|w|d|h|m|s)", duration))
events = [e for e in replay if e.get("item") == "W1" and e["event"] in ("item", "priority")]
assert len(events) > 20, events
ages = ",".join(age(e["at"]) for e in events)
got = ev({"department": "Sales", "segment": "Silver", "deal_value": 20000}, ages)
assert got["process"] == events[0]["process"] == "Sales.Silver", (got, events[0])
for e, p in zip(events, got["priority"]):
    assert p["value"] == e["priority"], (e, p)
# The due instant: where the `overdue` value (2000) takes over in the runtime.
assert [e["at"] for e in events if e["priority"] == 2000][:1] == [got["due"]], (got["due"], events[-1])
# The stages: the runtime widens the item's targets when each later stage opens.
widened = [e for e in replay if e.get("item") == "W1" and e["event"] == "widen"]
assert len(widened) == len([s for s in got["stages"] if s["opens"] not in (None, "0s")]) > 0, (widened, got["stages"])
for e in widened:
    assert age(e["at"]) == f"{ms(got['stages'][e['stage']]['opens'])}ms", (e, got["stages"])
# Rejections and refusals, worded alike.
rejected = next(e for e in replay if e.get("item") == "W2")
assert rejected["to"] == "rejected" and ev({"segment": "Silver"}) == {"rejected": rejected["detail"]}, rejected
refused = next(e for e in replay if "error" in e)
assert refused["error"] == "capture: " + ev({"department": "Sales", "segment": 7})["rejected"], refused
PY

# And with iwd serve's answers (loopback, the real clock): the same process, due instant and
# priority at capture, and the same words for what it rejects or refuses.
source "$(dirname "$0")/serve_lib.sh"
start_server
expect_exit 0 "the server started" -- test -n "$PORT"
expect_call 201 "a capture" -- POST /v1/items '{"id":"S1","department":"Sales","segment":"Silver","deal_value":20000}'
cp "$TMP/out" "$TMP/captured.json"
expect_call 422 "a capture the rules reject (422 rejected, the id not burnt)" -- POST /v1/items '{"id":"S2","segment":"Silver"}'
cp "$TMP/out" "$TMP/rejected.json"
expect_call 422 "a capture the runtime refuses" -- POST /v1/items '{"id":"S3","department":"Sales","segment":7}'
cp "$TMP/out" "$TMP/refused.json"
stop_server
expect_exit 0 "eval agrees with iwd serve" -- /usr/bin/python3 - "$IWD" "$TMP" <<'PY'
import json, subprocess, sys
iwd, tmp = sys.argv[1], sys.argv[2]
captured = json.load(open(f"{tmp}/captured.json"))
def ev(item, at):
    out = subprocess.run([iwd, "eval", "examples/enterprise.iwd", "--at", at, "--item", json.dumps(item), "--ages", "0h"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
at = captured["attributes"]["captured_at"]
got = ev({"department": "Sales", "segment": "Silver", "deal_value": 20000}, at)
assert (got["process"], got["due"], got["priority"][0]["value"]) == (captured["process"], captured["due"], captured["priority"]), (got, captured)
rejected = json.load(open(f"{tmp}/rejected.json"))
assert rejected["error"]["code"] == "rejected" and ev({"segment": "Silver"}, at) == {"rejected": rejected["error"]["reason"]}, rejected
refused = json.load(open(f"{tmp}/refused.json"))
assert refused["error"]["message"] == "capture: " + ev({"department": "Sales", "segment": 7}, at)["rejected"], refused
PY

finish
