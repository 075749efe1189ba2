"""The load of a crash trial: client threads, each driving its own items and agents (model.py)
with every kind of operation and recording what the server acknowledged, and an admin thread
taking snapshots and uploading the rules again."""
import math
import threading
import time
from collections import defaultdict
from urllib.parse import quote

from model import OFFER_TIMEOUT, OPEN_STATES, Op, iso, predict
from serve import Client, Lost
from verify import Failure, item_view_of

SEGMENTS = ["Gold", "Silver", "Bronze"]
CAPACITY = {"workitem": 1000, "total": 1000}
MAX_OPEN = 60  # open items per thread: past this it ends items rather than creating more
MAX_IDLE = 8  # open "idle" Sales items per thread: never acted on, so that their offers time out
# (they name the thread's first agent, which only they do, and which nothing changes but a
# wake to ready after its offers timed out)
SETTLE = OFFER_TIMEOUT - 5  # an offer this old may time out soon: read it before acting on it


def is_idle(it):
    return it.body.get("product") == "idle"


def path_of(item_id, op=None):
    return f"/v1/items/{quote(item_id, safe='')}" + (f"/{op}" if op else "")


def http_of(op):
    """(method, path, JSON body or None) of an operation."""
    k = op.kind
    if k == "capture":
        return "POST", "/v1/items", op.body
    if k == "batch":
        return "POST", "/v1/items/batch", {"items": op.bodies}
    if k == "update":
        return "PATCH", path_of(op.id), op.patch
    if k in ("accept", "reject"):
        return "POST", path_of(op.id, k), {"agent": op.agent}
    if k == "transfer":
        return "POST", path_of(op.id, k), {"to": op.to}
    if k == "assign":
        return "POST", path_of(op.id, k), {"agent": op.to}
    if k == "return_workbin":
        return "POST", f"/v1/agents/{quote(op.agent, safe='')}/workbin/return", None
    if k == "priority":
        return "POST", path_of(op.id, k), op.body
    if k == "agent_put":
        return "PUT", f"/v1/agents/{quote(op.agent, safe='')}", op.body
    if k == "agent_state":
        return "PUT", f"/v1/agents/{quote(op.agent, safe='')}/state", op.body
    return "POST", path_of(op.id, k), None


