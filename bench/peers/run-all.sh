#!/bin/sh
# Runs every reference peer and prints all their lines (`name value_ns` plus
# `# ...` tables).  bench/peers/run-all.sh [OUT]   (OUT: build dir, default build/bench-peers)
# Single-thread figures are pinned to one vCPU (taskset -c 0: the two vCPUs
# run at speeds up to 1.6x apart, so each process prints its own canary beside
# them: compare ratios). Cross-thread figures need both vCPUs: not pinned.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-build/bench-peers}
[ -f "$OUT/fiber_swap.js" ] && [ -f "$OUT/fiber_swap.wasm" ] || "$HERE/build.sh" "$OUT" >&2
PIN="taskset -c 0"
command -v taskset >/dev/null 2>&1 || PIN=""

echo "# loadavg $(cut -d" " -f1-3 /proc/loadavg) (other load on the 2 vCPUs skews the cross-thread figures)"
echo "# --- fiber_swap (wasm, main thread, pinned)"
$PIN node "$HERE/fiber_swap.mjs" "$OUT"
echo "# --- generators / async channels (JS, pinned)"
$PIN node "$HERE/generators.mjs" single
echo "# --- postMessage main <-> worker (cross-thread)"
node "$HERE/generators.mjs" cross 5
echo "# --- Atomics ping-pong main <-> worker (cross-thread)"
node "$HERE/atomics_pingpong.mjs" 5
