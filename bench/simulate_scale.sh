#!/usr/bin/env bash
# The scale target of issue 20: `iwd simulate examples/enterprise.iwd bench/simulate_month.json`
# (a month of 20,000 items a day, 300 agents) under 10 s on one core. Prints the machine, then
# per round the wall time, the CPU time (user + system) and the peak RSS of each binary given,
# alternated round by round (a baseline binary first, for a ratio measured in the same run);
# the medians at the end. Also the peak RSS of a tenth of the run (3 days), to show memory does
# not grow with the items simulated.
#
#   bench/simulate_scale.sh [ROUNDS] IWD_BINARY...     (default: 3 build/bin/iwd)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
shift || true
binaries=("$@")
[ ${#binaries[@]} -eq 0 ] && binaries=(build/bin/iwd)
work=$(mktemp -d /tmp/iwd_simulate_scale.XXXXXX)
trap 'rm -rf "$work"' EXIT
sed 's/"length": "30d"/"length": "3d"/' bench/simulate_month.json >"$work/days3.json"

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for ((r = 1; r <= rounds; r++)); do
  for b in "${binaries[@]}"; do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$b" simulate examples/enterprise.iwd bench/simulate_month.json >"$work/out"
    read -r wall user sys rss <"$work/time"
    cpu=$(echo "$user + $sys" | bc)
    echo "round $r $b: wall $wall s, cpu $cpu s, peak rss $rss kB, arrivals $(sed -n 3p "$work/out" | awk '{print $2}')"
    echo "$b $cpu $wall $rss" >>"$work/all"
  done
done
for b in "${binaries[@]}"; do
  /usr/bin/time -f "%M" -o "$work/time" "$b" simulate examples/enterprise.iwd "$work/days3.json" >/dev/null
  echo "$b: median cpu $(awk -v b="$b" '$1 == b {print $2}' "$work/all" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}') s," \
    "median wall $(awk -v b="$b" '$1 == b {print $3}' "$work/all" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}') s," \
    "peak rss 30 days $(awk -v b="$b" '$1 == b {print $4}' "$work/all" | sort -n | tail -1) kB, 3 days $(cat "$work/time") kB"
done
