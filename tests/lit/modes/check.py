"""Mode `check`: the diagnostics of `iwd check --format=json` on the case's body, matched with
inline expectations (clang `-verify` style), and with `--text` also the text rendering
(`iwd check -q --color=never`) as section `text`. Other arguments go to `iwd check` as they are
(`// RUN: check --deny-warnings`).

    // expected-SEVERITY[@WHERE] {{CODE}} [{{MESSAGE SUBSTRING}}]

SEVERITY is error, warning or note. Without @WHERE the diagnostic is on the comment's own line
(a comment after code). WHERE is +N or -N (lines after or before the comment), N (a line of
the case) or PATH:N (a line of another file, the path as the diagnostic names it); a column
may follow (`@+1:5`), and is then checked too. A diagnostic without a location cannot be
expected (the compiler reports none: it would show as unexpected).
Every diagnostic must be expected and every expectation reported.
"""
import json
import re

SEVERITIES = ("error", "warning", "note")
EXPECTATION = re.compile(r"//\s*expected-([A-Za-z]+)(?:@(\S*))?(.*)$")
OWN_LINE = re.compile(r"^\s*//\s*expected-")
BRACES = re.compile(r"\s*\{\{(.*?)\}\}")
WHERE = [  # (pattern, kind) tried in order
    (re.compile(r"^([+-]\d+)(?::(\d+))?$"), "relative"),
    (re.compile(r"^(\d+)(?::(\d+))?$"), "absolute"),
    (re.compile(r"^(.+?):(\d+)(?::(\d+))?$"), "file"),
]


class Expectation:
    def __init__(self, line, severity, file, target, col, code, message):
        self.line = line        # the comment's line in the case
        self.severity, self.code, self.message = severity, code, message
        self.file = file        # None: the case itself
        self.target, self.col = target, col


def parse_where(where, line):
    """(file, target line, column) of an @WHERE, or an error message."""
    if where is None:
        return None, line, None
    for pattern, kind in WHERE:
        m = pattern.match(where)
        if not m:
            continue
        if kind == "relative":
            return None, line + int(m.group(1)), int(m.group(2)) if m.group(2) else None
        if kind == "absolute":
            return None, int(m.group(1)), int(m.group(2)) if m.group(2) else None
        return m.group(1), int(m.group(2)), int(m.group(3)) if m.group(3) else None
    return f"`@{where}` is not a place: write @+N, @-N, @N or @FILE:N (and :COL)"


def parse_expectations(body):
    """(expectations, failures) of the body's `expected-...` comments."""
    out, failures = [], []
    for i, text in enumerate(body.splitlines(), 1):
        m = EXPECTATION.search(text)
        if not m:
            continue
        severity, where, rest = m.group(1), m.group(2), m.group(3)
        if severity not in SEVERITIES:
            failures.append((i, f"`expected-{severity}`: the severity is one of {', '.join(SEVERITIES)}"))
            continue
        place = parse_where(where, i) if where != "" else "`@` needs a place"
        if isinstance(place, str):
            failures.append((i, place))
            continue
        braces = BRACES.findall(rest)
        if not 1 <= len(braces) <= 2 or BRACES.sub("", rest).strip():
            failures.append((i, "an expectation is `expected-SEVERITY[@WHERE] {{CODE}} [{{MESSAGE}}]`"))
            continue
        out.append(Expectation(i, severity, place[0], place[1], place[2], braces[0],
                               braces[1] if len(braces) > 1 else ""))
    return out, failures


class Actual:
    def __init__(self, j, main):
        self.severity, self.code, self.message = j["severity"], j["code"], j["message"]
        rng = j.get("range")
        self.file = "" if j.get("file") is None else (None if j["file"] == main else j["file"])
        self.line = rng["start"]["line"] if rng else 0
        self.col = rng["start"]["column"] if rng else 0

    def where(self):
        if self.file == "":
            return "(no location)"
        return f"{self.file + ':' if self.file else ''}{self.line}:{self.col}"

    def describe(self):
        return f"{self.severity}[{self.code}] at {self.where()}: {self.message}"


def matches(e, a):
    return (e.severity == a.severity and e.code == a.code and e.file == a.file and e.target == a.line
            and (e.col is None or e.col == a.col) and e.message in a.message)


