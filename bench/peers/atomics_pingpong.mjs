// Reference peer: bare cross-thread ping-pong, Node main thread <-> one
// worker_threads Worker, on a SharedArrayBuffer. ns per round trip for
//   atomics_spin_rt_ns  both sides spin on Atomics.load
//   atomics_wait_rt_ns  both sides block in Atomics.wait, wake with Atomics.notify
//   atomics_busy_rt_ns  both sides "busy": each runs its own loop of fixed work
//                       units and polls the flag once per unit (the reference the
//                       project's cross-thread channel ping-pong must be within 2x of)
// Needs both vCPUs: do not taskset. Cross-thread figures are noisy here, so each
// is repeated (REPS) and reported as min / median / max.
//   node bench/peers/atomics_pingpong.mjs [REPS] [WORK_STEPS]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { report, isMain } from './stats.mjs';

// Int32 slots: SEQ = ping (odd) / pong (even) counter; CMD/ARG/ACK = control.
const SEQ = 0, CMD = 1, ARG = 2, ACK = 3;
const MODES = { spin: 1, wait: 2, busy: 3 }, QUIT = 9;

// A fixed unit of "other work": xorshift steps, opaque to the optimiser.
function work(x, steps) {
  for (let i = 0; i < steps; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; }
  return x | 1;
}

// Wait until a[SEQ] === target, in the given mode.
function awaitSeq(a, target, mode, steps, x) {
  if (mode === 1) { while (Atomics.load(a, SEQ) !== target); }
  else if (mode === 2) {
    let v;
    while ((v = Atomics.load(a, SEQ)) !== target) Atomics.wait(a, SEQ, v);
  } else { do x = work(x, steps); while (Atomics.load(a, SEQ) !== target); }
  return x;
}
function setSeq(a, v, mode) {
  Atomics.store(a, SEQ, v);
  if (mode === 2) Atomics.notify(a, SEQ, 1);
}

// Worker side: wait for a command, acknowledge, answer `iters` pings.
function workerMain() {
  const a = new Int32Array(workerData.sab), steps = workerData.steps;
  let x = 1;
  for (;;) {
    while (Atomics.load(a, CMD) === 0) Atomics.wait(a, CMD, 0);
    const mode = Atomics.load(a, CMD), iters = Atomics.load(a, ARG);
    if (mode === QUIT) break;
    Atomics.store(a, CMD, 0);
    Atomics.store(a, ACK, 1);
    for (let i = 0; i < iters; i++) {
      x = awaitSeq(a, 2 * i + 1, mode, steps, x);
      setSeq(a, 2 * i + 2, mode);
    }
  }
  parentPort.postMessage(x);
}

export async function runAtomicsPingPong({ reps = 5, steps = 16,
  iters = { spin: 100000, wait: 10000, busy: 100000 } } = {}) {
  const sab = new SharedArrayBuffer(64);
  const a = new Int32Array(sab);
  const w = new Worker(new URL(import.meta.url), { workerData: { sab, steps } });
  await new Promise((ok) => w.once('online', ok));
  let x = 1;
  const once = (mode, n) => {
    Atomics.store(a, SEQ, 0); Atomics.store(a, ACK, 0); Atomics.store(a, ARG, n);
    Atomics.store(a, CMD, mode); Atomics.notify(a, CMD, 1);
    while (Atomics.load(a, ACK) === 0); // worker is in its loop before timing starts
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      setSeq(a, 2 * i + 1, mode);
      x = awaitSeq(a, 2 * i + 2, mode, steps, x);
    }
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const res = { spin: [], wait: [], busy: [] };
  for (const m of Object.keys(res)) once(MODES[m], iters[m] / 10); // warm up
  for (let r = 0; r < reps; r++) // interleave modes so each sees the same conditions
    for (const m of Object.keys(res)) res[m].push(once(MODES[m], iters[m]));
  // Cost of one work unit on this thread alone, to read the busy figure against.
  const t0 = process.hrtime.bigint(), n = 1e6;
  for (let i = 0; i < n; i++) x = work(x, steps);
  const unit = Number(process.hrtime.bigint() - t0) / n;
  Atomics.store(a, CMD, QUIT); Atomics.notify(a, CMD, 1);
  await new Promise((ok) => w.once('exit', ok));
  return [['atomics_spin_rt_ns', res.spin], ['atomics_wait_rt_ns', res.wait],
          ['atomics_busy_rt_ns', res.busy], ['atomics_busy_work_unit_ns', [unit]]];
}

if (!isMainThread && workerData?.sab) workerMain();
else if (isMain(import.meta)) {
  const [reps, steps] = process.argv.slice(2).map(Number);
  report(await runAtomicsPingPong({ reps: reps || 5, steps: steps || 16 }));
}
