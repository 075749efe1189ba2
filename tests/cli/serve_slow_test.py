#!/usr/bin/env python3
"""`iwd serve` against clients that hold connections without finishing a request (slowloris):
the per-address cap refuses the excess at once, other addresses are served meanwhile, the
request deadline closes the slow connections, and on the reserve past max_connections only
operators are served. Usage: serve_slow_test.py IWD. Prints `N passed, M failed`."""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_lib import Checks, start_serve  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_slow_")


check = Checks()


def start(config):
    return start_serve(IWD, TMP, config)


def connect(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def fetch(port, path, token=None, source="127.0.0.1"):
    """One whole GET on a new connection: (status, body, seconds); status 0 when refused."""
    t0 = time.monotonic()
    try:
        s = connect(port, source)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        data = b""
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.partition(b"\r\n\r\n")[2].decode(errors="replace"), time.monotonic() - t0


def request(port, path, token=None, source="127.0.0.1"):
    status, _, took = fetch(port, path, token, source)
    return status, took


def closed_by_server(s):
    try:
        s.settimeout(0.05)
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


SOURCE = "source-token-0123456789"
SUPERVISOR = "supervisor-token-012345"
VIEWER = "viewer-token-0123456789"
AGENT = "agent-token-ada-0123456"
tokens = [{"token": SOURCE, "role": "source"}, {"token": SUPERVISOR, "role": "supervisor"},
          {"token": VIEWER, "role": "viewer"}, {"token": AGENT, "role": "agent", "agent": "ada"}]

# 1. The cap per address and the request deadline.
proc, port = start({"tokens": tokens, "max_connections": 40, "reserved_connections": 4,
                    "max_connections_per_address": 30, "request_timeout_seconds": 1.5})
try:
    slow = []
    for _ in range(30):
        s = connect(port)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")  # and never the rest
        slow.append(s)
    time.sleep(0.2)
    status, _ = request(port, "/healthz")
    check(status == 0, f"a 31st connection from the same address is refused (status {status})")
    status, took = request(port, "/healthz", source="127.0.0.2")
    check(status == 200 and took < 1.0, f"another address is served at once (status {status}, {took:.2f} s)")
    # Trickle a byte now and then: the deadline counts from the start, not from the last byte.
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and not all(closed_by_server(s) for s in slow):
        for s in slow:
            try:
                s.sendall(b"X")
            except OSError:
                pass
        time.sleep(0.3)
    gone = sum(closed_by_server(s) for s in slow)
    check(gone == 30, f"the slow connections are closed by the deadline ({gone} of 30)")
    status, _ = request(port, "/healthz")
    check(status == 200, f"the address is served again afterwards (status {status})")
    _, text, _ = fetch(port, "/metrics", token=SUPERVISOR)
    slow_line = [l for l in text.splitlines() if l.startswith('iwd_connections_closed_total{reason="slow_request"}')]
    cap_line = [l for l in text.splitlines() if l.startswith('iwd_connections_closed_total{reason="address_cap"}')]
    check(slow_line and int(slow_line[0].split()[-1]) >= 30, f"counted as slow requests: {slow_line}")
    check(cap_line and int(cap_line[0].split()[-1]) >= 1, f"counted at the address cap: {cap_line}")
    # A request whose body never comes is cut too.
    s = connect(port)
    s.sendall(f"POST /v1/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SOURCE}\r\n"
              "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode())
    time.sleep(2.5)
    check(closed_by_server(s), "a body that never arrives is cut at the deadline")
    for s in slow:
        s.close()
finally:
    proc.terminate()
    proc.wait()

# 2. The reserve: past max_connections only operators are served.
proc, port = start({"tokens": tokens, "max_connections": 10, "reserved_connections": 3,
                    "max_connections_per_address": 0, "request_timeout_seconds": 30})
try:
    held = []
    for k in range(11):  # one past max_connections
        s = connect(port, source=f"127.0.1.{k + 1}")
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        held.append(s)
    time.sleep(0.2)
    status, _ = request(port, "/v1/items/nothing", token=SOURCE, source="127.0.2.1")
    check(status == 503, f"a source on the reserve is refused 503 (status {status})")
    status, _ = request(port, "/healthz", source="127.0.2.2")
    check(status == 200, f"/healthz is served on the reserve (status {status})")
    status, _ = request(port, "/v1/queue", token=SUPERVISOR, source="127.0.2.3")
    check(status == 200, f"a supervisor is served on the reserve (status {status})")
    status, _ = request(port, "/v1/queue", token=VIEWER, source="127.0.2.5")
    check(status == 200, f"a viewer (a read-only console) is served on the reserve (status {status})")
    status, _ = request(port, "/v1/agents/ada/offers", token=AGENT, source="127.0.2.6")
    check(status == 503, f"an agent on the reserve is refused 503 (status {status})")
    for s in held:
        s.close()
    time.sleep(0.3)
    status, _ = request(port, "/v1/items/nothing", token=SOURCE, source="127.0.2.4")
    check(status == 404, f"below the limit again, a source is served (status {status})")
finally:
    proc.terminate()
    proc.wait()

check.finish()
