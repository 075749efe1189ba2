#!/usr/bin/env python3
"""`iwd eval --items` decodes plain lines in one pass of its own (tools/iwd/eval_input.cpp,
issue 19) and hands anything else to the runtime's decoder: each line here is evaluated as
written and again with its first key spelt with a JSON escape (which the one-pass reader
leaves to the runtime's decoder), and both must answer byte for byte alike: every slot type,
integers and floats at their edges, enum prefixes, defaults, null, lists, keys twice,
unknown names, values a slot refuses, trailing text. Then what the decoder of `--items` keeps
from line to line: an item's `id` seen by rules that read it (it is interned only then), string
values beyond the few it keeps by attribute, keys in another order than the line before; and
its shortcuts: a key read as the one the line before had there, strings scanned 8 bytes at a
time, kept values told apart by their length and first 8 bytes."""
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
    # Integers read as they are scanned (1 to 18 digits, no leading zero), and their edges.
    '{"amount": 123456789012345678, "count": -123456789012345678}',
    '{"amount": 1234567890123456789, "count": -1234567890123456789}',
    '{"amount": -9223372036854775808, "count": -9223372036854775808}',
    '{"amount": 1, "count": -9223372036854775809}',
    '{"amount": 7, "count": 012}',
    '{"amount": 07}',
    '{"amount": -07}',
    '{"amount": -, "count": 1}',
    '{"amount": -5, "count": 5-}',
    '{"amount": 5x}',
    '{"amount": 12.5e1, "count": 42}',
    '{"amount": 12E1, "count": 40}',
    '{"amount": 3,"count":4}',
    '{"amount": 9}',
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


def both_ways(rules_text, lines, extra, label):
    """Each line evaluated as written and, in another run, with its first key escaped (which
    the one-pass reader leaves to the runtime's decoder): the answers to the lines as written,
    and how many lines were not answered alike (or, not JSON, not with the decoder's message)."""
    failures = 0
    answers = []
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules.iwd")
        open(rules, "w").write(rules_text)
        for variant in (lines, [escaped(l) for l in lines]):
            items = os.path.join(tmp, "items.jsonl")
            open(items, "w", encoding="utf-8").write("\n".join(variant) + "\n")
            r = subprocess.run([IWD, "eval", rules, "--items", items, "--at", "2026-01-05T09:00:00Z"] + extra,
                               capture_output=True, timeout=60)
            if r.returncode != 0:
                print("FAIL: exit", r.returncode, r.stderr.decode())
                sys.exit(1)
            answers.append(r.stdout.decode("utf-8").splitlines())
    for n, (line, plain, other) in enumerate(zip(lines, *answers), 1):
        try:
            json.loads(line)
        except ValueError:  # not JSON: the runtime's decoder's message, its offsets the line's own
            if not plain.startswith('{"error":"line %d: malformed JSON' % n):
                failures += 1
                print(f"FAIL: {label}line {n} {line!r}: {plain}")
            continue
        if plain != other:
            failures += 1
            print(f"FAIL: {label}line {n} {line!r}:\n  {plain}\n  {other}")
    if len(answers[0]) != len(lines) or len(answers[1]) != len(lines):
        failures += 1
        print(f"FAIL: {label}one answer a line")
    return answers[0], failures


plain_answers, failed = both_ways(RULES, LINES, ["--ages", "0h,2h"], "")
# `due` (the capture instant + the 1d SLA) as written for each classified line: the writer
# keeps the date of the `due` before it, and the days here change from line to line.
for n, (line, plain) in enumerate(zip(LINES, plain_answers), 1):
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

