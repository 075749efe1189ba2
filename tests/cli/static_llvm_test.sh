#!/usr/bin/env bash
# The `iwd` binary's start (issue 19): LLVM is linked into it (cmake/IwdDependencies.cmake:
# iwd_llvm), so the process loads neither libLLVM nor what only libLLVM needs (z3, libxml2), and
# its JIT still compiles rules and loads a bundle's native code; the unit tests that link the JIT
# (iwd_jit_tests, passed second) keep Debian's shared libLLVM, so that their links stay short.
#   static_llvm_test.sh PATH_TO_IWD PATH_TO_IWD_JIT_TESTS
set -u
JIT_TESTS=${2:?usage: $0 PATH_TO_IWD PATH_TO_IWD_JIT_TESTS}
source "$(dirname "$0")/lib.sh"

# needed FILE: the shared libraries FILE names (DT_NEEDED), one a line.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'; }

expect_exit 0 "readelf reads the binary" -- readelf -d "$IWD"
expect_in out "(NEEDED)" "the binary lists the libraries it needs"
needed "$IWD" >"$TMP/iwd_needed"
expect_exit 1 "iwd does not load libLLVM" -- grep -q '^libLLVM' "$TMP/iwd_needed"
expect_exit 1 "nor z3 or libxml2, which only LLVM's libraries name" -- grep -Eq '^lib(z3|xml2)\.' "$TMP/iwd_needed"
needed "$JIT_TESTS" >"$TMP/jit_tests_needed"
expect_exit 0 "the JIT's unit tests link the shared libLLVM" -- grep -q '^libLLVM-14' "$TMP/jit_tests_needed"

# The statically linked JIT at work: from the source and from a bundle, as the interpreter.
ITEM='{"department":"Sales","segment":"Gold","deal_value":20000}'
ARGS=(--at 2026-11-23T09:00:00+01:00 --ages 0h,11h,3d)
expect_exit 0 "eval from the source (JIT)" -- "$IWD" eval examples/enterprise.iwd --item "$ITEM" "${ARGS[@]}"
cp "$TMP/out" "$TMP/jit.json"
expect_in out '"process":"Sales.Gold"' "a real result"
expect_exit 0 "build a bundle (native code)" -- "$IWD" build examples/enterprise.iwd -o "$TMP/ent.iwdb" -q
expect_exit 0 "eval from the bundle" -- "$IWD" eval "$TMP/ent.iwdb" --item "$ITEM" "${ARGS[@]}"
cp "$TMP/out" "$TMP/bundle.json"
expect_exit 0 "eval on the interpreter" -- "$IWD" eval --no-jit examples/enterprise.iwd --item "$ITEM" "${ARGS[@]}"
cp "$TMP/out" "$TMP/interp.json"
expect_exit 0 "the JIT answers as the interpreter" -- cmp "$TMP/jit.json" "$TMP/interp.json"
expect_exit 0 "the bundle answers as the interpreter" -- cmp "$TMP/bundle.json" "$TMP/interp.json"
finish
