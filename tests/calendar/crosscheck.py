#!/usr/bin/python3
"""Cross-checks iwd's time zones and business calendars (stdlib/tz.h, stdlib/calendar.h)
against an independent implementation written here over Python's zoneinfo.

The definition (LANGUAGE.md section 6, stdlib/calendar.h): an instant is open when its local
wall-clock reading in the calendar's zone (date D, time of day m) has m inside one of D's
hour ranges; D's ranges are none if D is a closed date or its (month, day) is closed every
year (closed wins over special hours), else D's special hours if it has any, else its
weekday's hours. Business time is the measure of open instants.

This implementation does not walk days or zone transitions as the C++ one does: every hour
boundary used here is a multiple of 15 minutes and every UTC offset in the sampled years is
too (asserted), so openness is constant on each 15-minute slot of UTC time; business time
sums slot overlaps, add_business walks slots. Standard library only; exits 1 on any
disagreement and prints the first ones.

It also compares UTC offsets and local-to-UTC conversions in every zone of the database at
random instants from 1900 to 2200 (far beyond the last transitions: the TZif footer rules).

Usage: crosscheck.py --probe PATH/iwd_calendar_probe [--cases N] [--seed S] [--per-zone N]
"""
import argparse
import bisect
import json
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SLOT = 15 * 60 * 1000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_ORD = date(1970, 1, 1).toordinal()
ZONES = [
    "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo",
    "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia", "America/St_Johns", "UTC",
    "Europe/London", "Pacific/Chatham", "Europe/Dublin", "America/Nuuk", "Asia/Jerusalem",
    "America/Santiago", "Africa/Casablanca", "Antarctica/Troll", "America/Havana",
]
YEARS = (2008, 2040)


def local(t_ms, tz):
    return (EPOCH + timedelta(milliseconds=t_ms)).astimezone(tz)


def offset_seconds(t_ms, tz):
    return int(local(t_ms, tz).utcoffset().total_seconds())


class PyCalendar:
    def __init__(self, spec):
        self.tz = ZoneInfo(spec["zone"])
        self.weekly = spec["weekly"]
        self.closed = set(spec["closed"])
        self.yearly = {tuple(md) for md in spec["yearly"]}
        self.special = {d: r for d, r in spec["special"]}
        self.slot_cache = {}
        self.trans = transitions(spec["zone"])

    def hours(self, d):
        if d in self.closed:
            return []
        c = date.fromordinal(d + EPOCH_ORD)
        if (c.month, c.day) in self.yearly:
            return []
        if d in self.special:
            return self.special[d]
        return self.weekly[c.weekday()]

    def is_open(self, t_ms):
        lt = local(t_ms, self.tz)
        off = lt.utcoffset().total_seconds()
        assert off % 900 == 0, ("offset not a multiple of 15 minutes", self.tz, t_ms)
        d = lt.date().toordinal() - EPOCH_ORD
        ms_of_day = ((lt.hour * 60 + lt.minute) * 60 + lt.second) * 1000 + lt.microsecond // 1000
        return any(f * 60000 <= ms_of_day < to * 60000 for f, to in self.hours(d))

    def slot_open(self, s):
        v = self.slot_cache.get(s)
        if v is None:
            v = self.slot_cache[s] = self.is_open(s)
        return v

    # Openness is constant between consecutive boundaries: multiples of SLOT and the zone's
    # transition instants (which need not be multiples of SLOT: America/St_Johns switched at
    # 00:01 local until 2011).
    def next_boundary(self, s):
        nb = s - s % SLOT + SLOT
        i = bisect.bisect_right(self.trans, s)
        if i < len(self.trans) and self.trans[i] < nb:
            nb = self.trans[i]
        return nb

    def prev_boundary(self, e):
        pb = (e - 1) - (e - 1) % SLOT
        i = bisect.bisect_left(self.trans, e)
        if i > 0 and self.trans[i - 1] > pb:
            pb = self.trans[i - 1]
        return pb

    def business_time(self, a, b):
        if b < a:
            return -self.business_time(b, a)
        total = 0
        s = a
        while s < b:
            nb = self.next_boundary(s)
            if self.slot_open(s):
                total += min(nb, b) - s
            s = nb
        return total

    def add_business(self, t, d, limit=400_000):
        if d == 0:
            return t
        rem = abs(d)
        if d > 0:
            s = t
            for _ in range(limit):
                nb = self.next_boundary(s)
                if self.slot_open(s):
                    if rem <= nb - s:
                        return s + rem
                    rem -= nb - s
                s = nb
            return None
        e = t
        for _ in range(limit):
            pb = self.prev_boundary(e)
            if self.slot_open(pb):
                if rem <= e - pb:
                    return e - rem
                rem -= e - pb
            e = pb
        return None

    def next_open(self, t, limit=400_000):
        s = t
        for _ in range(limit):
            if self.slot_open(s):
                return s
            s = self.next_boundary(s)
        return None


