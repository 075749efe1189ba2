#!/usr/bin/env python3
"""`iwd serve` notifying a real receiver (docs/notifications.md): a subscription from the
configuration and one put over the API, signed requests verified as the docs show, the admin
routes, a kill -9 between a change's acknowledgement and its delivery (the notification comes
after the restart: at least once, never lost), dead letters and their manual retry.
Usage: serve_notify_test.py IWD. Prints `N passed, M failed`."""
import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_lib  # noqa: E402
from serve_lib import Checks, start_serve  # noqa: E402

IWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="iwd_notify_")
SECRET = "whsec-0123456789abcdef"
SOURCE, ADMIN = "source-token-0123456789", "admin-token-0123456789a"


check = Checks()


def verify(secret, header, body, tolerance=300):
    """The docs' verification example (docs/notifications.md)."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= tolerance


class Receiver(http.server.BaseHTTPRequestHandler):
    status = 200  # the answer to every request (set by the test)
    seen = []     # (path, body dict, delivery header, verified)
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with Receiver.lock:
            Receiver.seen.append((self.path, json.loads(body), self.headers.get("Iwd-Delivery"),
                                  verify(SECRET, self.headers.get("Iwd-Signature", "t=0,v1=x"), body)))
            status = Receiver.status
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
HOOK = f"http://127.0.0.1:{receiver.server_address[1]}"


def seen(path=None, event=None, item=None):
    with Receiver.lock:
        return [s for s in Receiver.seen if (path is None or s[0] == path) and (event is None or s[1]["event"] == event)
                and (item is None or s[1]["item"] == item)]


def eventually(f, seconds=10):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if f():
            return True
        time.sleep(0.05)
    return bool(f())


def start(retry_for):
    config = {"tokens": [{"token": SOURCE, "role": "source", "name": "crm"}, {"token": ADMIN, "role": "admin"}],
              "subscriptions": {"crm": {"url": HOOK + "/crm", "events": ["captured", "rejected", "canceled", "done", "completed"],
                                        "sources": ["crm"], "secret": SECRET}},
              "notifications": {"retry_initial_seconds": 0.1, "retry_max_seconds": 0.5, "timeout_seconds": 2,
                                "retry_for_seconds": retry_for}}
    return start_serve(IWD, TMP, config)


def call(port, method, path, body=None, token=ADMIN):
    return serve_lib.call(port, method, path, body, token)


proc, port = start(retry_for=60)
try:
    # The configuration's subscription: a capture of crm's, signed, with the documented body.
    status, _ = call(port, "POST", "/v1/items", {"id": "C1", "department": "Sales", "segment": "Gold"}, SOURCE)
    check(status == 201, f"capture C1: {status}")
    check(eventually(lambda: seen("/crm", "captured", "C1")), "C1's captured notification arrives")
    path, body, delivery, verified = seen("/crm", "captured", "C1")[0]
    check(verified, "its signature verifies with the docs' example")
    check(delivery == body["delivery"] and delivery.startswith("crm-"), f"Iwd-Delivery is the body's delivery: {delivery}")
    check(body["source"] == "crm" and body["state"] == "queued" and body["process"] != "", f"the body: {body}")
    # A capture the rules reject: 422, notified as `rejected` to its source; the corrected one is captured.
    status, _ = call(port, "POST", "/v1/items", {"id": "R1", "segment": "Gold"}, SOURCE)
    check(status == 422, f"a capture without its department is rejected: {status}")
    check(eventually(lambda: seen("/crm", "rejected", "R1")), "R1's rejected notification arrives")
    rejected = seen("/crm", "rejected", "R1")[0][1] if seen("/crm", "rejected", "R1") else {}
    check(rejected.get("source") == "crm" and rejected.get("state") == "rejected", f"the rejection's body: {rejected}")
    status, _ = call(port, "POST", "/v1/items", {"id": "R1", "department": "Sales", "segment": "Gold"}, SOURCE)
    check(status == 201, f"the corrected capture of R1: {status}")
    check(eventually(lambda: seen("/crm", "captured", "R1")), "R1's captured notification arrives")

    # A subscription over the API: every source, offers only; listed, then deleted.
    status, put = call(port, "PUT", "/v1/admin/subscriptions/ops", {"url": HOOK + "/ops", "events": ["captured"],
                                                                     "secret": SECRET})
    check(status == 200 and "secret" not in put and put["url"] == HOOK + "/ops", f"PUT a subscription: {status} {put}")
    status, listed = call(port, "GET", "/v1/admin/subscriptions")
    check(status == 200 and [s["name"] for s in listed["subscriptions"]] == ["crm", "ops"], f"GET the subscriptions: {listed}")
    call(port, "POST", "/v1/items", {"id": "C2", "department": "Sales", "segment": "Gold"}, SOURCE)
    check(eventually(lambda: seen("/ops", "captured", "C2")), "the API's subscription is notified")
    check(eventually(lambda: seen("/crm", "captured", "C2")), "so is the configuration's")
    status, _ = call(port, "PUT", "/v1/admin/subscriptions/ops", {"url": "ftp://x/", "events": ["captured"], "secret": SECRET})
    check(status == 400, f"an ftp URL is refused: {status}")
    status, _ = call(port, "DELETE", "/v1/admin/subscriptions/ops")
    check(status == 200, f"DELETE it: {status}")
    status, _ = call(port, "DELETE", "/v1/admin/subscriptions/ops")
    check(status == 404, f"DELETE it again: {status}")

    # A done's and a complete's note (docs/notifications.md, `note`): in the notification's body
    # as given (UTF-8, quotes), and in the item's history.
    done_note, complete_note = 'called back: wants the "Gold" plan', "closed in the CRM, né à Zürich"
    status, _ = call(port, "PUT", "/v1/agents/ada", {"skills": {"sales_processing": 9}})
    check(status in (200, 201), f"ada logs in: {status}")
    status, _ = call(port, "PUT", "/v1/agents/ada/state", {"state": "ready"})
    check(status == 200, f"ada is ready: {status}")
    status, _ = call(port, "POST", "/v1/items", {"id": "N1", "department": "Sales", "segment": "Gold"}, SOURCE)
    check(status == 201, f"capture N1: {status}")
    status, r = call(port, "POST", "/v1/items/N1/assign", {"agent": "ada"})
    check(status in (200, 409), f"N1 offered to ada (409: the rules offered it already): {status} {r}")
    status, r = call(port, "POST", "/v1/items/N1/accept", {"agent": "ada"})
    check(status == 200, f"ada accepts N1: {status} {r}")
    status, r = call(port, "POST", "/v1/items/N1/done", {"note": done_note})
    check(status == 200, f"done with a note: {status} {r}")
    status, r = call(port, "POST", "/v1/items/N1/complete", {"note": complete_note}, SOURCE)
    check(status == 200, f"the source completes it with its own note: {status} {r}")
    check(eventually(lambda: seen("/crm", "completed", "N1")), "N1's completed notification arrives")
    done = seen("/crm", "done", "N1")
    check(len(done) >= 1 and done[0][3] and done[0][1].get("note") == done_note and done[0][1].get("agent") == "ada",
          f"the done notification carries the note, signed: {done}")
    completed = seen("/crm", "completed", "N1")[0]
    check(completed[3] and completed[1].get("note") == complete_note and completed[1]["state"] == "completed",
          f"the completed one carries the complete's note: {completed}")
    captured = seen("/crm", "captured", "N1")
    check(captured and "note" not in captured[0][1], f"no note on an event without one: {captured}")
    status, history = call(port, "GET", "/v1/items/N1/history")
    notes = [r.get("note") for r in (history or {}).get("records", []) if r.get("note")]
    check(status == 200 and notes == [done_note, complete_note], f"the history holds both notes: {status} {history}")

    # kill -9 after the cancel is acknowledged and before the receiver took its notification.
    Receiver.status = 500
    status, _ = call(port, "POST", "/v1/items/C1/cancel", {}, SOURCE)
    check(status == 200, f"cancel C1: {status}")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check(not [s for s in seen("/crm", "canceled", "C1") if s[3] and Receiver.status == 200], "not delivered before the kill")
    Receiver.status = 200
    before = len(seen("/crm", "canceled", "C1"))
    proc, port = start(retry_for=60)
    check(eventually(lambda: len(seen("/crm", "canceled", "C1")) > before), "after the restart, C1's cancel is notified")
    status, listed = call(port, "GET", "/v1/admin/subscriptions")
    check([s["name"] for s in listed["subscriptions"]] == ["crm"], f"the deleted subscription stays deleted: {listed}")
    proc.terminate()
    proc.wait()

    # Dead letters: a receiver that fails past the retry budget, then a retry by hand.
    proc, port = start(retry_for=0.5)
    Receiver.status = 503
    call(port, "POST", "/v1/items", {"id": "C3", "department": "Sales", "segment": "Gold"}, SOURCE)
    call(port, "POST", "/v1/items", {"id": "C4", "department": "Sales", "segment": "Gold"}, SOURCE)

    def dead():
        return call(port, "GET", "/v1/admin/deliveries?state=failed")[1]["deliveries"]
    check(eventually(lambda: len(dead()) == 2), f"both become dead letters: {dead()}")
    letters = dead()
    check(letters[0]["item"] == "C3" and letters[0]["last_error"] == "HTTP 503" and letters[0]["attempts"] >= 1,
          f"the dead letter says why: {letters[0]}")
    Receiver.status = 200
    status, r = call(port, "POST", f"/v1/admin/deliveries/{letters[0]['id']}/retry")
    check(status == 200 and r["state"] == "pending", f"retry one: {status} {r}")
    check(eventually(lambda: seen("/crm", "captured", "C3") and seen("/crm", "captured", "C3")[-1][3]), "C3 delivered")
    status, r = call(port, "POST", f"/v1/admin/deliveries/{letters[0]['id']}/retry")
    check(status == 404, f"retry it again: {status}")
    status, r = call(port, "POST", "/v1/admin/deliveries/retry")
    check(status == 200 and r["retried"] == 1, f"retry all: {status} {r}")
    check(eventually(lambda: seen("/crm", "captured", "C4")), "C4 delivered")
    check(eventually(lambda: dead() == []), "no dead letter left")
    def metrics():
        return urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer " + ADMIN}), timeout=10).read().decode()
    # The sender writes what it learned at most every 100 ms as a committer step, and the
    # gauge counts what is committed: it reaches 0 shortly after the last delivery (and
    # would stay above 0 if the count drifted).
    check(eventually(lambda: 'iwd_outbox_pending{subscription="crm"} 0' in metrics()), "the metric iwd_outbox_pending reaches 0")
finally:
    proc.kill()
    proc.wait()
    receiver.shutdown()

check.finish()
