#!/usr/bin/env bash
# `iwd eval --items` end to end on the population of bench/population_bench.cpp (issue 19):
# 36 processes (6 departments x 3 segments x 2 regions, each its own priority bounds), one
# scheme, a plain 48h SLA; N distinct items (default 100,000) in a JSONL file, evaluated with
# the priority at one age (5h). Prints the wall and CPU time, items per second, and what
# `--stats` says the evaluation alone took.
#
#   bench/eval_items.sh [IWD_BINARY] [N] [ROUNDS]
set -euo pipefail

iwd=${1:-build/bin/iwd}
n=${2:-100000}
rounds=${3:-3}
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
echo "items: $n; $("$iwd" --version 2>/dev/null | head -1 || true)"
for ((r = 1; r <= rounds; r++)); do
  /usr/bin/time -f "%e %U %S" -o "$work/time" \
    "$iwd" eval "$work/population.iwd" --items "$work/items.jsonl" --ages 5h --at 2026-01-05T09:00:00Z --stats \
    >"$work/out.jsonl" 2>"$work/stats"
  read -r wall user sys <"$work/time"
  lines=$(wc -l <"$work/out.jsonl")
  [[ $lines == "$n" ]] || { echo "expected $n results, got $lines" >&2; exit 1; }
  python3 - "$n" "$wall" "$user" "$sys" "$(tail -1 "$work/stats")" <<'EOF'
import sys
n, wall, user, sys_ = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"round: wall {wall:.2f} s ({n / wall / 1e6:.2f} M items/s, {wall / n * 1e9:.0f} ns/item), "
      f"CPU {user + sys_:.2f} s ({(user + sys_) / n * 1e9:.0f} ns/item); --stats: {sys.argv[5]}")
EOF
done
