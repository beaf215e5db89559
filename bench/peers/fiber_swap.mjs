// Reference peer: emscripten_fiber_swap resume+yield round trip, and the wasm
// canary (fib(20), calls nothing of ours). Loads the CommonJS -sMODULARIZE
// build via createRequire and hands it wasmBinary (emcc 3.1.6 output would
// otherwise fetch() a path under Node 20 -> ERR_INVALID_URL).
//   node bench/peers/fiber_swap.mjs [BUILD_DIR] [REPS] [ITERS]
// Also importable: loadFiberPeer(dir) -> { fiberNs(iters), canaryNs(calls) },
// so the project's benchmark can interleave these with its own figures.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { report, isMain } from './stats.mjs';

export async function loadFiberPeer(dir = 'build/bench-peers') {
  const js = path.resolve(dir, 'fiber_swap.js');
  const createFiberPeer = createRequire(import.meta.url)(js);
  const m = await createFiberPeer({ wasmBinary: readFileSync(js.replace(/\.js$/, '.wasm')) });
  return {
    fiberNs(iters) { m._bench_fiber(iters); return m._bench_result(); },
    canaryNs(calls) { m._bench_canary(calls); return m._bench_result(); },
  };
}

export async function runFiberSwap({ dir, reps = 7, iters = 200000, canaryCalls = 200 } = {}) {
  const p = await loadFiberPeer(dir);
  p.fiberNs(iters / 10); p.canaryNs(canaryCalls / 10); // warm up (JIT tiers)
  const fiber = [], canary = [];
  for (let r = 0; r < reps; r++) { // interleaved, so both see the same CPU speed
    canary.push(p.canaryNs(canaryCalls));
    const ns = p.fiberNs(iters);
    if (!(ns > 0)) throw new Error('fiber round trips miscounted');
    fiber.push(ns);
  }
  return [['fiber_swap_roundtrip_ns', fiber], ['canary_ns', canary]];
}

if (isMain(import.meta)) {
  const [dir, reps, iters] = process.argv.slice(2);
  report(await runFiberSwap({ dir, reps: +reps || 7, iters: +iters || 200000 }));
}
