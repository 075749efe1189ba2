#!/usr/bin/env python3
"""`iwd eval --items -` answers as the input comes (issue 19): a pipe fed one line at a time
gets each line's answer before it sends the next (a block is answered when no more input is
ready, not only when 256 lines are in), a partial last line is answered at the end of the
input, a file of more than a block keeps its order, and a read error is reported. Every wait is bounded."""
import json
import os
import select
import subprocess
import tempfile

from eval_lib import AT, IWD, RULES, check, finish


def read_line(proc, timeout):
    """One line of the process's output, or None when none came within `timeout` seconds."""
    buf = b""
    fd = proc.stdout.fileno()
    while not buf.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        chunk = os.read(fd, 1)
        if not chunk:
            return None
        buf += chunk
    return buf.decode()


proc = subprocess.Popen([IWD, "eval", RULES, "--items", "-", "--at", AT], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
try:
    for k, line in enumerate(['{"cart_value": 900}', 'not json', '{"cart_value": 0}', '{"channel": "App"}']):
        proc.stdin.write((line + "\n").encode())
        proc.stdin.flush()
        answer = read_line(proc, 10)
        check(answer is not None, f"line {k + 1} answered before the next is sent")
        if answer is None:
            break
        out = json.loads(answer)
        if k == 0:
            check(out.get("process") == "Leads.Hot", f"line 1: {answer}")
        if k == 1:
            check(out.get("error", "").startswith("line 2: malformed JSON"), f"line 2: {answer}")
        if k == 3:
            check("rejected" in out, f"line 4: {answer}")
    # A last line without its newline is answered once the input ends.
    proc.stdin.write(b'{"cart_value": 50, "channel": "Marketplace"}')
    proc.stdin.close()
    answer = read_line(proc, 10)
    check(answer is not None and json.loads(answer).get("process") == "Leads.Marketplace", f"last line: {answer}")
    check(proc.wait(timeout=10) == 0, "exit 0")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()

# More than a block from a file: every line answered, in order (line numbers in errors).
with tempfile.TemporaryDirectory() as tmp:
    items = os.path.join(tmp, "items.jsonl")
    with open(items, "w") as f:
        for i in range(1000):
            f.write("oops\n" if i % 97 == 5 else '{"cart_value": %d}\n' % (i * 3))
    r = subprocess.run([IWD, "eval", RULES, "--items", items, "--at", AT], capture_output=True, timeout=60)
    lines = r.stdout.decode().splitlines()
    check(r.returncode == 0 and len(lines) == 1000, f"1000 answers, got {len(lines)}")
    errors = [json.loads(l)["error"].split(":")[0] for l in lines if l.startswith('{"error"')]
    check(errors == ["line %d" % (i + 1) for i in range(1000) if i % 97 == 5], f"errors in order: {errors[:3]}")

# What cannot be read is an input error naming it, not an empty answer.
with tempfile.TemporaryDirectory() as tmp:
    r = subprocess.run([IWD, "eval", RULES, "--items", tmp, "--at", AT], capture_output=True, timeout=60)
    check(r.returncode == 2 and f"cannot read '{tmp}': Is a directory" in r.stderr.decode(), f"a folder: {r.stderr}")

finish("eval_stream")
