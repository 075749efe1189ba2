#!/usr/bin/env python3
"""The slowloris attack of the reliability review, measured: N connections from one address
send a request one byte every INTERVAL seconds for DURATION seconds against `iwd serve` with
max_connections 200 (the other limits at their defaults); meanwhile a client on the same address
and one on another address each ask /healthz every half second. Reports how many of their
requests were served and how long they took. Loopback only; stops by itself.
Usage: bench/slowloris.py IWD [--connections 210] [--interval 10] [--duration 60]"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("iwd")
ap.add_argument("--connections", type=int, default=210)
ap.add_argument("--interval", type=float, default=10)
ap.add_argument("--duration", type=float, default=60)
args = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="iwd_slowloris_")
with open(f"{tmp}/config.json", "w") as f:
    json.dump({"max_connections": 200}, f)
proc = subprocess.Popen([args.iwd, "serve", "--rules", "examples/enterprise.iwd", "--data", f"{tmp}/data", "--listen",
                         "127.0.0.1:0", "--port-file", f"{tmp}/port", "--config", f"{tmp}/config.json"],
                        stderr=subprocess.DEVNULL)
while not (os.path.exists(f"{tmp}/port") and open(f"{tmp}/port").read().strip()):
    time.sleep(0.05)
port = int(open(f"{tmp}/port").read())
stop = time.monotonic() + args.duration
opened = refused = 0


def attacker():
    global opened, refused
    conns = []
    line = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 10000
    while time.monotonic() < stop:
        while len(conns) < args.connections and time.monotonic() < stop:  # keep N open, reconnect when cut
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                conns.append([s, 0])
                opened += 1
            except OSError:
                refused += 1
                break
        alive = []
        for c in conns:
            try:
                c[0].sendall(line[c[1]:c[1] + 1])
                c[1] += 1
                alive.append(c)
            except OSError:
                c[0].close()
        conns = alive
        time.sleep(args.interval)
    for c in conns:
        c[0].close()


def client(source, out):
    while time.monotonic() < stop:
        t0 = time.monotonic()
        ok = False
        try:
            s = socket.socket()
            s.settimeout(5)
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            ok = s.recv(64).startswith(b"HTTP/1.1 200")
            s.close()
        except OSError:
            pass
        out.append((ok, time.monotonic() - t0))
        time.sleep(0.5)


same, other = [], []
threads = [threading.Thread(target=attacker), threading.Thread(target=client, args=("127.0.0.1", same)),
           threading.Thread(target=client, args=("127.0.0.2", other))]
time.sleep(0)
for t in threads:
    t.start()
for t in threads:
    t.join()
proc.terminate()
proc.wait()


def report(name, rows):
    served = [t for ok, t in rows if ok]
    p50 = statistics.median(served) * 1000 if served else float("nan")
    worst = max(served) * 1000 if served else float("nan")
    print(f"{name}: {len(served)}/{len(rows)} served, p50 {p50:.1f} ms, max {worst:.1f} ms")


print(f"attack: {args.connections} connections, a byte every {args.interval:g} s, {args.duration:g} s; "
      f"{opened} opened, {refused} refused at accept")
report("client on the attacker's address", same)
report("client on another address", other)
