#!/usr/bin/env bash
# Builds the fuzzers with clang-14 (libFuzzer + AddressSanitizer + UBSan) in their own tree and
# runs each for a bounded time: the parser (seeded from the examples and the golden files), item
# decoding, damaged rule programs, and the HTTP request path of `iwd serve` (seeded from real
# requests, tests/fuzz/http_seeds).
# Usage: scripts/fuzz.sh [SECONDS] (default 60). Exit 0 when no crash was found.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
BUILD_DIR=${IWD_FUZZ_BUILD_DIR:-build-fuzz}
if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 is missing; run scripts/setup.sh" >&2
  exit 2
fi
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
# Debian's ANTLR 4.9 runtime headers have one constructor clang rejects (g++ accepts it):
# InterpreterData() {} default-constructs a Vocabulary whose default constructor is deleted.
# The fuzz build reads a copy of the headers without that unused constructor.
ANTLR_INC="$BUILD_DIR/antlr4-runtime-include"
if [ ! -f "$ANTLR_INC/antlr4-runtime.h" ]; then
  mkdir -p "$BUILD_DIR"
  cp -r /usr/include/antlr4-runtime "$ANTLR_INC"
  sed -i 's/InterpreterData() {};/InterpreterData() = delete;/' "$ANTLR_INC/misc/InterpreterDataReader.h"
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS="$SAN" \
  -DANTLR4_INCLUDE_DIR="$(realpath "$ANTLR_INC")" \
  -DIWD_BUILD_TESTS=OFF -DIWD_BUILD_BENCH=OFF -DIWD_BUILD_FUZZ=ON >/dev/null
cmake --build "$BUILD_DIR" --target iwd_parse_fuzz iwd_item_json_fuzz iwd_program_fuzz -j "$(nproc)"
# The HTTP fuzzer needs the whole server to build with clang-14: when it does not, the others
# still run and the script fails at the end.
HTTP_BUILT=1
cmake --build "$BUILD_DIR" --target iwd_http_fuzz -j "$(nproc)" || HTTP_BUILT=0

CORPUS="$BUILD_DIR/fuzz-corpus"
mkdir -p "$CORPUS"
find examples tests/golden -name '*.iwd' -exec cp {} "$CORPUS/" \;
ARTIFACTS="$BUILD_DIR/fuzz-artifacts/"
mkdir -p "$ARTIFACTS"
"$BUILD_DIR/tests/fuzz/iwd_parse_fuzz" "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$ARTIFACTS" -print_final_stats=1 2>&1 | tail -20
# The item decoder: JSON items against a small schema, half as long.
ITEM_CORPUS="$BUILD_DIR/fuzz-corpus-items"
mkdir -p "$ITEM_CORPUS"
printf '%s' '{"id":"a","department":"Sales","segment":"Gold","deal_value":1.5,"tags":["x"]}' >"$ITEM_CORPUS/seed1.json"
"$BUILD_DIR/tests/fuzz/iwd_item_json_fuzz" "$ITEM_CORPUS" -max_total_time="$(( (SECONDS_TO_RUN + 1) / 2 ))" -max_len=4096 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$ARTIFACTS" -print_final_stats=1 2>&1 | tail -8
# A bundle's rule program, damaged by edits, a quarter as long.
PROGRAM_CORPUS="$BUILD_DIR/fuzz-corpus-program"
mkdir -p "$PROGRAM_CORPUS"
printf '\x10\x00\x00\x01' >"$PROGRAM_CORPUS/seed1"
"$BUILD_DIR/tests/fuzz/iwd_program_fuzz" "$PROGRAM_CORPUS" -max_total_time="$(( (SECONDS_TO_RUN + 3) / 4 ))" -max_len=64 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$ARTIFACTS" -print_final_stats=1 2>&1 | tail -8
# The HTTP request path (an in-process server on loopback), half as long. UBSan reports stop it.
if [ "$HTTP_BUILT" = 0 ]; then
  echo "fuzz: iwd_http_fuzz did not build with clang-14 (above); the HTTP request path was not fuzzed" >&2
  exit 1
fi
HTTP_CORPUS="$BUILD_DIR/fuzz-corpus-http"
mkdir -p "$HTTP_CORPUS"
cp tests/fuzz/http_seeds/* "$HTTP_CORPUS/"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
"$BUILD_DIR/tests/fuzz/iwd_http_fuzz" "$HTTP_CORPUS" -max_total_time="$(( (SECONDS_TO_RUN + 1) / 2 ))" -max_len=4096 \
  -dict=tests/fuzz/http.dict -timeout=60 -rss_limit_mb=4096 -artifact_prefix="$ARTIFACTS" -print_final_stats=1 2>&1 | tail -8
echo "fuzz: no crash in ${SECONDS_TO_RUN}s of parsing, $(( (SECONDS_TO_RUN + 1) / 2 ))s of item decoding, $(( (SECONDS_TO_RUN + 3) / 4 ))s of damaged programs and $(( (SECONDS_TO_RUN + 1) / 2 ))s of HTTP requests"
