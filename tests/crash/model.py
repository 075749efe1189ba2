"""The crash harness's expectation of the world one client thread drives: its items and agents
as the server last acknowledged them, and what each operation changes (docs/lifecycle.md),
predicted before it is sent so that an operation whose reply never came ("in doubt") has a
known "after" as well as a "before".

The harness keeps to a part of the world where every change is known from the thread's own
operations (examples/enterprise.iwd):

- Sales items name one of their thread's agents as `preferred_agent`. The first stage of
  `targets sales` offers them to that agent only, for 10% of a 72-office-hour or 5-day SLA
  (hours: longer than any run). No agent has a sales, finance or reception skill (only
  `legacy_processing`, which no stage reads alone), so no other stage, and no Finance or
  Unclassified item, is ever offered to anyone: Finance and Unclassified items stay queued.
- Agents have room for 1000 items, so capacity never holds an offer back: a queued Sales item
  is offered to its preferred agent the moment that agent is logged in and ready, and a ready
  agent never has a queued Sales item of its own waiting.

A supervisor's `assign` (driver.py) takes only Finance and Unclassified items: their offer to
an agent outside every target is ended by its timeout, by an update (the agent is not
eligible) or by a hot reload (the same), each back to the queue and never offered on.

Timers that can fire within a run, accepted from the acknowledged state (here and in verify.py):
- the Sales offer timeout (30 s: enterprise.iwd sets none for Sales): offered -> queued, and
  the agent becomes not_ready `rona` (the item is not offered again: its only agent is not ready);
- activation at `activate_at` (only Finance and Unclassified items get one a few seconds ahead;
  Sales items only days ahead): deferred -> queued, never offered.
Timers that cannot fire within a run: priority steps (every 1h; every data folder lives a few
minutes), target widening (10% of the SLA), `complete within` (2h), expiry (30d).
"""
import calendar
import copy
import time

OPEN_STATES = frozenset({"deferred", "queued", "offered", "assigned", "done_pending", "parked", "held"})
ENDED_STATES = frozenset({"completed", "canceled", "expired", "rejected"})
OFFER_TIMEOUT = 30.0  # seconds: the default offer timeout, which the Sales department keeps
ANY = "<any>"  # an attribute value not known before the reply (captured_at)


