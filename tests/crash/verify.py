"""After a restart: is every acknowledged change there? Reads the server (GET /v1/queue paged,
GET /v1/items/{id}, GET /v1/agents/{id} and its workbin, re-captures of ended ids) and
compares each item and agent with what was acknowledged, or with the "after" of the one
operation per thread whose reply never came, or with what a timer can have made of either
(model.py says which timers). Then the worlds take what was found, for the next trial.
verify_history checks the event history in the data folder's journal.db the same way."""
import sqlite3
import time
from collections import Counter
from urllib.parse import quote

import history_aggregates
from model import ANY, OFFER_TIMEOUT, OPEN_STATES
from serve import Client


class Failure:
    def __init__(self, what, entity, acknowledged, found, history=()):
        self.what, self.entity, self.acknowledged, self.found = what, entity, acknowledged, found
        self.history = list(history)

    def __str__(self):
        lines = [f"{self.what}: {self.entity}", f"    acknowledged: {self.acknowledged}", f"    found: {self.found}"]
        lines += [f"    operation {text}" for _, text in self.history[-4:]]
        return "\n".join(lines)


def _attrs_equal(want, got):
    if want is None:
        return True
    if got is None or set(want) != set(got):
        return False
    return all(v == ANY or v == got[k] for k, v in want.items())


def _matches(obs, alt):
    """Whether an item found (a view, or None: not open) is the alternative `alt`."""
    if obs is None:
        return alt.state not in OPEN_STATES
    if alt.state != obs.get("state") or alt.agent != obs.get("agent"):
        return False
    if not _attrs_equal(alt.attrs, obs.get("attributes")):
        return False
    if alt.view is not None:
        return all(alt.view.get(k) == obs.get(k) for k in ("process", "priority", "due"))
    return True


def _with_timers(alts, t_lo, t_hi):
    """The alternatives, plus what the offer timeout and activations can have made of them
    by the time of the read ([t_lo, t_hi]): an offer made at or after `offered_since` cannot
    have timed out before offered_since + 30 s; an item deferred to T is queued once T has
    passed (and must be, 2 s after)."""
    out = []
    for a in alts:
        if a.state == "offered" and a.offered_since is not None and t_hi >= a.offered_since + OFFER_TIMEOUT:
            timed_out = a.copy()
            timed_out.state, timed_out.agent = "queued", None
            timed_out.timer = "offer timeout"
            out.append(timed_out)
        if a.state == "deferred" and a.activate_at is not None and t_hi >= a.activate_at:
            active = a.copy()
            active.state = "queued"
            active.timer = "activation"
            out.append(active)
            if t_lo > a.activate_at + 2.0:
                continue  # it must have been activated
        out.append(a)
    return out


def item_view_of(reply):
    return {k: reply.get(k) for k in ("process", "priority", "due")}


