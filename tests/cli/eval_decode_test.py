#!/usr/bin/env python3
"""`iwd eval --items` decodes plain lines in one pass of its own (tools/iwd/eval_input.cpp,
issue 19) and hands anything else to the runtime's decoder: each line here is evaluated as
written and again with its first key spelt with a JSON escape (which the one-pass reader
leaves to the runtime's decoder), and both must answer byte for byte alike: every slot type,
integers and floats at their edges, enum prefixes, defaults, null, lists, keys twice,
unknown names, values a slot refuses, trailing text. Then what the decoder of `--items` keeps
from line to line: an item's `id` seen by rules that read it (it is interned only then), string
values beyond the few it keeps by attribute, keys in another order than the line before."""
import datetime
import json
import os
import subprocess
import sys
import tempfile

IWD = sys.argv[1]
RULES = """ruleset types version "1"

enum Level { Low, High }

attributes {
  flag: bool = false
  count: int = 3
  amount: number
  name: string?
  when: time?
  wait: duration = 2h
  level: Level = Low
  tags: list<string> = ["a"]
}

priority p {
  start count * 1000 + amount * 10 + (if flag then 5 else 0) + (if level == High then 7 else 0) + (if (name ?? "") == "x" then 11 else 0) + wait / 1h + (if "b" in tags then 13 else 0) + (if has(when) then 17 else 0)
  every 1h add 1
}

department Ops when amount >= 0 {
  sla 1d
  priority p
  process Main when has(amount) {
    priority p
  }
}
"""
LINES = [
    '{"amount": 1.5, "flag": true, "count": -7, "name": "x", "when": "2026-01-05T10:00:00Z", "wait": "3h", "level": "Level.High"}',
    '{"amount": 0}',
    '  { "amount" : 2 , "flag" : false }  ',
    '{"amount": -0, "count": -0}',
    '{"amount": 1e2, "count": 9223372036854775807}',
    '{"amount": 12345678901234567890}',
    '{"amount": 0.1, "count": 2.0}',
    '{"amount": 1.5E-3, "count": 1e1}',
    '{"amount": 1, "count": 1.5}',
    '{"amount": 1, "count": 9223372036854775808}',
    '{"amount": 1e400}',
    '{"amount": 1, "level": "High"}',
    '{"amount": 1, "level": "Level.Hgh"}',
    '{"amount": 1, "level": "Levelx.High"}',
    '{"amount": 1, "name": null}',
    '{"amount": 1, "flag": null}',
    '{"amount": 1, "tags": ["b"]}',
    '{"amount": 1, "amount": 2}',
    '{"amount": 1, "colour": "red"}',
    '{"amount": "1"}',
    '{"amount": 1, "flag": 1}',
    '{"amount": 1, "when": "yesterday"}',
    '{"amount": 1, "wait": "3 hours"}',
    '{"amount": 1, "name": "caf\u00e9"}',
    '{"amount": 1, "name": "a\\\\nb"}',
    '{"amount": 1, "id": "X1", "captured_at": "2026-01-05T08:00:00Z"}',
    # Instants: the one-pass reader keeps the day of the last plain one (YYYY-MM-DDTHH:MM:SSZ)
    # and the writer the date of the last `due`; each line must still read and print as the
    # runtime's decoder and the library's formatting do, on that day and off it.
    '{"amount": 1, "captured_at": "2026-01-05T23:59:59Z"}',
    '{"amount": 1, "captured_at": "2026-01-05T24:00:00Z"}',
    '{"amount": 1, "captured_at": "2026-01-05T10:60:00Z"}',
    '{"amount": 1, "captured_at": "2026-01-05T10:00:60Z"}',
    '{"amount": 1, "captured_at": "2026-01-05T1:00:00Z"}',
    '{"amount": 1, "captured_at": "2026-02-30T10:00:00Z"}',
    '{"amount": 1, "captured_at": "2026-01-06T00:00:00Z"}',
    '{"amount": 1, "captured_at": "2026-01-06T07:08:09.250Z"}',
    '{"amount": 1, "captured_at": "2026-01-06T07:08:09.007Z"}',
    '{"amount": 1, "captured_at": "2026-01-06T07:08:09+01:00"}',
    '{"amount": 1, "captured_at": "2026-01-06t07:08:09Z"}',
    '{"amount": 1, "captured_at": "1969-12-30T01:02:03Z"}',
    '{"amount": 1, "captured_at": "2026-01-06T07:08:09Z", "when": "2026-01-0xT07:08:09Z"}',
    '{"amount": 1, "captured_at": "2026-01-06T07:08:09Z", "when": "2026-01-06T07:08:09Z"}',
    '{"amount": 1, "captured_at": "2026-12-31T23:59:59Z"}',
    '{"amount": 1, "captured_at": "2024-02-28T12:00:00Z"}',
    '{"count": 4}',
    '{}',
    '{"amount": 1} x',
    '{"amount": 01}',
    '{"amount": 1,}',
    '{"amount": .5}',
    '{"amount": -}',
    '{"amount": 1, "flag": tru}',
    '[1]',
]


