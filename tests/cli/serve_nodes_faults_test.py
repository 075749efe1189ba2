#!/usr/bin/env python3
"""Three `iwd serve --node` processes over one PostgreSQL cluster under creates, and a fault
(issue 18, docs/deployment.md "A paused node" and "The database down"):

- `pause`: the owner of w1 stopped (SIGSTOP) past its lease with creates in flight to it; another
  node takes w1 over at a higher epoch while it is stopped and acknowledges creates there; then
  SIGCONT. The paused node acknowledges none of the creates it held that were not committed before
  the takeover (each answered an error, none present after), steps down (w1 not served there at
  its old epoch: proxied, or 503), and every acknowledged create is present exactly once.
- `restart`: PostgreSQL restarted under creates in three workspaces (`pg_ctl restart -m fast`,
  then stopped for 3 s, past every lease, and started): the nodes stay up, acknowledge nothing
  that was not stored (every 201 present exactly once after), and serve creates again, each
  workspace on one node; how long after the database was back each workspace took to answer a
  create again is printed.

Usage: serve_nodes_faults_test.py IWD pause|restart. Prints `N passed, M failed`; exit 1 if any failed."""
import json
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodes_lib import ROOT, Node, request, servers, stop_all, tear_down, wait_placed  # noqa: E402
from pg_cluster import Cluster, Session  # noqa: E402
from serve_lib import Checks  # noqa: E402

IWD, MODE = sys.argv[1], sys.argv[2]
RULES = os.path.join(ROOT, "tests/cli/report/day.iwd")
WORKSPACES = ["w1", "w2", "w3"]
check = Checks()


class Sent:
    """One create: its id, workspace, the node it went to, when it was sent and answered, the answer."""

    def __init__(self, ws, ident, node):
        self.ws, self.id, self.node = ws, ident, node
        self.sent = time.monotonic()
        self.answered = self.status = self.body = self.owner = None

    def send(self, timeout=20):
        try:
            self.status, self.body, headers = request(self.node.port, "POST", f"/v1/workspaces/{self.ws}/items",
                                                      {"id": self.id, "kind": "Sale"}, timeout=timeout)
            self.owner = headers.get("Iwd-Owner")
        except OSError as e:
            self.status, self.body = None, str(e)
        self.answered = time.monotonic()
        return self


def present(node, ws, ident):
    return request(node.port, "GET", f"/v1/workspaces/{ws}/items/{ident}")[0] == 200


def captures(cluster, ws):
    """How many times the history recorded each item's creation (its `capture`), by item."""
    rows = cluster.query(f"SELECT item, count(*) FROM iwd_history WHERE workspace = '{ws}' AND reason = 'capture' "
                         "GROUP BY item")
    return {item: int(n) for item, n in (r.split("|") for r in rows)}


def epoch(cluster, ws):
    rows = cluster.query(f"SELECT epoch FROM iwd_lease WHERE workspace = '{ws}'")
    return int(rows[0]) if rows else 0


def check_acknowledged(cluster, nodes, sent):
    """Every 201 present on the node serving its workspace, and captured once (none twice)."""
    for ws in WORKSPACES:
        acked = [s.id for s in sent if s.ws == ws and s.status == 201]
        served = servers(nodes, ws)
        check(len(served) == 1, f"{ws} served by exactly one node at the end: {[n.name for n in served]}")
        if not served:
            continue
        missing = [i for i in acked if not present(served[0], ws, i)]
        check(not missing, f"every acknowledged create of {ws} ({len(acked)}) present: missing {missing[:5]}")
        counted = captures(cluster, ws)
        twice = {i: n for i, n in counted.items() if n > 1}
        check(not twice, f"no item of {ws} created twice: {dict(list(twice.items())[:5])}")
        unrecorded = [i for i in acked if i not in counted]
        check(not unrecorded, f"every acknowledged create of {ws} in its history: missing {unrecorded[:5]}")


