#!/usr/bin/env python3
"""A stage sees only the headers of the stages it links (compiler/CMakeLists.txt,
docs/architecture.md): a wrong-way include fails to compile, with a message naming both stages;
an include through a PUBLIC link, or of a PRIVATE link's headers in the stage itself, compiles;
ANTLR and LLVM headers are reachable from syntax and jit only.

Each case compiles a one-line file (-fsyntax-only) with the flags of a source file of the
stage, taken from the build tree's compile_commands.json.

Usage: stage_layering_test.py BUILD_DIR; exit 1 naming each case that did not go as expected.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

# (stage, header, None when it must compile, else a text the error must contain)
CASES = [
    ("iwd_base", "compiler/syntax/parse.h", "is a header of iwd_syntax, which iwd_base does not link"),
    ("iwd_syntax", "compiler/sema/bound.h", "is a header of iwd_sema, which iwd_syntax does not link"),
    ("iwd_format", "compiler/sema/bound.h", "is a header of iwd_sema, which iwd_format does not link"),
    ("iwd_sema", "compiler/lower/program.h", "is a header of iwd_lower, which iwd_sema does not link"),
    ("iwd_sema", "compiler/driver/compilation.h", "is a header of iwd_driver, which iwd_sema does not link"),
    ("iwd_driver", "compiler/lower/lower.h", "is a header of iwd_lower, which iwd_driver does not link"),
    ("iwd_lower", "compiler/interp/interp.h", "is a header of iwd_interp, which iwd_lower does not link"),
    ("iwd_interp", "compiler/explain/explain.h", "is a header of iwd_explain, which iwd_interp does not link"),
    ("iwd_interp", "compiler/jit/jit.h", "is a header of iwd_jit, which iwd_interp does not link"),
    ("iwd_jit", "compiler/load/load.h", "is a header of iwd_load, which iwd_jit does not link"),
    ("iwd_load", "compiler/explain/explain.h", "is a header of iwd_explain, which iwd_load does not link"),
    # Private headers of syntax and jit: their ANTLR and LLVM includes are reachable nowhere else.
    ("iwd_sema", "compiler/syntax/builder.h", "antlr4-runtime.h"),
    ("iwd_load", "compiler/jit/codegen.h", "llvm/"),
    # Allowed: a PUBLIC link passes its stages on; a PRIVATE link serves the stage itself.
    ("iwd_interp", "compiler/sema/bound.h", None),
    ("iwd_load", "compiler/interp/interp.h", None),
    ("iwd_format", "compiler/syntax/parse.h", None),
    ("iwd_syntax", "compiler/diag/diagnostic.h", None),
]


def stage_commands(build_dir):
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        entries = json.load(f)
    out = {}
    for e in entries:
        args = shlex.split(e["command"])
        output = args[args.index("-o") + 1] if "-o" in args else ""
        m = re.match(r"compiler/CMakeFiles/(iwd_\w+)\.dir/", output)
        if m and m.group(1) not in out:
            out[m.group(1)] = (args, e["file"], e["directory"])
    return out


def compile_with(command, source, directory, probe):
    args = []
    skip = False
    for a in command:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a == source or a.endswith("ccache"):
            continue
        args.append(a)
    return subprocess.run(args + ["-fsyntax-only", probe], cwd=directory, capture_output=True, text=True)


def main():
    build_dir = sys.argv[1]
    commands = stage_commands(build_dir)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for stage, header, expected in CASES:
            if stage not in commands:
                print(f"FAIL: no compile command of {stage} in compile_commands.json")
                failures += 1
                continue
            probe = os.path.join(tmp, "probe.cpp")
            with open(probe, "w", encoding="utf-8") as f:
                f.write(f'#include "{header}"\n')
            command, source, directory = commands[stage]
            r = compile_with(command, source, directory, probe)
            if expected is None and r.returncode != 0:
                print(f"FAIL: {stage} including {header} should compile:\n{r.stderr[:2000]}")
                failures += 1
            elif expected is not None and (r.returncode == 0 or expected not in r.stderr):
                print(f"FAIL: {stage} including {header} should fail with '{expected}': "
                      f"exit {r.returncode}\n{r.stderr[:2000]}")
                failures += 1
            else:
                print(f"ok: {stage} including {header}: " + ("compiles" if expected is None else "refused"))
    print(f"{len(CASES)} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
