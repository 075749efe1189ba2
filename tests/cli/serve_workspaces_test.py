#!/usr/bin/env python3
"""Workspaces in `iwd serve` (docs/deployment.md, "Workspaces"): one server, a workspace
declared in the configuration and others created over the API, each with its own items and
tokens; kill -9 in the middle of a stream of creates: after the restart every acknowledged
workspace is there and answers; a deleted one stays deleted; what a create cut short is gone.

Usage: serve_workspaces_test.py IWD_BINARY. Prints the figures it saw (start time of the
workspaces, memory per idle workspace) and `N passed, M failed`; exit 1 if any failed.
"""
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_lib import Checks, call, start_serve  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
DEFAULT, DEPLOY, SALES = "default-admin-token-0001", "deployment-admin-token-1", "sales-admin-token-000001"


def ws_token(name):
    return f"ws-{name}-admin-token-0000001"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def main():
    iwd = sys.argv[1]
    check = Checks()
    tmp = tempfile.mkdtemp(prefix="iwd_workspaces_")
    rules_text = open(RULES).read()
    config = {"tokens": [{"token": DEFAULT, "role": "admin"}],
              "admin_tokens": [{"token": DEPLOY, "name": "ops"}],
              "workspaces": {"sales": {"rules": RULES, "tokens": [{"token": SALES, "role": "admin"}]}}}

    def create(port, name):
        return call(port, "PUT", f"/v1/admin/workspaces/{name}",
                    {"rules": rules_text, "tokens": [{"token": ws_token(name), "role": "admin"}]}, DEPLOY)

    proc, port = start_serve(iwd, tmp, config, rules=RULES)
    try:
        # The configuration's workspace, its own items; tokens do not cross.
        status, _ = call(port, "POST", "/v1/workspaces/sales/items", {"id": "S-1", "kind": "Sale"}, SALES)
        check(status == 201, f"create in sales: {status}")
        check(call(port, "GET", "/v1/items/S-1", None, DEFAULT)[0] == 404, "S-1 is not the default's")
        check(call(port, "GET", "/v1/items/S-1", None, SALES)[0] == 403, "sales' token on the default's routes")
        check(call(port, "GET", "/v1/workspaces/sales/items/S-1", None, DEFAULT)[0] == 403, "the default's token on sales")
        status, body = call(port, "GET", "/v1/workspaces/nosuch/healthz", None, "")
        check(status == 404 and "nosuch" in body["error"]["message"], f"an unknown workspace: {status} {body}")

        # Memory of idle workspaces: RSS before and after 20 creates.
        before = rss_kb(proc.pid)
        for k in range(20):
            status, body = create(port, f"idle-{k}")
            check(status == 201, f"create idle-{k}: {status} {body}")
        after = rss_kb(proc.pid)
        print(f"figure: {(after - before) / 20:.0f} kB of RSS per idle workspace (20 created: {before} -> {after} kB)")
        check(call(port, "DELETE", "/v1/admin/workspaces/idle-0", None, DEPLOY)[0] == 200, "delete idle-0")

        # A stream of creates, kill -9 in the middle of it.
        acknowledged = []
        stop = threading.Event()

        def creator():
            k = 0
            while not stop.is_set():
                try:
                    status, _ = create(port, f"crash-{k}")
                except Exception:  # the server died under this request: not acknowledged
                    return
                if status == 201:
                    acknowledged.append(f"crash-{k}")
                k += 1

        thread = threading.Thread(target=creator)
        thread.start()
        time.sleep(1.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        thread.join(timeout=20)
        check(len(acknowledged) > 0, "some creates acknowledged before the kill")

        proc, port = start_serve(iwd, tmp, config, rules=RULES)
        status, body = call(port, "GET", "/v1/admin/workspaces", None, DEPLOY)
        names = {w["name"] for w in body["workspaces"]} if status == 200 else set()
        missing = [n for n in acknowledged if n not in names]
        check(not missing, f"acknowledged workspaces lost by kill -9: {missing}")
        check("idle-0" not in names and "idle-1" in names and "sales" in names, f"after the restart: {sorted(names)}")
        for name in names - {"default", "sales"}:
            status, body = call(port, "GET", f"/v1/workspaces/{name}/healthz", None, "")
            check(status == 200 and body.get("workspace") == name, f"{name} answers after the restart: {status} {body}")
        leftovers = [d for d in os.listdir(os.path.join(tmp, "data", "workspaces")) if d not in names]
        check(not leftovers, f"folders cut short and left: {leftovers}")
        check(call(port, "GET", "/v1/workspaces/sales/items/S-1", None, SALES)[1].get("state") == "queued", "sales keeps S-1")
        log = open(os.path.join(tmp, "serve.log")).read()
        started = re.findall(r"(\d+) more workspaces under .* started in (\d+) ms", log)
        if started:
            print(f"figure: {started[-1][0]} workspaces started in {started[-1][1]} ms at the restart")
        print(f"figure: {len(acknowledged)} creates acknowledged in 1.5 s before kill -9")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except Exception:
            proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    main()
