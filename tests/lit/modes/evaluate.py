"""Mode `eval`: `// RUN: eval RULES ARG...` runs `iwd eval RULES ARG...` (docs/evaluation.md) compiled
(the JIT) and interpreted (`--no-jit`), which must answer alike. Section `eval` is the output
(one JSON object an item); when iwd exits with another code than 0 (bad input: 2), section
`eval-error` holds `exit CODE` and what it printed on stderr, so a refusal's wording is pinned
too. Timing options (--stats) do not belong here: their output changes from run to run."""
from . import outputs


def answer(case, args):
    """(sections, the process) of one run."""
    proc = case.run([case.iwd] + args)
    sections = {"eval": proc.stdout}
    if proc.returncode != 0:
        sections["eval-error"] = f"exit {proc.returncode}\n{proc.stderr}"
    elif proc.stderr:
        sections["eval-error"] = f"exit 0\n{proc.stderr}"
    return sections


def run(case, argv):
    line = outputs.run_line(case, argv)
    if len(argv) < 2:
        return {}, [(line, "mode `eval` needs the rules: `// RUN: eval RULES ARG...`")], None
    args = ["eval"] + argv[1:]
    jit = answer(case, args)
    interpreted = answer(case, args + ["--no-jit"])
    failures = []
    for name in sorted(set(jit) | set(interpreted)):
        failures += outputs.disagree(line, f"the interpreter (--no-jit) answers differently ({name})",
                                     jit.get(name, ""), interpreted.get(name, ""), "jit", "--no-jit")
    return jit, failures, None