# The one-pass reader's own shortcuts (issue 19): the k-th key taken as the name the k-th key
# of the line before was when the line holds that name and its closing quote there (keys in
# another order, names of the same length, names that are prefixes of others, an unknown name, a line that ends after
# the name, an escaped quote after it); strings scanned 8 bytes at a time for a quote, a
# backslash, a control or a non-ASCII byte (each at every position of the first 18 bytes);
# kept values told apart by length and first 8 bytes (values alike in those, shorter and
# longer than 8). Each line as written and with its first key escaped (the runtime's decoder)
# must answer alike; the priority tells every attribute's value and the name's length apart.
VALUES = ["abcdefgh", "abcdefghi", "abcdefgi", "abcdefgh-one", "abcdefgh-two", "abcdefg", "bbcdefgh", "a", "abcdefghabcdefgh",
          # alike but in the bytes only the last (overlapping) word or half compares
          "abcd", "abce", "abcde", "abcdf", "abcdeXg", "abcdefh", "abcdefghij", "abcdefghik", "abcdefghabcdefgX"]
PATH_RULES = """ruleset paths version "1"

attributes {
  reg: string?
  region: string?
  regions: int = 0
  name: string?
  area: string?
}

priority p {
  start (if (region ?? "") == "EU" then 1 else 0) + (if (reg ?? "") == "EU" then 2 else 0) + regions * 4 + (if (area ?? "") == "EU" then 50 else 0) + len(name ?? "") * 100 + (if has(name) then 10000 else 0) + %s
}

department Ops {
  sla 1d
  priority p
  process Main {
    priority p
  }
}
""" % " + ".join('(if (name ?? "") == "%s" then %d else 0)' % (v, (k + 1) * 100000) for k, v in enumerate(VALUES))
PATH_LINES = [
    '{"region": "EU", "reg": "EU", "name": "abcdefgh"}',
    '{"region": "US", "reg": "EU", "name": "abcdefghi"}',
    '{"reg": "EU", "region": "EU", "name": "abcdefgi"}',
    '{"regions": 3, "region": "EU"}',
    '{"reg": "EU"}',
    '{"regio": "EU"}',
    '{"region": "EU"}',
    '{"region"}',
    '{"region',
    '{"region": "EU", "region\\"": "EU"}',
    '{"region": "EU", "regions": 2}',
    '{"region": "EU", "region": "US"}',
    '{"region": "EU", "reg": "US", "reg": "EU"}',
    '{"region": "EU", "reg\\u0069on": "US"}',
    '{"region": "EU", "regionregion": "US"}',
    '{"region": "EU", "reg"  : "EU"}',
    '{"regiox": "EU"}',
    '{"region": "EU", "rex": "EU"}',
    '{"region": "EU", "reg": "EU", "name": "abcdefgh"}',
    '{"region": "EU", "reg": "EU", "area": "abcdefgh"}',
    '{"name": "abcdefgh", "area": "EU"}',
    '{"area": "EU", "name": "abcdefgh"}',
    '{"name": "EU", "area": "abcdefgh"}',
    # keys alike the one predicted but in their last bytes (compared as an overlapping word or half)
    '{"region": "EU"}',
    '{"regiom": "EU"}',
    '{"regions": 1}',
    '{"regionz": 1}',
    '{"name": "x"}',
    '{"namf": "x"}',
    '{"reg": "EU"}',
    '{"reh": "EU"}',
]
PATH_LINES += ['{"name": "%s"}' % v for v in VALUES + ["abcdefgh-one", "", "abcdefgh", "abcdefgj", "abcdefgh-onf", "abcdefghi",
                                                      "abcf", "abcdg", "abcdefghil"] + VALUES[::-1]]
for pos in range(18):
    for bad in ('\\"', '\\\\', '\t', '\x01', '\x7f', '\u00e9', '\\u0041'):
        PATH_LINES.append('{"region": "EU", "name": "%s%s%s"}' % ("x" * pos, bad, "y" * (pos % 3)))
    PATH_LINES.append('{"region": "EU", "%s\t": 1}' % ("r" * pos))
path_answers, path_failures = both_ways(PATH_RULES, PATH_LINES, [], "shortcuts ")
failed += path_failures
# Some answers the rules must give, so that the comparison above compares values.
first = json.loads(path_answers[0])
if first.get("priority", [{}])[0].get("value") != 1 + 2 + 800 + 10000 + 100000:
    failed += 1
    print(f"FAIL: shortcuts line 1: {path_answers[0]}")

print("eval_decode:", "FAILED" if failed else "passed")
sys.exit(1 if failed else 0)
