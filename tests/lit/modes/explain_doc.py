"""Mode `explain-doc`: `// RUN: explain-doc DOC.md` checks the examples a document shows. A line
`<!-- example: CASE FORMAT -->` (FORMAT text or json) is followed by a ```sh block with the
command and a block with its output; both must be what the explain case
tests/explain/cases/CASE.test runs and what the tool prints now, so every example shown is
real. Under --update the mode rewrites the document's examples itself (the one file it writes
besides the case: the examples live in the document, not in a trailer)."""
import re
import shlex
from pathlib import Path

from . import outputs

EXAMPLE = re.compile(r"<!-- example: (\S+) (text|json) -->\n```sh\n.*?\n```\n```(\w*)\n.*?```\n", re.S)
CASES = Path("tests/explain/cases")


def case_args(case, name):
    """The arguments of `iwd explain` in the RUN line of an explain case, or None."""
    path = CASES / (name + ".test")
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"//\s*RUN:\s*explain\s(.*)$", line)
        if m:
            return shlex.split(m.group(1))
    return None


def run(case, argv):
    line = outputs.run_line(case, argv)
    if len(argv) != 2:
        return {}, [(line, "mode `explain-doc` takes one document: `// RUN: explain-doc DOC.md`")], None
    doc = Path(argv[1])
    text = doc.read_text(encoding="utf-8")
    failures = []

    def render(m):
        name, fmt, lang = m.group(1), m.group(2), m.group(3)
        args = case_args(case, name)
        if args is None:
            failures.append((line, f"{doc}: example `{name}`: no `// RUN: explain` in {CASES / (name + '.test')}"))
            return m.group(0)
        args += ["--format", "json"] if fmt == "json" else []
        proc, fails = outputs.iwd(case, line, ["explain"] + args)
        failures.extend(fails)
        return f"<!-- example: {name} {fmt} -->\n```sh\niwd explain {shlex.join(args)}\n```\n```{lang}\n{proc.stdout}```\n"

    actual, count = EXAMPLE.subn(render, text)
    if count == 0:
        failures.append((line, f"{doc}: no `<!-- example: CASE FORMAT -->` blocks"))
    elif actual != text and case.update:
        doc.write_text(actual, encoding="utf-8")
        print(f"updated {doc}")
    else:
        failures += outputs.disagree(line, f"{doc}: an example is not what the tool prints", text, actual,
                                     f"{doc} (now)", f"{doc} (what the tool prints)")
    return {}, failures, None
