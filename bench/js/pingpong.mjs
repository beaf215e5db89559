// JS tasklets against their JavaScript peers, in one run (ns per round trip
// unless said; lower is better):
//   tasklet_pingpong_rt_ns     two JS tasklets, one channel each way, same thread
//   tasklet_c_echo_rt_ns       a JS tasklet and the C echo tasklet on one channel
//   tasklet_create_ns          tasklet(fn)(): a JS tasklet made, bound and queued
//                              (10,000 at a time, then run; ns per tasklet)
//   c_tasklets_rt_ns           two C tasklets (the runtime alone, same module)
//   generator_rt_ns            bare generators: gen.next(v) + yield (bench/peers)
//   async_channel_rt_ns        async/await over a promise rendezvous channel (peers)
//   async_mailbox_rt_ns        async/await over a buffered mailbox (peers)
//   canary_js_ns               fib(20) in JS: compare ratios, not absolutes
//   xthread_tasklet_rt_ns      main tasklet <-> worker tasklet over two channels
//   xthread_tasklet_msg_ns     one-way stream main -> worker tasklet, per message
//   xthread_msg_held_x         that stream with 30,000 ended tasklets still held
//                              (their wrappers not collected yet), over the
//                              stream without: ~1 (issue 13: the pump's look at
//                              what waits here walked them all: 19-23x)
//   postmessage_rt_ns          main <-> Worker postMessage round trip (peers)
//   node bench/js/pingpong.mjs [single|cross|all] [REPS]
// Single-thread rows should be pinned (taskset -c 0); cross-thread rows need
// both vCPUs.  The package must be built (npm run build).
import { isMainThread } from 'node:worker_threads';
import { channel, init, run, startThread, tasklet, demo } from '../../js/index.js';
import { runGenerators } from '../peers/generators.mjs';
import { jsCanaryNs, report, isMain } from '../peers/stats.mjs';

const now = () => process.hrtime.bigint();

// -------------------------------------------------------- worker side

export function* echoN(inCh, outCh, n) {
  for (let i = 0; i < n; i++) yield outCh.send(yield inCh.receive());
}
export function* drain(ch, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield ch.receive();
  return sum;
}

// -------------------------------------------------------- measurements

async function taskletPingPong(n) {
  const ping = channel(), pong = channel();
  tasklet(function* () { for (let i = 0; i < n; i++) yield pong.send(yield ping.receive()); })();
  let ns = 0;
  tasklet(function* () {
    const t0 = now();
    for (let i = 0; i < n; i++) {
      yield ping.send(i);
      if ((yield pong.receive()) !== i) throw new Error('order');
    }
    ns = Number(now() - t0) / n;
  })();
  await run();
  ping.release(); pong.release();
  return ns;
}

async function cEchoPingPong(n) {
  const ch = channel();
  const echo = demo.echo(ch);
  let ns = 0;
  tasklet(function* () {
    const t0 = now();
    for (let i = 0; i < n; i++) {
      yield ch.send(i);
      if ((yield ch.receive()) !== i) throw new Error('order');
    }
    ns = Number(now() - t0) / n;
  })();
  await run();
  echo.kill();
  ch.release();
  return ns;
}

// The making alone (tasklet(fn)() each), then they run and end.
async function createTasklets(n) {
  const body = function* () {};
  const t0 = now();
  for (let i = 0; i < n; i++) tasklet(body)();
  const ns = Number(now() - t0) / n;
  await run();
  return ns;
}

// crossStream with `held` ended JS tasklets whose wrappers are still alive
// (as after a burst of short tasklets, before the collector ran).
async function crossStreamHeld(n, held) {
  const body = function* () {};
  const keep = [];
  for (let i = 0; i < held; i++) keep.push(tasklet(body)());
  await run();
  const ns = await crossStream(n);
  for (const t of keep) t.release();
  return ns;
}

function cPingPong(n) {
  const t0 = now();
  demo.pingpong(n);
  return Number(now() - t0) / n;
}

async function crossRoundTrip(n) {
  const a = channel(), b = channel();
  const th = await startThread(import.meta.url, 'echoN', a, b, n);
  let ns = 0;
  tasklet(function* () {
    const t0 = now();
    for (let i = 0; i < n; i++) {
      yield a.send(i);
      if ((yield b.receive()) !== i) throw new Error('order');
    }
    ns = Number(now() - t0) / n;
  })();
  await run();
  await th.join();
  return ns;
}

async function crossStream(n) {
  const ch = channel();
  const th = await startThread(import.meta.url, 'drain', ch, n);
  const t0 = now();
  tasklet(function* () { for (let i = 0; i < n; i++) yield ch.send(1); })();
  await run();
  const sum = await th.join();
  if (sum !== n) throw new Error(`lost messages: ${sum}`);
  return Number(now() - t0) / n;
}

export async function runPingPong({ which = 'all', reps = 5 } = {}) {
  await init();
  const rows = [];
  if (which !== 'cross') {
    const pp = [], ce = [], cc = [], mk = [], canary = [];
    await taskletPingPong(2e4); await cEchoPingPong(2e4); cPingPong(2e4); await createTasklets(1e4); // warm up
    for (let r = 0; r < reps; r++) {
      canary.push(jsCanaryNs());
      pp.push(await taskletPingPong(2e5));
      ce.push(await cEchoPingPong(2e5));
      cc.push(cPingPong(2e5));
      mk.push(await createTasklets(1e4));
    }
    rows.push(['tasklet_pingpong_rt_ns', pp], ['tasklet_c_echo_rt_ns', ce], ['c_tasklets_rt_ns', cc],
              ['tasklet_create_ns', mk], ['canary_tasklets_js_ns', canary]);
    rows.push(...await runGenerators({ which: 'single', reps }));
  }
  if (which !== 'single') {
    const rt = [], st = [], held = [];
    await crossRoundTrip(2e3);
    for (let r = 0; r < reps; r++) {
      rt.push(await crossRoundTrip(2e4));
      st.push(await crossStream(1e5));
      held.push(await crossStreamHeld(1e5, 3e4) / st[r]);
    }
    rows.push(['xthread_tasklet_rt_ns', rt], ['xthread_tasklet_msg_ns', st], ['xthread_msg_held_x', held]);
    rows.push(...await runGenerators({ which: 'cross', reps }));
  }
  return rows;
}

if (isMainThread && isMain(import.meta)) {
  const [which, reps] = process.argv.slice(2);
  report(await runPingPong({ which: which || 'all', reps: +reps || 5 }));
}
