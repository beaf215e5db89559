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
[ -f build/bench-peers/fiber_swap.js ] && [ -f build/bench-peers/asyncify_bare.wasm ] &&
    [ -f build/bench-peers/asyncify_bare_pthreads.js ] && [ -x build/bench-peers/futex_pingpong ] ||
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
DEPTHS=(1 8 32 128)
depth_names=(); for d in "${DEPTHS[@]}"; do depth_names+=("depth${d}_rt_ns"); done
collect native $PIN build/native/bench/slp_bench canary_ns schedule_rt_ns channel_rt_ns blocked_bytes \
    "${depth_names[@]}" call_may_switch_ns call_plain_ns
# Cross-thread: not pinned (two threads), beside the bare futex ping-pong
# in the same three modes (partner spinning, busy, asleep).
collect native build/native/bench/slp_bench xthread_rt_ns xthread_busy_rt_ns xthread_sleep_rt_ns
collect native sh -c 'build/bench-peers/futex_pingpong 5 | sed "s/^/peer_/"'
# The native build with copied stacks (SLP_NATIVE_STACKS=copy), if built:
# memory per blocked tasklet and the switch at depth, against own stacks.
# RSS figures each in a process of its own (freed memory stays resident).
# (Own stacks take minutes for create_1m_ms: a mapping and a page each.)
collect native $PIN build/native/bench/slp_bench blocked_d8_bytes
if [ -x build/native-copy/bench/slp_bench ]; then
    collect native-copy $PIN build/native-copy/bench/slp_bench canary_ns schedule_rt_ns channel_rt_ns \
        blocked_bytes "${depth_names[@]}"
    collect native-copy $PIN build/native-copy/bench/slp_bench blocked_d8_bytes
    collect native-copy $PIN build/native-copy/bench/slp_bench create_1m_ms create_1m_d8_ms
else
    echo "# (no build/native-copy: cmake -DSLP_NATIVE_STACKS=copy)"
fi
collect node node bench/node.mjs build/emscripten build/bench-peers
# The bare Asyncify floor in the Emscripten pthreads build, in Node.
collect node $PIN node build/bench-peers/asyncify_bare_pthreads.js
for rt in wasmtime wazero node; do
    collect "wasi-$rt" $PIN wasm/tools/run-wasi.sh $rt build/wasi/bench/slp_bench.wasm
    # (In a process of its own: the heap the depth-0 figure freed is reused,
    # and the heap's top, the measure in wasm, would not move.)
    collect "wasi-$rt" $PIN wasm/tools/run-wasi.sh $rt build/wasi/bench/slp_bench.wasm blocked_d8_bytes
    collect "wasi-$rt" $PIN wasm/tools/run-wasi.sh $rt build/bench-peers/asyncify_bare.wasm
done