class Verifier:
    def __init__(self, port, worlds, doubts, expected_rules, rng, since):
        """doubts: [(world, op, draft)] for operations whose reply never came; since: the
        monotonic-free wall instant the trial began (ends acknowledged after it are re-captured)."""
        self.c = Client(port)
        self.worlds = worlds
        self.doubts = doubts
        self.expected_rules = expected_rules
        self.rng = rng
        self.since = since
        self.failures = []
        self.checked_items = 0
        self.checked_agents = 0
        self.reads = 0
        self.timers = {}  # items found as a timer made them: kind -> count
        self.maybe_absent = set()  # ids that may never have been stored
        self.agent_obs = {}  # (world name, agent id) -> its view, or None (404)

    def get(self, path):
        self.reads += 1
        return self.c.call("GET", path)

    def fail(self, what, entity, acknowledged, found, history=()):
        self.failures.append(Failure(what, entity, acknowledged, found, history))

    # The whole open queue, paged; re-read when the pages do not add up (an activation can
    # reorder it between pages).
    def listing(self):
        for _ in range(3):
            seen, dup, total, offset = {}, [], None, 0
            while True:
                status, page = self.get(f"/v1/queue?state=open&limit=1000&offset={offset}")
                if status != 200:
                    self.fail("listing", "GET /v1/queue?state=open", "200", f"{status} {page}")
                    return {}
                total = page["total"]
                for it in page["items"]:
                    if it["id"] in seen:
                        dup.append(it["id"])
                    seen[it["id"]] = it
                if len(page["items"]) < 1000:
                    break
                offset += 1000
            if not dup and len(seen) == total:
                return seen
        if dup:
            self.fail("duplicate", f"ids listed twice: {sorted(set(dup))[:10]}", "each open id once", f"total {total}")
        if len(seen) != total:
            self.fail("count", "GET /v1/queue?state=open", f"total {total}", f"{len(seen)} distinct ids listed")
        return seen

    def run(self):
        # An in-doubt create: the world has it as never stored, the draft as created.
        for w, op, draft in self.doubts:
            for i, it in draft.items.items():
                if i not in w.items:
                    placeholder = it.copy()
                    placeholder.state, placeholder.agent = "absent", None
                    w.items[i] = placeholder
        listed = self.listing()
        known = set()
        for w in self.worlds:
            known.update(w.items)
        phantoms = sorted(set(listed) - known)
        if phantoms:
            self.fail("phantom", f"{len(phantoms)} open item(s) never sent: {phantoms[:10]}", "none", "listed open")
        status, health = self.get("/healthz")
        if status != 200 or health.get("open_items") != len(listed):
            self.fail("count", "/healthz open_items", f"{len(listed)} (the listing)", f"{status} {health}")
        status, rules = self.get("/v1/admin/rules")
        if status != 200 or rules.get("ruleset") != self.expected_rules:
            self.fail("rules", "GET /v1/admin/rules", self.expected_rules, f"{status} {rules}")

        in_doubt = {}  # (world name, id or agent) -> draft copy
        for w, op, draft in self.doubts:
            for i, it in draft.items.items():
                in_doubt[(w.name, "item", i)] = it
            for a, ag in draft.agents.items():
                in_doubt[(w.name, "agent", a)] = ag
        observed = {}  # item id -> view or None
        matched = {}
        t_reads = time.time()
        for w in self.worlds:
            for it in list(w.items.values()):
                alts = [it] + ([in_doubt[(w.name, "item", it.id)]] if (w.name, "item", it.id) in in_doubt else [])
                if any(a.state == "absent" for a in alts):
                    self.maybe_absent.add(it.id)
                if not any(a.state in OPEN_STATES for a in alts) and it.id not in listed:
                    observed[it.id] = None  # ended or never stored, and not listed: as acknowledged
                    matched[it.id] = next((a for a in alts if a.state != "absent"), alts[0])
                    continue
                status, got = self.get(f"/v1/items/{quote(it.id, safe='')}")
                t_hi = time.time()
                # An ended item is told from the history (200 with its final state): not open.
                obs = got if status == 200 and got.get("state") in OPEN_STATES else None
                if status not in (200, 404):
                    self.fail("read", f"GET /v1/items/{it.id}", "200 or 404", f"{status} {got}", it.history)
                if (obs is not None) != (it.id in listed):
                    self.fail("listing", it.id, "GET and the open listing agree",
                              f"GET {status}, {'listed' if it.id in listed else 'not listed'}", it.history)
                observed[it.id] = obs
                self.checked_items += 1
                choices = _with_timers(alts, t_reads, t_hi)
                hit = next((a for a in choices if _matches(obs, a)), None)
                if hit is None:
                    what = "lost" if obs is None else ("resurrected" if not any(a.state in OPEN_STATES for a in alts)
                                                       else "wrong state")
                    self.fail(what, f"item {it.id} ({w.name})", " or ".join(a.describe() for a in choices),
                              "not open (404)" if obs is None else
                              f"{obs.get('state')} with {obs.get('agent')}, attributes {obs.get('attributes')}, "
                              f"{item_view_of(obs)}", it.history)
                matched[it.id] = hit
                if hit is not None and getattr(hit, "timer", None):
                    self.timers[hit.timer] = self.timers.get(hit.timer, 0) + 1
        self.check_batches(observed)
        self.check_agents(in_doubt, observed)
        self.recaptures(observed, matched)
        self.adopt(observed, matched)
        self.c.close()
        return self.failures

    def check_batches(self, observed):
        """A batch is committed together: an in-doubt batch is there whole or not at all."""
        for w, op, draft in self.doubts:
            if op.kind != "batch":
                continue
            ids = [b["id"] for b in op.bodies if "department" in b]
            there = [i for i in ids if observed.get(i) is not None]
            if there and len(there) != len(ids):
                self.fail("batch not atomic", f"in-doubt {op.describe()}", "all of its items or none",
                          f"{there} there, {sorted(set(ids) - set(there))} not")

    def check_agents(self, in_doubt, observed):
        for w in self.worlds:
            for a in w.agents.values():
                alts = [a] + ([in_doubt[(w.name, "agent", a.id)]] if (w.name, "agent", a.id) in in_doubt else [])
                # An offer to it that may have timed out leaves it not_ready `rona`.
                offers = [x for x in w.items.values() if x.state == "offered" and x.agent == a.id]
                offers += [x for (wn, kind, _), x in in_doubt.items()
                           if wn == w.name and kind == "item" and x.state == "offered" and x.agent == a.id]
                status, got = self.get(f"/v1/agents/{quote(a.id, safe='')}")
                self.checked_agents += 1
                # Judged at the end of the read (the latest instant the server can have read at).
                may_time_out = any(time.time() >= x.offered_since + OFFER_TIMEOUT for x in offers)
                if may_time_out:
                    for alt in list(alts):
                        if alt.state in ("ready", "not_ready"):
                            r = alt.copy()
                            r.state, r.reason = "not_ready", "rona"
                            alts.append(r)
                obs = got if status == 200 else None
                ok = any((obs is None and alt.state == "absent") or
                         (obs is not None and alt.state == obs.get("state") and alt.reason == obs.get("reason") and
                          alt.skills == obs.get("skills") and alt.groups == obs.get("groups")) for alt in alts)
                if not ok:
                    self.fail("agent", f"agent {a.id} ({w.name})", " or ".join(x.describe() for x in alts),
                              f"{status} {got}")
                self.agent_obs[(w.name, a.id)] = obs
                if obs is None:
                    continue
                status, bin_ = self.get(f"/v1/agents/{quote(a.id, safe='')}/workbin")
                holding = sorted(x["id"] for x in bin_["holding"])
                parked = sorted(x["id"] for x in bin_["parked"])
                if bin_["agent"]["load"] != len(holding):
                    self.fail("workbin", f"agent {a.id}", f"load {len(holding)} (its holding list)", bin_["agent"])
                want_holding = sorted(i for i, v in observed.items()
                                      if v and v.get("agent") == a.id and v["state"] in ("offered", "assigned"))
                want_parked = sorted(i for i, v in observed.items() if v and v.get("agent") == a.id and v["state"] == "parked")
                # An offer read before may have timed out by the time of the workbin's read.
                timer_near = any(time.time() >= x.offered_since + OFFER_TIMEOUT for x in offers) and \
                    any(v and v.get("agent") == a.id and v["state"] == "offered" for v in observed.values())
                if (holding != want_holding or parked != want_parked) and not timer_near:
                    self.fail("workbin", f"agent {a.id}", f"holding {want_holding}, parked {want_parked} (the items read)",
                              f"holding {holding}, parked {parked}")

    def recaptures(self, observed, matched):
        """Within the idempotency window (a day: every trial), the same body again answers as
        the first did, across the kill (201 and the first answer's body, whatever happened to
        the item since: recovery renders it again, a snapshot keeps it); another body of an
        open id is 409 (docs/api.md, "Idempotency and item identity"). Rejected ids are not
        sent again (each rejection is a history record), nor ended ids with another body (a new
        life the worlds do not model here: the drivers make those), nor ids in doubt (whether
        their last capture was stored, and so which answer is the first, is not known)."""
        doubted = {i for _, _, draft in self.doubts for i in draft.items}
        ended_recent, ended_old, open_ids = [], [], []
        for w in self.worlds:
            for it in w.items.values():
                hit = matched.get(it.id)
                if hit is None or it.id in self.maybe_absent or it.id in doubted or it.first_answer is None:
                    continue  # a capture in doubt (or refused): whether the id is remembered is not known
                if observed.get(it.id) is None and hit.state not in OPEN_STATES and hit.state not in ("absent", "rejected"):
                    recent = any(t >= self.since for t, _ in it.history)
                    (ended_recent if recent else ended_old).append(it)
                elif observed.get(it.id) is not None:
                    open_ids.append(it)
        sample_old = self.rng.sample(ended_old, min(5, len(ended_old)))
        for it in ended_recent + sample_old + self.rng.sample(open_ids, min(5, len(open_ids))):
            status, got = self.c.call("POST", "/v1/items", it.body)
            if status != 201 or got != it.first_answer:
                self.fail("idempotency", f"item {it.id}", f"re-capture answered 201 with the first answer {it.first_answer}",
                          f"{status} {got}", it.history)
                if status == 201 and observed.get(it.id) is None:  # perhaps captured anew: the world takes what is open
                    status, now = self.get(f"/v1/items/{quote(it.id, safe='')}")
                    if status == 200 and now.get("state") in OPEN_STATES:
                        observed[it.id] = now
        for it in self.rng.sample(open_ids, min(3, len(open_ids))):
            other = dict(it.body, product="another body")
            status, got = self.c.call("POST", "/v1/items", other)
            if status != 409:
                self.fail("idempotency", f"item {it.id}", "a re-capture of an open id with another body answered 409",
                          f"{status} {got}", it.history)

    def adopt(self, observed, matched):
        """The worlds take what was found (the verified state is the next trial's start)."""
        for w in self.worlds:
            for i, it in list(w.items.items()):
                if i not in observed:
                    continue
                hit = matched.get(i)
                obs = observed[i]
                base = (hit or it).copy()
                if obs is None:
                    if base.state in OPEN_STATES or hit is None:
                        base.state = "lost"  # reported; never driven again
                    base.agent = None
                else:
                    prev_offer = base.offered_since if base.state == "offered" else None
                    base.state, base.agent = obs["state"], obs.get("agent")
                    base.attrs, base.view = obs.get("attributes"), item_view_of(obs)
                    base.offered_since = (prev_offer if prev_offer is not None else 0.0) if base.state == "offered" else None
                base.history = it.history
                w.items[i] = base
                (w.live.add if base.state in OPEN_STATES else w.live.discard)(i)
            for a in w.agents.values():
                if (w.name, a.id) not in self.agent_obs:
                    continue
                obs = self.agent_obs[(w.name, a.id)]
                if obs is None:
                    a.state, a.reason, a.skills, a.groups = "absent", None, {}, []
                else:
                    a.state, a.reason = obs["state"], obs.get("reason")
                    a.skills, a.groups = obs["skills"], obs["groups"]