def iso(t):
    """An instant (seconds since the epoch, whole) as the server writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(text):
    """Seconds since the epoch of an ISO 8601 UTC instant ("2026-12-05T22:20:09.651Z")."""
    main, _, frac = text.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S"))
    return seconds + (float("0." + frac) if frac else 0.0)


class Item:
    """One item as acknowledged. `state` is an open state, an ended one, or "absent" (never
    stored: its capture was refused, or not yet acknowledged)."""

    def __init__(self, item_id, body):
        self.id = item_id
        self.body = body  # the capture body, sent again to check idempotency
        self.first_answer = None  # the capture's 201 body: a retry within the window answers it again
        self.preferred = body.get("preferred_agent")
        self.activate_at = parse_iso(body["activate_at"]) if "activate_at" in body else None
        self.state = "absent"
        self.agent = None
        self.attrs = None  # the item's attributes as the server answered them
        self.view = None  # {"process", "priority", "due"} as answered; None: not known (in doubt)
        self.offered_since = None  # a lower bound of the instant of its current offer
        self.override = None  # a supervisor's priority override in force: "fixed", "boost" or "handled"
        self.history = []  # (what, when) of the operations on it, newest last

    def copy(self):
        c = copy.copy(self)
        c.attrs = dict(self.attrs) if self.attrs is not None else None
        return c

    def is_open(self):
        return self.state in OPEN_STATES

    def describe(self):
        if not self.is_open():
            return self.state
        out = self.state + (f" with {self.agent}" if self.agent else "")
        return out + f", attributes {self.attrs}" + (f", {self.view}" if self.view else "")


class Agent:
    def __init__(self, agent_id):
        self.id = agent_id
        self.state = "absent"  # never registered (acknowledged)
        self.reason = None
        self.skills = {}
        self.groups = []

    def copy(self):
        c = copy.copy(self)
        c.skills, c.groups = dict(self.skills), list(self.groups)
        return c

    def describe(self):
        return f"{self.state}" + (f" ({self.reason})" if self.reason else "") + f", skills {self.skills}, groups {self.groups}"


class Op:
    """An operation: kind, and item (id), agent, body, patch, to, bodies (batch) as it needs."""

    def __init__(self, kind, **fields):
        self.kind = kind
        self.id = fields.get("id")
        self.agent = fields.get("agent")
        self.body = fields.get("body")
        self.patch = fields.get("patch")
        self.to = fields.get("to")
        self.bodies = fields.get("bodies")

    def describe(self):
        if self.kind == "batch":
            return f"batch create of {[b['id'] for b in self.bodies]}"
        if self.kind == "capture":
            return f"create {self.body['id']} {self.body}"
        if self.kind in ("agent_put", "agent_state"):
            return f"{self.kind} {self.agent} {self.body}"
        if self.kind == "return_workbin":
            return f"return of {self.agent}'s workbin"
        extra = {"update": f" {self.patch}", "transfer": f" to {self.to}", "assign": f" to {self.to}",
                 "priority": f" {self.body}"}.get(self.kind, "")
        return f"{self.kind} {self.id}{extra}" + (f" by {self.agent}" if self.agent else "")


class World:
    """What one thread drives: every item id it ever sent in this data folder, and its agents."""

    def __init__(self, name, agent_ids):
        self.name = name
        self.items = {}
        self.agents = {a: Agent(a) for a in agent_ids}
        self.live = set()  # ids of open items
        self.acked = []  # (item id, the cause its history record carries) of each acknowledged item change

    def note_acked(self, op, status, reply):
        """An acknowledged change, for the history check (verify.verify_history). A capture
        answered 201 or 422 `rejected` has its capture record (the rejection is journaled with
        its record); agent changes are not checked (a change of skills alone is no event)."""
        if op.kind == "batch":
            self.acked += [(b["id"], "capture") for b, r in zip(op.bodies, reply["results"]) if r["status"] in (201, 422)]
        elif op.kind == "return_workbin":
            self.acked += [(r["item"], "return") for r in reply["results"] if r["status"] == 200]
        elif op.kind == "capture":
            if status in (201, 422):
                self.acked.append((op.body["id"], "capture"))
        elif op.kind == "priority":
            self.acked.append((op.id, "override"))  # a priority record, reason `override`
        elif op.kind not in ("agent_put", "agent_state"):
            self.acked.append((op.id, op.kind))  # the operation's name is its event's cause

    def open_items(self):
        return [self.items[i] for i in self.live]

    def load(self, agent_id, draft=None):
        """Items offered to or assigned to the agent (what counts against its capacity)."""
        ids = set(self.live) | (set(draft.items) if draft else set())
        get = draft.peek_item if draft else self.items.get
        return sum(1 for i in ids if get(i).agent == agent_id and get(i).state in ("offered", "assigned"))


class Draft:
    """The changes an operation would make: copies of the items and agents it touches."""

    def __init__(self, world):
        self.world = world
        self.items = {}
        self.agents = {}

    def item(self, item_id):
        if item_id not in self.items:
            self.items[item_id] = self.world.items[item_id].copy()
        return self.items[item_id]

    def peek_item(self, item_id):
        return self.items.get(item_id) or self.world.items.get(item_id)

    def agent(self, agent_id):
        if agent_id not in self.agents:
            self.agents[agent_id] = self.world.agents[agent_id].copy()
        return self.agents[agent_id]

    def peek_agent(self, agent_id):
        return self.agents.get(agent_id) or self.world.agents.get(agent_id)

    def apply(self):
        """Makes the draft the world's state."""
        for i, it in self.items.items():
            self.world.items[i] = it
            (self.world.live.add if it.is_open() else self.world.live.discard)(i)
        self.world.agents.update(self.agents)


def _distribute(d, it, now):
    """A queued item goes to its preferred agent when that one is logged in and ready."""
    if it.state != "queued" or not it.preferred:
        return
    a = d.peek_agent(it.preferred)
    if a is not None and a.state == "ready":
        it.state, it.agent, it.offered_since = "offered", a.id, now


def _capture(d, body, now):
    it = Item(body["id"], body)
    earlier = d.peek_item(body["id"])
    if earlier is not None:  # a corrected capture of a rejected id, or a new life of an ended one
        it.history = earlier.history
    if "department" not in body:
        it.state = "rejected"  # a required attribute is missing: 422, nothing is kept, the id stays free
    else:
        it.attrs = {"id": body["id"], "source": "api", "media": "workitem", "captured_at": ANY, "segment": "Bronze",
                    "tags": []}
        it.attrs.update(body)
        it.state = "deferred" if it.activate_at is not None and it.activate_at > now else "queued"
        _distribute(d, it, now)
    d.items[it.id] = it


def _agent_state(d, agent_id, state, reason, now):
    a = d.agent(agent_id)
    was = a.state
    a.state, a.reason = state, (reason if state == "not_ready" else None)
    if state == "logged_out" and was not in ("logged_out", "absent"):
        # Its offers and assignments go back to the queue (keeping their place); then each
        # goes to its own preferred agent if that one is ready. Parked items stay.
        back = []
        for i in list(d.world.live) + list(d.items):
            it = d.peek_item(i)
            if it.agent == agent_id and it.state in ("offered", "assigned"):
                it = d.item(i)
                it.state, it.agent = "queued", None
                back.append(it)
        for it in back:
            _distribute(d, it, now)
    if state == "ready" and was != "ready":
        for i in list(d.world.live) + list(d.items):
            it = d.peek_item(i)
            if it.state == "queued" and it.preferred == agent_id:
                _distribute(d, d.item(i), now)