class Driver(threading.Thread):
    """One client thread: chooses operations that are legal in its acknowledged state (seeded),
    predicts each, sends it, and takes the reply. An unexpected answer (a refusal, or a state
    other than predicted) that no timer explains is a surprise: reported, then the items and
    agents concerned are read again."""

    def __init__(self, world, port, rng, stop, tag):
        super().__init__(daemon=True, name=world.name)
        self.world, self.rng, self.stop, self.tag = world, rng, stop, tag
        self.client = Client(port)
        self.doubt = None  # (op, draft, monotonic send instant, why) of the request whose reply never came
        self.errors = []  # (monotonic instant, what): replies lost
        self.surprises = []
        self.ops = self.acked = 0
        self.kinds = defaultdict(int)  # acknowledged operations by kind
        self.seq = 0
        self.reread_at = {}
        # The first agent takes only "idle" items and is left alone (but woken when an offer
        # timed out), so that its offers reach the 30 s timeout in the long trials.
        self.idle_agent = sorted(world.agents)[0]
        self.timers = {}  # timer transitions found by reading again: kind -> count

    def run(self):
        try:
            while not self.stop.is_set():
                try:
                    self.settle()
                    op = self.choose()
                    if op is not None and not self.execute(op):
                        break
                except Lost as e:  # a read lost: nothing in doubt
                    self.errors.append((time.monotonic(), f"read: {e}"))
                    break
        except Exception as e:  # a harness bug: say so rather than hang the trial
            self.surprises.append(Failure("harness error", self.world.name, "no exception", repr(e)))
            raise
        finally:
            self.client.close()

    # Reading an item or agent again takes what the server says (reads are answered after
    # their batch is durable, so what they show is as safe as an acknowledgement).
    def reread_item(self, it):
        status, got = self.client.call("GET", path_of(it.id))
        if status == 200:
            if (it.state, got["state"]) in (("offered", "queued"), ("deferred", "queued")):
                kind = "offer timeout" if it.state == "offered" else "activation"
                self.timers[kind] = self.timers.get(kind, 0) + 1
            if got["state"] == "offered" and (it.state != "offered" or it.agent != got.get("agent")):
                it.offered_since = time.time() - OFFER_TIMEOUT  # when is not known: it may time out at any moment
            it.state, it.agent, it.attrs, it.view = got["state"], got.get("agent"), got["attributes"], item_view_of(got)
        else:
            self.surprises.append(Failure("lost during the run", f"item {it.id}", it.describe(), f"{status} {got}", it.history))
            it.state, it.agent = "lost", None
            self.world.live.discard(it.id)

    def reread_agent(self, a):
        status, got = self.client.call("GET", f"/v1/agents/{quote(a.id, safe='')}")
        if status == 200:
            a.state, a.reason, a.skills, a.groups = got["state"], got.get("reason"), got["skills"], got["groups"]
        elif a.state != "absent":
            self.surprises.append(Failure("lost during the run", f"agent {a.id}", a.describe(), f"{status} {got}"))

    def settle(self):
        """Items a timer may have changed (an old offer, a due activation) are read again first
        (at most once a second each)."""
        now = time.time()
        touched_agents = set()
        for it in self.world.open_items():
            if (it.state == "offered" and now - it.offered_since >= SETTLE) or \
               (it.state == "deferred" and it.activate_at is not None and it.activate_at <= now + 1):
                if now - self.reread_at.get(it.id, 0) < 1:
                    continue
                self.reread_at[it.id] = now
                if it.agent:
                    touched_agents.add(it.agent)
                self.reread_item(it)
        for a in touched_agents:
            self.reread_agent(self.world.agents[a])

    def timer_near(self, now, entities):
        """Whether a timer may have changed one of these items, or an item offered to one of
        these agents, around `now` (an offer about to time out, an activation about due)."""
        agents = {e for e in entities if e in self.world.agents}
        for it in self.world.open_items():
            if it.id not in entities and it.agent not in agents and it.preferred not in agents:
                continue
            if it.state == "offered" and now - it.offered_since >= OFFER_TIMEOUT - 2:
                return True
            if it.activate_at is not None and it.state in ("deferred", "held") and abs(it.activate_at - now) < 2:
                return True
        return False

    def surprise(self, op, expected, got, now, entities, excused=None):
        """A reply other than predicted: reported unless a timer may explain it (`excused`, when
        the caller judged before taking the reply), then the entities concerned are read again."""
        if excused is None:
            excused = self.timer_near(now, set(entities))
        if not excused:
            hist = self.world.items[op.id].history if op.id in self.world.items else []
            self.surprises.append(Failure("surprise", f"{op.describe()} ({self.world.name})", expected, got, hist))
        for e in entities:
            if e in self.world.items and self.world.items[e].state in OPEN_STATES:
                self.reread_item(self.world.items[e])
            elif e in self.world.agents:
                self.reread_agent(self.world.agents[e])

    # ---- choosing ----
    def new_body(self, kind, now):
        self.seq += 1
        rng = self.rng
        body = {"id": f"{self.world.name}-{self.tag}-{self.seq}"}
        if kind in "SI":
            agents = sorted(a for a in self.world.agents if a != self.idle_agent)
            body.update(department="Sales", segment=rng.choice(SEGMENTS),
                        preferred_agent=self.idle_agent if kind == "I" else rng.choice(agents))
            if kind == "I":
                body["product"] = "idle"  # never acted on: moved only by its agent's changes and by timers
                return body
            if rng.random() < 0.1:
                body["activate_at"] = iso(math.ceil(now) + 2 * 86400)  # deferred for days: never activates here
        elif kind in "FL":
            body["department"] = "Finance" if kind == "F" else rng.choice(["Legal", "HR"])
            if kind == "F":
                body["segment"] = rng.choice(SEGMENTS)
            r = rng.random()
            if r < 0.3:
                body["activate_at"] = iso(math.ceil(now) + rng.randint(1, 8))  # activates during the trial, or while down
            elif r < 0.4:
                body["activate_at"] = iso(math.ceil(now) + 2 * 86400)
        else:  # "X": no department, so the rules reject it
            body["segment"] = rng.choice(SEGMENTS)
        if rng.random() < 0.3:
            body["deal_value"] = rng.choice([500, 12000, 2500.5])
        if rng.random() < 0.3:
            body["product"] = rng.choice(["alpha", "beta"])
        if rng.random() < 0.3:
            body["tags"] = rng.sample(["x", "y", "z"], rng.randint(0, 2))
        return body

    def body_kind(self):
        kind = self.rng.choices("SFLXI", weights=[55, 25, 17, 3, 5])[0]
        if kind == "I" and sum(1 for it in self.world.open_items() if is_idle(it)) >= MAX_IDLE:
            kind = "S"
        return kind

    def choose(self):
        rng, w = self.rng, self.world
        now = time.time()
        live = [it for it in w.open_items() if not is_idle(it)]
        by = defaultdict(list)
        for it in live:
            by[it.state].append(it)
        idle_agent = w.agents[self.idle_agent]
        agents = [w.agents[a] for a in sorted(w.agents) if a != self.idle_agent]
        absent = [a for a in agents + [idle_agent] if a.state == "absent"]
        known = [a for a in agents if a.state != "absent"]
        logged_in = [a for a in agents if a.state in ("ready", "not_ready")]
        pullable = [it for it in by["parked"] if w.agents[it.agent].state in ("ready", "not_ready")]
        moves = [it for it in by["assigned"] if any(a.id != it.agent for a in logged_in)]
        cands = []
        if len(live) < MAX_OPEN:
            cands += [(10, "capture"), (3, "batch")]
            # Item identity (docs/api.md): a rejected id captured again, corrected; an ended
            # item's id captured again with another body, a new life.
            rejected = [it for it in w.items.values() if it.state == "rejected"]
            ended = [it for it in w.items.values() if it.state in ("completed", "canceled", "expired")]
            if rejected:
                cands.append((2, "correct"))
            if ended:
                cands.append((2, "relive"))
        if live:
            cands += [(6, "update"), (3 if len(live) < MAX_OPEN else 12, "cancel")]
        if by["deferred"] or by["queued"] or by["offered"]:
            cands.append((3, "hold"))
        if by["held"]:
            cands.append((4, "resume"))
        if absent:
            cands.append((30, "register"))
        if known:
            cands += [(2, "agent_put"), (5, "agent_state"), (1, "audit")]
        if idle_agent.state == "not_ready" and any(is_idle(it) and it.state == "queued" for it in w.open_items()):
            cands.append((3, "wake"))
        if by["offered"]:
            cands += [(10, "accept"), (3, "reject")]
        if by["assigned"]:
            cands += [(5, "done"), (4, "park")]
        if moves:
            cands.append((3, "transfer"))
        if pullable:
            cands.append((4, "pull"))
        if by["parked"] and len(known) > 1:
            cands.append((2, "transfer_parked"))
        if by["parked"]:
            cands += [(2, "return"), (1, "return_workbin")]
        # A supervisor's assign takes items no stage offers to anyone (Finance, Legal, HR): a
        # Sales item's timed-out offer would go on to its preferred agent, which the verifier's
        # timers do not foresee.
        assignable = [it for it in by["queued"] if not it.preferred]
        ready = [a for a in agents if a.state == "ready"]
        if assignable and ready:
            cands.append((3, "assign"))
        if by["offered"]:
            cands.append((2, "requeue"))
        if live:
            cands.append((3, "priority"))
        completable = by["assigned"] + by["done_pending"] + by["parked"]
        if completable:
            cands.append((6 if len(live) < MAX_OPEN else 12, "complete"))
        kind = rng.choices([c[1] for c in cands], weights=[c[0] for c in cands])[0]
        pick = rng.choice
        if kind == "capture":
            return Op("capture", body=self.new_body(self.body_kind(), now))
        if kind in ("correct", "relive"):
            it = pick(sorted((i for i in w.items.values() if i.state == "rejected") if kind == "correct" else
                             (i for i in w.items.values() if i.state in ("completed", "canceled", "expired")),
                             key=lambda i: i.id))
            body = self.new_body("S" if kind == "correct" else self.rng.choice("SFLX"), now)
            body["id"] = it.id
            body["product"] = f"life-{self.seq}"  # never the ended life's body: not a retry
            return Op("capture", body=body)
        if kind == "batch":
            return Op("batch", bodies=[self.new_body(self.body_kind(), now) for _ in range(rng.randint(2, 6))])
        if kind == "update":
            it = pick(live)
            fields = {"deal_value": [None, 100, 15000, 42.5], "product": [None, "alpha", "gamma"],
                      "tags": [[], ["x"], ["x", "y"]], "segment": SEGMENTS}
            keys = rng.sample(sorted(fields), rng.randint(1, 3))
            return Op("update", id=it.id, patch={k: pick(fields[k]) for k in keys})
        if kind in ("cancel", "hold", "resume", "done", "park", "return"):
            pool = {"cancel": live, "hold": by["deferred"] + by["queued"] + by["offered"], "resume": by["held"],
                    "done": by["assigned"], "park": by["assigned"], "return": by["parked"]}[kind]
            return Op(kind, id=pick(pool).id)
        if kind == "complete":
            return Op(kind, id=pick(completable).id)
        if kind == "pull":
            return Op(kind, id=pick(pullable).id)
        if kind == "assign":
            return Op(kind, id=pick(assignable).id, to=pick(ready).id)
        if kind == "requeue":
            return Op(kind, id=pick(by["offered"]).id)
        if kind == "priority":
            # Never until an instant within the run: no timer of its own to foresee.
            it = pick(live)
            if it.override and rng.random() < 0.4:
                return Op(kind, id=it.id, body={"clear": True})
            body = {"set": rng.randint(0, 5000)} if rng.random() < 0.5 else {"boost": rng.randint(-200, 800)}
            r = rng.random()
            if r < 0.3:
                body["until"] = "handled"
            elif r < 0.6:
                body["until"] = iso(math.ceil(now) + 30 * 86400)
            return Op(kind, id=it.id, body=body)
        if kind == "return_workbin":
            return Op(kind, agent=pick(sorted({it.agent for it in by["parked"]})))
        if kind in ("accept", "reject"):
            it = pick(by["offered"])
            return Op(kind, id=it.id, agent=it.agent)
        if kind == "transfer":
            it = pick(moves)
            return Op(kind, id=it.id, to=pick([a for a in logged_in if a.id != it.agent]).id)
        if kind == "transfer_parked":
            it = pick(by["parked"])
            return Op("transfer", id=it.id, to=pick([a for a in known if a.id != it.agent]).id)
        if kind == "register":
            a = pick(absent)
            return Op("agent_put", agent=a.id, body=self.agent_body(first=True) if a is not idle_agent else {"capacity": CAPACITY})
        if kind == "wake":
            return Op("agent_state", agent=idle_agent.id, body={"state": "ready"})
        if kind == "agent_put":
            return Op("agent_put", agent=pick(known).id, body=self.agent_body(first=False))
        if kind == "agent_state":
            return Op("agent_state", agent=pick(known).id, body=self.state_body())
        self.audit(pick(known))
        return None

    def agent_body(self, first):
        rng = self.rng
        body = {}
        if first or rng.random() < 0.5:
            body["capacity"] = CAPACITY
        if rng.random() < 0.6:
            body["skills"] = rng.choice([{}, {"legacy_processing": 3}, {"legacy_processing": 9}])
        if rng.random() < 0.6:
            body["groups"] = rng.sample(["g1", "g2", "g3"], rng.randint(0, 2))
        if rng.random() < (0.3 if first else 0.4):
            body.update(self.state_body())
        return body

    def state_body(self):
        r = self.rng.random()
        if r < 0.5:
            return {"state": "ready"}
        if r < 0.8:
            return {"state": "not_ready", "reason": self.rng.choice(["break", "lunch", "training"])}
        return {"state": "logged_out"}

    def audit(self, a):
        """The agent's workbin, read now, against the model (offers that may time out aside)."""
        status, got = self.client.call("GET", f"/v1/agents/{quote(a.id, safe='')}/workbin")
        now = time.time()
        if status != 200:
            self.surprises.append(Failure("surprise", f"workbin of {a.id}", "200", f"{status} {got}"))
            return
        holding = sorted(x["id"] for x in got["holding"])
        parked = sorted(x["id"] for x in got["parked"])
        live = self.world.open_items()
        want_h = sorted(it.id for it in live if it.agent == a.id and it.state in ("offered", "assigned"))
        want_p = sorted(it.id for it in live if it.agent == a.id and it.state == "parked")
        if (holding, parked) != (want_h, want_p) and not self.timer_near(now, {a.id}):
            self.surprises.append(Failure("surprise", f"workbin of {a.id} ({self.world.name})",
                                          f"holding {want_h}, parked {want_p}", f"holding {holding}, parked {parked}"))

    # ---- sending ----
    def execute(self, op):
        now = time.time()
        draft = predict(self.world, op, now)
        method, path, body = http_of(op)
        sent_at = time.monotonic()
        self.ops += 1
        try:
            status, reply = self.client.call(method, path, body)
        except Lost as e:
            if e.sent:
                self.doubt = (op, draft, sent_at, str(e))
                self.note(op, draft, now, f"in doubt ({e})")
            self.errors.append((time.monotonic(), f"{op.describe()}: {e}"))
            return False
        if 200 <= status < 300 or self.rejected_as_predicted(op, draft, status, reply):
            self.acked += len(op.bodies) if op.kind == "batch" else 1
            self.kinds[op.kind] += 1
            self.note(op, draft, now, f"{status} {self.summary(reply)}")
            self.take(op, draft, reply, now)
            self.world.note_acked(op, status, reply)
        else:
            self.note(op, draft, now, f"refused {status} {reply}")
            self.surprise(op, "a 2xx answer", f"{status} {reply}", now, self.entities(op, draft))
        return True

    @staticmethod
    def rejected_as_predicted(op, draft, status, reply):
        """A capture the rules reject answers 422 `rejected` and keeps nothing (docs/api.md)."""
        return op.kind == "capture" and status == 422 and draft.items[op.body["id"]].state == "rejected" and \
            isinstance(reply, dict) and reply.get("error", {}).get("code") == "rejected"

    def note(self, op, draft, now, outcome):
        """The operation in the history of each item it names (the draft's copies share it)."""
        ids = [b["id"] for b in op.bodies] if op.kind == "batch" else [op.body["id"]] if op.kind == "capture" else \
            list(draft.items) if op.kind == "return_workbin" else [op.id]
        for i in ids:
            it = draft.items.get(i) or self.world.items.get(i)
            if it is not None:
                it.history.append((now, f"{op.kind} at {iso(now)}: {outcome}"))

    @staticmethod
    def summary(reply):
        if isinstance(reply, dict) and "returned" in reply:
            return f"returned {[r['item'] for r in reply['results'] if r['status'] == 200]}"
        if isinstance(reply, dict) and "results" in reply:
            return "[" + ", ".join(f"{r['status']} {r.get('item', {}).get('state')}" for r in reply["results"]) + "]"
        if isinstance(reply, dict):
            return f"{reply.get('state')}" + (f" with {reply['agent']}" if reply.get("agent") else "")
        return str(reply)

    @staticmethod
    def entities(op, draft):
        return list(draft.items) + list(draft.agents) + ([op.agent] if op.agent else []) + ([op.to] if op.to else [])

    def take(self, op, draft, reply, now):
        """An acknowledged change: the draft becomes the world, then the reply's values win
        (a difference in state or agent from the prediction is a surprise)."""
        w = self.world
        if op.kind in ("agent_put", "agent_state"):
            a = draft.agents[op.agent]
            predicted = (a.state, a.reason, a.skills, a.groups, w.load(op.agent, draft))
            got = (reply.get("state"), reply.get("reason"), reply.get("skills"), reply.get("groups"), reply.get("load"))
            excused = predicted != got and self.timer_near(now, {op.agent})  # judged before the draft is taken
            draft.apply()
            if predicted != got:
                self.surprise(op, f"agent state/reason/skills/groups/load {predicted}", f"{got}", now,
                              [op.agent] + [i for i in w.live if w.items[i].preferred == op.agent or w.items[i].agent == op.agent],
                              excused)
            return
        draft.apply()
        if op.kind == "return_workbin":
            returned = sorted(r["item"] for r in reply["results"] if r["status"] == 200)
            if returned != sorted(draft.items) or reply.get("remaining") != 0:
                self.surprise(op, f"returned {sorted(draft.items)}, none remaining",
                              f"returned {returned}, remaining {reply.get('remaining')}", now, list(draft.items))
            for i in draft.items:  # their priority and place are the queue's now: read them
                if w.items[i].state in OPEN_STATES:
                    self.reread_item(w.items[i])
            return
        if op.kind == "batch":
            for body, result in zip(op.bodies, reply["results"]):
                it = w.items[body["id"]]
                if result["status"] == 201:
                    self.take_item(it, result["item"], op, now)
                    it.first_answer = result["item"]
                elif it.state == "rejected" and result["status"] == 422 and result["error"]["code"] == "rejected":
                    w.live.discard(it.id)  # as predicted: nothing kept
                else:
                    it.state = "absent"
                    w.live.discard(it.id)
                    self.surprise(op, f"{body['id']} created (201)", result, now, [])
            return
        if op.kind == "capture" and w.items[op.body["id"]].state == "rejected" and "error" in reply:
            return  # rejected as predicted (rejected_as_predicted)
        self.take_item(w.items[op.body["id"] if op.kind == "capture" else op.id], reply, op, now)
        if op.kind == "capture":
            w.items[op.body["id"]].first_answer = reply

    def take_item(self, it, reply, op, now):
        predicted = (it.state, it.agent)
        got = (reply.get("state"), reply.get("agent"))
        entities = [it.id] + ([it.preferred] if it.preferred else [])
        excused = predicted != got and self.timer_near(now, set(entities))  # judged on the predicted state
        if got[0] == "offered" and predicted != got:
            it.offered_since = now
        it.state, it.agent = got
        if got[0] in OPEN_STATES:
            it.attrs, it.view = reply.get("attributes"), item_view_of(reply)
        (self.world.live.add if it.state in OPEN_STATES else self.world.live.discard)(it.id)
        if predicted != got:
            self.surprise(op, f"{it.id}: {predicted}", f"{got}", now, entities, excused)


