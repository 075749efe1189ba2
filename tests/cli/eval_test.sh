#!/usr/bin/env bash
# `iwd eval`: one item, batches, the JIT and the interpreter agree, errors.
set -u
source "$(dirname "$0")/lib.sh"

ITEM='{"department":"Sales","segment":"Gold","deal_value":20000}'
AGENTS=(--agent '{"skills":{"sales_processing":8,"legacy_processing":2},"id":"a1"}' --agent '{"skills":{"sales_processing":5}}')
expect_exit 0 "an item through the JIT" -- "$IWD" eval examples/enterprise.iwd --item "$ITEM" --at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d "${AGENTS[@]}"
cp "$TMP/out" "$TMP/jit.json"
expect_in out '"process":"Sales.Gold","department":"Sales","due":"2026-12-02T10:00:00Z"' "process, department and due (72 office hours)"
expect_in out '{"age":"0h","value":500},{"age":"11h","value":520},{"age":"3d","value":1740}' "priorities at ages (75% of the SLA clock is at 1w4h: no 15m steps yet at 3d)"
expect_in out '{"age":"0h","at":"11h"}' "the next change"
expect_in out '{"agent":1,"at":"11h","eligible":false},{"agent":1,"at":"3d","eligible":true}' "stages open in turn"
expect_in out '"terms":{"offer_timeout":"30s","complete_within":"2h","expire_after":null,"media":null}' "the process's terms"
expect_in out '"stages":[{"kind":"agent","opens":"0s","agent":null},{"kind":"skill","opens":"0s"},{"kind":"skill","opens":"1d4h24m"}' "each stage and when it opens (an absent agent: skipped at once)"
expect_exit 0 "the same item through the interpreter" -- "$IWD" eval --no-jit examples/enterprise.iwd --item "$ITEM" --at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d "${AGENTS[@]}"
cp "$TMP/out" "$TMP/interp.json"
expect_exit 0 "both engines print the same" -- cmp "$TMP/interp.json" "$TMP/jit.json"

expect_exit 0 "a rejection is a result" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":0}'
expect_in out '{"rejected":"no process takes the item' "the rejection says why"
# Agents as the runtime holds them: an `agent` stage takes the agent it names (an agent given
# without id: none), `agent.NAME` reads the agent's attributes.
expect_exit 0 "agent ids and attributes" -- "$IWD" eval tests/explain/rules/claims.iwd --at 2026-11-20T08:00:00Z \
  --item '{"severity":"Low","tags":["x"],"preferred_agent":"a1"}' --ages 0h,1d1h \
  --agent '{"id":"a1"}' --agent '{}' --agent '{"id":"b","attributes":{"team":"claims"}}' --agent '{"id":"c","attributes":{"team":"other"}}'
expect_in out '{"agent":0,"at":"0h","eligible":true}' "the agent the item names"
expect_in out '{"agent":1,"at":"0h","eligible":false},{"agent":1,"at":"1d1h","eligible":false}' "an agent without id is no one's preferred agent"
expect_in out '{"agent":2,"at":"0h","eligible":false},{"agent":2,"at":"1d1h","eligible":true}' "agent.team read from its attributes"
expect_in out '{"agent":3,"at":"1d1h","eligible":false}' "another team"

# What the runtime refuses or rejects at capture is a result, worded as the runtime words it.
expect_exit 0 "a missing required attribute is the runtime's rejection" -- "$IWD" eval examples/leads.iwd --item '{"channel":"App"}'
expect_in out '{"rejected":"missing required attribute `cart_value`"}' "named"
expect_exit 0 "a wrong type is refused as the runtime refuses it" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":"x"}'
expect_in out '{"rejected":"attribute `cart_value`: expected a number, got a string"}' "the message names the attribute"
expect_exit 0 "an unknown attribute" -- "$IWD" eval examples/leads.iwd --item '{"cart_valu":3}'
expect_in out '{"rejected":"unknown attribute `cart_valu` (did you mean `cart_value`?)"}' "with a suggestion"
# What is not an item, or not an agent, is bad input: exit 2, saying what and where.
expect_exit 2 "malformed JSON" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":'
expect_in err 'iwd eval: --item: malformed JSON at offset 14' "says where"
expect_exit 2 "not an object" -- "$IWD" eval examples/leads.iwd --item '[1]'
expect_in err 'iwd eval: --item: expected a JSON object of attributes, got a list' "says what it got"
expect_exit 2 "an unknown skill" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --agent '{"skills":{"insde_sales":3}}'
expect_in err 'iwd eval: --agent 1: unknown skill `insde_sales` (did you mean `inside_sales`?)' "skills are checked, by the runtime's decoder"
expect_exit 2 "a bad level" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --agent '{"id":"a1"}' --agent '{"skills":{"inside_sales":11}}'
expect_in err 'iwd eval: --agent 2: skill `inside_sales`: a level is a whole number from 0 to 10' "which agent and which field"
expect_exit 2 "an unknown agent field" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --agent '{"skils":{}}'
expect_in err 'iwd eval: --agent 1: unknown field `skils` (did you mean `skills`?)' "as iwd serve says it"
expect_exit 2 "an agent that is not an object" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --agent '[1]'
expect_in err 'iwd eval: --agent 1: an agent is a JSON object' "says what an agent is"
expect_exit 0 "an agent as iwd serve takes it: capacity and state are accepted" -- "$IWD" eval examples/blended.iwd --item '{"kind":"Call"}' --agent '{"id":"v","skills":{"phone":3},"capacity":{"voice":1},"state":"not_ready","reason":"lunch"}'
expect_in out '"eligible":[{"agent":0,"at":"0h","eligible":true}]' "and evaluated"
expect_exit 2 "bad ages" -- "$IWD" eval examples/leads.iwd --item '{"cart_value":9}' --ages 1x
expect_exit 2 "a folder of several rulesets" -- "$IWD" eval examples --item '{}'
expect_exit 2 "neither --item nor --items" -- "$IWD" eval examples/leads.iwd

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
expect_call 201 "a capture the rules reject" -- POST /v1/items '{"id":"S2","segment":"Silver"}'
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
assert rejected["state"] == "rejected" and ev({"segment": "Silver"}, at) == {"rejected": rejected["detail"]}, rejected
refused = json.load(open(f"{tmp}/refused.json"))
assert refused["error"]["message"] == "capture: " + ev({"department": "Sales", "segment": 7}, at)["rejected"], refused
PY

finish
