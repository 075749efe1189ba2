#!/usr/bin/env python3
"""A crash harness for `iwd serve`: trials of a mixed load from several client threads (every
item, agent and admin operation), each ended by `kill -9` at a seeded moment (or, one trial in
three, by a snapshot immediately followed by creates and then SIGTERM), a restart on the same
data folder, and a check that every acknowledged change is there (verify.py): items with their
state, agent and attributes, agents, workbins, no phantom or duplicate item, ended ids still
remembered. Data folders are fresh and reused in turn; some trials set a small
`compact_every` so that snapshots also happen by themselves under load.

    python3 tests/crash/crash_harness.py --iwd build/bin/iwd [--trials 6 | --soak 200] [--seed S]

Registered as the ctest case `crash/harness` (tests/crash/CMakeLists.txt). Standard library only.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from driver import Admin, Driver  # noqa: E402
from model import Op, World, predict  # noqa: E402
from serve import Client, Lost, Server  # noqa: E402
from verify import Failure, item_view_of, verify, verify_history  # noqa: E402

AGENTS_PER_THREAD = 3
LOSS_KINDS = ("lost", "wrong state", "resurrected", "forgotten end", "batch not atomic", "agent", "phantom", "duplicate",
              "lost during the run", "history lost", "history duplicate")


def rules_variants(rules_path, workdir):
    """The rules, and an equivalent copy whose version differs (another key: an upload of it is
    a reload). Returns [(path, text, label)]."""
    with open(rules_path) as f:
        text = f.read()
    marker = 'ruleset enterprise version "2026.11"'
    if marker not in text:
        raise SystemExit(f"{rules_path}: expected `{marker}` (the harness makes a copy with another version)")
    alt = text.replace(marker, 'ruleset enterprise version "2026.11-crash"')
    alt_path = os.path.join(workdir, "enterprise-crash.iwd")
    with open(alt_path, "w") as f:
        f.write(alt)
    return [(rules_path, text, "enterprise 2026.11"), (alt_path, alt, "enterprise 2026.11-crash")]


class Run:
    def __init__(self, args):
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix="iwd-crash-", dir=args.workdir)
        self.server = Server(args.iwd, self.workdir)
        self.rules = rules_variants(args.rules, self.workdir)
        self.data = None
        self.kinds = {}  # acknowledged operations by kind, over the run
        self.timers = {}  # timer transitions seen (an offer timed out, an item activated), and when
        self.worlds = []
        self.totals = {"trials": 0, "passed": 0, "acked": 0, "admin": 0, "ops": 0, "doubts": 0, "items": 0, "agents": 0,
                       "history": 0, "losses": 0, "failures": 0}

    def fresh_worlds(self, trial):
        self.data = os.path.join(self.workdir, f"data-{trial}")
        self.worlds = [World(f"t{k}", [f"t{k}-a{j}" for j in range(AGENTS_PER_THREAD)]) for k in range(self.args.threads)]
        self.worlds.append(World("burst", []))  # the creates that follow snapshots before SIGTERM

    def plan(self, i):
        """What trial i does; the seed decides all but its place in the cycle: a fresh data
        folder, then the same one again; one trial in three ends with SIGTERM after snapshots
        and creates instead of kill -9; one in six runs about as long as the 30 s offer
        timeout, so that offers time out under load, while the server is down or at its
        restart (model.py: which timers the verifier accepts)."""
        rng = random.Random(f"{self.args.seed}/{i}")
        p = argparse.Namespace(i=i, rng=rng, kind="term" if i % 3 == 2 else "kill", reuse=i % 2 == 1 and self.data is not None)
        p.compact_every = rng.choice([None, None, 10, 50, 200])
        p.config = None
        if p.compact_every is not None:
            p.config = os.path.join(self.workdir, f"config-{i}.json")
            with open(p.config, "w") as f:
                json.dump({"compact_every": p.compact_every}, f)
        p.rules, _, p.label = rng.choice(self.rules)
        p.kill_after = rng.uniform(28.5, 34.0) if i % 6 == 4 else rng.uniform(0.3, 4.0)
        return p

    def trial(self, i, n):
        p = self.plan(i)
        if not p.reuse:
            if self.data:
                shutil.rmtree(self.data, ignore_errors=True)
            self.fresh_worlds(i)
        self.started = time.time()
        self.counts = dict(ops=0, acked=0, admin=0, doubts=0, items=0, agents=0, history=0)
        failures = []
        log_from = self.server.log_size()
        self.server.start(p.rules, self.data, p.config)
        if p.reuse:  # stopped cleanly at the end of the last trial: all there?
            failures += [self.tagged(x, "after the clean stop of the last trial") for x in self.check(p, [])]
        doubts, f = self.load(p)
        failures += f
        self.server.start(p.rules, self.data, p.config)
        failures += self.check(p, doubts)
        rc = self.server.term()
        if rc != 0:
            failures.append(Failure("clean stop", "iwd serve after SIGTERM", "exit status 0", rc))
        log = self.server.log_since(log_from)
        if "internal error" in log:
            failures.append(Failure("internal error", "iwd serve log", "none",
                                    "\n".join(x for x in log.splitlines() if "internal error" in x)[:2000]))
        self.tally(p, n, failures)
        return not failures

    def load(self, p):
        """The clients' load, ended by kill -9 or by the burst and SIGTERM: (the operations in
        doubt [(world, op, draft)], failures)."""
        seed, failures, doubts = self.args.seed, [], []
        t_begin = time.monotonic()
        stop = threading.Event()
        drivers = [Driver(w, self.server.port, random.Random(f"{seed}/{p.i}/{k}"), stop, f"{p.i}")
                   for k, w in enumerate(self.worlds) if w.name != "burst"]
        admin = Admin(self.server.port, random.Random(f"{seed}/{p.i}/admin"), stop, [r[1] for r in self.rules])
        for d in drivers + [admin]:
            d.start()
        time.sleep(p.kill_after)
        if not self.server.alive():
            failures.append(Failure("crash", "iwd serve", "running", f"exited by itself:\n{self.server.log_tail()}"))
        if p.kind == "kill":
            kill_at = time.monotonic()
            self.server.kill()
            killed = time.monotonic()
            stop.set()
            for d in drivers + [admin]:
                d.join(120)
            # One operation per thread may be in doubt; one sent after the kill was surely not applied.
            doubts = [(d.world, d.doubt[0], d.doubt[1]) for d in drivers if d.doubt and d.doubt[2] <= killed]
        else:
            stop.set()
            for d in drivers + [admin]:
                d.join(120)
            kill_at = time.monotonic()
            failures += self.burst(p.rng)
            rc = self.server.term()
            if rc != 0:
                failures.append(Failure("clean stop", "iwd serve after SIGTERM", "exit status 0", f"{rc}\n{self.server.log_tail()}"))
        c = self.counts
        for d in drivers + [admin]:
            if d.is_alive():
                failures.append(Failure("hang", f"client thread {d.name}", "done", "still waiting 120 s after the stop"))
            failures += d.surprises
            failures += [Failure("connection error", what, "a reply (the server was up)", f"at +{t - t_begin:.3f}s")
                         for t, what in d.errors if t < kill_at - 0.001]
            c["ops"] += d.ops
            for k, v in d.kinds.items():
                self.kinds[k] = self.kinds.get(k, 0) + v
            self.count_timers("during the load", getattr(d, "timers", {}))
        c["acked"] += sum(d.acked for d in drivers)
        c["admin"] += admin.acked
        c["doubts"] = len(doubts)
        return doubts, failures

    def check(self, p, doubts):
        failures, items, agents, timers = verify(self.server.port, self.worlds, doubts, p.label, p.rng, self.started)
        history_failures, history_checked = verify_history(self.data, self.worlds)
        failures += history_failures
        self.counts["history"] += history_checked
        self.count_timers("after a restart", timers)
        self.counts["items"] += items
        self.counts["agents"] += agents
        return failures

    def tally(self, p, n, failures):
        c, t = self.counts, self.totals
        losses = sum(1 for x in failures if x.what in LOSS_KINDS)
        for k in ("ops", "doubts", "items", "agents", "admin", "history"):
            t[k] += c[k]
        t["trials"] += 1
        t["passed"] += 0 if failures else 1
        t["acked"] += c["acked"] + c["admin"]
        t["losses"] += losses
        t["failures"] += len(failures)
        how = f"kill -9 at {p.kill_after:.2f}s" if p.kind == "kill" else f"snapshots + creates, SIGTERM at {p.kill_after:.2f}s"
        print(f"trial {p.i + 1}/{n}: {'reused' if p.reuse else 'fresh'} folder, compact_every {p.compact_every or 'default'}, "
              f"rules {p.label}, {how}: {c['ops']} requests, {c['acked']} item/agent changes and {c['admin']} "
              f"snapshots/reloads acknowledged, {c['doubts']} in doubt; checked {c['items']} items and {c['agents']} "
              f"agents: {losses} lost, {len(failures)} failure(s) ({time.time() - self.started:.1f}s)", flush=True)
        for x in failures:
            print(f"  FAIL (seed {self.args.seed}, trial {p.i + 1}) {x}", flush=True)

    def count_timers(self, when, timers):
        for kind, n in timers.items():
            self.timers[f"{kind} {when}"] = self.timers.get(f"{kind} {when}", 0) + n

    @staticmethod
    def tagged(failure, when):
        failure.entity += f" [{when}]"
        return failure

    def burst(self, rng, rounds=12):
        """Snapshots immediately followed by creates, then (the caller) SIGTERM. Old code (before
        dda13fb) deleted the journal lines of the creates after a snapshot in the same engine
        batch, as if the snapshot held them: the last round's creates were lost at restart."""
        w = next(x for x in self.worlds if x.name == "burst")
        failures = []
        port = self.server.port
        main = Client(port)

        def take(op, reply, now):
            d = predict(w, op, now)
            d.apply()
            for r, b in ([(reply, op.body)] if op.kind == "capture" else zip(reply["results"], op.bodies)):
                item = r if op.kind == "capture" else r.get("item", {})
                it = w.items[b["id"]]
                it.history.append((now, f"{op.kind} at {now:.3f} (burst): {item.get('state')}"))
                if item.get("state") != "queued":
                    failures.append(Failure("surprise", f"burst create {b['id']}", "queued", str(r)))
                    it.state = "absent"
                    w.live.discard(it.id)
                    continue
                it.attrs, it.view = item["attributes"], item_view_of(item)
                w.acked.append((b["id"], "capture"))
                self.counts["acked"] += 1

        def body(n):
            return {"id": f"burst-{self.data_tag()}-{n}", "department": "Finance", "segment": rng.choice(["Gold", "Bronze"])}

        seq = [len(w.items)]

        def nxt():
            seq[0] += 1
            return body(seq[0])

        # Enough open items that a snapshot keeps the engine busy for a few milliseconds.
        while len(w.live) < 600:
            op = Op("batch", bodies=[nxt() for _ in range(300)])
            now = time.time()
            status, reply = main.call("POST", "/v1/items/batch", {"items": op.bodies})
            if status != 200:
                failures.append(Failure("surprise", "burst base batch", "200", f"{status} {reply}"))
                return failures
            take(op, reply, now)
        clients = [Client(port) for _ in range(7)]
        for r in range(rounds):
            ops = [Op("capture", body=nxt()), Op("batch", bodies=[nxt() for _ in range(5)]), Op("capture", body=nxt()),
                   Op("batch", bodies=[nxt() for _ in range(5)])]
            now = time.time()
            # Only the last round decides on old code (a later snapshot holds the earlier
            # rounds' items); its gaps are the shortest.
            gap1, gap2 = (0.0005, 0.0002) if r == rounds - 1 else ((0.0005, 0.001, 0.002)[r % 3], (0.0002, 0.001)[r % 2])
            try:
                # A listing of 1000 items, then a snapshot, keep the engine busy for milliseconds;
                # a second snapshot and the creates wait meanwhile, so they share its next batch,
                # the creates after a snapshot (the first or the second).
                clients[0].send("GET", "/v1/queue?state=open&limit=1000")
                clients[1].send("POST", "/v1/admin/compact")
                time.sleep(gap1)
                clients[2].send("POST", "/v1/admin/compact")
                time.sleep(gap2)
                for c, op in zip(clients[3:], ops):
                    c.send("POST", "/v1/items" if op.kind == "capture" else "/v1/items/batch",
                           op.body if op.kind == "capture" else {"items": op.bodies})
                for c in clients[:3]:
                    status, reply = c.receive()
                    if status != 200:
                        failures.append(Failure("surprise", "burst listing or snapshot", "200", f"{status} {reply}"))
                for c, op in zip(clients[3:], ops):
                    status, reply = c.receive()
                    if status not in (200, 201):
                        failures.append(Failure("surprise", f"burst {op.describe()}", "2xx", f"{status} {reply}"))
                        continue
                    take(op, reply, now)
            except Lost as e:
                failures.append(Failure("connection error", "burst", "a reply (the server was up)", str(e)))
                break
        for c in clients + [main]:
            c.close()
        return failures

    def data_tag(self):
        return os.path.basename(self.data)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iwd", required=True, help="the iwd binary")
    p.add_argument("--rules", default="examples/enterprise.iwd")
    p.add_argument("--trials", type=int, default=6)
    p.add_argument("--soak", type=int, metavar="N", help="a long run of N trials (overrides --trials)")
    p.add_argument("--seed", type=int, help="decides the operations, the kill moments and the configurations")
    p.add_argument("--threads", type=int, default=6, help="client threads, each with its own items and agents")
    p.add_argument("--workdir", help="where the data folders go (a temporary folder inside)")
    p.add_argument("--keep", action="store_true", help="keep the data folders and the server log")
    args = p.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    n = args.soak or args.trials
    run = Run(args)
    t0 = time.time()
    print(f"crash harness: seed {args.seed}, {n} trials, {args.threads} client threads, work folder {run.workdir}", flush=True)
    ok = True
    for i in range(n):
        try:
            ok = run.trial(i, n) and ok
        except (RuntimeError, OSError, Lost) as e:
            ok = False
            run.totals["trials"] += 1
            run.totals["failures"] += 1
            print(f"trial {i + 1}/{n}: FAIL (seed {args.seed}, trial {i + 1}) {e}\n{run.server.log_tail()}", flush=True)
            run.server.kill()
            run.data = None  # start the next trial on a fresh folder
    t = run.totals
    print(f"{t['trials']} trials, {t['acked']} acknowledged changes checked ({t['admin']} of them snapshots/reloads; "
          f"{t['ops']} requests, {t['doubts']} in doubt at a kill; {t['items']} item and {t['agents']} agent checks, "
          f"{t['history']} history checks), "
          f"{t['losses']} lost, {t['failures']} failure(s), {time.time() - t0:.0f}s")
    print("acknowledged by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(run.kinds.items())))
    print("timers seen: " + (", ".join(f"{k} {v}" for k, v in sorted(run.timers.items())) or "none"))
    if not ok:
        print(f"rerun: python3 tests/crash/crash_harness.py --iwd {args.iwd} --seed {args.seed} --trials {n} --keep"
              f"  (the server log and data: {run.workdir})")
    elif not args.keep:
        shutil.rmtree(run.workdir, ignore_errors=True)
    print(f"{t['passed']} passed, {t['trials'] - t['passed']} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
