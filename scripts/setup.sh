#!/usr/bin/env bash
# Installs everything iwd needs to build, test and benchmark, from Debian 12 packages.
# Idempotent: safe to run again; it installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  antlr4 libantlr4-runtime-dev
  llvm-14-dev clang-14 libclang-rt-14-dev zlib1g-dev libzstd-dev libtinfo-dev libxml2-dev libedit-dev libffi-dev
  libfmt-dev libcli11-dev nlohmann-json3-dev libre2-dev libicu-dev libsqlite3-dev libcpp-httplib-dev libssl-dev libmicrohttpd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  tzdata python3 python3-jsonschema curl wrk
  chromium
  libcurl4-openssl-dev  # the proxy to a workspace's owner (server/proxy.h)
  postgresql libpq-dev  # PostgreSQL 15: the store of docs/deployment.md; its tests start their own clusters
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The SARIF 2.1.0 JSON schema, for the test that validates `iwd check --format sarif`
# (tests/sarif/validate.py). No Debian package ships it; this pinned npm package does
# (lib/schemas/sarif-2.1.0-rtm.5.json). Installed into .tools/ (ignored by git), only
# when the pinned version is missing.
SARIF_PKG=@microsoft/jest-sarif
SARIF_VERSION=1.0.0-beta.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SARIF_DIR="$ROOT/.tools/sarif"
SARIF_PKG_JSON="$SARIF_DIR/node_modules/$SARIF_PKG/package.json"
if ! grep -qs "\"version\": \"$SARIF_VERSION\"" "$SARIF_PKG_JSON" || [ ! -s "$SARIF_DIR/sarif-schema-2.1.0.json" ]; then
  if ! command -v npm >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
  fi
  mkdir -p "$SARIF_DIR"
  npm install --prefix "$SARIF_DIR" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    --loglevel=error "$SARIF_PKG@$SARIF_VERSION"
  ln -sfn "node_modules/$SARIF_PKG/lib/schemas/sarif-2.1.0-rtm.5.json" "$SARIF_DIR/sarif-schema-2.1.0.json"
  [ -s "$SARIF_DIR/sarif-schema-2.1.0.json" ] || { echo "setup: the SARIF schema was not installed" >&2; exit 1; }
fi
# The supervisor console (console/, docs/console.md): uPlot, the chart library embedded into
# the binary at build time, and puppeteer-core, which drives Debian's chromium in the browser
# tests (tests/browser/). Pinned versions, into .tools/console (ignored by git); puppeteer-core
# downloads no browser of its own.
CONSOLE_DIR="$ROOT/.tools/console"
CONSOLE_PKGS=(uplot@1.6.32 puppeteer-core@24.43.1)
console_ok=1
for spec in "${CONSOLE_PKGS[@]}"; do
  grep -qs "\"version\": \"${spec##*@}\"" "$CONSOLE_DIR/node_modules/${spec%@*}/package.json" || console_ok=0
done
if [ "$console_ok" -eq 0 ]; then
  if ! command -v npm >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
  fi
  mkdir -p "$CONSOLE_DIR"
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$CONSOLE_DIR" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    --loglevel=error "${CONSOLE_PKGS[@]}"
  [ -s "$CONSOLE_DIR/node_modules/uplot/dist/uPlot.esm.js" ] || { echo "setup: uPlot was not installed" >&2; exit 1; }
fi
echo "setup: all dependencies present"
