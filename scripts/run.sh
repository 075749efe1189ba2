#!/usr/bin/env bash
# The main job on the embedded default: set up, build, check the example rulesets, evaluate
# a sample item through examples/enterprise.iwd (compiled to native code), and replay a day of
# work items and agents through the runtime on a simulated clock.
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
