#!/usr/bin/env python3
"""The data-file test runner: one driver, RUN-style modes, one `--update`.

    python3 tests/lit/lit.py --iwd build/bin/iwd [--update] FILE...

A case file is a body (the text before the line `// ==== expected ====`) with `// RUN: MODE ARG...`
directive lines, followed by a trailer of sections (`// ---- NAME ----` and that section's
expected text). Each RUN line hands the case to the mode module registered under MODE in
modes/__init__.py; the mode returns the sections it produced, failures it found itself (inline
expectations) and, under --update, a new body. The driver compares the sections with the
trailer and, under --update (or IWD_UPDATE=1), rewrites the trailer and the body instead.
docs/testing.md describes the format; Python 3 standard library only.
"""
import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from modes import MODES  # noqa: E402

MARKER = "// ==== expected ===="
SECTION = re.compile(r"^---- (\S+) ----$")
DIRECTIVE = re.compile(r"^\s*//\s*([A-Za-z][\w-]*):\s?(.*)$")
# Seconds for one command a mode runs (IWD_LIT_TIMEOUT to change); ctest bounds the whole case too.
TIMEOUT = float(os.environ.get("IWD_LIT_TIMEOUT", "120"))


def read_text(path):
    # Some cases are deliberately not UTF-8: bytes that do not decode survive a round trip.
    return Path(path).read_bytes().decode("utf-8", errors="surrogateescape")


def write_text(path, text):
    Path(path).write_bytes(text.encode("utf-8", errors="surrogateescape"))


class Case:
    """One case file, as the modes see it."""

    def __init__(self, path, iwd, tmp, update):
        self.path = Path(path)  # relative to the repository root (the driver's cwd)
        self.iwd = iwd          # absolute path of the iwd binary
        self.tmp = Path(tmp)    # a fresh directory for this case, removed afterwards
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.update = update
        self.commented = self.path.suffix == ".iwd"  # trailer lines carry `// `
        self.problems = []      # (line, message): a malformed trailer
        text = read_text(path)
        self.body, self.sections, self.section_lines = self._split(text)

    def _split(self, text):
        pos = text.find(MARKER + "\n")
        while pos > 0 and text[pos - 1] != "\n":
            pos = text.find(MARKER + "\n", pos + 1)
        if pos < 0:
            return text, {}, {}
        body = text[:pos]
        first = body.count("\n") + 2  # the line number of the trailer's first line
        sections, lines, name = {}, {}, None
        for i, line in enumerate(text[pos + len(MARKER) + 1:].splitlines()):
            if self.commented:
                if line.startswith("// "):
                    line = line[3:]
                elif line == "//":
                    line = ""
                else:
                    self.problems.append((first + i, "a trailer line of an .iwd case must start with `//`"))
                    continue
            m = SECTION.match(line)
            if m:
                name = m.group(1)
                if name in sections:
                    self.problems.append((first + i, f"section `{name}` appears twice"))
                sections[name], lines[name] = "", first + i
            elif name is None:
                if line.strip():
                    self.problems.append((first + i, "text before the first `---- NAME ----` section"))
            else:
                sections[name] += line + "\n"
        return body, sections, lines

    def directives(self):
        """(line, key, value) of every `// KEY: value` line of the body."""
        out = []
        for i, line in enumerate(self.body.splitlines(), 1):
            m = DIRECTIVE.match(line)
            if m:
                out.append((i, m.group(1), m.group(2).strip()))
        return out

    def runs(self):
        """(line, argv) of every RUN line, `%s` replaced by the case's path."""
        out = []
        for line, key, value in self.directives():
            if key == "RUN":
                try:
                    argv = shlex.split(value)
                except ValueError as e:
                    self.problems.append((line, f"RUN line: {e}"))
                    continue
                out.append((line, [str(self.path) if a == "%s" else a.replace("%s", str(self.path)) for a in argv]))
        return out

    def workdir(self):
        """A copy of the case's folder in the temp dir with the case replaced by its body alone
        (no trailer: its comments would be compiled too). Commands run there see the same
        relative paths (imports, file names in diagnostics) as in the tree. Returns (dir, name)."""
        src = ROOT / self.path.parent
        dst = self.tmp / "src"
        if not dst.exists():
            shutil.copytree(src, dst, ignore=lambda d, names: [n for n in names if n.startswith(".")])
        write_text(dst / self.path.name, self.body)
        return dst, self.path.name

    def run(self, argv, cwd=None):
        """Runs a command (a bounded time); returns the CompletedProcess with text output."""
        return subprocess.run(argv, cwd=cwd, capture_output=True, timeout=TIMEOUT, encoding="utf-8",
                              errors="surrogateescape")

    def trailer(self, sections):
        if not sections:
            return ""
        out = [MARKER]
        for name, text in sections.items():
            out.append(f"---- {name} ----" if not self.commented else f"// ---- {name} ----")
            for line in text.splitlines():
                out.append(line if not self.commented else ("// " + line if line else "//"))
        return "\n".join(out) + "\n"