runs=(native native-copy node wasi-wasmtime wasi-wazero wasi-node)
names=(canary_ns schedule_rt_ns channel_rt_ns xthread_rt_ns xthread_busy_rt_ns xthread_sleep_rt_ns
       blocked_bytes blocked_d8_bytes create_1m_ms create_1m_d8_ms "${depth_names[@]}" call_may_switch_ns call_plain_ns
       peer_fiber_swap_roundtrip_ns peer_canary_ns peer_atomics_spin_rt_ns peer_atomics_busy_rt_ns
       peer_atomics_wait_rt_ns peer_futex_spin_rt_ns peer_futex_busy_rt_ns peer_futex_wait_rt_ns
       peer_asyncify_bare_rt_ns peer_asyncify_bare_d8_rt_ns peer_asyncify_bare_d32_rt_ns
       peer_asyncify_bare_d128_rt_ns peer_asyncify_bare_api_rt_ns
       peer_asyncify_bare_call_may_switch_ns peer_asyncify_bare_call_plain_ns)
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
echo "bytes per blocked tasklet      ${fig[node|blocked_bytes]:-?} (target <= 512)"
echo "canary wasm/native             $(ratio "${fig[node|canary_ns]:-}" "${fig[native|canary_ns]:-}")"
# A schedule() round trip is two switches, each a bare Asyncify resume+yield
# at least (bench/peers/asyncify_bare.c, in the same engine; in Node the
# pthreads build's): how far above that floor we are.  Per frame: the slope
# of the depth curve between 8 and 128 frames, ours against the bare one's
# (two switches per round trip).  Instrumented: a call through a function
# that may switch and does not, against one that cannot.
num() { # a b awk-expression-of-a-and-b: empty if a or b is
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") exit } '"END { if (a != \"\" && b != \"\") printf \"%.2f\", $3 }" </dev/null
}
echo
printf '%-34s' "# ratios (target)"; printf '%16s' "${runs[@]}"; echo
row() { # label, per-run command producing a value
    local label=$1 r; shift
    printf '%-34s' "$label"
    for r in "${runs[@]}"; do v=$("$@" "$r"); printf '%16s' "${v:--}"; done
    echo
}
sched_floor() { local b=${fig[$1|peer_asyncify_bare_rt_ns]:-}; ratio "${fig[$1|schedule_rt_ns]:-}" "$(num "$b" 1 "2 * a")"; }
chan_floor() { local b=${fig[$1|peer_asyncify_bare_rt_ns]:-}; ratio "${fig[$1|channel_rt_ns]:-}" "$(num "$b" 1 "2 * a")"; }
frame_ours() { num "${fig[$1|depth128_rt_ns]:-}" "${fig[$1|depth8_rt_ns]:-}" "(a - b) / 120"; }
frame_bare() { num "${fig[$1|peer_asyncify_bare_d128_rt_ns]:-}" "${fig[$1|peer_asyncify_bare_d8_rt_ns]:-}" "2 * (a - b) / 120"; }
frame_ratio() { ratio "$(frame_ours "$1")" "$(frame_bare "$1")"; }
instr_ratio() { ratio "${fig[$1|call_may_switch_ns]:-}" "${fig[$1|call_plain_ns]:-}"; }
# The toolchain's own limits, measured by the bare peer: a switch made by
# a call (one frame more than the bare body has: the floor of any C API),
# and the bare instrumented call against a plain one.
sched_api() { local b=${fig[$1|peer_asyncify_bare_api_rt_ns]:-}; ratio "${fig[$1|schedule_rt_ns]:-}" "$(num "$b" 1 "2 * a")"; }
api_floor() { local b=${fig[$1|peer_asyncify_bare_api_rt_ns]:-}; ratio "$(num "$b" 1 "2 * a")" "$(num "${fig[$1|peer_asyncify_bare_rt_ns]:-}" 1 "2 * a")"; }
bare_instr() { ratio "${fig[$1|peer_asyncify_bare_call_may_switch_ns]:-}" "${fig[$1|peer_asyncify_bare_call_plain_ns]:-}"; }
canary_ratio() { ratio "${fig[$1|canary_ns]:-}" "${fig[native|canary_ns]:-}"; }
row "schedule RT / 2 bare (<= 1.5)" sched_floor
row "channel RT / 2 bare (<= 2)" chan_floor
row "ns per frame per RT, ours" frame_ours
row "ns per frame per RT, bare" frame_bare
row "per frame ours / bare (<= 2)" frame_ratio
row "may switch / plain call (<= 1.3)" instr_ratio
row "bare: switch via a call / 2 bare" api_floor
row "schedule RT / 2 bare via a call" sched_api
row "bare: may switch / plain call" bare_instr
row "canary / native canary" canary_ratio
# Cross-thread round trips against the bare ping-pong of the same mode
# (bench/peers: futex natively, Atomics in Node workers): the partner
# spinning (xthread_rt_ns: our sleep spins first), both threads busy, the
# partner asleep (SLP_SPIN_US=0 against a bare wait/notify).
bare() { local v=${fig[$1|peer_futex_$2_rt_ns]:-}; echo "${v:-${fig[$1|peer_atomics_$2_rt_ns]:-}}"; }
xspin() { ratio "${fig[$1|xthread_rt_ns]:-}" "$(bare "$1" spin)"; }
xbusy() { ratio "${fig[$1|xthread_busy_rt_ns]:-}" "$(bare "$1" busy)"; }
xsleep() { ratio "${fig[$1|xthread_sleep_rt_ns]:-}" "$(bare "$1" wait)"; }
row "xthread spin / bare spin (<= 2)" xspin
row "xthread busy / bare busy (<= 3)" xbusy
row "xthread asleep / bare wait (<= 1.2)" xsleep
# Memory and scale: a tasklet blocked at depth 0 (wasm <= 512 B, native
# <= 2 KB), 1,000,000 of them created and blocked (<= 1000 ms).
blocked() { echo "${fig[$1|blocked_bytes]:-}"; }
create1m() { echo "${fig[$1|create_1m_ms]:-}"; }
blocked8() { echo "${fig[$1|blocked_d8_bytes]:-}"; }
row "bytes per blocked (<= 512/2048)" blocked
row "bytes per blocked at depth 8" blocked8
row "1M blocked created, ms (<= 1000)" create1m

bench/plot_depth.sh docs/depth.svg < <(
    for r in "${runs[@]}"; do for n in "${names[@]}"; do
        [ -n "${fig[$r|$n]:-}" ] && echo "$r $n ${fig[$r|$n]}"; done; done) &&
    echo "# wrote docs/depth.svg"

echo
echo "# the JavaScript layer"
js_out=$(node bench/js/pingpong.mjs 2>/dev/null | grep -v '^$') || js_out="(bench/js/pingpong.mjs failed)"
echo "$js_out"
jsfig() { awk -v n="$1" '$1 == n { print $2 }' <<<"$js_out"; }
echo "# JS targets (medians of this run)"
echo "tasklet ping-pong / async-await channel  $(ratio "$(jsfig tasklet_pingpong_rt_ns_median)" "$(jsfig async_channel_rt_ns_median)") (target <= 1)"
echo "tasklet creation                         $(jsfig tasklet_create_ns_median) ns (target <= 1000)"
echo "postMessage RT / cross-worker message    $(ratio "$(jsfig postmessage_rt_ns_median)" "$(jsfig xthread_tasklet_msg_ns_median)") x (target >= 50)"
echo "cross-worker message, 30k ended held     $(jsfig xthread_msg_held_x_median) x the message without (target ~1)"
echo "# timer wake-ups: a tasklet's sleep(ms) beside setTimeout(ms), one run (ns per wake)"
node bench/js/timers.mjs 2>/dev/null | grep '^#' || echo "(bench/js/timers.mjs failed)"

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
