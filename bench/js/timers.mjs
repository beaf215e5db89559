// Timer wake-ups: a JS tasklet's sleep against setTimeout, in one run
// (ns per wake, from the call to the code after it; lower is better):
//   timer_tasklet_sleep0_ns    `yield sleep(0)` alone on the page/main thread
//                              (parks, is due at the next look: no host timer)
//   timer_settimeout0_ns       await setTimeout(0) (the host's floor, Node: 1 ms)
//   timer_tasklet_sleep1_ns    `yield sleep(1)` alone on the main thread: its
//                              event loop waits in a setTimeout to the deadline
//   timer_settimeout1_ns       await setTimeout(1)
//   timer_main_sleep1_ns       main code's `await sleep(1)` (a helper tasklet)
//   timer_worker_sleep1_ns     `yield sleep(1)` in a worker that sleeps in C
//                              (Atomics.wait with a timeout)
//   timer_worker_settimeout1_ns  setTimeout(1) in a worker (same worker kind)
//   node bench/js/timers.mjs [REPS]
import { init, run, sleep, startThread, tasklet } from '../../js/index.js';
import { report, isMain } from '../peers/stats.mjs';

const now = () => process.hrtime.bigint();
const tick = (ms) => new Promise((k) => setTimeout(k, ms));

// -------------------------------------------------------- worker side

export function* workerSleeps(n, ms) {
  const t0 = now();
  for (let i = 0; i < n; i++) yield sleep(ms);
  return Number(now() - t0) / n;
}
export async function workerTimeouts(n, ms) {
  const t0 = now();
  for (let i = 0; i < n; i++) await tick(ms);
  return Number(now() - t0) / n;
}

// -------------------------------------------------------- measurements

async function taskletSleeps(n, ms) {
  let ns = 0;
  tasklet(function* () {
    const t0 = now();
    for (let i = 0; i < n; i++) yield sleep(ms);
    ns = Number(now() - t0) / n;
  })();
  await run();
  return ns;
}
async function timeouts(n, ms) {
  const t0 = now();
  for (let i = 0; i < n; i++) await tick(ms);
  return Number(now() - t0) / n;
}
async function mainSleeps(n, ms) {
  const t0 = now();
  for (let i = 0; i < n; i++) await sleep(ms);
  return Number(now() - t0) / n;
}

export async function runTimers({ reps = 5 } = {}) {
  await init();
  const me = new URL(import.meta.url);
  const rows = new Map();
  const add = (k, v) => { if (!rows.has(k)) rows.set(k, []); rows.get(k).push(v); };
  for (let r = 0; r < reps; r++) {
    // Interleaved, so that every figure sees the same machine.
    add('timer_tasklet_sleep0_ns', await taskletSleeps(5000, 0));
    add('timer_settimeout0_ns', await timeouts(50, 0));
    add('timer_tasklet_sleep1_ns', await taskletSleeps(50, 1));
    add('timer_settimeout1_ns', await timeouts(50, 1));
    add('timer_main_sleep1_ns', await mainSleeps(50, 1));
    add('timer_worker_sleep1_ns', await (await startThread(me, 'workerSleeps', 50, 1)).join());
    add('timer_worker_settimeout1_ns', await (await startThread(me, 'workerTimeouts', 50, 1)).join());
  }
  return [...rows];
}

if (isMain(import.meta)) {
  const reps = +(process.argv[2] ?? 5) || 5;
  report(await runTimers({ reps }));
  process.exit(0);
}
