#!/usr/bin/env python3
"""GET /v1/items/{id}/explain across restarts (issue 16): the service keeps the rules' source
files in the ruleset it stores, so after a graceful restart and after kill -9, both without
--rules (the store's bundle), an item is explained with the same JSON as before; a service on a
bundle built with `iwd build --sources` explains too, one built without answers 409 no_source
saying how to fix it. The item is deferred (activate_at in 2030): its age stays 0, so its
explanation does not change with the clock. Usage: serve_explain_restart_test.py IWD."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_lib import Checks, call, start_serve  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_explain_restart_")
CONFIG = {"tokens": [{"token": "crm-token-0123456789ab", "role": "source", "name": "crm"},
                     {"token": "supervisor-token-012345", "role": "supervisor", "name": "sam"},
                     {"token": "admin-token-0123456789a", "role": "admin", "name": "root"}]}
CRM, SUP, ADMIN = "crm-token-0123456789ab", "supervisor-token-012345", "admin-token-0123456789a"
check = Checks()


def start(rules=None, data="data"):
    """`iwd serve` on TMP/DATA, with --rules when given: (process, port) once it listens."""
    return start_serve(IWD, TMP, CONFIG, rules, data)


def stop(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    proc.wait(timeout=30)


def explain(port):
    return call(port, "GET", "/v1/items/D1/explain?curve=40", None, SUP)


proc, port = start("examples/enterprise.iwd")
status, _ = call(port, "POST", "/v1/items", {"id": "D1", "department": "Sales", "segment": "Gold", "deal_value": 20000,
                                             "activate_at": "2030-01-07T09:00:00Z"}, CRM)
check(status == 201, f"capture: {status}")
status, _ = call(port, "PUT", "/v1/agents/ada", {"skills": {"sales_processing": 8}, "state": "not_ready"}, SUP)
check(status in (200, 201), f"agent: {status}")
status, body = call(port, "POST", "/v1/items/D1/priority", {"boost": 40, "until": "handled"}, SUP)
check(status == 200, f"override: {status} {body}")
status, before = explain(port)
check(status == 200, f"explained: {status} {before}")
check(before["explanation"]["priority"].get("override", {}).get("value") == 40, "the override is explained")
check(before["explanation"]["agents"][0]["id"] == "ada", "the agent is explained")
check(before["explanation"]["ruleset"]["file"] == "examples/enterprise.iwd", "the file as named on the command line")

for how, sig in (("a graceful restart", signal.SIGTERM), ("kill -9", signal.SIGKILL)):
    stop(proc, sig)
    proc, port = start()  # no --rules: the store's bundle
    status, after = explain(port)
    check(status == 200, f"after {how}: {status} {after}")
    check(after == before, f"after {how}, the same JSON")

# After a snapshot too (recovery from it loads the same bundle).
status, _ = call(port, "POST", "/v1/admin/compact", None, ADMIN)
check(status == 200, f"compact: {status}")
stop(proc, signal.SIGKILL)
proc, port = start()
status, after = explain(port)
check(status == 200 and after == before, f"after a snapshot and kill -9, the same JSON: {status}")
stop(proc)

# Bundles: with --sources explained (the names as given to iwd build), without refused in words.
for flag, name in (("--sources", "with.iwdb"), (None, "bare.iwdb")):
    bundle = os.path.join(TMP, name)
    built = subprocess.run([IWD, "build", "-q", "examples/enterprise.iwd", "-o", bundle] + ([flag] if flag else []))
    check(built.returncode == 0, f"iwd build {flag or ''}")
    proc, port = start(bundle, data="data_" + name)
    status, _ = call(port, "POST", "/v1/items", {"id": "D1", "department": "Sales", "segment": "Gold", "deal_value": 20000,
                                                 "activate_at": "2030-01-07T09:00:00Z"}, CRM)
    check(status == 201, f"capture under {name}: {status}")
    status, body = explain(port)
    if flag:
        check(status == 200, f"a bundle built with --sources is explained: {status} {body}")
        check(body["explanation"]["ruleset"]["file"] == "examples/enterprise.iwd", "its files as named to iwd build")
    else:
        check(status == 409 and body["error"]["code"] == "no_source", f"a bare bundle: {status} {body}")
        check("iwd build --sources" in body["error"]["message"], f"the words say how to fix it: {body}")
    stop(proc, signal.SIGKILL)
    proc, port = start(data="data_" + name)
    status, again = explain(port)
    check(again == body, f"{name} after kill -9: the same answer ({status})")
    stop(proc)

if not check.failed:
    shutil.rmtree(TMP, ignore_errors=True)  # kept when something failed: serve.log says why
check.finish()
