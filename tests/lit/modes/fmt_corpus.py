"""Mode `fmt-corpus`: `// RUN: fmt-corpus FOLDER` formats every .iwd file of FOLDER (not below
it) with the checks of mode `fmt` (fmt.py): a file with syntax errors must be refused, any
other must format to a text with the same AST and comments that formats to itself. A file
that is a case itself is formatted without its expected trailer. Each file's formatted text
(or `(not formatted: syntax errors)`) is a section named by its path, so that any change of
layout shows up in the one update (tests/fmt/corpus/*.test: the examples, the explain rulesets
and each folder of golden cases)."""
from pathlib import Path

from . import fmt, outputs


def run(case, argv):
    line = outputs.run_line(case, argv)
    if len(argv) != 2:
        return {}, [(line, "mode `fmt-corpus` takes one folder: `// RUN: fmt-corpus FOLDER`")], None
    files = sorted(p for p in Path(argv[1]).glob("*.iwd"))
    if not files:
        return {}, [(line, f"no .iwd file in {argv[1]}")], None
    sections, failures = {}, []
    for path in files:
        # The driver's own split of a case file into body and trailer (a file without a trailer
        # is all body); its temp dir is not used.
        text = type(case)(path, case.iwd, case.tmp / "split", False).body
        out, fails = fmt.formatted(case, line, text, path.as_posix())
        sections[path.as_posix()] = out
        failures += fails
    return sections, failures, None
