"""What bench/fixed_rate_postgresql.py, bench/recovery_postgresql.py and bench/nodes_postgresql.py
share (issue 18's figures): `iwd serve` started on a PostgreSQL cluster of tests/cli/pg_cluster.py,
bench/fixed_rate run against it, the CPU time of a process tree read from /proc.

The cluster is prepared as one in service unless a script is given --fresh-cluster (anywhere among
its arguments; arguments() takes it out, in each script's main: importing this module changes
nothing): see prepare_in_service. A
fresh cluster (initdb's defaults, no checkpoint yet) creates and zero-fills a new 16 MB WAL
segment each time the WAL reaches the next one, about every 1.5 s at 10,000 durable creates/s
with the history on, and the commit waiting on it takes 13-17 ms on an idle machine (issue 18,
bench/RESULTS.md's w6 section); a cluster in service recycles old segments instead."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
from pg_cluster import Cluster  # noqa: E402,F401  (re-exported for the scripts)
from serve_lib import call  # noqa: E402,F401  (call(port, method, path, body, token))

RULES = os.path.join(ROOT, "examples", "enterprise.iwd")
# A create of bench/load/create.lua's kind, its id unique to the run and the request.
BODY = '{"id":"f{run}-{id}","department":"Sales","segment":"Silver"}'
TICKS = os.sysconf("SC_CLK_TCK")


def arguments(argv=None):
    """A script's positional arguments (ARGV, sys.argv[1:] by default) without --fresh-cluster, and
    whether it was among them (anywhere): (positional, fresh). Called in the scripts' main."""
    argv = sys.argv[1:] if argv is None else list(argv)
    return [a for a in argv if a != "--fresh-cluster"], "--fresh-cluster" in argv

# min_wal_size of a prepared cluster: sized for 10,000 creates/s with the history on (about 12 MB of
# WAL a second): over a minute of WAL kept in recycled segments between checkpoints.
IN_SERVICE_MIN_WAL = "1GB"


def prepare_in_service(cluster, min_wal_size=IN_SERVICE_MIN_WAL):
    """CLUSTER made like one in service, as an operator running at this rate would: min_wal_size set
    to MIN_WAL_SIZE, then that much WAL written (a small insert and a segment switch for each
    segment, which makes the next segment, zero-filled, as a cluster's first pass over its WAL
    does) and a CHECKPOINT, which keeps those segments, renamed, as the ones to come
    (min_wal_size's floor), so a run writes into recycled segments instead of new ones. Returns
    the number of segments in pg_wal afterwards."""
    cluster.sql(f"ALTER SYSTEM SET min_wal_size = '{min_wal_size}'")
    cluster.sql("SELECT pg_reload_conf()")
    segments = int(cluster.query(f"SELECT pg_size_bytes('{min_wal_size}') / "
                                 "pg_size_bytes(current_setting('wal_segment_size'))")[0])
    cluster.sql("CREATE TABLE iwd_wal_warmup (n int)")
    cluster.sql(f"DO $$ BEGIN FOR i IN 1..{segments} LOOP INSERT INTO iwd_wal_warmup VALUES (i); "
                "PERFORM pg_switch_wal(); END LOOP; END $$")
    cluster.sql("DROP TABLE iwd_wal_warmup")
    if cluster.query("SHOW min_wal_size")[0] != min_wal_size:
        raise SystemExit(f"min_wal_size not {min_wal_size} after the reload")
    cluster.sql("CHECKPOINT")
    have = int(cluster.query("SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'")[0])
    if have < segments:
        raise SystemExit(f"the prepared cluster kept {have} WAL segments, not {segments}")
    return have


def new_cluster(fresh=False):
    """A cluster of tests/cli/pg_cluster.py, prepared as one in service unless FRESH (the script was
    given --fresh-cluster); says which on stdout."""
    cluster = Cluster()
    if fresh:
        print("cluster: fresh (initdb's defaults: min_wal_size 80MB, no checkpoint yet; --fresh-cluster)", flush=True)
    else:
        try:
            have = prepare_in_service(cluster)
        except BaseException:
            cluster.close()
            raise
        print(f"cluster: prepared as in service (min_wal_size {IN_SERVICE_MIN_WAL}, that much WAL written then "
              f"CHECKPOINT: {have} segments in pg_wal)", flush=True)
    return cluster


def store_url(cluster, database):
    return f"postgresql://iwd@/{database}?host={cluster.dir}"


def fresh_database(cluster, name):
    cluster.sql(f"CREATE DATABASE {name}")
    return store_url(cluster, name)


