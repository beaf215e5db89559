#!/usr/bin/env bash
# setup.sh -- what the browser tests need: Debian's chromium and, in
# tests/browser/node_modules, playwright-core (drives it) and vite (builds
# tests/browser/vite-app).  Fails loudly on anything missing.
#   bash tests/browser/setup.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

fail() { echo "tests/browser/setup.sh: $*" >&2; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "chromium is missing and apt-get is not available"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "setup: installing chromium (apt-get)"
  $SUDO apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || fail "apt-get install chromium failed"
fi
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium not found after install"
echo "setup: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium (version unknown)')"

command -v npm >/dev/null 2>&1 || fail "npm is missing"
cd "$here"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed in tests/browser"
else
  npm install --no-audit --no-fund --loglevel=error || fail "npm install failed in tests/browser"
fi
node -e "require.resolve('playwright-core'); require.resolve('vite')" \
  || fail "playwright-core or vite did not install"
echo "setup: playwright-core $(node -p "require('playwright-core/package.json').version"), vite $(node -p "require('vite/package.json').version")"