def run_modes(case):
    """Runs every RUN line; returns (sections, failures, new_body or None)."""
    sections, failures, new_body = {}, list(case.problems), None
    runs = case.runs()
    if not runs:
        failures.append((1, "no `// RUN: MODE` line"))
    for line, argv in runs:
        mode = MODES.get(argv[0]) if argv else None
        if mode is None:
            failures.append((line, f"unknown mode `{argv[0] if argv else ''}` (known: {', '.join(sorted(MODES))})"))
            continue
        try:
            got, fails, body = mode.run(case, argv)
        except subprocess.TimeoutExpired as e:
            failures.append((line, f"`{' '.join(map(str, e.cmd))}` ran longer than {e.timeout} s"))
            continue
        except OSError as e:  # the binary is missing or being rebuilt
            failures.append((line, f"mode `{argv[0]}` cannot run a command: {e}"))
            continue
        for name, text in got.items():
            if name in sections:
                failures.append((line, f"two RUN lines produce section `{name}`"))
            sections[name] = text
        failures.extend(fails)
        if body is not None and body != case.body:
            case.body = new_body = body
    return sections, failures, new_body


def compare(case, sections, failures):
    for name, actual in sections.items():
        if name not in case.sections:
            failures.append((1, f"no expected `{name}` section (lit.py --update adds it)"))
        elif case.sections[name] != actual:
            diff = difflib.unified_diff(case.sections[name].splitlines(), actual.splitlines(),
                                        f"expected {name}", f"actual {name}", lineterm="")
            failures.append((case.section_lines[name], f"section `{name}` differs:\n" + "\n".join(diff)))
    for name, line in case.section_lines.items():
        if name not in sections:
            failures.append((line, f"section `{name}` is expected but no RUN line produces it"))


def check_file(path, iwd, update, keep):
    """Returns the failures of one case (after rewriting it under --update)."""
    with tempfile.TemporaryDirectory(prefix="iwd-lit-") as tmp:
        if not update:
            case = Case(path, iwd, Path(tmp) / "run", False)
            sections, failures, _ = run_modes(case)
            compare(case, sections, failures)
        else:
            # A new body (inline expectations) moves lines, and so what the sections show: update
            # until a plain run passes (or three times), then report what still fails. A failure
            # of the update run itself (a mode that cannot run, outputs that disagree) leaves the
            # file as it is: its sections would be lost; a malformed trailer is rewritten anyway.
            original = read_text(path)
            for attempt in range(3):
                case = Case(path, iwd, Path(tmp) / f"update{attempt}", True)
                sections, failures, _ = run_modes(case)
                failures = failures[len(case.problems):]
                if failures:
                    break
                write_text(path, case.body + case.trailer(sections))
                verify = Case(path, iwd, Path(tmp) / f"verify{attempt}", False)
                sections, failures, _ = run_modes(verify)
                compare(verify, sections, failures)
                if not failures:
                    break
            if read_text(path) != original:
                print(f"updated {path}")
        if keep:
            shutil.copytree(tmp, keep / str(path).replace("/", "_"), dirs_exist_ok=True)
        return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iwd", required=True, help="the iwd binary")
    ap.add_argument("--update", action="store_true", help="rewrite expectations from the actual output")
    ap.add_argument("--keep-tmp", type=Path, help="copy each case's temp dir here (to debug a mode)")
    ap.add_argument("files", nargs="+", type=Path)
    args = ap.parse_args()
    update = args.update or os.environ.get("IWD_UPDATE", "") not in ("", "0")
    iwd = str(Path(args.iwd).resolve())
    files = [f.resolve() for f in args.files]
    os.chdir(ROOT)
    failed = 0
    for f in files:
        rel = f.relative_to(ROOT) if f.is_relative_to(ROOT) else f
        failures = check_file(rel, iwd, update, args.keep_tmp)
        if failures:
            failed += 1
            for line, message in sorted(failures, key=lambda x: x[0]):
                print(f"{rel}:{line}: {message}")
            if not update:
                print(f"{rel}: to accept the actual output: python3 tests/lit/lit.py --iwd {args.iwd} --update {rel}")
    if len(files) > 1:
        print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
