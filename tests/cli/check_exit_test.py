#!/usr/bin/env python3
"""`iwd check` ends without freeing what it built (issue 19, cmd_check.cpp's exit_without_freeing):
every byte it writes must still be out, and the exit code the same. Output larger than stdio's
buffers (tens of KiB), to a regular file and to a pipe, in the three formats, from one root and
from a folder of several, with exit codes 0 (warnings), 1 (errors, or warnings denied) and 2.
A process that ended without flushing would cut the last buffer: the summary line, the last JSON
lines, the end of the SARIF log.

Usage: check_exit_test.py IWD
"""
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(iwd, args, to_file, tmp):
    """Runs `iwd check ARGS` with stdout and stderr to regular files or to pipes."""
    cmd = [iwd, "check", *args]
    if to_file:
        out_path, err_path = os.path.join(tmp, "out.txt"), os.path.join(tmp, "err.txt")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            rc = subprocess.run(cmd, stdout=out, stderr=err, timeout=60).returncode
        with open(out_path, "rb") as out, open(err_path, "rb") as err:
            return rc, out.read().decode(), err.read().decode()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def expect(iwd, tmp, args, rc_want, codes_want, summary, stderr_has=None):
    """codes_want: {code: count} of the diagnostics; checked in every format and destination.
    summary: the text format's last line."""
    for to_file in (True, False):
        where = f"{' '.join(args)} ({'file' if to_file else 'pipe'})"
        for fmt in ("text", "json", "sarif"):
            rc, out, err = run(iwd, ["--format", fmt, *args], to_file, tmp)
            check(rc == rc_want, f"{where} --format {fmt}: exit {rc}, expected {rc_want}")
            if stderr_has is not None:
                check(stderr_has in err, f"{where} --format {fmt}: stderr {err!r} lacks {stderr_has!r}")
            if fmt == "text":
                found = {}
                for line in out.splitlines():
                    m = re.match(r"(?:\S+:\d+:\d+: )?(?:error|warning|note)\[([A-Z]\d{4})\]", line)
                    if m:
                        found[m.group(1)] = found.get(m.group(1), 0) + 1
                check(found == codes_want, f"{where} text: codes {found}, expected {codes_want}")
                check(out.endswith(summary + "\n"), f"{where} text: does not end with {summary!r}: ...{out[-200:]!r}")
            elif fmt == "json":
                found = {}
                try:
                    for line in out.splitlines():
                        code = json.loads(line)["code"]
                        found[code] = found.get(code, 0) + 1
                except ValueError as e:
                    check(False, f"{where} json: a line that is not JSON ({e}): ...{out[-200:]!r}")
                    continue
                check(out == "" or out.endswith("\n"), f"{where} json: the last line is cut")
                check(found == codes_want, f"{where} json: codes {found}, expected {codes_want}")
            else:
                try:
                    log = json.loads(out)
                except ValueError as e:
                    check(False, f"{where} sarif: not one JSON document ({e}): ...{out[-200:]!r}")
                    continue
                found = {}
                for r in log["runs"][0]["results"]:
                    found[r["ruleId"]] = found.get(r["ruleId"], 0) + 1
                check(found == codes_want, f"{where} sarif: codes {found}, expected {codes_want}")


def main():
    iwd = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="iwd-check-exit-")
    try:
        # 201 warnings (W0612, unused schemes), ~48 KB of text: exit 0, or 1 with --deny-warnings.
        warn = os.path.join(tmp, "warn.iwd")
        with open(warn, "w") as f:
            f.write("// iwd:allow(W9999)\npriority gold {\n  start 400\n  every 1h add 50\n}\n")
            for i in range(200):
                f.write(f"priority unused_{i} {{ start {i} }}\n")
        # 60 syntax errors, of which the first 50 are reported (kMaxSyntaxErrors): exit 1.
        bad_dir = os.path.join(tmp, "folder")
        os.mkdir(bad_dir)
        bad = os.path.join(bad_dir, "bad.iwd")
        with open(bad, "w") as f:
            for i in range(60):
                f.write(f"priority p{i} {{\n  start 400\n  evry 1h add 50\n}}\n")
        shutil.copy(warn, os.path.join(bad_dir, "warn.iwd"))
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "leads.iwd"),
                    os.path.join(bad_dir, "clean.iwd"))
        unknown_allow = "`iwd:allow` names `W9999`, which is not a diagnostic code"

        # What goes to stderr is out too (the allow comment's warning).
        expect(iwd, tmp, [warn], 0, {"W0612": 201}, "checked 1 file: 0 errors, 201 warnings", unknown_allow)
        expect(iwd, tmp, ["--deny-warnings", warn], 1, {"W0612": 201}, "checked 1 file: 201 errors, 0 warnings")
        expect(iwd, tmp, [bad], 1, {"E0101": 50, "I0109": 1}, "checked 1 file: 50 errors, 0 warnings")
        # A folder: three roots, the compilation of each but the last freed as before.
        expect(iwd, tmp, [bad_dir], 1, {"E0101": 50, "I0109": 1, "W0612": 201},
               "checked 3 files: 50 errors, 201 warnings", unknown_allow)
        expect(iwd, tmp, [os.path.join(bad_dir, "clean.iwd")], 0, {}, "checked 1 file: 0 errors, 0 warnings")
        for to_file in (True, False):
            rc, _, err = run(iwd, [os.path.join(tmp, "missing.iwd")], to_file, tmp)
            check(rc == 2 and "cannot read" in err, f"a missing file: exit {rc}, stderr {err!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
