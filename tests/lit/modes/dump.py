"""Modes `ast`, `bound`, `program`, `ir`, `ir-optimized`: the exact output of
`iwd parse --emit=MODE` on the case's body, as the section of the same name. Its diagnostics
are not part of it (mode `check` tests those); a stage after errors prints nothing."""


def run(case, argv):
    emit = argv[0]
    if len(argv) > 1:
        return {}, [(1, f"mode `{emit}` takes no arguments, got {' '.join(argv[1:])}")], None
    cwd, name = case.workdir()
    proc = case.run([case.iwd, "parse", f"--emit={emit}", name], cwd=cwd)
    if proc.returncode not in (0, 1):  # 1: the rules have errors; anything else is a problem
        return {}, [(1, f"`iwd parse --emit={emit}` exited with {proc.returncode}: {proc.stderr.strip()}")], None
    return {emit: proc.stdout}, [], None
