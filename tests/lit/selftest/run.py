#!/usr/bin/env python3
"""Self-test of the data-file runner (ctest `lit/selftest`): the driver must not pass silently.

    python3 tests/lit/selftest/run.py --iwd build/bin/iwd

- Every fail/*.iwd must fail, reporting each `// fails: LINE: TEXT` of the case (a report line
  `FILE:LINE: ...TEXT...`) and each `// output: TEXT` (a line of the output, e.g. of a diff),
  and nothing else.
- `--update` (and IWD_UPDATE=1) must turn every fail case into a passing one, except those
  marked `// unfixable: why`, and must leave every pass/*.iwd byte for byte as it is.
- A binary that cannot run is a failure, not a pass, and --update then leaves the case alone;
  so is a command that runs longer than IWD_LIT_TIMEOUT. --keep-tmp keeps what a mode ran on.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIT = HERE.parent / "lit.py"
DIRECTIVE = re.compile(r"^// (fails|output|unfixable): ?(.*)$")


def lit(iwd, *args, env=None):
    proc = subprocess.run([sys.executable, str(LIT), "--iwd", iwd, *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env)
    return proc.returncode, proc.stdout + proc.stderr


def directives(path):
    out = {"fails": [], "output": [], "unfixable": []}
    for line in path.read_text().splitlines():
        m = DIRECTIVE.match(line)
        if m:
            out[m.group(1)].append(m.group(2))
    return out


def check_fail_case(iwd, path, problems):
    want = directives(path)
    rc, out = lit(iwd, path)
    if rc != 1:
        problems.append(f"{path.name}: lit.py exited with {rc}, not 1:\n{out}")
    prefix = f"{path.relative_to(HERE.parents[2])}:"
    reports = [line for line in out.splitlines() if line.startswith(prefix)]
    for f in want["fails"]:
        n, _, text = f.partition(": ")
        hits = [r for r in reports if r.startswith(f"{prefix}{n}: ") and text in r]
        if not hits:
            problems.append(f"{path.name}: no report `{prefix}{n}: ...{text}...` in:\n{out}")
        reports = [r for r in reports if r not in hits]
    for r in reports:
        if not r.endswith("--update " + prefix[:-1]) and not re.match(re.escape(prefix) + r" to accept", r):
            problems.append(f"{path.name}: a report the case does not list: {r}")
    for text in want["output"]:
        if text not in out.splitlines():
            problems.append(f"{path.name}: no output line `{text}` in:\n{out}")


def check_update(iwd, problems):
    with tempfile.TemporaryDirectory(prefix="iwd-lit-selftest-") as tmp:
        for kind in ("fail", "pass"):
            shutil.copytree(HERE / kind, Path(tmp) / kind)
        env = dict(os.environ, IWD_UPDATE="1")
        for path in sorted((Path(tmp) / "fail").glob("[!_]*.iwd")):
            if directives(path)["unfixable"]:
                continue
            # Half the cases through the environment variable, half through the flag.
            rc, out = lit(iwd, path, env=env) if len(path.name) % 2 else lit(iwd, "--update", path)
            rc, out = lit(iwd, path)
            if rc != 0:
                problems.append(f"{path.name}: still fails after --update:\n{out}\n{path.read_text()}")
        for path in sorted((Path(tmp) / "pass").glob("[!_]*.iwd")):
            before = path.read_bytes()
            rc, out = lit(iwd, "--update", path)
            if rc != 0 or path.read_bytes() != before:
                problems.append(f"pass/{path.name}: --update changed a passing case ({rc}):\n{out}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iwd", required=True)
    args = ap.parse_args()
    iwd = str(Path(args.iwd).resolve())
    problems = []
    cases = sorted((HERE / "fail").glob("[!_]*.iwd"))
    for path in cases:
        check_fail_case(iwd, path, problems)
    for path in sorted((HERE / "pass").glob("[!_]*.iwd")):
        rc, out = lit(iwd, path)
        if rc != 0:
            problems.append(f"pass/{path.name}: fails:\n{out}")
    check_update(iwd, problems)
    rc, out = lit("/nonexistent/iwd", HERE / "pass" / "forms.iwd")
    if rc != 1 or "cannot run a command" not in out:
        problems.append(f"a binary that cannot run: lit.py exited with {rc}:\n{out}")
    rc, out = lit(iwd, HERE / "pass" / "forms.iwd", env=dict(os.environ, IWD_LIT_TIMEOUT="0.001"))
    if rc != 1 or "ran longer than 0.001 s" not in out:
        problems.append(f"a command that runs too long: lit.py exited with {rc}:\n{out}")
    with tempfile.TemporaryDirectory(prefix="iwd-lit-selftest-") as tmp:
        rc, out = lit(iwd, "--keep-tmp", tmp, HERE / "pass" / "forms.iwd")
        kept = list(Path(tmp).glob("*/run/src/forms.iwd"))
        if rc != 0 or len(kept) != 1 or "==== expected" in kept[0].read_text():
            problems.append(f"--keep-tmp kept no copy of the case's body ({rc}, {kept}):\n{out}")
    with tempfile.TemporaryDirectory(prefix="iwd-lit-selftest-") as tmp:
        case = Path(shutil.copytree(HERE / "pass", Path(tmp) / "pass")) / "forms.iwd"
        rc, out = lit("/nonexistent/iwd", "--update", case)
        if rc != 1 or case.read_bytes() != (HERE / "pass" / "forms.iwd").read_bytes():
            problems.append(f"--update with a binary that cannot run changed the case ({rc}):\n{out}")
    for p in problems:
        print(p)
    print(f"{len(cases)} failing cases checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
