#!/usr/bin/env python3
"""Golden tests of `iwd explain`, run from the repository's root.

  golden.py --iwd IWD case CASE.args [--update]  one case: its text and JSON output
  golden.py --iwd IWD doc FILE.md [--update]     the examples a document shows

A case CASE.args holds the arguments after `iwd explain`, one a line (no shell quoting;
blank lines and lines starting with `#` are skipped). Its expected outputs are CASE.txt
(`--format text`) and CASE.json (`--format json`); the text must also be the same with
`--no-jit` (the interpreter and the JIT explain alike). `--update` (or IWD_GOLDEN_UPDATE=1)
writes the expected files from the actual output: review the diff before committing.

In a document, a line `<!-- example: CASE FORMAT -->` is followed by a ```sh block with the
command and a block with its output; both are checked against the case run now (`--update`
rewrites them), so every example shown is what the tool prints.
"""
import difflib
import os
import re
import shlex
import subprocess
import sys


def case_args(path):
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    return [l for l in lines if l.strip() and not l.startswith("#")]


def run(iwd, args):
    p = subprocess.run([iwd, "explain"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: iwd explain {shlex.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def read(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def diff(expected, actual, name):
    return "".join(difflib.unified_diff((expected or "").splitlines(True), actual.splitlines(True),
                                        f"{name} (expected)", f"{name} (actual)"))


def check_case(iwd, path, update):
    args = case_args(path)
    base = path[: -len(".args")]
    outputs = {".txt": run(iwd, args), ".json": run(iwd, args + ["--format", "json"])}
    failures = []
    interpreted = run(iwd, args + ["--no-jit"])
    if interpreted != outputs[".txt"]:
        failures.append("--no-jit explains differently:\n" + diff(outputs[".txt"], interpreted, base + ".txt"))
    for ext, actual in outputs.items():
        if update:
            with open(base + ext, "w", encoding="utf-8") as f:
                f.write(actual)
        elif read(base + ext) != actual:
            failures.append(diff(read(base + ext), actual, base + ext))
    if failures:
        print(f"FAIL {path}\n" + "\n".join(failures))
        print(f"  (to accept the actual output: tests/explain/golden.py --iwd IWD case {path} --update)")
        return False
    return True


EXAMPLE = re.compile(r"<!-- example: (\S+) (text|json) -->\n```sh\n.*?\n```\n```(\w*)\n.*?```\n", re.S)


def check_doc(iwd, path, update):
    text = read(path)
    cases = os.path.join("tests", "explain", "cases")

    def render(m):
        name, fmt, lang = m.group(1), m.group(2), m.group(3)
        args = case_args(os.path.join(cases, name + ".args")) + (["--format", "json"] if fmt == "json" else [])
        return (f"<!-- example: {name} {fmt} -->\n```sh\niwd explain {shlex.join(args)}\n```\n"
                f"```{lang}\n{run(iwd, args)}```\n")

    actual, count = EXAMPLE.subn(render, text)
    if count == 0:
        print(f"FAIL {path}: no `<!-- example: CASE FORMAT -->` blocks")
        return False
    if update:
        with open(path, "w", encoding="utf-8") as f:
            f.write(actual)
        return True
    if actual != text:
        print(f"FAIL {path}: an example is not what the tool prints\n" + diff(text, actual, path))
        print(f"  (to rewrite the examples: tests/explain/golden.py --iwd IWD doc {path} --update)")
        return False
    print(f"{count} examples checked")
    return True


def main(argv):
    update = "--update" in argv or os.environ.get("IWD_GOLDEN_UPDATE")
    argv = [a for a in argv if a != "--update"]
    if len(argv) < 4 or argv[0] != "--iwd" or argv[2] not in ("case", "doc"):
        print(__doc__)
        return 2
    iwd, kind, paths = argv[1], argv[2], argv[3:]
    ok = all([(check_case if kind == "case" else check_doc)(iwd, p, update) for p in paths])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
