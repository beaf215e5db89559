#!/bin/sh
# Builds the reference peers: bench/peers/build.sh [OUT]  (default build/bench-peers)
# fiber_swap: -sASYNCIFY (emscripten_fiber_swap needs it); -sMODULARIZE CommonJS,
# not -sEXPORT_ES6 (3.1.6's ES6 output refuses to start in Node); the loader
# (fiber_swap.mjs) passes wasmBinary itself (3.1.6 + Node 20 fetch -> ERR_INVALID_URL).
# Main thread only: no -pthread (fibers on a pthread crash/hang in 3.1.6).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-build/bench-peers}
mkdir -p "$OUT"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}  # emcc needs acorn from here
emcc -O2 -sASYNCIFY -sMODULARIZE -sEXPORT_NAME=createFiberPeer \
  -sEXPORTED_FUNCTIONS=_bench_fiber,_bench_canary,_bench_result \
  -sENVIRONMENT=node \
  -o "$OUT/fiber_swap.js" "$HERE/fiber_swap.c"
# asyncify_bare: the bare mechanism as a WASI module (clang-14 + wasi-libc,
# linked at -O0 so that the pass sees the names; the pass, then -O2).
WASI="--target=wasm32-wasi --sysroot=/usr -idirafter /usr/include/wasm32-wasi"
clang-14 $WASI -nostdlibinc -O2 -c "$HERE/asyncify_bare.c" -o "$OUT/asyncify_bare.o"
clang-14 $WASI -O0 -Wl,--allow-undefined "$OUT/asyncify_bare.o" -o "$OUT/asyncify_bare.pre.wasm"
wasm-opt "$OUT/asyncify_bare.pre.wasm" --asyncify --pass-arg=asyncify-removelist@bare_resume -O2 \
  -o "$OUT/asyncify_bare.wasm"
echo "built $OUT/asyncify_bare.wasm"
# The same in the Emscripten pthreads build (shared memory, as bench/node.mjs
# runs the runtime): the floor of schedule() there.  Linked like slp_asyncify
# does (-O1 with names, the imports undefined until the pass).
emcc -O2 -c "$HERE/asyncify_bare.c" -pthread -o "$OUT/asyncify_bare_pthreads.o"
emcc -O1 --profiling-funcs -sERROR_ON_UNDEFINED_SYMBOLS=0 -pthread -sENVIRONMENT=node,worker \
  -sWASM_ASYNC_COMPILATION=0 "$OUT/asyncify_bare_pthreads.o" -o "$OUT/asyncify_bare_pthreads.js" 2>/dev/null
wasm-opt "$OUT/asyncify_bare_pthreads.wasm" --enable-threads --enable-bulk-memory \
  --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
  --asyncify --pass-arg=asyncify-removelist@bare_resume --pass-arg=asyncify-imports@slp.none \
  -O2 -o "$OUT/asyncify_bare_pthreads.wasm"
echo "built $OUT/asyncify_bare_pthreads.js"
# The native twin of atomics_pingpong.mjs: a bare futex ping-pong.
${CC:-cc} -O2 -pthread "$HERE/futex_pingpong.c" -o "$OUT/futex_pingpong"
echo "built $OUT/futex_pingpong"
# The output is CommonJS: keep it so even if the repo root becomes "type": "module".
echo '{ "type": "commonjs" }' > "$OUT/package.json"
echo "built $OUT/fiber_swap.js"