class Admin(threading.Thread):
    """Snapshots (POST /v1/admin/compact) and uploads of the rules (PUT /v1/admin/rules),
    alternating two texts that differ only in the version, so that each upload is a reload."""

    def __init__(self, port, rng, stop, rules_texts):
        super().__init__(daemon=True, name="admin")
        self.client = Client(port, timeout=60)
        self.rng, self.stop, self.texts = rng, stop, rules_texts
        self.acked = 0
        self.ops = 0
        self.kinds = defaultdict(int)
        self.errors = []
        self.surprises = []
        self.next_text = 0

    def run(self):
        while not self.stop.wait(self.rng.uniform(0.15, 0.9)):
            compact = self.rng.random() < 0.6
            self.ops += 1
            try:
                if compact:
                    status, reply = self.client.call("POST", "/v1/admin/compact")
                else:
                    status, reply = self.client.call("PUT", "/v1/admin/rules", text=self.texts[self.next_text])
                    self.next_text ^= 1
            except Lost as e:
                self.errors.append((time.monotonic(), f"{'compact' if compact else 'reload'}: {e}"))
                break
            if status == 200 and (compact or reply.get("dropped_attributes") == []):
                self.acked += 1
                self.kinds["compact" if compact else "reload"] += 1
            else:
                self.surprises.append(Failure("surprise", "compact" if compact else "reload", "200 (nothing dropped)",
                                              f"{status} {reply}"))
        self.client.close()
