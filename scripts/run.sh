#!/usr/bin/env bash
# The main job on the embedded default: set up, build, check the example rulesets, evaluate
# a sample item through examples/enterprise.iwd (compiled to native code), and replay a day of
# work items and agents through the runtime on a simulated clock, and start the service
# (`iwd serve`) to capture an item over HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/bin/iwd check examples/
./build/bin/iwd eval examples/enterprise.iwd \
  --item '{"department": "Sales", "segment": "Gold", "deal_value": 20000}' \
  --at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d \
  --agent '{"id": "ada", "skills": {"sales_processing": 8, "legacy_processing": 2}}'
./build/bin/iwd replay examples/enterprise.iwd examples/enterprise_day.jsonl
# The service: `iwd serve` on the same rules (a fresh journal in a temporary folder), an agent
# and a capture with curl, then a clean stop.
DATA=$(mktemp -d)
./build/bin/iwd serve --rules examples/enterprise.iwd --data "$DATA" --listen 127.0.0.1:0 --port-file "$DATA/port" &
SERVER=$!
for _ in $(seq 100); do [ -s "$DATA/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$DATA/port")"
curl -s -X PUT "$URL/v1/agents/ada" --json '{"skills": {"sales_processing": 8, "legacy_processing": 2}}'; echo
curl -s "$URL/v1/items" --json '{"id": "S-1", "department": "Sales", "segment": "Gold", "deal_value": 20000}'; echo
curl -s -X POST "$URL/v1/items/S-1/accept" -d ''; echo
kill -TERM "$SERVER"
wait "$SERVER"
rm -rf "$DATA"