def write_config(folder, config):
    path = os.path.join(folder, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def start_serve(iwd, folder, store, config, extra=(), wait=30, name="serve"):
    """`iwd serve --store STORE` on a free loopback port, its data and log in FOLDER; started again
    while a killed holder's lease runs out (exit 1). Returns (process, port, seconds from the first
    start to the port file, seconds from the start that succeeded to it)."""
    began = time.monotonic()
    data = os.path.join(folder, name)
    os.makedirs(data, exist_ok=True)
    port_file = os.path.join(folder, name + ".port")
    while True:
        if os.path.exists(port_file):
            os.unlink(port_file)
        log = open(os.path.join(folder, name + ".log"), "a")
        launched = time.monotonic()
        proc = subprocess.Popen([iwd, "serve", "--rules", RULES, "--data", data, "--listen", "127.0.0.1:0",
                                 "--port-file", port_file, "--store", store, "--config", write_config(folder, config)]
                                + list(extra), stderr=log)
        while proc.poll() is None and not (os.path.exists(port_file) and open(port_file).read().strip()):
            time.sleep(0.005)
        if proc.poll() is None:
            now = time.monotonic()
            return proc, int(open(port_file).read()), now - began, now - launched
        if time.monotonic() - began > wait:
            raise SystemExit(f"iwd serve did not start in {wait} s: see {log.name}")
        time.sleep(0.05)


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid):
    """User + system CPU time of a process, its threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(root):
    """CPU time of ROOT and its live children (PostgreSQL's postmaster and its backends)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(entry) == root or int(fields[1]) == root:
                total += (int(fields[11]) + int(fields[12])) / TICKS
        except OSError:
            pass
    return total


def postmaster(cluster):
    return int(open(os.path.join(cluster.dir, "data", "postmaster.pid")).readline())


def fixed_rate(generator, urls, rate, seconds, warmup=2, connections=100, body=BODY, timeout=None):
    """One run of bench/fixed_rate: its JSON report."""
    args = [generator]
    for u in urls:
        args += ["--url", u]
    args += ["--rate", str(rate), "--duration", str(seconds), "--warmup", str(warmup), "--connections", str(connections),
             "--body", body, "--timeout", "10"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout or (warmup + seconds + 60))
    if out.returncode != 0:
        raise SystemExit(f"fixed_rate failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def load_average():
    return open("/proc/loadavg").read().split()[0]


def temporary_folder():
    return tempfile.mkdtemp(prefix="iwd_bench_")


def with_cpu(cluster, pids, measure):
    """MEASURE() (a fixed_rate report), with the CPU time the iwd processes PIDS and PostgreSQL spent
    meanwhile per response: iwd_us_per_create, pg_us_per_create."""
    pg = postmaster(cluster)
    iwd0, pg0 = sum(cpu_seconds(p) for p in pids), tree_cpu_seconds(pg)
    out = measure()
    iwd1, pg1 = sum(cpu_seconds(p) for p in pids), tree_cpu_seconds(pg)
    creates = max(1, out["responses"])
    out["iwd_us_per_create"] = (iwd1 - iwd0) * 1e6 / creates
    out["pg_us_per_create"] = (pg1 - pg0) * 1e6 / creates
    return out


def alternate(rounds, cases, run, show, fresh=False):
    """RUN(cluster, folder, round, case) for each case in turn, ROUNDS times, on one PostgreSQL
    cluster of its own (new_cluster(FRESH)); SHOW(round, case, result, load average before) printed
    after each. Returns {case: [result of each round]}; the cluster stopped and the folder removed
    at the end."""
    cluster, folder, results = new_cluster(fresh), temporary_folder(), {}
    try:
        for r in range(rounds):
            for case in cases:
                load = load_average()
                out = run(cluster, folder, r, case)
                results.setdefault(case, []).append(out)
                print(show(r, case, out, load), flush=True)
    finally:
        cluster.close()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def median(runs, field):
    """The median over RUNS of FIELD (a function of a run)."""
    return statistics.median(field(o) for o in runs)


def table(cases, results, columns):
    """A Markdown table of the medians: a row per case, COLUMNS a list of (title, function of
    (case, that case's runs) giving the cell's text)."""
    print("| " + " | ".join(title for title, _ in columns) + " |")
    print("|" + " --- |" * len(columns))
    for case in cases:
        print("| " + " | ".join(cell(case, results[case]) for _, cell in columns) + " |")


def load_columns(latencies=("p50", "p99", "p99.9", "max")):
    """The columns of a fixed_rate run: the achieved rate, the medians of LATENCIES, the non-2xx
    answers and errors of all runs, the CPU per create."""
    return ([("achieved", lambda c, runs: f"{median(runs, lambda o: o['achieved_rate']):,.0f}/s")]
            + [(q, lambda c, runs, q=q: f"{median(runs, lambda o: o['latency_ms'][q]):.2f} ms") for q in latencies]
            + [("non-2xx + errors", lambda c, runs: str(sum(o["non_2xx"] + sum(o["errors"].values()) for o in runs))),
               ("iwd + PostgreSQL CPU per create", lambda c, runs: f"{median(runs, lambda o: o['iwd_us_per_create']):.1f} + "
                                                                   f"{median(runs, lambda o: o['pg_us_per_create']):.1f} us")])


def describe(out):
    """One line of a fixed_rate run with its CPU per create."""
    lat, err = out["latency_ms"], out["errors"]
    per_url = ", ".join(f"{u['achieved_rate']:.0f}" for u in out.get("per_url", []))
    return (f"{out['achieved_rate']:.0f}/s achieved{' (' + per_url + ')' if per_url else ''}, p50 {lat['p50']:.2f} ms, "
            f"p99 {lat['p99']:.2f} ms, p99.9 {lat['p99.9']:.2f} ms, max {lat['max']:.1f} ms, non-2xx {out['non_2xx']}, "
            f"errors {sum(err.values())}, max queued {out['max_queued']}, iwd {out['iwd_us_per_create']:.1f} us + "
            f"PostgreSQL {out['pg_us_per_create']:.1f} us CPU per create")
