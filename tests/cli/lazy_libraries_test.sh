#!/usr/bin/env bash
# The libraries `iwd` opens at first use (issue 19, cmake/lazy_stubs.py, tools/iwd/lazy_libraries.cpp):
# the binary does not name libcurl, libpq, libmicrohttpd, cpp-httplib, libcrypto, libsqlite3 or
# libicuuc, so that a command other than `iwd serve` starts without loading them (nor TLS,
# Kerberos, LDAP...); `iwd serve` opens them at its first call and works, as `lower` opens ICU;
# a library that cannot be opened then ends the run with exit 2 and its name, not a crash.
#   lazy_libraries_test.sh PATH_TO_IWD
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

LAZY='^lib(curl|pq|microhttpd|cpp-httplib|crypto|ssl|gnutls|gssapi_krb5|ldap-[0-9.]+|sqlite3|icuuc|icudata)\.so'
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'; }

expect_exit 0 "readelf reads the binary" -- readelf -d "$IWD"
needed "$IWD" >"$TMP/needed"
expect_exit 0 "the binary names libc" -- grep -q '^libc\.so' "$TMP/needed"
expect_exit 1 "nor the network libraries, which it opens at first use" -- grep -Eq "$LAZY" "$TMP/needed"

# A command that does not use them loads none of them (LD_DEBUG=files lists each file loaded).
expect_exit 0 "eval from the source" -- env LD_DEBUG=files "$IWD" eval examples/enterprise.iwd \
  --item '{"department":"Sales","segment":"Gold"}' --at 2026-11-23T09:00:00Z
expect_in out '"process":"Sales.Gold"' "a real result"
expect_in err "file=libstdc++" "LD_DEBUG lists the files loaded"
expect_not_in err "file=libcurl" "libcurl is not loaded"
expect_not_in err "file=libpq" "libpq is not loaded"
expect_not_in err "file=libmicrohttpd" "libmicrohttpd is not loaded"
expect_not_in err "file=libcrypto" "libcrypto is not loaded"
expect_not_in err "file=libsqlite3" "libsqlite3 is not loaded"
expect_not_in err "file=libicuuc" "libicuuc is not loaded"

# A rule that calls `lower` opens ICU at its first call (and answers as with ICU linked).
cat >"$TMP/lower.iwd" <<'RULES'
ruleset lower version "1"

attributes {
  name: string
}

department Sales when lower(name) == "straße" {
  sla 4h
  process Main {
  }
}
RULES
expect_exit 0 "eval of a rule calling lower" -- env LD_DEBUG=files "$IWD" eval "$TMP/lower.iwd" \
  --item '{"name":"STRAßE"}' --at 2026-11-23T09:00:00Z
expect_in out '"process":"Sales.Main"' "lower(\"STRAßE\") is \"straße\", by ICU opened at first use"
expect_in err "file=libicuuc" "ICU is loaded once lower is called"

# The grammar's tables are made by the first lexer or parser (grammar/lazy_atn.cmake), not by a
# static initialiser at every start: an eval of a bundle parses nothing and never calls ANTLR's
# ATN deserialiser, a check does. Seen as the binary's calls bound at first use (LD_DEBUG=bindings;
# lazy binding: not with BIND_NOW).
bound_from_binary() { grep -F "binding file $IWD [0]" "$TMP/err" >"$TMP/bound"; }
if ! readelf -d "$IWD" | grep -Eq 'BIND_NOW|Flags:.* NOW'; then
  expect_exit 0 "a bundle" -- "$IWD" build examples/enterprise.iwd -o "$TMP/enterprise.iwdb" -q
  expect_exit 0 "eval of a bundle" -- env LD_DEBUG=bindings "$IWD" eval "$TMP/enterprise.iwdb" \
    --item '{"department":"Sales","segment":"Gold"}' --at 2026-11-23T09:00:00Z
  expect_in out '"process":"Sales.Gold"' "the bundle's result"
  bound_from_binary
  expect_exit 0 "LD_DEBUG lists the binary's bindings" -- grep -q . "$TMP/bound"
  expect_exit 1 "eval of a bundle deserialises no grammar" -- grep -q 'ATNDeserializer11deserialize' "$TMP/bound"
  expect_exit 0 "check" -- env LD_DEBUG=bindings "$IWD" check examples/enterprise.iwd
  bound_from_binary
  expect_exit 0 "a check does, at its first lexer" -- grep -q 'ATNDeserializer11deserialize' "$TMP/bound"
fi

# `iwd serve` opens them at its first call, and serves.
start_server
expect_call 201 "a create through a server whose libraries were opened at first use" -- \
  POST /v1/items '{"id":"L-1","department":"Sales","segment":"Gold"}'
expect_in out '"process":"Sales.Gold"' "the created item's process"
grep -Eo '/lib[a-z0-9_.+-]+\.so[.0-9]*' "/proc/$PID/maps" | sort -u >"$TMP/maps"
expect_exit 0 "the server holds libmicrohttpd" -- grep -q 'libmicrohttpd' "$TMP/maps"
expect_exit 0 "and libsqlite3 (its store)" -- grep -q 'libsqlite3' "$TMP/maps"
stop_server

# A library that cannot be opened: exit 2 and its name, at serve's start (it opens them all
# there), not at the first request that calls it.
icu=$(basename "$(ls /usr/lib/x86_64-linux-gnu/libicuuc.so.* | grep -E 'libicuuc\.so\.[0-9]+$' | head -1)")
expect_exit 0 "ICU's soname found ($icu)" -- test -n "$icu"
mkdir -p "$TMP/broken" "$TMP/broken_icu"
for so in libcurl.so.4 libpq.so.5 libmicrohttpd.so.12 libcpp-httplib.so.0.11 libcrypto.so.3 libsqlite3.so.0 "$icu"; do
  echo "not a library" >"$TMP/broken/$so"
done
echo "not a library" >"$TMP/broken_icu/$icu"
expect_exit 0 "other commands do not need them" -- env LD_LIBRARY_PATH="$TMP/broken" "$IWD" --version
expect_exit 2 "serve cannot open them" -- env LD_LIBRARY_PATH="$TMP/broken" timeout 20 "$IWD" serve \
  --rules examples/enterprise.iwd --data "$TMP/data2" --listen 127.0.0.1:0
expect_in err "cannot load a library: " "the message says so"
expect_in err "libcurl.so.4" "and names the library"
# ICU alone (called only by a rule's lower() or upper()): serve refuses to start, where it
# started and then exited 2 in the middle of the first request calling lower().
expect_exit 2 "serve cannot open ICU" -- env LD_LIBRARY_PATH="$TMP/broken_icu" timeout 20 "$IWD" serve \
  --rules "$TMP/lower.iwd" --data "$TMP/data3" --listen 127.0.0.1:0
expect_in err "$icu" "the message names ICU"
finish
