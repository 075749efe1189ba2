"""Helpers of the modes that compare a command's output (replay, explain, fmt, test, eval): run
`iwd` with a bounded time, turn an unexpected exit into a failure on the RUN line, and say how
two outputs that must agree (a second run, --no-jit) differ."""
import difflib


def run_line(case, argv):
    """The line of the RUN directive that gave argv (failures of a mode point at it)."""
    for line, args in case.runs():
        if args == argv:
            return line
    return 1


def iwd(case, line, args, ok=(0,), cwd=None, what=None):
    """Runs `iwd ARGS`; returns (process, failures): a failure when the exit code is not in ok."""
    proc = case.run([case.iwd] + args, cwd=cwd)
    if proc.returncode in ok:
        return proc, []
    shown = what or "iwd " + " ".join(args)
    return proc, [(line, f"`{shown}` exited with {proc.returncode}:\n{proc.stderr.rstrip()}")]


def disagree(line, message, first, second, first_name, second_name):
    """[] when first == second, else one failure with a unified diff."""
    if first == second:
        return []
    diff = difflib.unified_diff(first.splitlines(), second.splitlines(), first_name, second_name, lineterm="")
    return [(line, message + ":\n" + "\n".join(diff))]
