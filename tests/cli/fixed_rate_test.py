#!/usr/bin/env python3
"""bench/fixed_rate (issue 18): the open-loop load generator against a tiny HTTP/1.1 server of
this test's own (loopback, a free port). Checked: every request of the schedule sent once with
its own id, paced over the duration (not sent at once), statuses counted (500s as non-2xx, a
connection closed without an answer as an error), chunked and Content-Length answers both read;
latency counted from the due time (a server stalling 1 s shows on the requests due meanwhile, not
on one alone); a refused port counted as connect errors and unsent requests; bad arguments refused
naming the argument. Only lower bounds on times: a loaded machine makes things later, not sooner.

Usage: fixed_rate_test.py FIXED_RATE. Prints `N passed, M failed`; exit 1 if any failed."""
import http.server
import json
import socket
import subprocess
import sys
import threading
import time

GEN = sys.argv[1]
passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAILED: " + what, flush=True)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stall_id=None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.stall_id, self.seen, self.lock = stall_id, [], threading.Lock()

    def handle_error(self, request, client_address):
        pass  # the generator closing its connections at the end, the connection closed on purpose


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else a body written after its head waits on a delayed ACK (40 ms)

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = int(body["id"].split("-")[1])
        with self.server.lock:
            self.server.seen.append((time.monotonic(), body["id"], self.path, self.headers.get("X-Test")))
        if n == self.server.stall_id:
            time.sleep(1.0)
        if n == 7 and self.server.stall_id is None:  # closed without an answer
            self.close_connection = True
            return
        status = 500 if n % 10 == 0 else 201
        if n % 10 == 3:  # chunked
            self.send_response(status)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"3\r\n{\"a\r\n2\r\n\"}\r\n0\r\n\r\n")
            return
        out = b'{"ok":true}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def serve(stall_id=None):
    server = Server(stall_id)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def generate(args, timeout=40):
    r = subprocess.run([GEN] + args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr


# 1. 400 requests at 200/s over 4 connections: each sent once, paced, statuses counted.
server = serve()
port = server.server_address[1]
rc, out, err = generate(["--url", f"http://127.0.0.1:{port}/v1/items?x={{id}}", "--rate", "200", "--duration", "2",
                         "--connections", "4", "--header", "X-Test: yes", "--body", '{"id":"r{run}-{id}"}'])
server.shutdown()
check(rc == 0, f"a run exits 0: {rc} {err}")
if out:
    ids = [s[1] for s in server.seen]
    runs = {i.split("-")[0] for i in ids}
    numbers = sorted(int(i.split("-")[1]) for i in ids)
    check(out["scheduled"] == 400 and out["sent"] == 400, f"400 scheduled and sent: {out}")
    check(numbers == list(range(400)) and len(runs) == 1 and runs != {"r{run}"},
          f"each request its own id, one run's: {numbers[:5]}... {len(numbers)} {runs}")
    check(all(s[2] == f"/v1/items?x={s[1].split('-')[1]}" for s in server.seen), "{id} in the path too")
    check(all(s[3] == "yes" for s in server.seen), "the --header sent")
    times = sorted(s[0] for s in server.seen)
    check(times[-1] - times[0] >= 1.0, f"paced over the 2 s (not all at once): {times[-1] - times[0]:.3f} s")
    check(out["elapsed_s"] >= 1.99, f"the last request not sent before it was due: {out['elapsed_s']}")
    check(out["status"] == {"201": 359, "500": 40} and out["non_2xx"] == 40,
          f"statuses counted, chunked ones too (359 201s, 40 500s): {out['status']} {out['non_2xx']}")
    check(out["responses"] == 399 and out["errors"] == {"connect": 0, "closed": 1, "timeout": 0, "unsent": 0},
          f"the connection closed without an answer counted as one error: {out['responses']} {out['errors']}")
    check(out["measured"] == 399 and 0 < out["latency_ms"]["p50"] <= out["latency_ms"]["p99"] <= out["latency_ms"]["max"],
          f"percentiles in order: {out['latency_ms']}")

# 1b. Two URLs, a warmup: request i to URL i mod 2; the warmup's requests sent, not measured.
a, b = serve(), serve()
rc, out, err = generate(["--url", f"http://127.0.0.1:{a.server_address[1]}/a", "--url", f"http://127.0.0.1:{b.server_address[1]}/b",
                         "--rate", "100", "--duration", "1", "--warmup", "0.5", "--connections", "2",
                         "--body", '{"id":"r-{id}"}'])
a.shutdown()
b.shutdown()
check(rc == 0 and out is not None, f"a run over two URLs exits 0: {rc} {err}")
if out:
    evens = sorted(int(s[1].split("-")[1]) for s in a.seen)
    odds = sorted(int(s[1].split("-")[1]) for s in b.seen)
    check(evens == list(range(0, 150, 2)) and odds == list(range(1, 150, 2)),
          f"request i to URL i mod 2, 150 in all: {len(evens)} {len(odds)}")
    check(out["scheduled"] == 150 and out["measured"] == 100 and out["connections"] == 4,
          f"the warmup's 50 not measured (request 7 among them), the 100 due after it measured: {out['scheduled']} "
          f"{out['measured']} {out['connections']}")
    check([u["responses"] for u in out.get("per_url", [])] == [75, 74],
          f"per URL: 75 answers, 74 (request 7 closed): {out.get('per_url')}")

# 2. Coordinated omission: one connection at 100/s for 3 s, request 50 stalls the server 1 s; the
# requests due during the stall wait for it and their latency counts from their due time.
server = serve(stall_id=50)
port = server.server_address[1]
rc, out, err = generate(["--url", f"http://127.0.0.1:{port}/", "--rate", "100", "--duration", "3",
                         "--connections", "1", "--body", '{"id":"r-{id}"}'])
server.shutdown()
check(rc == 0 and out is not None, f"a stalled run exits 0: {rc} {err}")
if out:
    lat = out["latency_ms"]
    check(lat["max"] >= 1000, f"the stalled request's latency is the stall's at least: {lat}")
    check(lat["p90"] >= 500, f"the requests due during the stall count it (p90 >= 500 ms, not one slow request): {lat}")
    check(out["sent"] == 300 and out["responses"] == 300, f"all 300 sent and answered: {out['sent']} {out['responses']}")
    check(out["max_queued"] >= 50, f"they queued behind the stall: {out['max_queued']}")

# 3. A refused port: connect errors, nothing answered, every request unsent.
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
rc, out, err = generate(["--url", f"http://127.0.0.1:{closed_port}/", "--rate", "50", "--duration", "0.5",
                         "--timeout", "1"])
check(rc == 0 and out is not None, f"a refused run exits 0 with its report: {rc} {err}")
if out:
    check(out["errors"]["connect"] > 0 and out["responses"] == 0 and out["errors"]["unsent"] == 25,
          f"connect errors counted, 25 unsent: {out['errors']} {out['responses']}")

# 4. Bad arguments: exit 2 naming the argument.
for args, says in [(["--url", "http://127.0.0.1:1/", "--rate", "x", "--duration", "1"], "--rate must be a positive number, got 'x'"),
                   (["--url", "ftp://h/", "--rate", "1", "--duration", "1"], "--url must start with http://"),
                   (["--url", "http://127.0.0.1:99999/", "--rate", "1", "--duration", "1"], "bad port '99999'"),
                   (["--url", "http://127.0.0.1:1/", "--rate", "1"], "--duration is required"),
                   (["--url", "http://127.0.0.1:1/", "--rate", "1", "--duration", "1", "--connections", "2.5"],
                    "--connections must be a whole number"),
                   (["--url", "http://127.0.0.1:1/", "--rate", "1", "--duration", "1", "--header", "nocolon"],
                    "--header must be 'Name: value'"),
                   (["--url", "http://127.0.0.1:1/", "--rate", "1", "--duration", "1", "--bogus"], "unknown argument '--bogus'")]:
    rc, out, err = generate(args)
    check(rc == 2 and says in err, f"{args} refused naming it ({says}): {rc} {err}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
