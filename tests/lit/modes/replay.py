"""Mode `replay`: `// RUN: replay RULES [ARG...]` drives `iwd replay RULES SCRIPT ARG...` with the
case's body as the script (docs/replay.md; the directive and other `//` lines are comments to
it, so the line numbers of "error" objects count from the top of the case file). Section
`replay` is the output; the case also requires the same output on a second run and through
the interpreter (`--no-jit`). Exit 1 (a refused line) is an answer, not a failure."""
from . import outputs


def run(case, argv):
    line = outputs.run_line(case, argv)
    if len(argv) < 2:
        return {}, [(line, "mode `replay` needs the rules: `// RUN: replay RULES [ARG...]`")], None
    script = case.tmp / "script.jsonl"
    script.write_text(case.body, encoding="utf-8")
    args = ["replay", argv[1], str(script)] + argv[2:]
    shown = "iwd " + " ".join(["replay", argv[1], "BODY"] + argv[2:])
    first, failures = outputs.iwd(case, line, args, ok=(0, 1), what=shown)
    if failures:
        return {}, failures, None
    again, failures = outputs.iwd(case, line, args, ok=(0, 1), what=shown)
    failures += outputs.disagree(line, "a second run printed something else", first.stdout, again.stdout,
                                 "first run", "second run")
    interpreted, fails = outputs.iwd(case, line, args + ["--no-jit"], ok=(0, 1), what=shown + " --no-jit")
    failures += fails or outputs.disagree(line, "the interpreter (--no-jit) printed something else than the JIT",
                                          first.stdout, interpreted.stdout, "jit", "--no-jit")
    return {"replay": first.stdout}, failures, None