def verify(port, worlds, doubts, expected_rules, rng, since):
    v = Verifier(port, worlds, doubts, expected_rules, rng, since)
    failures = v.run()
    return failures, v.checked_items, v.checked_agents, v.timers



def verify_history(data, worlds):
    """The event history after a restart (docs/reporting.md): every acknowledged item change
    has its record (the item, its operation's cause), and recovery stored nothing twice: seqs
    1, 2, ... without a gap, one capture record per item and instant (an id has a capture per
    life, and per rejection), and each timeout or activation of an item at an instant once. Returns (failures, how many acknowledged changes were checked)."""
    failures, checked = [], 0
    db = sqlite3.connect(f"file:{data}/journal.db?mode=ro", uri=True, timeout=60)
    try:
        rows = db.execute("SELECT seq, at, item, reason, from_state, to_state FROM history ORDER BY seq").fetchall()
        # The aggregates written in the records' transactions agree with them (history_aggregates.py).
        failures += [Failure("history aggregates", "history_agg", "the records' counts", x, ())
                     for x in history_aggregates.check(db)]
    finally:
        db.close()
    for k, row in enumerate(rows):
        if row[0] != k + 1:
            failures.append(Failure("history duplicate" if row[0] <= k else "history lost", f"history seq {k + 1}",
                                    "seqs 1, 2, ... without a gap", f"seq {row[0]} at position {k + 1}"))
            break
    recorded = {(r[2], r[3]) for r in rows}
    for w in worlds:
        for item, cause in sorted(set(w.acked)):
            checked += 1
            if (item, cause) not in recorded:
                it = w.items.get(item)
                failures.append(Failure("history lost", f"history of {item}", f"a `{cause}` record (acknowledged)",
                                        "none", it.history if it else ()))
    # A capture the rules rejected and its corrected capture may fall in the same millisecond:
    # each is one record (to `rejected`, then to its state), so they are counted apart.
    captures = Counter((r[2], r[1], r[5] == "rejected") for r in rows if r[3] == "capture" and r[4] == "none")
    timers = Counter((r[2], r[1], r[3]) for r in rows if r[3] in ("offer_timeout", "activate", "expire"))
    for (item, at, _), n in captures.items():
        if n > 1:
            failures.append(Failure("history duplicate", f"history of {item}", f"one capture record at {at}", f"{n}"))
    for (item, at, cause), n in timers.items():
        if n > 1:
            failures.append(Failure("history duplicate", f"history of {item}", f"one `{cause}` record at {at}", f"{n}"))
    return failures, checked
