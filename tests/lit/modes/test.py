"""Mode `test`: `// RUN: test %s [ARG...]` runs the test blocks of the rules with `iwd test`,
compiled (the JIT, the default) and interpreted (`--no-jit`): both must pass every test and
print the same, and section `test` is the summary line (`N passed, 0 failed`), so a test that
stops running shows up. A case that runs no test fails."""
from . import outputs


def run(case, argv):
    line = outputs.run_line(case, argv)
    if len(argv) < 2:
        return {}, [(line, "mode `test` needs the files: `// RUN: test %s`")], None
    jit, failures = outputs.iwd(case, line, ["test"] + argv[1:])
    interpreted, fails = outputs.iwd(case, line, ["test", "--no-jit"] + argv[1:])
    failures += fails
    failures += outputs.disagree(line, "the interpreter (--no-jit) tests differently", jit.stdout,
                                 interpreted.stdout, "jit", "--no-jit")
    summary = (jit.stdout.splitlines() or [""])[-1]
    if summary.startswith("0 passed"):
        failures.append((line, "no test ran"))
    return {"test": summary + "\n"}, failures, None