def escaped(line):
    """The line with its first key's first letter as a \\u escape (the same JSON value)."""
    k = line.find('"')
    if k < 0 or k + 1 >= len(line):
        return line
    return line[:k + 1] + "\\u%04x" % ord(line[k + 1]) + line[k + 2:]


failed = 0
with tempfile.TemporaryDirectory() as tmp:
    rules = os.path.join(tmp, "types.iwd")
    open(rules, "w").write(RULES)
    answers = []
    for variant in (LINES, [escaped(l) for l in LINES]):
        items = os.path.join(tmp, "items.jsonl")
        open(items, "w", encoding="utf-8").write("\n".join(variant) + "\n")
        r = subprocess.run([IWD, "eval", rules, "--items", items, "--at", "2026-01-05T09:00:00Z", "--ages", "0h,2h"],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            print("FAIL: exit", r.returncode, r.stderr.decode())
            sys.exit(1)
        answers.append(r.stdout.decode("utf-8").splitlines())
    for n, (line, plain, other) in enumerate(zip(LINES, *answers), 1):
        try:
            json.loads(line)
        except ValueError:  # not JSON: the runtime's decoder's message, its offsets the line's own
            if not plain.startswith('{"error":"line %d: malformed JSON' % n):
                failed += 1
                print(f"FAIL: line {n} {line}: {plain}")
            continue
        if plain != other:
            failed += 1
            print(f"FAIL: line {n} {line}:\n  {plain}\n  {other}")
    if len(answers[0]) != len(LINES):
        failed += 1
        print("FAIL: one answer a line")
    # `due` (the capture instant + the 1d SLA) as written for each classified line: the writer
    # keeps the date of the `due` before it, and the days here change from line to line.
    for n, (line, plain) in enumerate(zip(LINES, answers[0]), 1):
        try:
            item, answer = json.loads(line), json.loads(plain)
        except ValueError:
            continue
        if not isinstance(item, dict) or "due" not in answer:
            continue
        text = item.get("captured_at", "2026-01-05T09:00:00Z")
        at = datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) + datetime.timedelta(days=1)
        at = at.astimezone(datetime.timezone.utc)
        want = at.strftime("%Y-%m-%dT%H:%M:%S") + (".%03d" % (at.microsecond // 1000) if at.microsecond else "") + "Z"
        if answer["due"] != want:
            failed += 1
            print(f"FAIL: line {n} {line}: due {answer['due']}, expected {want}")

# Rules that read `id` and a string of many values: each line's own id and name decide.
ID_RULES = """ruleset ids version "1"

attributes {
  name: string
  amount: number = 1
}

priority p {
  start (if id == "K7" then 1000 else 0) + (if name == "v20" then 100 else 0) + (if name == "v3" then 10 else 0) + amount
}

department Ops {
  sla 1d
  priority p
  process Main {
    priority p
  }
}
"""
with tempfile.TemporaryDirectory() as tmp:
    rules = os.path.join(tmp, "ids.iwd")
    open(rules, "w").write(ID_RULES)
    lines = ['{"id": "K%d", "name": "v%d"}' % (k, k) for k in range(30)]
    lines += ['{"name": "v20", "id": "K7"}', '{"amount": 2, "name": "v3"}', '{"name": "v7", "id": "K3"}']
    expected = [(1000 if k == 7 else 0) + (100 if k == 20 else 0) + (10 if k == 3 else 0) + 1 for k in range(30)]
    expected += [1101, 12, 1]
    items = os.path.join(tmp, "items.jsonl")
    open(items, "w").write("\n".join(lines) + "\n")
    r = subprocess.run([IWD, "eval", rules, "--items", items, "--at", "2026-01-05T09:00:00Z"], capture_output=True, timeout=60)
    got = [json.loads(l)["priority"][0]["value"] for l in r.stdout.decode().splitlines()] if r.returncode == 0 else []
    if got != expected:
        failed += 1
        print(f"FAIL: ids and names read by the rules: {got} against {expected} ({r.stderr.decode()})")

print("eval_decode:", "FAILED" if failed else "passed")
sys.exit(1 if failed else 0)
