"""Mode `fmt`: `// RUN: fmt` formats the case's body with `iwd fmt` (the RUN line is a comment
and is formatted with the rest); section `fmt` is the formatted text. The case also checks
what fmt promises, independently of the formatter's own safety check: the formatted text
parses to the same AST (ranges aside), holds the same comments, and formats to itself (what
`iwd fmt --check` on a formatted file checks). Mode `fmt-corpus` (fmt_corpus.py) applies the
same checks to whole folders."""
import re
import tempfile
from pathlib import Path

from . import outputs

REFUSED = "(not formatted: syntax errors)\n"


def comments(text):
    """The comments of rule text, sorted, trailing blanks of their lines removed: a scanner of
    the lexer's rules for strings and comments (grammar/IwdLexer.g4), not the formatter's."""
    found, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] not in '"\r\n':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("//", i):
            end = min([k for k in (text.find("\n", i), text.find("\r", i)) if k >= 0] or [n])
            found.append(text[i:end])
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            found.append(text[i:end])
            i = end
        else:
            i += 1
    return sorted("\n".join(l.rstrip(" \t\r\f") for l in c.split("\n")) for c in found)


def shape(case, line, path):
    """(parses, AST without ranges or the file line, failures) of a file, by `iwd parse`."""
    proc, failures = outputs.iwd(case, line, ["parse", "--emit=ast", str(path)], ok=(0, 1))
    ast = re.sub(r" @[0-9:-]+(?=\n|$)", "", proc.stdout.replace(" @?", "")).split("\n", 1)[-1]
    return proc.returncode == 0, ast, failures


def formatted(case, line, text, name):
    """(the formatted text or REFUSED, failures) of rule text; name says whose in failures."""
    folder = Path(tempfile.mkdtemp(dir=case.tmp))
    before, after = folder / "in.iwd", folder / "out.iwd"
    before.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    ok, ast, failures = shape(case, line, before)
    once, fails = outputs.iwd(case, line, ["fmt", str(before)], ok=(0, 1))
    failures += fails
    if not ok:
        if once.returncode == 0:
            failures.append((line, f"{name}: a file with syntax errors was formatted"))
        return REFUSED, failures
    if once.returncode != 0:
        return REFUSED, failures + [(line, f"{name}: not formatted:\n{once.stderr.rstrip()}")]
    out = before.read_bytes().decode("utf-8", errors="surrogateescape")
    after.write_bytes(out.encode("utf-8", errors="surrogateescape"))
    ok_after, ast_after, fails = shape(case, line, after)
    failures += fails
    if not ok_after:
        failures.append((line, f"{name}: the formatted text has syntax errors"))
    elif ast_after != ast:
        failures += outputs.disagree(line, f"{name}: the formatted text has another AST", ast, ast_after,
                                     "before", "formatted")
    if comments(out) != comments(text):
        failures.append((line, f"{name}: the formatted text has other comments"))
    _, fails = outputs.iwd(case, line, ["fmt", str(after)], ok=(0, 1))
    again = after.read_bytes().decode("utf-8", errors="surrogateescape")
    failures += fails or outputs.disagree(line, f"{name}: formatting the formatted text changes it (fmt --check fails)",
                                          out, again, "formatted once", "formatted twice")
    return out, failures


def run(case, argv):
    line = outputs.run_line(case, argv)
    if len(argv) > 1:
        return {}, [(line, f"mode `fmt` takes no arguments, got {' '.join(argv[1:])}")], None
    out, failures = formatted(case, line, case.body, str(case.path))
    if out == REFUSED and not failures:  # a case of the formatter must be formatted
        failures.append((line, f"{case.path}: not formatted: it has syntax errors (`iwd check` says where)"))
    return {"fmt": out}, failures, None
