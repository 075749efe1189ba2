#!/usr/bin/env bash
# The event history's cost to durable creates (issue 15): bench/serve_load.sh with the history
# on and off, alternated in ROUNDS rounds, the same binary. Prints creates/s and the server's
# CPU per create for each run; compare within a round.
# IWD may name several binaries separated by commas (e.g. before,after): each round runs each
# binary's on and off, the binaries' order reversed every other round, and the end prints per
# binary the medians of the rounds' cut in creates/s and rise in CPU per create.
# Usage: bench/history_cost.sh [IWD[,IWD...]] [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
IFS=, read -r -a BINARIES <<<"${1:-build/bin/iwd}"
ROUNDS=${2:-5}
OFF=$(mktemp)
RUNS=$(mktemp)
trap 'rm -f "$OFF" "$RUNS"' EXIT
echo '{"history": false}' >"$OFF"
for r in $(seq "$ROUNDS"); do
  order=("${BINARIES[@]}")
  if ((r % 2 == 0)); then
    order=()
    for ((k = ${#BINARIES[@]} - 1; k >= 0; k--)); do order+=("${BINARIES[k]}"); done
  fi
  for IWD in "${order[@]}"; do
    for mode in on off; do
      if [ "$mode" = off ]; then export SERVE_CONFIG=$OFF; else unset SERVE_CONFIG; fi
      out=$(bash bench/serve_load.sh "$IWD" "${3:-10}" "${4:-64}" 2>&1)
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      cpu=$(awk '/server CPU/ {print $(NF-3)}' <<<"$out")
      label=$([ ${#BINARIES[@]} -gt 1 ] && echo "$IWD " || true)
      echo "round $r ${label}history=$mode creates/s=$rps cpu_us_per_create=$cpu load=$(cut -d' ' -f1 /proc/loadavg)"
      echo "$r $IWD $mode $rps $cpu" >>"$RUNS"
    done
  done
done
# Per binary: each round's cut (on against off) and CPU rise, in round order, then their medians.
awk '
  { key = $1 " " $2; if ($3 == "on") { on_rps[key] = $4; on_cpu[key] = $5 } else { off_rps[key] = $4; off_cpu[key] = $5 }
    if (!($2 in seen)) { seen[$2] = 1; names[++n] = $2 }
    if ($1 > rounds) rounds = $1 }
  function median(list,   a, m, i, j, t) {
    m = split(list, a, " ")
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    for (b = 1; b <= n; b++) {
      cuts = ""; rises = ""
      for (r = 1; r <= rounds; r++) {
        key = r " " names[b]
        if (!(key in on_rps) || !(key in off_rps) || off_rps[key] == 0 || off_cpu[key] == 0) continue
        cuts = cuts " " sprintf("%.1f", (on_rps[key] / off_rps[key] - 1) * 100)
        rises = rises " " sprintf("%.1f", (on_cpu[key] / off_cpu[key] - 1) * 100)
      }
      if (cuts != "")
        printf "%s: creates/s with the history, median of the rounds %+.1f%% (%s); CPU per create %+.1f%% (%s)\n",
               names[b], median(cuts), substr(cuts, 2), median(rises), substr(rises, 2)
    }
  }' "$RUNS"