def py_from_local(zone, day, minute):
    # PEP 495: fold=0 reads a repeated time with the earlier offset and a skipped time with the
    # offset before the gap (so it moves forward by the gap): the documented C++ rule.
    c = date.fromordinal(day + EPOCH_ORD)
    naive = datetime(c.year, c.month, c.day) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=ZoneInfo(zone), fold=0)
    return (aware - EPOCH) // timedelta(milliseconds=1)


_TRANSITIONS = {}


def transitions(zone):
    """The instants (ms) of offset changes in YEARS, by daily sampling and bisection."""
    if zone not in _TRANSITIONS:
        _TRANSITIONS[zone] = _find_transitions(zone)
    return _TRANSITIONS[zone]


def _find_transitions(zone):
    tz = ZoneInfo(zone)
    out = []
    t = int((datetime(YEARS[0], 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds() * 1000)
    end = int((datetime(YEARS[1], 12, 31, tzinfo=timezone.utc) - EPOCH).total_seconds() * 1000)
    day = 86400000
    prev = offset_seconds(t, tz)
    while t < end:
        t += day
        cur = offset_seconds(t, tz)
        if cur != prev:
            lo, hi = t - day, t
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset_seconds(mid, tz) == prev:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
            prev = cur
    return out


def random_ranges(rng):
    kind = rng.random()
    if kind < 0.15:
        return []
    if kind < 0.25:
        return [[0, 1440]]
    if kind < 0.4:
        return [[rng.choice([0, 60, 90, 120]), rng.choice([150, 180, 195, 240])], [8 * 60, 18 * 60]]
    if kind < 0.5:
        return [[22 * 60, 1440]]
    n = rng.randint(1, 3)
    points = sorted(rng.sample(range(0, 97), 2 * n))
    out = []
    for i in range(n):
        f, to = points[2 * i] * 15, points[2 * i + 1] * 15
        if out and rng.random() < 0.3:
            f = out[-1][1]  # touching ranges
        if f < to:
            out.append([f, to])
    return out


def random_calendar(rng, zone, trans_days):
    weekly = [random_ranges(rng) for _ in range(7)]
    if not any(weekly):
        weekly[0] = [[9 * 60, 17 * 60]]
    base_days = trans_days or [rng.randint(14000, 25000)]
    def near():
        return rng.choice(base_days) + rng.randint(-3, 3)
    closed = sorted({near() for _ in range(rng.randint(0, 6))})
    yearly = [[rng.randint(1, 12), rng.randint(1, 28)] for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.2:
        yearly.append([2, 29])
    special = {}
    for _ in range(rng.randint(0, 6)):
        special[near()] = random_ranges(rng)
    if closed and rng.random() < 0.5:
        special[closed[0]] = [[8 * 60, 12 * 60]]  # closed wins
    return {"zone": zone, "weekly": weekly, "closed": closed, "yearly": yearly,
            "special": [[d, r] for d, r in sorted(special.items())]}


def generate(rng, n_cases):
    cases = []
    import zoneinfo
    zones = [z for z in ZONES if z in zoneinfo.available_timezones()]
    zone_trans = {z: transitions(z) for z in zones}
    lo = int((datetime(YEARS[0], 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds() * 1000)
    hi = int((datetime(YEARS[1], 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds() * 1000)
    per_cal = 25
    while len(cases) < n_cases:
        zone = rng.choice(zones)
        trans = zone_trans[zone]
        chosen = rng.sample(trans, min(len(trans), 4)) if trans else []
        spec = random_calendar(rng, zone, [x // 86400000 for x in chosen])
        for _ in range(per_cal):
            if chosen and rng.random() < 0.7:
                t = rng.choice(chosen) + rng.randint(-3 * 86400000, 3 * 86400000)
            else:
                t = rng.randint(lo, hi)
            if rng.random() < 0.4:
                t -= t % 60000
            op = rng.choice(["open", "bt", "bt", "add", "add", "add", "next"])
            q = {"cal": spec, "op": op, "t": t}
            if op == "bt":
                q["u"] = t + rng.randint(-8 * 86400000, 8 * 86400000)
            elif op == "add":
                d = rng.randint(0, 60 * 3600000)
                if rng.random() < 0.3:
                    d -= d % 3600000
                if rng.random() < 0.05:
                    d = 0
                q["d"] = d if rng.random() < 0.6 else -d
            cases.append(q)
        # zone-level probes
        for _ in range(5):
            t = (rng.choice(chosen) if chosen else rng.randint(lo, hi)) + rng.randint(-7200000, 7200000)
            cases.append({"zone": zone, "op": "offset", "t": t})
            day = (rng.choice(chosen) // 86400000 if chosen else rng.randint(14000, 25000)) + rng.randint(-1, 1)
            cases.append({"zone": zone, "op": "from_local", "day": day, "minute": rng.randrange(0, 1441, 15)})
    return cases


def all_zone_cases(rng, per_zone):
    """UTC offsets and local-time conversions in every zone of the database, 1900..2200."""
    import zoneinfo
    lo = int((datetime(1900, 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds() * 1000)
    hi = int((datetime(2200, 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds() * 1000)
    cases = []
    for zone in sorted(zoneinfo.available_timezones() - {"localtime", "posixrules"}):
        for _ in range(per_zone):
            cases.append({"zone": zone, "op": "offset", "t": rng.randint(lo, hi)})
        for _ in range(per_zone // 3):
            cases.append({"zone": zone, "op": "from_local", "day": rng.randint(lo, hi) // 86400000,
                          "minute": rng.randint(0, 1440)})
    return cases


def expected(q, cals):
    op = q["op"]
    if op == "offset":
        return str(offset_seconds(q["t"], ZoneInfo(q["zone"])))
    if op == "from_local":
        return str(py_from_local(q["zone"], q["day"], q["minute"]))
    key = json.dumps(q["cal"], sort_keys=True)
    cal = cals.get(key)
    if cal is None:
        cal = cals[key] = PyCalendar(q["cal"])
    if op == "open":
        return "1" if cal.is_open(q["t"]) else "0"
    if op == "bt":
        return str(cal.business_time(q["t"], q["u"]))
    r = cal.add_business(q["t"], q["d"]) if op == "add" else cal.next_open(q["t"])
    return "never" if r is None else str(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--per-zone", type=int, default=60,
                    help="offset probes for each zone of the database (0 to skip)")
    args = ap.parse_args()
    started = time.monotonic()
    rng = random.Random(args.seed)
    cases = generate(rng, args.cases) + all_zone_cases(rng, args.per_zone)
    stdin = "".join(json.dumps(q) + "\n" for q in cases)
    proc = subprocess.run([args.probe], input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"probe failed with exit code {proc.returncode}: {proc.stderr}", file=sys.stderr)
        return 1
    got = proc.stdout.splitlines()
    if len(got) != len(cases):
        print(f"probe answered {len(got)} lines for {len(cases)} cases", file=sys.stderr)
        return 1
    cals = {}
    bad = 0
    counts = {}
    for q, g in zip(cases, got):
        counts[q["op"]] = counts.get(q["op"], 0) + 1
        want = expected(q, cals)
        if want != g:
            bad += 1
            if bad <= 10:
                detail = {k: v for k, v in q.items() if k != "cal"}
                if "cal" in q:
                    detail["cal"] = q["cal"]
                print(f"MISMATCH want {want} got {g}: {json.dumps(detail)}", file=sys.stderr)
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{len(cases)} cases ({summary}), {bad} mismatches, {elapsed:.1f}s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
