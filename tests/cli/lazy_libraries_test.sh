#!/usr/bin/env bash
# The libraries `iwd` opens at first use (issue 19, cmake/lazy_stubs.py, tools/iwd/lazy_libraries.cpp):
# the binary does not name libcurl, libpq, libmicrohttpd, cpp-httplib or libcrypto, so that a
# command other than `iwd serve` starts without loading them (nor TLS, Kerberos, LDAP...);
# `iwd serve` opens them at its first call and works; a library that cannot be opened then ends
# the run with exit 2 and its name, not a crash.
#   lazy_libraries_test.sh PATH_TO_IWD
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

LAZY='^lib(curl|pq|microhttpd|cpp-httplib|crypto|ssl|gnutls|gssapi_krb5|ldap-[0-9.]+)\.so'
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'; }

expect_exit 0 "readelf reads the binary" -- readelf -d "$IWD"
needed "$IWD" >"$TMP/needed"
expect_exit 0 "the binary names libc" -- grep -q '^libc\.so' "$TMP/needed"
expect_exit 1 "nor the network libraries, which it opens at first use" -- grep -Eq "$LAZY" "$TMP/needed"

# A command that does not use them loads none of them (LD_DEBUG=files lists each file loaded).
expect_exit 0 "eval from the source" -- env LD_DEBUG=files "$IWD" eval examples/enterprise.iwd \
  --item '{"department":"Sales","segment":"Gold"}' --at 2026-11-23T09:00:00Z
expect_in out '"process":"Sales.Gold"' "a real result"
expect_in err "file=libicuuc" "LD_DEBUG lists the files loaded"
expect_not_in err "file=libcurl" "libcurl is not loaded"
expect_not_in err "file=libpq" "libpq is not loaded"
expect_not_in err "file=libmicrohttpd" "libmicrohttpd is not loaded"
expect_not_in err "file=libcrypto" "libcrypto is not loaded"

# `iwd serve` opens them at its first call, and serves.
start_server
expect_call 201 "a create through a server whose libraries were opened at first use" -- \
  POST /v1/items '{"id":"L-1","department":"Sales","segment":"Gold"}'
expect_in out '"process":"Sales.Gold"' "the created item's process"
grep -Eo '/lib[a-z0-9_.+-]+\.so[.0-9]*' "/proc/$PID/maps" | sort -u >"$TMP/maps"
expect_exit 0 "the server holds libmicrohttpd" -- grep -q 'libmicrohttpd' "$TMP/maps"
stop_server

# A library that cannot be opened: exit 2 and its name, at the first call.
mkdir -p "$TMP/broken"
for so in libcurl.so.4 libpq.so.5 libmicrohttpd.so.12 libcpp-httplib.so.0.11 libcrypto.so.3; do
  echo "not a library" >"$TMP/broken/$so"
done
expect_exit 0 "other commands do not need them" -- env LD_LIBRARY_PATH="$TMP/broken" "$IWD" --version
expect_exit 2 "serve cannot open them" -- env LD_LIBRARY_PATH="$TMP/broken" timeout 20 "$IWD" serve \
  --rules examples/enterprise.iwd --data "$TMP/data2" --listen 127.0.0.1:0
expect_in err "iwd: cannot load lib" "the message names the library"
finish
