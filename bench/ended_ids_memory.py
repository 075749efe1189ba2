#!/usr/bin/env python3
# The memory an ended id leaves in `iwd serve` (issue 17; bench/RESULTS.md, "Ids of ended
# items"): N ids captured and canceled with the idempotency window at 0, RSS read at N/4, N/2
# and N; then a snapshot and a restart from it. `python3 bench/ended_ids_memory.py build/bin/iwd 400000`
# (about 3 minutes on 2 cores; 1,000,000: about 9); loopback only, a data folder in
# /tmp/iwd-ended-ids (or $IWD_BENCH_DIR, so that two builds can be measured one after the other).
import http.client, json, subprocess, sys, time, threading, os
iwd, N = sys.argv[1], int(sys.argv[2])
RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "enterprise.iwd")
d = os.environ.get("IWD_BENCH_DIR", "/tmp/iwd-ended-ids"); subprocess.run(["rm", "-rf", d]); os.makedirs(d)
open(d + "/config.json", "w").write(json.dumps({"idempotency_window_seconds": 0, "max_batch": 1000}))
p = subprocess.Popen([iwd, "serve", "--rules", RULES, "--data", d + "/data", "--listen", "127.0.0.1:0",
                      "--port-file", d + "/port", "--config", d + "/config.json"], stderr=open(d + "/log", "w"))
while not os.path.exists(d + "/port") or not open(d + "/port").read().strip(): time.sleep(0.05)
port = int(open(d + "/port").read())
def rss():  # kB; with its anonymous part (the heap) and its file-backed part (SQLite's mapped pages)
    f = {l.split(":")[0]: l.split()[1] for l in open(f"/proc/{p.pid}/status") if l.startswith(("VmRSS", "RssAnon", "RssFile"))}
    return f'{f["VmRSS"]} (anon {f["RssAnon"]}, file {f["RssFile"]})'
def worker(lo, hi):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for b in range(lo, hi, 1000):
        items = [{"id": f"case-{k:09d}", "department": "Sales"} for k in range(b, min(hi, b + 1000))]
        c.request("POST", "/v1/items/batch", json.dumps({"items": items}), {"Content-Type": "application/json"}); c.getresponse().read()
        for it in items:
            c.request("POST", f"/v1/items/{it['id']}/cancel", ""); r = c.getresponse(); r.read()
            assert r.status == 200, r.status
def run(lo, hi, threads=8):
    step = (hi - lo) // threads
    ts = [threading.Thread(target=worker, args=(lo + k * step, lo + (k + 1) * step)) for k in range(threads)]
    [t.start() for t in ts]; [t.join() for t in ts]
marks = [0, N // 4, N // 2, N]
base = rss(); print("start", base, "kB", flush=True)
for a, b in zip(marks, marks[1:]):
    t0 = time.time(); run(a, b); time.sleep(2)
    print(f"{b} ended ids: RSS {rss()} kB ({time.time() - t0:.0f} s)", flush=True)
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("POST", "/v1/admin/compact", ""); print("compact", c.getresponse().read().decode())
time.sleep(2); print("after compact RSS", rss())
p.terminate(); p.wait()
p = subprocess.Popen([iwd, "serve", "--rules", RULES, "--data", d + "/data", "--listen", "127.0.0.1:0",
                      "--port-file", d + "/port2", "--config", d + "/config.json"], stderr=open(d + "/log", "a"))
while not os.path.exists(d + "/port2") or not open(d + "/port2").read().strip(): time.sleep(0.05)
time.sleep(1); print("restarted from the snapshot: RSS", rss()); p.terminate(); p.wait()
