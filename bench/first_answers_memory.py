#!/usr/bin/env python3
# What the idempotency window's first answers cost `iwd serve` in memory (issue 17;
# bench/RESULTS.md, "Ids of ended items"): N captures (batches of 1,000, 4 client threads),
# the server's RSS 2 s after the last, with `idempotency_window_seconds` 86400 (every answer
# kept) and 0 (none kept; the open items' marks are kept either way), each on a fresh data
# folder; the difference over N is what an answer costs. Two payloads: `same` (items alike
# but for their ids, as a batch of one source's records) and `distinct` (each with its own
# product and deal value, so no two answers are alike). Each binary given is run in turn,
# round after round (alternated: the machine is shared), and the medians printed.
#   python3 bench/first_answers_memory.py N ROUNDS IWD [IWD...]
# Loopback only; data folders in /tmp/iwd-first-answers.
import http.client, json, os, statistics, subprocess, sys, threading, time

N, ROUNDS, BINARIES = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "enterprise.iwd")
ROOT = "/tmp/iwd-first-answers"


def item(k, payload):
    if payload == "same":
        return {"id": f"case-{k:09d}", "department": "Sales"}
    return {"id": f"case-{k:09d}", "department": "Sales", "product": f"product-{k * 2654435761 % 4294967296:08x}",
            "deal_value": k % 9973}


def run(iwd, payload, window):
    d = f"{ROOT}/{payload}-{window}"
    subprocess.run(["rm", "-rf", d])
    os.makedirs(d)
    with open(d + "/config.json", "w") as f:
        json.dump({"idempotency_window_seconds": window, "max_batch": 1000, "compact_every": 0}, f)
    p = subprocess.Popen([iwd, "serve", "--rules", RULES, "--data", d + "/data", "--listen", "127.0.0.1:0",
                          "--port-file", d + "/port", "--config", d + "/config.json"], stderr=open(d + "/log", "w"))
    try:
        deadline = time.time() + 60
        while not (os.path.exists(d + "/port") and open(d + "/port").read().strip()):
            if time.time() > deadline or p.poll() is not None:
                raise SystemExit(f"{iwd} did not start: {open(d + '/log').read()[-2000:]}")
            time.sleep(0.05)
        port = int(open(d + "/port").read())

        def worker(lo, hi):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for b in range(lo, hi, 1000):
                body = json.dumps({"items": [item(k, payload) for k in range(b, min(hi, b + 1000))]})
                c.request("POST", "/v1/items/batch", body, {"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                assert r.status == 200, r.status

        step = N // 4
        ts = [threading.Thread(target=worker, args=(k * step, (k + 1) * step)) for k in range(4)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        time.sleep(2)
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
    finally:
        p.terminate()
        p.wait(timeout=60)


per_answer = {(b, w): [] for b in BINARIES for w in ("same", "distinct")}
for r in range(ROUNDS):
    for b in BINARIES:
        for payload in ("same", "distinct"):
            kept, none = run(b, payload, 86400), run(b, payload, 0)
            per_answer[(b, payload)].append((kept - none) / N)
            print(f"round {r + 1} {b} {payload}: RSS {kept / 1e6:.1f} MB with the answers, {none / 1e6:.1f} MB without: "
                  f"{(kept - none) / N:.0f} bytes an answer", flush=True)
for (b, payload), xs in per_answer.items():
    print(f"{b} {payload}: median {statistics.median(xs):.0f} bytes an answer ({', '.join(f'{x:.0f}' for x in xs)})")
subprocess.run(["rm", "-rf", ROOT])
