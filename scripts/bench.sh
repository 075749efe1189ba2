#!/usr/bin/env bash
# Builds iwd and runs every benchmark under bench/ (Google Benchmark), single core, printing
# the results and keeping them as JSON in $BUILD_DIR/bench-results/. Extra arguments go to
# each benchmark program (e.g. --benchmark_filter=Classify). Figures go to bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${IWD_BUILD_DIR:-build}
bash scripts/build.sh >/dev/null
mkdir -p "$BUILD_DIR/bench-results"
for b in "$BUILD_DIR"/bench/*_bench; do
  name=$(basename "$b")
  echo "== $name"
  taskset -c 0 "$b" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_out="$BUILD_DIR/bench-results/$name.json" --benchmark_out_format=json "$@"
done
