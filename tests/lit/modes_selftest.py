#!/usr/bin/env python3
"""Self-test of the modes replay, explain, explain-doc, fmt, fmt-corpus, test and eval: small
cases written to a temp folder that must FAIL, each for the reason named, so that a mode
cannot silently pass what it exists to catch; one that must pass; and the comment scanner
of mode fmt on its own. Run from anywhere: `python3 tests/lit/modes_selftest.py IWD`.
Python 3 standard library only."""
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from modes import fmt  # noqa: E402

RULES = "tests/replay/rules/desk.iwd"
MARK = "// ==== expected ===="

# (file name, text, what the driver must print for it); every one must fail.
FAILING = [
    ("replay_differs.jsonl",
     f'// RUN: replay {RULES}\n{{"at": "0s", "agent": {{"id": "a", "skills": {{"phone": 5}}}}}}\n{MARK}\n'
     '---- replay ----\n{"at":"2026-01-05T09:00:00Z","event":"agent","agent":"a","from":"logged_out","to":"busy"}\n',
     "section `replay` differs"),
    ("replay_no_rules.jsonl", '// RUN: replay\n{"at": "0s"}\n', "mode `replay` needs the rules"),
    ("replay_bad_rules.jsonl", '// RUN: replay no/such/rules.iwd\n{"at": "0s"}\n', "exited with 2"),
    ("explain_bad_item.test", f"// RUN: explain {RULES} --item 'not json'\n", "`iwd explain"),
    ("explain_doc_missing.test", "// RUN: explain-doc no/such/doc.md\n", "no/such/doc.md"),
    ("fmt_broken.iwd", "// RUN: fmt\ndefine a = (\n", "not formatted"),
    ("fmt_differs.iwd", f"// RUN: fmt\ndefine   a = 1\n{MARK}\n// ---- fmt ----\n// // RUN: fmt\n// define   a = 1\n",
     "section `fmt` differs"),
    ("fmt_corpus_missing.test", "// RUN: fmt-corpus no/such/folder\n", "no .iwd file in no/such/folder"),
    ("test_none.iwd", "// RUN: test %s\nruleset r\ndefault process P { priority { start 1 } }\n", "no test ran"),
    ("test_failing.iwd",
     '// RUN: test %s\nruleset r\ndefault process P { priority { start 1 } }\n'
     'test "wrong" { given { id: "x" } expect process P priority 2 }\n', "`iwd test"),
    ("eval_error.test", f"// RUN: eval {RULES} --item '[1]'\n{MARK}\n---- eval ----\n", "no expected `eval-error` section"),
]

PASSING = [
    ("fmt_ok.iwd", "// RUN: fmt\ndefine a = 1\n"),
]


def lit(iwd, files, update=False):
    cmd = [sys.executable, str(HERE / "lit.py"), "--iwd", iwd] + (["--update"] if update else []) + files
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def main(iwd):
    failed = 0

    def fail(what):
        nonlocal failed
        failed += 1
        print("FAIL:", what)

    # The scanner finds comments as the lexer does: not inside strings, line and block alike.
    got = fmt.comments('define s = "a // b \\" /* c */" // d  \n/* e\n f */ x // g')
    if got != ["/* e\n f */", "// d", "// g"]:
        fail(f"comments(): {got}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, _ in FAILING:
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        for name, text, want in FAILING:
            proc = lit(iwd, [str(Path(tmp) / name)])
            if proc.returncode != 1 or want not in proc.stdout:
                fail(f"{name}: expected a failure saying {want!r}, got exit {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        for name, text in PASSING:
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            lit(iwd, [str(path)], update=True)
            proc = lit(iwd, [str(path)])
            if proc.returncode != 0:
                fail(f"{name}: expected to pass after --update:\n{proc.stdout}{proc.stderr}")
    print(f"{len(FAILING) + len(PASSING) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
