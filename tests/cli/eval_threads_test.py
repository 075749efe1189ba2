#!/usr/bin/env python3
"""`iwd eval --items` on several workers (issue 19): each worker takes the next block of lines,
decodes, evaluates and prints it, and the blocks' outputs are written in input order. A file of
many blocks, each line telling itself apart (a rejection naming the line's own attribute, an
error naming its line), is answered the same by 1, 2, 3 and 7 workers, line for line and in
order. A regular file is read from the descriptor's offset: standard input that is a file another
program read the start of is answered from its offset on (not from the file's start), a last
line without its newline and blank lines are handled as when read from a pipe, and a file that
shrinks while it is read is an error. Every wait is bounded."""
import json
import os
import subprocess
import tempfile

from eval_lib import AT, IWD, ROOT, RULES, check, finish


def run(args, stdin=None, input_bytes=None):
    r = subprocess.run([IWD, "eval", RULES, "--at", AT] + args, stdin=stdin, input=input_bytes,
                       capture_output=True, timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def line_text(i):
    """Line i (0-based): an item, a rejection naming attribute x<i>, bad JSON, or a blank line."""
    if i % 7 == 3:
        return '{"x%d": 1}' % i
    if i % 97 == 5:
        return "oops %d" % i
    if i % 113 == 50:
        return "   "
    return '{"cart_value": %d}' % (i * 3 % 1200 + 1)


N = 3000  # about a dozen blocks of 256 lines
with tempfile.TemporaryDirectory() as tmp:
    items = os.path.join(tmp, "items.jsonl")
    with open(items, "w") as f:
        f.write("".join(line_text(i) + "\n" for i in range(N)))
    # What each line must be answered with, in order (blank lines get no answer).
    expected = []
    for i in range(N):
        t = line_text(i)
        if t.strip() == "":
            continue
        if t.startswith("oops"):
            expected.append(("error", "line %d" % (i + 1)))
        elif t.startswith('{"x'):
            expected.append(("rejected", "unknown attribute `x%d`" % i))
        else:
            expected.append(("process", None))

    outputs = {}
    for threads in (1, 2, 3, 7):
        code, out, err = run(["--items", items, "--threads", str(threads)])
        check(code == 0, f"--threads {threads}: exit {code}: {err}")
        outputs[threads] = out
        lines = out.splitlines()
        check(len(lines) == len(expected), f"--threads {threads}: {len(expected)} answers, got {len(lines)}")
        bad = 0
        for k, (line, (kind, text)) in enumerate(zip(lines, expected)):
            got = json.loads(line)
            if kind not in got or (kind == "error" and not got["error"].startswith(text + ":")) or \
                    (kind == "rejected" and got["rejected"] != text):
                bad += 1
                if bad <= 3:
                    print(f"--threads {threads}: answer {k + 1} is {line[:80]}, expected {kind} {text}")
        check(bad == 0, f"--threads {threads}: {bad} answers out of place")
    for threads in (2, 3, 7):
        check(outputs[threads] == outputs[1], f"--threads {threads} answers as --threads 1")

    # The same file through a pipe: the same answers.
    with open(items, "rb") as f:
        data = f.read()
    code, out, err = run(["--items", "-", "--threads", "2"], input_bytes=data)
    check(code == 0 and out == outputs[1], "a pipe answers as the file")

    # Standard input that is the file, its first 5 lines already read by another program: the
    # answers are the rest's, counted from there (as from a pipe given the rest).
    offset = sum(len(line_text(i)) + 1 for i in range(5))
    fd = os.open(items, os.O_RDONLY)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        code, out, err = run(["--items", "-"], stdin=fd)
    finally:
        os.close(fd)
    _, piped, _ = run(["--items", "-"], input_bytes=data[offset:])
    check(code == 0 and out == piped, f"a file at an offset answers from there: {out[:120]!r}")
    check(len(out.splitlines()) == len(expected) - 5, f"{len(expected) - 5} answers after the offset")

    # A file whose last line has no newline, and one of blank lines only; an empty file.
    last = os.path.join(tmp, "last.jsonl")
    with open(last, "w") as f:
        f.write('{"cart_value": 900}\n\n{"x9": 1}\n{"cart_value": 50, "channel": "Marketplace"}')
    code, out, err = run(["--items", last])
    lines = out.splitlines()
    check(code == 0 and len(lines) == 3 and json.loads(lines[0]).get("process") == "Leads.Hot" and
          json.loads(lines[1]).get("rejected") == "unknown attribute `x9`" and
          json.loads(lines[2]).get("process") == "Leads.Marketplace", f"a last line without newline: {out!r}")
    for name, text in (("blank.jsonl", "\n  \n\t\n"), ("empty.jsonl", "")):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        code, out, err = run(["--items", path])
        check(code == 0 and out == "", f"{name}: no answers, exit 0: {code} {out!r} {err!r}")

    # What a worker's printer keeps from item to item (a process's terms as text, the date of
    # `due`): items of processes with other terms (media, offer timeout, complete within) and
    # other due dates, in a changing order, each answered as `--item` answers it alone.
    blended = os.path.join(ROOT, "examples", "blended.iwd")
    kinds = ["Call", "Case", "Case", "Call", "Call", "Case", "Call"]
    mixed = ['{"kind": "%s", "captured_at": "2026-11-2%dT10:00:00Z"}' % (k, i % 3) for i, k in enumerate(kinds)]
    path = os.path.join(tmp, "mixed.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(mixed) + "\n")
    r = subprocess.run([IWD, "eval", blended, "--at", AT, "--items", path, "--threads", "1"], capture_output=True,
                       timeout=60)
    alone = [subprocess.run([IWD, "eval", blended, "--at", AT, "--item", m], capture_output=True,
                            timeout=60).stdout.decode() for m in mixed]
    check(r.returncode == 0 and r.stdout.decode() == "".join(alone),
          f"--items answers each item as --item: {r.stdout.decode()[:300]!r} against {alone[:2]!r}")
    check(len(set(a[a.index('"terms"'):] for a in alone)) == 2, f"two processes' terms: {alone[:2]!r}")

    # A file that shrinks while it is read (truncated by another program) is an input that
    # cannot be read: a clear error and exit 2, not answers that stop short as if the file had
    # ended there. The process is held by its full output pipe once it has printed a few
    # blocks, the file is truncated then, and its next read finds the end before the size the
    # file had.
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w") as f:
        f.write("".join('{"cart_value": %d}\n' % (i % 1200 + 1) for i in range(300_000)))
    p = subprocess.Popen([IWD, "eval", RULES, "--at", AT, "--items", big, "--threads", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    os.truncate(big, 0)
    try:
        rest, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, err = p.communicate()
    answered = (first + rest).count(b"\n")
    check(p.returncode == 2 and b"shrank while it was read" in err and 0 < answered < 300_000,
          f"a file truncated while read: exit 2 naming it, the answers before it only: exit {p.returncode}, "
          f"{answered} answers, {err[:300]!r}")

    # A worker count out of range is a usage error naming the option.
    code, out, err = run(["--items", items, "--threads", "0"])
    check(code != 0 and "--threads" in err and out == "", f"--threads 0 refused: {code} {err!r}")

finish("eval_threads")
