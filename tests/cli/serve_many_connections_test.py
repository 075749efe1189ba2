#!/usr/bin/env python3
"""Many keep-alive clients at once against `iwd serve` (server/http.cpp, HttpFrontEnd::Impl::loop).
libmicrohttpd 0.9.75's own epoll thread takes ready connections 128 at a time and, when a round
is full, waits again before serving them: with exactly 128 (or 256) connections ready together,
every request waited for an unrelated event or the idle timeout (wrk: 14,500 creates/s at 127
connections, 96-288 at 128). Here 128, then 256, keep-alive connections each send a create (a
request the engine answers, the connection suspended meanwhile and resumed from the engine's
thread) and then a GET /healthz, all at once, round after round: every round is answered in
full, each create 201 and each item there. The bound on a round (10 s) is far above a healthy
round (milliseconds) and below the stall (the idle timeout, 30 s).

Usage: serve_many_connections_test.py IWD. Prints `N passed, M failed`; exit 1 if any failed."""
import os
import selectors
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_lib import Checks, start_serve  # noqa: E402

IWD = sys.argv[1]
ROUND_BOUND_S = 10
check = Checks()


def read_replies(socks, deadline):
    """One whole HTTP/1.1 reply (Content-Length) from each socket: {sock: status}; the ones not
    answered by `deadline` are missing."""
    sel = selectors.DefaultSelector()
    buffers = {s: b"" for s in socks}
    statuses = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    while len(statuses) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                sel.unregister(s)
                statuses[s] = 0
                continue
            buffers[s] += data
            head, sep, body = buffers[s].partition(b"\r\n\r\n")
            if not sep:
                continue
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if len(body) >= length:
                statuses[s] = int(head.split(b" ")[1])
                buffers[s] = body[length:]
                sel.unregister(s)
    sel.close()
    return statuses


def rounds(port, n, count, tag):
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]
    worst, created = 0.0, []
    try:
        for r in range(count):
            for kind in ("create", "health"):
                started = time.monotonic()
                for k, s in enumerate(socks):
                    if kind == "create":
                        body = f'{{"id": "{tag}-{r}-{k}", "department": "Sales", "segment": "Silver"}}'.encode()
                        s.sendall(b"POST /v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                    else:
                        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                statuses = read_replies(socks, started + ROUND_BOUND_S)
                took = time.monotonic() - started
                worst = max(worst, took)
                want = 201 if kind == "create" else 200
                ok = len(statuses) == n and all(v == want for v in statuses.values())
                if not ok:
                    check(False, f"{n} connections, round {r} ({kind}): {len(statuses)} of {n} answered in "
                                 f"{took:.1f} s, statuses {sorted(set(statuses.values()))}")
                    return worst, created
                if kind == "create":
                    created += [f"{tag}-{r}-{k}" for k in range(n)]
        check(True, f"{n} connections")
        # Read back on one of these connections (a new one may find the per-address cap still
        # counting the ones about to close).
        missing = []
        for i in created[::37]:
            socks[0].sendall(f"GET /v1/items/{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            if read_replies([socks[0]], time.monotonic() + ROUND_BOUND_S).get(socks[0]) != 200:
                missing.append(i)
        check(not missing, f"{n} connections: the items created are there: missing {missing[:5]}")
        return worst, created
    finally:
        for s in socks:
            s.close()


tmp = tempfile.mkdtemp(prefix="iwd_many_")
proc = None
try:
    proc, port = start_serve(IWD, tmp, {})
    for n, count in ((128, 8), (256, 4)):
        worst, created = rounds(port, n, count, f"c{n}")
        print(f"figure: {n} connections, {count} rounds of a create and a GET each: slowest round {worst * 1000:.0f} ms")
finally:
    if proc and proc.poll() is None:
        proc.kill()
        proc.wait()
    if check.failed:
        print(open(os.path.join(tmp, "serve.log")).read()[-2000:])
    shutil.rmtree(tmp, ignore_errors=True)
check.finish()
