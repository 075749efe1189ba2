"""What the `iwd eval --items` tests share: the binary (argv[1]), the rules and instant they
evaluate at, and failed checks counted and reported."""
import os
import sys

IWD = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "examples", "leads.iwd")
AT = "2026-11-23T15:00:00Z"
_failed = 0


def check(cond, what):
    global _failed
    if not cond:
        _failed += 1
        print("FAIL:", what)


def finish(name):
    """Prints whether every check passed and exits 1 if one did not."""
    print(f"{name}:", "FAILED" if _failed else "passed")
    sys.exit(1 if _failed else 0)
