// bench/node.mjs -- our wasm figures and their peers in ONE Node process:
// the runtime's bench.c (Emscripten, pthreads) loaded as a module, beside
// emscripten_fiber_swap (bench/peers) and a bare Atomics ping-pong between
// two threads.  Each side prints its own canary: compare ratios.
//   node bench/node.mjs [EMSCRIPTEN_BUILD_DIR] [PEERS_BUILD_DIR]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runFiberSwap } from './peers/fiber_swap.mjs';
import { runAtomicsPingPong } from './peers/atomics_pingpong.mjs';
import { summary } from './peers/stats.mjs';

const [emDir = 'build/emscripten', peersDir = 'build/bench-peers'] = process.argv.slice(2);

async function loadBench() {
  const js = path.resolve(emDir, 'bench/slp_bench_mod.js');
  const createBench = createRequire(import.meta.url)(js);
  let out = '';
  const m = await createBench({
    wasmBinary: readFileSync(js.replace(/\.js$/, '.wasm')),
    noInitialRun: true,
    print: (line) => { out += line + '\n'; },
  });
  // One figure per call, so the peers' runs interleave with ours.
  return (name) => {
    out = '';
    m.callMain([name]);
    const [, value] = out.trim().split(/\s+/);
    return Number(value);
  };
}

const bench = await loadBench();
const rows = [];
for (let rep = 0; rep < 3; rep++) { // interleaved: everyone sees the same CPU speed
  for (const name of ['canary_ns', 'schedule_rt_ns', 'channel_rt_ns']) rows.push([name, bench(name)]);
  for (const [name, xs] of await runFiberSwap({ dir: peersDir, reps: 1 })) rows.push([`peer_${name}`, xs[0]]);
}
for (const name of ['xthread_rt_ns', 'xthread_busy_rt_ns', 'xthread_sleep_rt_ns', 'blocked_bytes', 'depth1_rt_ns',
  'depth8_rt_ns', 'depth32_rt_ns', 'depth128_rt_ns', 'call_may_switch_ns', 'call_plain_ns', 'create_1m_ms']) {
  const v = bench(name);
  if (Number.isFinite(v)) rows.push([name, v]);
}
for (const [name, xs] of await runAtomicsPingPong({ reps: 3 })) {
  if (name.startsWith('atomics_')) rows.push([`peer_${name}`, summary(xs).min]);
}
const best = new Map();
for (const [name, v] of rows) best.set(name, Math.min(best.get(name) ?? Infinity, v));
for (const [name, v] of best) console.log(`${name} ${v.toFixed(1)}`);
process.exit(0);
