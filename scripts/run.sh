#!/usr/bin/env bash
# The main job on the embedded default: set up, build, and check the example rulesets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/bin/iwd check examples/
