#!/usr/bin/env bash
# `iwd simulate`: the example scenario, the same output byte for byte (text, JSON, CSV, JIT or
# interpreter), its history read by `iwd report`, and a bad scenario refused before it runs.
set -u
source "$(dirname "$0")/lib.sh"

run=(simulate examples/blended.iwd examples/blended_scenario.json)
expect_exit 0 "the example scenario runs" -- "$IWD" "${run[@]}"
cp "$TMP/out" "$TMP/first.txt"
expect_in out "little_lambda_w" "Little's law is reported"
expect_in out "mean " "the replications' mean"
expect_in out "ci95 " "and the half-width of its 95% interval"
expect_in out "Intraday process, 2026-11-23T08:30:00Z to 2026-11-23T12:00:00Z, every 1h" \
  "the intraday process report over the measured window follows"
expect_not_in out "segment service level" "no segment report without \`report by\`"
expect_in out "Occupancy per agent group" "the occupancy per agent group follows"
expect_in out "Backlog over time: mean items waiting to be taken, every 1h from the start" "and the backlog over time"
expect_in out "2026-11-23T11:00:00Z" "a row an hour"
expect_exit 0 "the same seed, the same output" -- "$IWD" "${run[@]}"
cp "$TMP/out" "$TMP/again.txt"
expect_exit 0 "byte for byte" -- cmp "$TMP/first.txt" "$TMP/again.txt"
expect_exit 0 "the interpreter" -- "$IWD" "${run[@]}" --no-jit
cp "$TMP/out" "$TMP/again.txt"
expect_exit 0 "gives the same output as the JIT" -- cmp "$TMP/first.txt" "$TMP/again.txt"
for f in json csv; do
  expect_exit 0 "--format $f" -- "$IWD" "${run[@]}" --format $f
  cp "$TMP/out" "$TMP/a.$f"
  expect_exit 0 "--format $f again" -- "$IWD" "${run[@]}" --format $f
  cp "$TMP/out" "$TMP/b.$f"
  expect_exit 0 "--format $f: byte for byte" -- cmp "$TMP/a.$f" "$TMP/b.$f"
done
expect_exit 0 "--progress" -- "$IWD" "${run[@]}" --progress
expect_in err "iwd simulate: replication 5/5, 100%" "the progress line on stderr"
cp "$TMP/out" "$TMP/again.txt"
expect_exit 0 "the output with --progress is the same" -- cmp "$TMP/first.txt" "$TMP/again.txt"
expect_exit 0 "no progress line on a stderr that is not a terminal" -- bash -c "\"\$0\" \"\$@\" 2>&1 >/dev/null | wc -c | grep -qx 0" "$IWD" "${run[@]}"
expect_exit 0 "--chart" -- "$IWD" "${run[@]}" --chart "$TMP/chart.svg"
cp "$TMP/out" "$TMP/again.txt"
expect_exit 0 "the output with --chart is the same" -- cmp "$TMP/first.txt" "$TMP/again.txt"
expect_exit 0 "the chart is SVG with the backlog and the service level" -- python3 -c \
  "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); n = '{http://www.w3.org/2000/svg}'; assert r.tag == n + 'svg'; assert len(r.findall(n + 'polyline')) >= 2; t = [x.text for x in r.findall(n + 'text')]; assert any(x.startswith('Backlog') for x in t) and any(x.startswith('Service level') for x in t), t" "$TMP/chart.svg"
expect_exit 0 "--history" -- "$IWD" "${run[@]}" --history "$TMP/h.db"
cp "$TMP/out" "$TMP/again.txt"
expect_exit 0 "the output with --history is the same" -- cmp "$TMP/first.txt" "$TMP/again.txt"
expect_exit 0 "iwd report reads the simulated history" -- "$IWD" report intraday-process \
  --from 2026-11-23T08:00:00Z --to 2026-11-23T12:00:00Z --interval 1h --history "$TMP/h.db"
expect_in out "Voice.Inbound" "the calls' process is in the intraday report"
expect_exit 0 "the simulation's intraday report (its builders fed in memory) is iwd report's over that history" -- bash -c \
  "diff <(sed -n '/^Intraday process/,\$p' \"\$1\") <(\"\$2\" report intraday-process --from 2026-11-23T08:30:00Z --to 2026-11-23T12:00:00Z --interval 1h --now 2026-11-23T12:00:00Z --history \"\$3\")" \
  _ "$TMP/first.txt" "$IWD" "$TMP/h.db"
expect_exit 0 "and the segment service level report" -- "$IWD" report segment-service-level \
  --from 2026-11-23T08:00:00Z --to 2026-11-23T12:00:00Z --interval 1h --by process --history "$TMP/h.db"
expect_in out "BackOffice.Cases" "the cases' process is in it"

# Rules with `report by`: a segment service level report by each dimension; one JSON document.
cat >"$TMP/leads.json" <<'JSON'
{
  "streams": [{"name": "lead", "attributes": {"segment": {"choices": {"Gold": 1, "Silver": 3}}, "region": "north"},
               "rates": [30], "handle": {"fixed": "5m"}}],
  "agents": [{"group": "sales", "count": 3, "skills": {"sales": 8}}],
  "run": {"length": "2h", "replications": 2}
}
JSON
expect_exit 0 "rules with report by" -- "$IWD" simulate tests/replay/rules/regions.iwd "$TMP/leads.json"
expect_in out "Customer segment service level by segment" "the segment report by segment"
expect_in out "Customer segment service level by region" "and by region"
expect_exit 0 "--format json is one document" -- "$IWD" simulate tests/replay/rules/regions.iwd "$TMP/leads.json" --format json
cp "$TMP/out" "$TMP/leads_out.json"
expect_exit 0 "with the replications and the reports" -- python3 -c \
  "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['replications']['rows']) == 4 and len(d['reports']) == 6 and 0 < d['occupancy']['rows'][0]['occupancy'] <= 100 and len(d['backlog']['rows']) == 2" "$TMP/leads_out.json"

# A bad scenario: exit 1, the line and a did-you-mean, nothing on standard output.
sed 's/"back_office": 7/"back_ofice": 7/' examples/blended_scenario.json >"$TMP/bad.json"
expect_exit 1 "a skill the rules do not declare" -- "$IWD" simulate examples/blended.iwd "$TMP/bad.json"
expect_in err "line 18: the rules declare no skill \`back_ofice\` (did you mean \`back_office\`?)" "named with its line"
[ -s "$TMP/out" ] && { FAILED=$((FAILED + 1)); echo "FAIL: output for a bad scenario"; } || PASSED=$((PASSED + 1))
expect_exit 2 "--format" -- "$IWD" "${run[@]}" --format xml
expect_exit 2 "an --interval not a multiple of 15 minutes" -- "$IWD" "${run[@]}" --interval 10m
expect_in err "--interval: \`10m\`: 15m, 1h or 1d (a multiple of 15 minutes)" "says why"

finish
