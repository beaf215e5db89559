#!/usr/bin/env bash
# Installs the standalone WASI engines the tests run modules under, into one
# build folder (nothing system-wide, nothing in $HOME):
#   TOOLS_DIR/venv      Python venv with the `wasmtime` package (Wasmtime engine + bindings;
#                       the wasmtime CLI is in no registry reachable here)
#   TOOLS_DIR/bin       `wazero` built from the Go module proxy with the machine's Go
#   TOOLS_DIR/go        GOPATH / module cache / build cache of that build
# Node's built-in node:wasi needs nothing installed.
#
# Usage: setup-wasi-engines.sh [TOOLS_DIR]   (default: $SLP_TOOLS_DIR, else <repo>/build/tools)
# Idempotent: a step whose result is already there at the pinned version is skipped.
set -euo pipefail

# Pinned so that every machine and CI run the same engines; bump deliberately.
WASMTIME_PY_VERSION=50.0.1
WAZERO_VERSION=v1.12.0

die() { echo "setup-wasi-engines: ERROR: $*" >&2; exit 1; }
say() { echo "setup-wasi-engines: $*"; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR=${1:-${SLP_TOOLS_DIR:-$ROOT/build/tools}}
mkdir -p "$TOOLS_DIR" || die "cannot create $TOOLS_DIR"
TOOLS_DIR=$(cd "$TOOLS_DIR" && pwd)

# --- Wasmtime (PyPI) -------------------------------------------------------
VENV=$TOOLS_DIR/venv
PY=${PYTHON:-python3}
have_wasmtime() {
  # The venv points at its base interpreter by absolute path: if that vanished
  # (pyenv upgrade, new machine) the check fails and we rebuild the venv.
  "$VENV/bin/python" - "$WASMTIME_PY_VERSION" 2>/dev/null <<'EOF'
import sys, importlib.metadata as m, wasmtime  # import proves the shared library loads
sys.exit(m.version("wasmtime") != sys.argv[1])
EOF
}
if have_wasmtime; then
  say "wasmtime $WASMTIME_PY_VERSION already in $VENV"
else
  say "installing wasmtime==$WASMTIME_PY_VERSION into $VENV"
  command -v "$PY" >/dev/null || die "no '$PY' on PATH (set PYTHON=...)"
  # --clear: a half-made or stale venv is replaced rather than patched.
  "$PY" -m venv --clear "$VENV" \
    || die "'$PY -m venv' failed (on Debian's python3: apt-get install -y python3-venv)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir -q \
      "wasmtime==$WASMTIME_PY_VERSION" \
    || die "pip install wasmtime==$WASMTIME_PY_VERSION failed"
  have_wasmtime || die "wasmtime installed but does not import at version $WASMTIME_PY_VERSION"
fi

# --- wazero (Go module proxy) ----------------------------------------------
WAZERO=$TOOLS_DIR/bin/wazero
have_wazero() { [ -x "$WAZERO" ] && [ "$("$WAZERO" version 2>/dev/null)" = "$WAZERO_VERSION" ]; }
if have_wazero; then
  say "wazero $WAZERO_VERSION already in $TOOLS_DIR/bin"
else
  say "building wazero $WAZERO_VERSION into $TOOLS_DIR/bin"
  GO=$(command -v go || true)
  [ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; } \
    || die "no Go toolchain found (need 'go' on PATH or /usr/local/go/bin/go)"
  # Everything Go writes stays under TOOLS_DIR. -modcacherw keeps the module
  # cache deletable by a plain `rm -rf build`. GOTOOLCHAIN=local: use this Go or
  # fail, rather than silently fetching another toolchain.
  GOPATH=$TOOLS_DIR/go GOMODCACHE=$TOOLS_DIR/go/pkg/mod GOCACHE=$TOOLS_DIR/go/cache \
  GOBIN=$TOOLS_DIR/bin GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 \
    "$GO" install "github.com/tetratelabs/wazero/cmd/wazero@$WAZERO_VERSION" \
    || die "go install wazero@$WAZERO_VERSION failed (Go: $("$GO" version 2>&1))"
  have_wazero || die "$WAZERO does not report version $WAZERO_VERSION"
  # The build cache (~90 MB) is of no use once the binary is there.
  rm -rf "$TOOLS_DIR/go/cache"
fi

# --- Node (built in) -------------------------------------------------------
command -v node >/dev/null || die "no 'node' on PATH (needed for node:wasi)"
node -e 'require("node:wasi")' 2>/dev/null || die "this node has no node:wasi ($(node --version))"

say "ready: wasmtime $WASMTIME_PY_VERSION (python), wazero $WAZERO_VERSION, node $(node --version)"