def _held_by(it, agent_id):
    """An agent holds the item (accepted, transferred to it): the runtime sets its `last_agent`
    (LANGUAGE.md 1.1 section 3), which the item's attributes show and a restart keeps."""
    if it.attrs is not None:
        it.attrs = dict(it.attrs, last_agent=agent_id)


def predict(world, op, now):
    """The draft of what `op`, applied at `now`, changes in `world` (no timer fires meanwhile)."""
    d = Draft(world)
    k = op.kind
    if k == "capture":
        _capture(d, op.body, now)
    elif k == "batch":
        for b in op.bodies:
            _capture(d, b, now)
    elif k == "agent_put":
        if d.peek_agent(op.agent).state == "absent":
            a = d.agent(op.agent)
            a.skills, a.groups = {}, []
            state = op.body.get("state", "ready")
        else:
            a = d.agent(op.agent)
            state = op.body.get("state", a.state)
        if "skills" in op.body:
            a.skills = dict(op.body["skills"])
        if "groups" in op.body:
            a.groups = list(op.body["groups"])
        # A change that gives `state` sets the reason with it (none given: none); one that does
        # not keeps a not_ready agent's reason (docs/replay.md: only the fields it gives).
        if "state" in op.body:
            reason = op.body.get("reason") if state == "not_ready" else None
        else:
            reason = a.reason if state == "not_ready" else None
        _agent_state(d, op.agent, state, reason, now)
    elif k == "agent_state":
        _agent_state(d, op.agent, op.body["state"], op.body.get("reason"), now)
    elif k == "return_workbin":
        # One `return` per parked item of the agent, in one batch (docs/api.md).
        for i in sorted(world.live):
            if world.items[i].state == "parked" and world.items[i].agent == op.agent:
                it = d.item(i)
                it.state, it.agent = "queued", None
                _distribute(d, it, now)
    else:
        it = d.item(op.id)
        if k == "update":
            for key, value in op.patch.items():
                if value is None:
                    it.attrs.pop(key, None)
                else:
                    it.attrs[key] = value
            it.view = None
            if it.state == "offered" and not it.preferred:
                # Only a supervisor's assign offers an item without a preferred agent (no stage
                # takes the harness's agents otherwise): an update finds the agent outside the
                # targets and returns the item to the queue, the agent as it is.
                it.state, it.agent = "queued", None
        elif k in ("cancel", "complete"):
            it.state, it.agent = ("canceled" if k == "cancel" else "completed"), None
        elif k == "hold":
            it.state, it.agent = "held", None
        elif k == "resume":
            it.state = "deferred" if it.activate_at is not None and it.activate_at > now else "queued"
            _distribute(d, it, now)
        elif k == "accept":
            it.state = "assigned"
            _held_by(it, it.agent)
            if it.override == "handled":
                # An override until handled ends when an agent accepts the item: the priority is
                # the rules' again, which the model does not compute (an accept in doubt).
                it.override = None
                it.view = None
        elif k == "priority":
            # A supervisor's override: the state stays; the priority is the reply's.
            it.override = None if "clear" in op.body else "handled" if op.body.get("until") == "handled" else \
                "fixed" if "set" in op.body else "boost"
            it.view = None
        elif k == "reject":
            it.state, it.agent = "queued", None
            a = d.agent(op.agent)
            a.state, a.reason = "not_ready", "rona"
            _distribute(d, it, now)
        elif k == "done":
            it.state, it.agent = "done_pending", None
        elif k == "park":
            it.state = "parked"
        elif k == "pull":
            it.state = "assigned"
        elif k == "transfer":
            it.agent = op.to
            _held_by(it, op.to)
        elif k == "return":
            it.state, it.agent = "queued", None
            _distribute(d, it, now)
        elif k == "assign":
            # A supervisor's offer to a named agent, outside the item's targets (ready, with room).
            # A hot reload re-checks offers against the targets and returns this one to the
            # queue (the agent as it is): it may end at any moment, as an offer about to time out.
            it.state, it.agent, it.offered_since = "offered", op.to, now - OFFER_TIMEOUT
        elif k == "requeue":
            # The offer pulled back; the agent stays as it is; the item goes to its preferred
            # agent again when that one is ready.
            it.state, it.agent = "queued", None
            _distribute(d, it, now)
        else:
            raise ValueError(f"unknown operation {k}")
    return d
