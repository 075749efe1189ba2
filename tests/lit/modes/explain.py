"""Mode `explain`: `// RUN: explain ARG...` runs `iwd explain ARG...` (docs/explain.md) and gives
sections `explain-text` (the text) and `explain-json` (with `--format json`); the text must
also be the same with `--no-jit` (the interpreter and the JIT explain alike)."""
from . import outputs


def run(case, argv):
    line = outputs.run_line(case, argv)
    args = ["explain"] + argv[1:]
    text, failures = outputs.iwd(case, line, args)
    as_json, fails = outputs.iwd(case, line, args + ["--format", "json"])
    failures += fails
    interpreted, fails = outputs.iwd(case, line, args + ["--no-jit"])
    failures += fails or outputs.disagree(line, "--no-jit explains differently", text.stdout, interpreted.stdout,
                                          "jit", "--no-jit")
    return {"explain-text": text.stdout, "explain-json": as_json.stdout}, failures, None
