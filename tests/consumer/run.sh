#!/usr/bin/env bash
# The C user's route, tested as a user takes it: tests/consumer/app (a project
# of its own, outside this tree) is built against the runtime both ways the
# README gives --
#   add_subdirectory(<repository>)        STACKLESS_VIA=subdirectory
#   cmake --install, find_package(...)    STACKLESS_VIA=package
# -- for each platform, and run:
#   emscripten  main starts a thread (a Web Worker), a channel crosses it;
#               run by Debian's Node and by Node 26 (build/tools/bin/node26)
#   wasi        the partner is a tasklet; run under wasmtime, wazero, node:wasi
#   native      as a baseline
# Each build must print no warning, must not build the project's own tests,
# and a misspelt runtime function must fail the link (wasm builds).
#   tests/consumer/run.sh [emscripten|wasi|native...]   (default: all three)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOLS=${SLP_TOOLS_DIR:-$ROOT/build/tools}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs} # emcc needs Debian's acorn
PLATFORMS=(emscripten wasi native)
[ $# -eq 0 ] || PLATFORMS=("$@")
JOBS=$(nproc 2>/dev/null || echo 2)

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# cmake_for PLATFORM TOOLCHAIN_DIR -S ... -B ... [args]: configure the way a
# user of that platform does.
cmake_for() {
  local platform=$1 tcdir=$2; shift 2
  case $platform in
    emscripten) emcmake cmake "$@" ;;
    wasi) cmake -DCMAKE_TOOLCHAIN_FILE="$tcdir/wasi-toolchain.cmake" "$@" ;;
    native) cmake "$@" ;;
  esac
}

# find_args PLATFORM PREFIX: how a user points find_package at the install.
# Emscripten's toolchain file confines find_package to its own sysroot
# (CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY): name the package's folder.
find_args() {
  if [ "$1" = emscripten ]; then echo "-Dstackless-wasm_DIR=$2/lib/cmake/stackless-wasm"
  else echo "-DCMAKE_PREFIX_PATH=$2"; fi
}

# build NAME PLATFORM TOOLCHAIN_DIR BUILD_DIR [cmake args]: configure and
# build the app; its log must hold no warning.
build() {
  local name=$1 platform=$2 tcdir=$3 dir=$4; shift 4
  local log=$T/$name.log
  if ! { cmake_for "$platform" "$tcdir" -S "$HERE/app" -B "$dir" "$@" &&
         cmake --build "$dir" -j"$JOBS"; } >"$log" 2>&1; then
    bad "$name: build failed"; sed 's/^/     /' "$log" | tail -30; return 1
  fi
  if grep -qi 'warning' "$log"; then
    bad "$name: the build printed a warning"; grep -i -B2 -A2 'warning' "$log" | sed 's/^/     /'
  else
    ok "$name: builds without a warning"
  fi
  return 0
}

# run_app NAME EXPECTED CMD...: output and status as expected.
run_app() {
  local name=$1 expected=$2 rc; shift 2
  "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?
  if [ $rc -ne 0 ]; then bad "$name: exit $rc"; sed 's/^/     /' "$T/out" "$T/err"; return; fi
  if ! printf '%s\n' "$expected" | cmp -s - "$T/out"; then
    bad "$name: output differs"; diff <(printf '%s\n' "$expected") "$T/out" | sed 's/^/     /'; return
  fi
  ok "$name"
}

DEADLOCK="Deadlock: the last runnable tasklet cannot be blocked."
EXPECT_THREAD="thread: 1 -> 2
thread: 2 -> 4
thread: 3 -> 6
thread returned 7
$DEADLOCK"
EXPECT_TASKLET="tasklet: 1 -> 2
tasklet: 2 -> 4
tasklet: 3 -> 6
$DEADLOCK"

# run_all NAME PLATFORM BUILD_DIR: the app under every host of the platform.
run_all() {
  local name=$1 platform=$2 dir=$3 rt n
  case $platform in
    emscripten)
      run_app "$name: node $(node --version)" "$EXPECT_THREAD" node "$dir/app.js"
      if [ -x "$TOOLS/bin/node26" ]; then
        run_app "$name: node $("$TOOLS/bin/node26" --version)" "$EXPECT_THREAD" "$TOOLS/bin/node26" "$dir/app.js"
      else
        bad "$name: no $TOOLS/bin/node26 (js/tools/setup-node.sh installs it)"
      fi ;;
    wasi)
      for rt in wasmtime wazero node; do
        run_app "$name: $rt" "$EXPECT_TASKLET" "$ROOT/wasm/tools/run-wasi.sh" "$rt" "$dir/app.wasm"
      done ;;
    native) run_app "$name: native" "$EXPECT_THREAD" "$dir/app" ;;
  esac
}

for p in "${PLATFORMS[@]}"; do
  case $p in emscripten|wasi|native) ;; *) echo "run.sh: unknown platform '$p'" >&2; exit 2 ;; esac
  echo "-- $p"

  # 1. add_subdirectory of the repository.
  B=$T/$p-sub
  if build "$p add_subdirectory" "$p" "$ROOT/cmake" "$B" \
       -DSTACKLESS_VIA=subdirectory -DSTACKLESS_SOURCE_DIR="$ROOT"; then
    # As a subproject it builds the runtime only, not its tests or examples.
    if [ -e "$B/stackless-wasm/tests" ] || [ -e "$B/stackless-wasm/examples" ]; then
      bad "$p add_subdirectory: the project's tests/examples were configured too"
    else
      ok "$p add_subdirectory: the runtime only (no tests, examples, bench)"
    fi
    run_all "$p add_subdirectory" "$p" "$B"
  fi

  # 2. Installed, then found as a package.
  L=$T/$p-lib P=$T/$p-prefix
  if cmake_for "$p" "$ROOT/cmake" -S "$ROOT" -B "$L" -DBUILD_TESTING=OFF >"$T/lib.log" 2>&1 &&
     cmake --build "$L" --target stackless -j"$JOBS" >>"$T/lib.log" 2>&1 &&
     cmake --install "$L" --prefix "$P" >>"$T/lib.log" 2>&1; then
    ok "$p: cmake --install"
    # The WASI user configures with the toolchain file the package installed.
    if build "$p find_package" "$p" "$P/lib/cmake/stackless-wasm" "$T/$p-pkg" \
         -DSTACKLESS_VIA=package $(find_args "$p" "$P"); then
      run_all "$p find_package" "$p" "$T/$p-pkg"
    fi
  else
    bad "$p: building and installing the runtime failed"; sed 's/^/     /' "$T/lib.log" | tail -30
  fi

  # 3. A misspelt function is a link error, not a runtime abort.
  if [ "$p" != native ]; then
    if cmake_for "$p" "$ROOT/cmake" -S "$HERE/app" -B "$T/$p-typo" -DSTACKLESS_VIA=package \
         $(find_args "$p" "$P") -DAPP_TYPO=ON >"$T/typo.log" 2>&1 &&
       cmake --build "$T/$p-typo" >>"$T/typo.log" 2>&1; then
      bad "$p: a program calling a misspelt slp_chanel_send linked"
    elif grep -q 'undefined symbol: slp_chanel_send' "$T/typo.log"; then
      ok "$p: a misspelt function fails the link (undefined symbol: slp_chanel_send)"
    else
      bad "$p: the typo build failed for another reason"; sed 's/^/     /' "$T/typo.log" | tail -20
    fi
  fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
