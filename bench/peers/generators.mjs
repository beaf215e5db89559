// Reference peers in plain JS, ns per round trip:
//   generator_rt_ns       gen.next(v) + `yield` back (a JS-level coroutine switch)
//   async_channel_rt_ns   ping-pong between two async functions over a minimal
//                         promise-based rendezvous channel (send waits for a
//                         receiver, like a Stackless channel); one message each way
//   async_mailbox_rt_ns   the same over a buffered mailbox (put never waits): the
//                         cheapest promise hand-off, a floor for the line above
//   postmessage_rt_ns     main -> Worker -> main postMessage round trip (cross-thread)
//   canary_js_ns          fib(20) in JS, calls nothing of ours: compare ratios
//   node bench/peers/generators.mjs [single|cross|all] [REPS]
// `single` figures are meant to be pinned (taskset -c 0); `cross` needs both vCPUs.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { report, isMain, jsCanaryNs } from './stats.mjs';

const now = () => process.hrtime.bigint();

function generatorRt(n) {
  const g = (function* () { let v = 0; for (;;) v = yield v + 1; })();
  g.next();
  let s = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) s += g.next(i).value;
  const ns = Number(now() - t0) / n;
  if (s !== n * (n + 1) / 2) throw new Error('generator sum');
  return ns;
}

// Minimal rendezvous channel: whichever side arrives second completes the hand-off.
class Chan {
  constructor() { this.receivers = []; this.senders = []; }
  send(v) {
    const r = this.receivers.shift();
    if (r) { r(v); return Promise.resolve(); }
    return new Promise((done) => this.senders.push([v, done]));
  }
  recv() {
    const s = this.senders.shift();
    if (s) { s[1](); return Promise.resolve(s[0]); }
    return new Promise((got) => this.receivers.push(got));
  }
}

// Buffered mailbox: put() never waits; take() waits only when empty.
class Mailbox {
  constructor() { this.waiter = null; this.q = []; }
  send(v) { const w = this.waiter; if (w) { this.waiter = null; w(v); } else this.q.push(v); }
  recv() { return this.q.length ? this.q.shift() : new Promise((got) => { this.waiter = got; }); }
}

async function asyncChannelRt(n, Kind = Chan) {
  const ping = new Kind(), pong = new Kind();
  const echo = (async () => { // await only real promises: the mailbox's send returns none
    for (let i = 0; i < n; i++) { const p = pong.send(await ping.recv()); if (p) await p; }
  })();
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const p = ping.send(i);
    if (p) await p;
    if ((await pong.recv()) !== i) throw new Error('channel order');
  }
  const ns = Number(now() - t0) / n;
  await echo;
  return ns;
}

async function postMessageRt(w, n) {
  return new Promise((resolve) => {
    let i = 0, t0 = now();
    const onMsg = (v) => {
      if (++i < n) w.postMessage(v + 1);
      else { w.off('message', onMsg); resolve(Number(now() - t0) / n); }
    };
    w.on('message', onMsg);
    w.postMessage(0);
  });
}

export async function runGenerators({ which = 'all', reps = 7 } = {}) {
  const rows = [];
  if (which !== 'cross') {
    const gen = [], chan = [], box = [], canary = [];
    generatorRt(1e6); await asyncChannelRt(1e5); await asyncChannelRt(1e5, Mailbox); jsCanaryNs(50); // warm up
    for (let r = 0; r < reps; r++) { // interleaved with the canary
      canary.push(jsCanaryNs());
      gen.push(generatorRt(2e6));
      chan.push(await asyncChannelRt(5e5));
      box.push(await asyncChannelRt(5e5, Mailbox));
    }
    rows.push(['generator_rt_ns', gen], ['async_channel_rt_ns', chan],
              ['async_mailbox_rt_ns', box], ['canary_js_ns', canary]);
  }
  if (which !== 'single') {
    const w = new Worker(new URL(import.meta.url), { workerData: { echo: true } });
    await new Promise((ok) => w.once('online', ok));
    const pm = [];
    await postMessageRt(w, 2e3); // warm up; ~0.1 ms per round trip here, so few iterations
    for (let r = 0; r < reps; r++) pm.push(await postMessageRt(w, 5e3));
    await w.terminate();
    rows.push(['postmessage_rt_ns', pm]);
  }
  return rows;
}

if (!isMainThread && workerData?.echo) parentPort.on('message', (v) => parentPort.postMessage(v));
else if (isMain(import.meta)) {
  const [which, reps] = process.argv.slice(2);
  report(await runGenerators({ which: which || 'all', reps: +reps || 7 }));
}