def held_lock(cluster, key):
    """A session of the test's own holding advisory lock `key` (a lock, not a sleep, so that a
    writer waiting for it is there for as long as the test wants): close() releases it."""
    session = Session(cluster)
    session.say(f"SELECT 'locked' FROM pg_advisory_lock({key});", "locked")
    return session


def stop_in_commit(cluster, victim, sent, lock, tries=3):
    """SIGSTOP of `victim`, the owner of w1, in the middle of a group commit of w1 with creates in
    flight, for certain: a trigger of the test makes every statement writing w1's journal lines
    wait for an advisory lock that the test holds, so that the owner's commit is seen waiting
    (pg_stat_activity: its transaction open, the lease row read FOR SHARE by the fence) while
    every client's create waits for it; then the stop, then the lock released (the statement
    ends, and the stopped node's transaction idles until PostgreSQL ends its session). A round
    whose commit is not seen waiting within 5 s is tried again (the stop not sent); after
    `tries`, a failed check. Returns when it stopped, or None."""
    cluster.sql("CREATE OR REPLACE FUNCTION slow_w1() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
                "IF current_setting('iwd.workspace', true) = 'w1' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF; "
                "RETURN NULL; END $f$")
    cluster.sql("CREATE OR REPLACE TRIGGER slow_w1 AFTER INSERT ON iwd_journal FOR EACH STATEMENT "
                "EXECUTE FUNCTION slow_w1()")
    for attempt in range(1, tries + 1):
        held = held_lock(cluster, 4242)
        try:
            waiting, in_flight = [], []
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                waiting = cluster.query("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                                        "wait_event = 'advisory' AND state = 'active' AND xact_start IS NOT NULL")
                with lock:
                    in_flight = [s for s in sent if s.node is victim and s.answered is None]
                if waiting and len(in_flight) == 8:  # each client's create held behind the commit
                    break
                time.sleep(0.05)
            else:
                print(f"round {attempt}: w1's commit not seen waiting within 5 s (backends waiting: {waiting}, "
                      f"creates in flight: {len(in_flight)}); tried again")
                continue
            victim.proc.send_signal(signal.SIGSTOP)
            stopped = time.monotonic()
        finally:
            held.close()  # the lock goes with the session
        print(f"round {attempt}: {victim.name} stopped with its commit of w1 waiting (backend {waiting[0]}) and "
              f"{len(in_flight)} creates in flight to it")
        return stopped
    check(False, f"the owner of w1 stopped in the middle of a commit with creates in flight ({tries} rounds of 5 s)")
    return None


def paused_owner(cluster, nodes):
    owner = {ws: servers(nodes, ws)[0] for ws in WORKSPACES if servers(nodes, ws)}
    victim = owner["w1"]
    others = [n for n in nodes if n is not victim]
    epoch_before = epoch(cluster, "w1")
    print(f"w1 on {victim.name} at epoch {epoch_before}")
    sent, lock, stop = [], threading.Lock(), threading.Event()

    def creates(k):  # creates in w1 sent to its owner, one after another, until told to stop
        n = 0
        while not stop.is_set():
            s = Sent("w1", f"w1-{k}-{n}", victim)
            with lock:
                sent.append(s)
            s.send()
            n += 1

    threads = [threading.Thread(target=creates, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(1)
    stopped = stop_in_commit(cluster, victim, sent, lock)
    if stopped is None:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        return
    took = None
    try:
        # Another node takes w1 over while its owner is stopped (lease 2 s, grace, recovery).
        deadline = stopped + 8
        while time.monotonic() < deadline and took is None:
            if any(n.status("w1", timeout=2) == 200 for n in others):
                took = time.monotonic() - stopped
            else:
                time.sleep(0.1)
        print("figure: w1 taken over from its stopped owner: "
              + ("%.2f s after SIGSTOP" % took if took is not None else "not within 8 s"))
        check(took is not None, "another node serves w1 while its owner is stopped")
        new_owner = ([n for n in others if n.status("w1") == 200] or [None])[0]
        epoch_taken = epoch(cluster, "w1")
        check(epoch_taken > epoch_before, f"w1 taken at a higher epoch: {epoch_before} then {epoch_taken}")
        if new_owner:  # creates acknowledged while the old owner is stopped (through any other node;
            # a 503 while w1 moves on to its placed node is tried again, the same id)
            during = []
            for k in range(20):
                for attempt in range(40):
                    s = Sent("w1", f"w1-new-{k}", others[(k + attempt) % 2]).send()
                    sent.append(s)
                    if s.status == 201:
                        break
                    time.sleep(0.1)
                during.append(s)
            check(all(s.status == 201 for s in during),
                  f"creates acknowledged in w1 while its old owner is stopped: "
                  f"{[(s.status, s.body) for s in during if s.status != 201][:3]}")
        time.sleep(max(0.0, stopped + 3.5 - time.monotonic()))  # stopped well past its lease
    finally:
        # Taken before the signal: the resumed node's answers can reach the clients' threads
        # before this thread runs again (a loaded CI machine), and must count as after it.
        resumed = time.monotonic()
        victim.proc.send_signal(signal.SIGCONT)
    # Right after it resumed, the old owner does not serve w1 at its old epoch: its own answer
    # (a forwarded request) is 503, unless it took w1 back since, at a higher epoch.
    status_after = victim.status("w1")
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    log = victim.logged()
    taken_back = f"serving workspace w1 at epoch {epoch_taken + 1}" in log if took is not None else False
    check(status_after != 200 or taken_back,
          f"the resumed node does not serve w1 at its old epoch: its own answer {status_after}")
    check("workspace w1 is not served here any more" in log, "the resumed node says it stopped serving w1")

    # The creates it held when it was stopped, answered once it resumed (those it had not read
    # yet went to the new owner through the proxy: Iwd-Owner): each an error, and not stored,
    # unless committed before the takeover (a 201, read by the new owner).
    held = [s for s in sent if s.node is victim and s.sent < stopped and s.answered and s.answered > resumed
            and not s.owner]
    refused = [s for s in held if s.status != 201]
    print(f"figure: {len(held)} creates held by the stopped node, answered after SIGCONT: "
          f"{len(held) - len(refused)} 201 (committed before the takeover), {len(refused)} refused "
          + ", ".join(sorted({str(s.status) + ' ' + (s.body.get('error', {}).get('code', '') if isinstance(s.body, dict)
                                                   else '') for s in refused})))
    check(refused, "the stopped node held creates it could not store, answered with an error once resumed")
    check(all(s.status in (502, 503) for s in refused),
          f"each answered 502/503, nothing else: {[(s.status, s.body) for s in refused if s.status not in (502, 503)][:3]}")
    failed_line = [ln for ln in log.split("workspace w1 is not served here any more", 1)[-1].splitlines()
                   if "the journal failed" in ln]
    check(failed_line, "the resumed node's journal failed once w1 was lost (its write refused, not acknowledged)")
    if failed_line:
        print("the resumed node: " + failed_line[0][:300])
    refused_by_db = [ln for ln in open(os.path.join(cluster.dir, "server.log"), errors="replace")
                     if f"epoch {epoch_before} of workspace w1 is stale" in ln]
    print(f"the database refused {len(refused_by_db)} statement(s) of the stale epoch {epoch_before}")
    owner_now = servers(nodes, "w1")
    if owner_now:
        back = [s.id for s in refused if present(owner_now[0], "w1", s.id)]
        check(not back, f"none of the refused creates stored: {back[:5]}")
    after = [s for s in sent if s.node is victim and s.sent > resumed and s.status == 201]
    print(f"creates sent to the resumed node and acknowledged: {len(after)} "
          f"({sum(1 for s in after if s.owner)} answered through the proxy)")
    check(wait_placed(nodes, WORKSPACES, 10), "each workspace served by exactly one node after")
    check_acknowledged(cluster, nodes, sent)
    print("figure: acknowledged creates in w1: " + str(sum(1 for s in sent if s.status == 201)))


def restarted_database(cluster, nodes):
    sent, lock, stop = [], threading.Lock(), threading.Event()
    owner = {ws: servers(nodes, ws)[0] for ws in WORKSPACES if servers(nodes, ws)}
    by_address = {n.address: n for n in nodes}

    def creates(ws):  # to its owner as last named, else through any node (proxied)
        target, n = owner.get(ws, nodes[0]), 0
        while not stop.is_set():
            s = Sent(ws, f"{ws}-{n}", target)
            with lock:
                sent.append(s)
            s.send()
            n += 1
            named = s.body.get("error", {}).get("owner") if isinstance(s.body, dict) else None
            if s.status == 201:
                continue
            if named in by_address:
                target = by_address[named]
            else:
                target = nodes[n % len(nodes)]
            time.sleep(0.05)

    threads = [threading.Thread(target=creates, args=(ws,)) for ws in WORKSPACES for _ in range(2)]
    for t in threads:
        t.start()

    def resumed_after(back, what, seconds=20):
        """Waits until every workspace acknowledged a create sent after `back`: the times, by workspace."""
        deadline = back + seconds
        times = {}
        while time.monotonic() < deadline and len(times) < len(WORKSPACES):
            time.sleep(0.05)
            with lock:
                for s in sent:
                    if s.status == 201 and s.sent >= back and s.ws not in times:
                        times[s.ws] = s.answered - back
        print(f"figure: after {what}, the first 201 of a create sent once the database was back: "
              + ", ".join(f"{ws} {'%.2f s' % times[ws] if ws in times else 'none'}" for ws in WORKSPACES))
        check(len(times) == len(WORKSPACES), f"every workspace acknowledges creates again after {what}: {times}")
        return times

    time.sleep(1.5)
    began = time.monotonic()
    cluster.restart()
    back = time.monotonic()
    print("figure: pg_ctl restart -m fast took %.2f s" % (back - began))
    resumed_after(back, "pg_ctl restart -m fast")
    time.sleep(1)

    cluster.stop()
    down = time.monotonic()
    time.sleep(3)  # past every lease (2 s): each node gives its workspaces up
    during = [s for s in sent if s.sent > down + 0.5]
    cluster.start()
    back = time.monotonic()
    print("figure: the database down for %.2f s (stop, 3 s, start)" % (back - down))
    alive = [n.name for n in nodes if n.proc.poll() is None]
    check(len(alive) == 3, f"every node up while the database was down: {alive}")
    check(not [s for s in during if s.status == 201 and s.answered < back],
          "no create acknowledged while the database was down")
    resumed_after(back, "the database down past the leases")
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    for n in nodes:
        given_up = sum(1 for ws in WORKSPACES if f"workspace {ws} is not served here any more" in n.logged())
        print(f"{n.name}: {given_up} workspace(s) given up at some point")
    check(wait_placed(nodes, WORKSPACES, 10), "each workspace served by exactly one node after")
    check_acknowledged(cluster, nodes, sent)
    print("figure: acknowledged creates: " + ", ".join(
        f"{ws} {sum(1 for s in sent if s.ws == ws and s.status == 201)}" for ws in WORKSPACES))


cluster = Cluster()
tmp = tempfile.mkdtemp(prefix="iwd_faults_")
nodes, failed = [], True
try:
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump({"workspaces": {ws: {"rules": RULES} for ws in WORKSPACES}}, f)
    nodes = [Node(IWD, tmp, cluster.url, f"n{k}") for k in (1, 2, 3)]
    check(wait_placed(nodes, WORKSPACES, 30), "each workspace served by exactly one node")
    if MODE == "pause":
        paused_owner(cluster, nodes)
    elif MODE == "restart":
        restarted_database(cluster, nodes)
    else:
        raise SystemExit(f"unknown mode {MODE}: pause or restart")
    stop_all(nodes, check)
    failed = check.failed > 0
finally:
    tear_down(nodes, cluster, tmp, failed)
check.finish()
