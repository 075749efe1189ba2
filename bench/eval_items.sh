#!/usr/bin/env bash
# `iwd eval --items` end to end on the population of bench/population_bench.cpp (issue 19):
# 36 processes (6 departments x 3 segments x 2 regions, each its own priority bounds), one
# scheme, a plain 48h SLA; N distinct items (default 100,000) in a JSONL file, evaluated with
# the priority at one age (5h). Prints the wall and CPU time, items per second, and what
# `--stats` says the evaluation alone took: from the source (parsed and compiled each run), from
# a bundle (`iwd build`: native code loaded), and the hand-written C++ equivalent
# (bench/eval_items_hand.cpp, its output checked byte for byte against iwd's), in each round.
# Several iwd binaries, comma-separated (a before and an after), are run in turn in each round,
# their outputs checked equal. "fixed" is the same run with one item: the process's start and
# the rules' load: the rest of a run is what its items cost.
#
#   bench/eval_items.sh [IWD_BINARY[,IWD_BINARY...]] [N] [ROUNDS] [HAND_BINARY]
set -euo pipefail

IFS=, read -r -a binaries <<<"${1:-build/bin/iwd}"
iwd=${binaries[0]}
n=${2:-100000}
rounds=${3:-3}
hand=${4:-$(dirname "$iwd")/../bench/eval_items_hand}
work=$(mktemp -d /tmp/iwd_eval_items.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$n" <<'EOF'
import random, sys
work, n = sys.argv[1], int(sys.argv[2])
deps = ["Sales", "Finance", "Legal", "Support", "Billing", "Claims"]
segs = ["Gold", "Silver", "Bronze"]
regs = ["EU", "US"]
s = 'ruleset population version "1"\n\nenum Segment { Gold, Silver, Bronze }\n\n'
s += "attributes {\n  department: string\n  segment: Segment\n  region: string\n  deal_value: number\n}\n\n"
s += "priority deal {\n  start 100 + (if deal_value >= 10000 then 200 else 0)\n  every 1h add 25\n}\n\n"
k = 0
for d in deps:
    s += f'department {d} when department == "{d}" {{\n  sla 48h\n  priority deal\n'
    for g in segs:
        for r in regs:
            s += f'  process {g}{r} when segment == {g} and region == "{r}" {{\n    priority deal min {200 + 5 * k} max {300 + 10 * k}\n  }}\n'
            k += 1
    s += "}\n\n"
open(f"{work}/population.iwd", "w").write(s)
rng = random.Random(19)
with open(f"{work}/items.jsonl", "w") as f:
    for i in range(n):
        f.write('{"id": "P%d", "department": "%s", "segment": "%s", "region": "%s", "deal_value": %d, '
                '"captured_at": "2026-01-05T%02d:%02d:%02dZ"}\n'
                % (i, rng.choice(deps), rng.choice(segs), rng.choice(regs), rng.randrange(20000),
                   rng.randrange(9), rng.randrange(60), rng.randrange(60)))
EOF

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for b in "${binaries[@]}"; do echo "binary $b: $("$b" --version 2>/dev/null | head -1 || true)"; done
echo "items: $n"
"$iwd" build "$work/population.iwd" -o "$work/population.iwdb" -q
head -1 "$work/items.jsonl" >"$work/one.jsonl"
# One run: LABEL, the item count, then the command; its output must be one line an item, the
# same in every run of that many items.
run() {
  local label=$1 count=$2
  shift 2
  # Wall and CPU time of the process (wait4's rusage: microseconds, where time(1) gives 10 ms).
  python3 -c '
import os, subprocess, sys, time
# The files are opened before the clock starts: truncating the previous run output (25 MB for
# 100K items) took ~10 ms, counted in the next run wall time until 2026-12-07.
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[4:], stdout=out, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
open(sys.argv[3], "w").write(f"{wall:.6f} {ru.ru_utime:.6f} {ru.ru_stime:.6f}\n")
sys.exit(os.waitstatus_to_exitcode(status))
' "$work/out.jsonl" "$work/stats" "$work/time" "$@"
  read -r wall user sys <"$work/time"
  lines=$(wc -l <"$work/out.jsonl")
  [[ $lines == "$count" ]] || { echo "$label: expected $count results, got $lines" >&2; exit 1; }
  if [[ -f $work/first$count.jsonl ]]; then
    cmp -s "$work/first$count.jsonl" "$work/out.jsonl" || { echo "$label: its output differs from the first run's" >&2; exit 1; }
  else
    cp "$work/out.jsonl" "$work/first$count.jsonl"
  fi
  python3 - "$label" "$count" "$wall" "$user" "$sys" "$(tail -1 "$work/stats")" <<'EOF'
import sys
label, n, wall, user, sys_ = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
stats = f"; --stats: {sys.argv[6]}" if sys.argv[6] else ""
print(f"{label}: wall {wall:.3f} s ({n / wall / 1e6:.2f} M items/s, {wall / n * 1e9:.0f} ns/item), "
      f"CPU {user + sys_:.3f} s (user {user:.3f}; {n / (user + sys_) / 1e6:.2f} M items/s, {(user + sys_) / n * 1e9:.0f} ns/item){stats}")
EOF
}
args=(--ages 5h --at 2026-01-05T09:00:00Z --stats)
for ((r = 1; r <= rounds; r++)); do
  echo "round $r"
  for b in "${binaries[@]}"; do
    label=$([[ ${#binaries[@]} -gt 1 ]] && echo " ($b)" || true)
    run "  iwd eval, source$label" "$n" "$b" eval "$work/population.iwd" --items "$work/items.jsonl" "${args[@]}"
    run "  iwd eval, bundle$label" "$n" "$b" eval "$work/population.iwdb" --items "$work/items.jsonl" "${args[@]}"
    run "  fixed (one item), bundle$label" 1 "$b" eval "$work/population.iwdb" --items "$work/one.jsonl" "${args[@]}"
  done
  if [[ -x $hand ]]; then run "  hand-written C++" "$n" "$hand" "$work/items.jsonl" 5 1767603600000; fi
done