def literal(message):
    # A message substring stops before `}}` (it would close the braces; so would a last `}`)
    # and at a line's end.
    return message.split("}}")[0].split("\n")[0].rstrip("}")


def expectation_text(severity, where, code, message):
    msg = f" {{{{{message}}}}}" if message else ""
    return f"// expected-{severity}{where} {{{{{code}}}}}{msg}"


def rewrite(body, actual, kept):
    """The body with one own-line expectation for each actual diagnostic, placed just before
    its line (other files: absolute, at the end); kept[i] is the expectation that matched
    actual[i], whose column choice and message substring stay. None when a diagnostic lies on
    an expectation line (the rewrite would move what it points at) or has no location."""
    lines = body.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    dropped = {i for i, t in enumerate(lines, 1) if OWN_LINE.match(t)}
    by_line, elsewhere, at_end = {}, [], []
    for a, e in zip(actual, kept):
        col = "" if e is not None and e.col is None else f":{a.col}"
        message = e.message if e is not None else literal(a.message)
        if a.file == "" or (a.file is None and a.line in dropped):
            return None
        if a.file is None and a.line <= len(lines):
            by_line.setdefault(a.line, []).append((a, col, message))
        elif a.file is None:
            at_end.append((a, col, message))
        else:
            where = f"@{a.file}:{a.line}{col}"
            elsewhere.append(expectation_text(a.severity, where, a.code, message) + "\n")

    def block(group, indent):
        return [indent + expectation_text(a.severity, f"@+{len(group) - k}{col}", a.code, message) + "\n"
                for k, (a, col, message) in enumerate(group)]

    out = []
    for i, text in enumerate(lines, 1):
        if i in dropped:
            continue
        m = EXPECTATION.search(text)
        if m:  # a trailing expectation: the code before it stays
            text = text[:m.start()].rstrip() + "\n"
        out += block(by_line.get(i, []), re.match(r"\s*", text).group(0))
        out.append(text)
    return "".join(out + elsewhere + block(at_end, ""))


def run(case, argv):
    text_section = "--text" in argv[1:]
    options = [a for a in argv[1:] if a != "--text"]
    cwd, name = case.workdir()
    proc = case.run([case.iwd, "check", "--format=json", *options, name], cwd=cwd)
    if proc.returncode not in (0, 1):  # 1: the rules have errors; anything else is a problem
        return {}, [(1, f"`iwd check` exited with {proc.returncode}: {proc.stderr.strip()}")], None
    try:
        actual = [Actual(json.loads(line), name) for line in proc.stdout.splitlines() if line.strip()]
    except (ValueError, KeyError) as e:
        return {}, [(1, f"`iwd check --format=json` printed something else than diagnostics: {e}")], None
    sections = {}
    if text_section:
        text = case.run([case.iwd, "check", "-q", "--color=never", *options, name], cwd=cwd)
        sections["text"] = text.stdout

    expected, failures = parse_expectations(case.body)
    kept, used = [None] * len(actual), [False] * len(expected)
    for j, e in enumerate(expected):
        for i, a in enumerate(actual):
            if kept[i] is None and matches(e, a):
                kept[i], used[j] = e, True
                break
    for j, e in enumerate(expected):
        if not used[j]:
            there = [a.describe() for a in actual if a.file == e.file and a.line == e.target]
            where = f"{e.file + ':' if e.file else ''}{e.target}"
            col = f":{e.col}" if e.col is not None else ""
            hint = f" (reported there: {'; '.join(there)})" if there else ""
            message = f": {e.message}" if e.message else ""
            failures.append((e.line, f"missing {e.severity}[{e.code}] at {where}{col}{message}{hint}"))
    for a, e in zip(actual, kept):
        if e is None:
            failures.append((a.line if a.file is None else 1, f"unexpected {a.describe()}"))

    new_body = None
    if case.update and failures:
        new_body = rewrite(case.body, actual, kept)
        if new_body is None:
            failures.append((1, "a diagnostic lies on an expectation line or has no location: "
                                "update the expectations by hand"))
        else:
            failures = []
    return sections, failures, new_body
