#!/usr/bin/env python3
"""The server sees the compiler only through the loader's interface (compiler/load/load.h):
following every `#include "..."` from server/ transitively must reach no header of the front
end, the lowering, the interpreter or the JIT (issue 14, item 2). The journal (server/journal*)
is storage: it reaches no compiler header at all, not even the bundle format's (a ruleset's key
is server/bundle_key.h). Text only, no build.

Usage: server_includes_test.py [REPOSITORY_ROOT]; exit 1 naming each path that reaches one.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORBIDDEN = re.compile(r"^compiler/(syntax|sema|lower|interp|driver|explain|format)/|^compiler/jit/(?!target\.h$)|"
                       r"^compiler/load/loaded_rules\.h$")
# The journal's files, and what they may not reach.
STORAGE = re.compile(r"^server/journal")
NOT_FOR_STORAGE = re.compile(r"^compiler/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return [p for p in INCLUDE.findall(f.read()) if os.path.exists(os.path.join(ROOT, p))]


def main():
    starts = sorted(os.path.join("server", f) for f in os.listdir(os.path.join(ROOT, "server")) if f.endswith((".h", ".cpp")))
    problems = []
    for start in starts:
        seen, stack = {start: None}, [start]
        while stack:
            here = stack.pop()
            for inc in includes(here):
                if inc in seen:
                    continue
                seen[inc] = here
                storage = STORAGE.search(start) and NOT_FOR_STORAGE.search(inc)
                if FORBIDDEN.search(inc) or storage:
                    chain, at = [inc], here
                    while at is not None:
                        chain.append(at)
                        at = seen[at]
                    problems.append(("the journal reaches the compiler: " if storage else "the server reaches the front end: ")
                                    + " <- ".join(chain))
                    continue
                stack.append(inc)
    for p in problems:
        print("FAIL: " + p)
    print(f"{len(starts)} server files, {len(problems)} reaching what they may not")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
