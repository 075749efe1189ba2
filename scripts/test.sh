#!/usr/bin/env bash
# Set up, build with warnings as errors, and run every test (unit, golden, CLI, fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh -DIWD_WERROR=ON
ctest --test-dir "${IWD_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
