// worker.js -- what the demo's workers run (started by web/app.js with
// startThread(url, 'serve', ...)).  Each is a thread with its own
// scheduler; its main code serves the page's commands, received on a
// channel, and makes the tasklets the page asks for.
//
// The worker imports the package by the same URL the page's import map
// resolves 'stackless-wasm' to (import maps do not reach workers): one
// instance of the package per thread.
import * as slp from '../../js/index.js';

const { tasklet, schedule } = slp;
const me = () => slp.thread_id();

// Counts of messages received per channel, for the page's picture
// (messages drawn as they pass, from sender to receiver) and throughput
// figure: each message is counted once, by its receiver (who: the tasklet
// that received, when it is not a hot loop).  Posted on a BroadcastChannel,
// at most every 50 ms, so that counting never waits for the page.
const stats = new BroadcastChannel('stackless-demo-stats');
let counts = new Map(), who = new Map(), lastPost = 0;
function count(ch, by = 0) {
  counts.set(ch.h, (counts.get(ch.h) ?? 0) + 1);
  if (by) who.set(ch.h, by);
  const now = performance.now();
  if (now - lastPost > 50) flush(now);
}
function flush(now = performance.now()) {
  if (counts.size) stats.postMessage({ thread: me(), counts: Object.fromEntries(counts), who: Object.fromEntries(who) });
  counts = new Map();
  who = new Map();
  lastPost = now;
}

// Tell the page about a tasklet: the tasklet itself, then its name and the
// channels it uses.  (Two messages: a tasklet inside an object is lost on
// the way, see the report; the page reads each pair while it waits for the
// tasklets of the command it sent.)
let registry = null;
async function register(t, name, recv, send, extra = {}) {
  await registry.send(t);
  await registry.send({ name, thread: me(), recv: recv ?? null, send: send ?? null, ...extra });
}

// Tasklets -------------------------------------------------------------

// Waits for jobs; answers each with its square on results.
function* waiter(jobs, results) {
  const self = slp.getcurrent().h;
  for (;;) {
    const v = yield jobs.receive();
    count(jobs, self);
    flush();
    yield results.send({ job: v, square: v * v, thread: me(), from: self });
  }
}

// Pipeline: producer -> stage(s) -> consumer, -1 ends the stream.
function* producer(out, n) {
  for (let i = 0; i < n; i++) yield out.send(i);
  yield out.send(-1);
  flush();
}
function* stage(inp, out) {
  for (;;) {
    const v = yield inp.receive();
    if (v === -1) break;
    count(inp);
    yield out.send(v + 1);
  }
  yield out.send(-1);
  flush();
}
function* consumer(inp, stages, run) {
  let n = 0, sum = 0;
  const t0 = performance.now();
  for (;;) {
    const v = yield inp.receive();
    if (v === -1) break;
    count(inp);
    n++;
    sum += v - stages;
  }
  flush();
  // The result goes to the page by BroadcastChannel: the page need not
  // wait on a channel for the whole run.
  stats.postMessage({ thread: me(), pipeline: { run, count: n, sum, ms: performance.now() - t0 } });
}

// Two tasklets that take turns (schedule()) doing a little work each: the
// picture sees one running and the other runnable.
function* spinner(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = performance.now() + 2;
    while (performance.now() < t) { /* work */ }
    yield schedule();
  }
}

// Wakes every `period` ms for `ms`: between two wakes it waits for its
// timer (only this tasklet: its scheduler runs the others meanwhile, and
// sleeps in C until the nearest deadline when nothing else can run).
function* sleeper(period, ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) yield slp.sleep(period);
}

// Main code ------------------------------------------------------------

/**
 * Serve commands from the page until 'stop' (or a dead channel).
 * cmds: page -> this worker; reg: tasklets of ours -> page.
 */
export async function serve(cmds, reg) {
  registry = reg;
  await register(slp.getcurrent(), 'main', cmds, null, { main: true });
  await registry.send(null); // nothing more for this command
  for (;;) {
    let cmd;
    try {
      cmd = await cmds.receive();
    } catch (e) {
      flush();
      return `main ended: ${e.name}: ${e.message}`;
    }
    if (!cmd || cmd.op === 'stop') break;
    try {
      await perform(cmd);
    } catch (e) {
      stats.postMessage({ thread: me(), error: `${cmd.op}: ${e.name}: ${e.message}` });
    }
    await registry.send(null); // the page has all the tasklets of cmd
  }
  flush();
  return 'stopped';
}

async function perform(cmd) {
  switch (cmd.op) {
    case 'waiters':
      for (let i = 0; i < cmd.n; i++)
        await register(tasklet(waiter)(cmd.jobs, cmd.results), 'waiter', cmd.jobs, cmd.results);
      break;
    case 'echo': // a tasklet written in C (compiled into the package's module)
      // Restorable (no C state while it waits): it can be revived on another worker.
      await register((slp.demo.echoRestorable ?? slp.demo.echo)(cmd.ch), 'echo (C)', cmd.ch, cmd.ch, { c: true });
      break;
    case 'producer':
      await register(tasklet(producer)(cmd.out, cmd.n), 'producer', null, cmd.out, { pipeline: true });
      break;
    case 'stage':
      await register(tasklet(stage)(cmd.in, cmd.out), 'stage', cmd.in, cmd.out, { pipeline: true });
      break;
    case 'consumer':
      await register(tasklet(consumer)(cmd.in, cmd.stages, cmd.run), 'consumer', cmd.in, null, { pipeline: true });
      break;
    case 'sleepers':
      for (const p of cmd.periods) await register(tasklet(sleeper)(p, cmd.ms ?? 6000), `sleeper ${p} ms`, null, null);
      break;
    case 'spin':
      for (let i = 0; i < 2; i++) await register(tasklet(spinner)(cmd.ms ?? 3000), 'spinner', null, null);
      break;
    default:
      throw new Error(`unknown command ${cmd.op}`);
  }
}
