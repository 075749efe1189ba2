#!/usr/bin/env bash
# `iwd build` and bundles: a bundle evaluates like its source; damaged, truncated, foreign and
# wrong-version bundles give a clear error (exit 2) and never a crash.
set -u
source "$(dirname "$0")/lib.sh"

expect_exit 0 "build a bundle" -- "$IWD" build examples/enterprise.iwd -o "$TMP/ent.iwdb"
expect_in out "ruleset enterprise version 2026.11, 7 processes" "the summary names the ruleset"
expect_exit 0 "no temporary file is left" -- test ! -e "$TMP/ent.iwdb.tmp"
expect_exit 1 "a ruleset with errors is not built" -- "$IWD" build tests/golden/errors/bad_date.iwd -o "$TMP/bad.iwdb"
expect_exit 0 "and writes nothing" -- test ! -e "$TMP/bad.iwdb"
expect_exit 2 "an unwritable output" -- "$IWD" build examples/enterprise.iwd -o /nonexistent/dir/x.iwdb
expect_in err "cannot write" "the output problem is named"

ITEM='{"department":"Sales","segment":"Gold","deal_value":20000}'
ARGS=(--at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d --agent '{"skills":{"sales_processing":5}}')
expect_exit 0 "eval from source" -- "$IWD" eval examples/enterprise.iwd --item "$ITEM" "${ARGS[@]}"
cp "$TMP/out" "$TMP/source.json"
expect_exit 0 "eval from the bundle (JIT code from the bundle)" -- "$IWD" eval "$TMP/ent.iwdb" --item "$ITEM" "${ARGS[@]}"
cp "$TMP/out" "$TMP/bundle.json"
expect_in out '"process":"Sales.Gold"' "a real result"
expect_exit 0 "the same result" -- cmp "$TMP/source.json" "$TMP/bundle.json"
expect_exit 0 "eval from the bundle on the interpreter" -- "$IWD" eval --no-jit "$TMP/ent.iwdb" --item "$ITEM" "${ARGS[@]}"
cp "$TMP/out" "$TMP/bundle_interp.json"
expect_exit 0 "the same result again" -- cmp "$TMP/source.json" "$TMP/bundle_interp.json"
expect_exit 0 "a bundle's schema still checks items" -- "$IWD" eval "$TMP/ent.iwdb" --item '{"segmnt":"Gold"}'
expect_in out '{"rejected":"unknown attribute `segmnt` (did you mean `segment`?)"}' "refused as the runtime refuses it, with a suggestion"

# Every example through its bundle, in batch.
printf '%s\n' '{"kind":"Call","media":"voice"}' '{"kind":"Case","queue":"claims"}' >"$TMP/blended.jsonl"
printf '%s\n' '{"department":"Sales","segment":"Silver"}' '{"department":"Finance","segment":"Gold"}' '{"department":"x"}' >"$TMP/enterprise.jsonl"
printf '%s\n' '{"cart_value":900}' '{"cart_value":0}' '{"cart_value":50,"channel":"Marketplace"}' >"$TMP/leads.jsonl"
for name in blended enterprise leads; do
  f=examples/$name.iwd
  expect_exit 0 "build $f" -- "$IWD" build -q "$f" -o "$TMP/x.iwdb"
  expect_exit 0 "eval $f from source" -- "$IWD" eval "$f" --items "$TMP/$name.jsonl" --at 2026-11-23T09:00:00Z --ages 0h,1d
  cp "$TMP/out" "$TMP/a.json"
  expect_not_in out '"error"' "$f: every item evaluates"
  expect_exit 0 "eval $f from its bundle" -- "$IWD" eval "$TMP/x.iwdb" --items "$TMP/$name.jsonl" --at 2026-11-23T09:00:00Z --ages 0h,1d
  cp "$TMP/out" "$TMP/b.json"
  expect_exit 0 "$f: bundle and source agree" -- cmp "$TMP/a.json" "$TMP/b.json"
done

head -c 3000 "$TMP/ent.iwdb" >"$TMP/truncated.iwdb"
expect_exit 2 "a truncated bundle" -- "$IWD" eval "$TMP/truncated.iwdb" --item '{}'
expect_in err "truncated.iwdb: the bundle is damaged or truncated" "names the file and the problem"
python3 - "$TMP/ent.iwdb" "$TMP/flipped.iwdb" "$TMP/v9.iwdb" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
f = bytearray(b); f[len(f) // 2] ^= 0x10; open(sys.argv[2], 'wb').write(f)
v = bytearray(b); v[8] = 9; open(sys.argv[3], 'wb').write(v)
PY
expect_exit 2 "a damaged bundle" -- "$IWD" eval "$TMP/flipped.iwdb" --item '{}'
expect_in err "damaged" "says damaged"
expect_exit 2 "a bundle of another format version" -- "$IWD" eval "$TMP/v9.iwdb" --item '{}'
expect_in err "format version 9; this iwd reads version 1" "names both versions"
printf 'IWDBNDL\x1a' >"$TMP/tiny.iwdb"
expect_exit 2 "a bundle that is only a signature" -- "$IWD" eval "$TMP/tiny.iwdb" --item '{}'
expect_in err "truncated" "says truncated"
finish
