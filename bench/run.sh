#!/usr/bin/env bash
# bench/run.sh -- every figure of the benchmark side by side, in one run:
#   native (x86-64 switch), wasm in Node (Asyncify + pthreads) with its peers
#   in the same process (emscripten_fiber_swap, bare Atomics ping-pong), the
#   WASI build under Wasmtime, wazero and node:wasi, and the JS layer.
# Each process prints its own canary (fib(20), calls nothing of ours): the
# two vCPUs run at different speeds, so compare ratios within a run.
# Writes build/bench/node.json for the browser page's comparison.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NODE_PATH=/usr/share/nodejs
PIN="taskset -c 0"; command -v taskset >/dev/null || PIN=
OUT=build/bench; mkdir -p "$OUT"
[ -f build/bench-peers/fiber_swap.js ] && [ -f build/bench-peers/asyncify_bare.wasm ] ||
    bench/peers/build.sh build/bench-peers >/dev/null

declare -A fig
collect() { # run-name, command...: reads "name value" lines
    local run=$1 line name value; shift
    while read -r name value; do
        [[ $name == \#* || -z $value ]] && continue
        fig["$run|$name"]=$value
    done < <("$@" 2>/dev/null)
}

echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)"
collect native $PIN build/native/bench/slp_bench canary_ns schedule_rt_ns channel_rt_ns blocked_bytes
collect native build/native/bench/slp_bench xthread_rt_ns xthread_busy_rt_ns
collect node node bench/node.mjs build/emscripten build/bench-peers
for rt in wasmtime wazero node; do
    collect "wasi-$rt" $PIN wasm/tools/run-wasi.sh $rt build/wasi/bench/slp_bench.wasm
    collect "wasi-$rt" $PIN wasm/tools/run-wasi.sh $rt build/bench-peers/asyncify_bare.wasm
done

runs=(native node wasi-wasmtime wasi-wazero wasi-node)
names=(canary_ns schedule_rt_ns channel_rt_ns xthread_rt_ns xthread_busy_rt_ns blocked_bytes
       peer_fiber_swap_roundtrip_ns peer_canary_ns peer_atomics_spin_rt_ns peer_atomics_busy_rt_ns
       peer_asyncify_bare_rt_ns)
printf '%-30s' figure; printf '%16s' "${runs[@]}"; echo
for n in "${names[@]}"; do
    printf '%-30s' "$n"
    for r in "${runs[@]}"; do printf '%16s' "${fig[$r|$n]:--}"; done
    echo
done

# The issue's targets, as ratios measured in this one run.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
echo
echo "# targets (wasm in Node)"
echo "schedule round trip            ${fig[node|schedule_rt_ns]:-?} ns (target <= 50)"
echo "fiber_swap / schedule          $(ratio "${fig[node|peer_fiber_swap_roundtrip_ns]:-}" "${fig[node|schedule_rt_ns]:-}") x faster (target >= 10)"
echo "channel round trip             ${fig[node|channel_rt_ns]:-?} ns (target <= 100)"
echo "cross-thread busy / Atomics    $(ratio "${fig[node|xthread_busy_rt_ns]:-}" "${fig[node|peer_atomics_busy_rt_ns]:-}") x (target <= 2)"
echo "bytes per blocked tasklet      ${fig[node|blocked_bytes]:-?} (target <= 1024)"
echo "canary wasm/native             $(ratio "${fig[node|canary_ns]:-}" "${fig[native|canary_ns]:-}")"
# A schedule() round trip is two switches, each a bare Asyncify resume+yield
# at least (bench/peers/asyncify_bare.c): how far above that floor we are.
for rt in wasmtime node; do
    bare=${fig[wasi-$rt|peer_asyncify_bare_rt_ns]:-}
    floor=$(awk -v b="$bare" 'BEGIN { if (b != "") print 2 * b }')
    echo "WASI $rt: schedule / 2 bare switches $(ratio "${fig[wasi-$rt|schedule_rt_ns]:-}" "$floor") x (floor $floor ns)"
done

echo
echo "# the JavaScript layer"
node bench/js/pingpong.mjs 2>/dev/null | grep -v '^$' || echo "(bench/js/pingpong.mjs failed)"

# For the browser page: { generated, host, runs: { run: { figure: value } } }.
{
    printf '{ "generated": "%s", "host": "%s", "runs": {' "$(date -u +%FT%TZ)" "$(uname -m) $(nproc) cpus"
    sep=
    for r in "${runs[@]}"; do
        printf '%s\n  "%s": {' "$sep" "$r"; sep=, ; s2=
        for n in "${names[@]}"; do
            [ -n "${fig[$r|$n]:-}" ] && { printf '%s "%s": %s' "$s2" "$n" "${fig[$r|$n]}"; s2=,; }
        done
        printf ' }'
    done
    printf '\n} }\n'
} > "$OUT/node.json"
echo "# wrote $OUT/node.json"
