// The single-thread module (js/dist/stackless-st.*): what a page that is not
// cross-origin isolated gets -- no SharedArrayBuffer, one scheduler, no
// workers.  In Node the page's situation is made by crossOriginIsolated =
// false; in Chromium this file runs on a page served without COOP/COEP.
// After its own tests it runs every one-thread test of tasklets.test.mjs,
// timers.test.mjs, api.test.mjs and threadend.test.mjs again, on this module.
import '../test-fixtures/built.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  init, hasThreads, tasklet, channel, run, schedule, getthreads, thread_id, hold, startThread,
  snapshot, DeadlockError, StacklessError, TaskletExit,
} from '../index.js';

const made = !('crossOriginIsolated' in globalThis);
if (made) globalThis.crossOriginIsolated = false;
assert.equal(globalThis.crossOriginIsolated, false, 'this file is for a page that is not isolated');
// Asked for threads, the page gets the reason and the fix.
await assert.rejects(init({ threads: true }),
  /SharedArrayBuffer.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/s);
await init(); // no options: the module that works here
if (made) delete globalThis.crossOriginIsolated;

test('init() chose the single-thread module: one thread, no shared memory', async () => {
  assert.equal(hasThreads(), false);
  assert.deepEqual(getthreads(), [1]);
  assert.equal(thread_id(), 1);
  await init(); // the same module again
  await init({ threads: false });
  await assert.rejects(init({ threads: true }), /already loaded the single-thread module/);
});

test('startThread() says why there are no threads', async () => {
  const e = await startThread('./nothing.mjs').then(() => null, (x) => x);
  assert.ok(e instanceof StacklessError, String(e));
  assert.equal(e.code, -27);
  assert.equal(e.errno, 'SLP_ENOTSUP');
  assert.match(e.message, /needs the threaded module/);
  assert.match(e.message, /Cross-Origin-Embedder-Policy: require-corp/);
  assert.deepEqual(getthreads(), [1]);
});

test('a pipeline of tasklets: Stackless order, balances', async () => {
  const a = channel(), b = channel(), log = [];
  tasklet(function* () { for (let i = 1; i <= 3; i++) { yield a.send(i); log.push(`p${i}`); } })();
  tasklet(function* () { for (;;) { const v = yield a.receive(); log.push(`m${v}`); yield b.send(v * 10); } })();
  tasklet(function* () { for (;;) log.push(`c${yield b.receive()}`); })();
  await run();
  assert.deepEqual(log, ['m1', 'c10', 'p1', 'm2', 'c20', 'p2', 'm3', 'c30', 'p3']);
  // Both workers wait for ever: each channel holds one receiver.
  assert.equal(a.balance, -1);
  assert.equal(b.balance, -1);
  const waiting = snapshot().tasklets.filter((t) => t.state.startsWith('blocked'));
  assert.deepEqual(waiting.map((t) => [t.state, t.channel]).sort(),
    [['blocked_recv', a.h], ['blocked_recv', b.h]].sort());
  // Main code sends at once (a receiver waits): it runs through.
  await a.send(4);
  assert.deepEqual(log.slice(-2), ['m4', 'c40']);
});

test('main code alone on a channel gets DeadlockError at once', async () => {
  const ch = channel();
  await assert.rejects(ch.receive(), DeadlockError);
  await assert.rejects(ch.send(1), DeadlockError);
  assert.equal(ch.balance, 0);
});

test('hold(): run() waits for the event loop\'s own sends, and returns on release', async () => {
  const ch = channel(), log = [];
  const t = tasklet(function* () { for (;;) log.push(yield ch.receive()); })();
  const release = hold();
  let done = false;
  const r = run().then(() => { done = true; });
  await new Promise((ok) => setTimeout(ok, 20));
  assert.equal(done, false, 'run() waits while held');
  await ch.send('from a timer');
  await new Promise((ok) => setTimeout(ok, 0));
  assert.deepEqual(log, ['from a timer']);
  assert.equal(done, false);
  release();
  await r;
  assert.equal(done, true);
  assert.equal(t.blocked, true);
  t.kill();
  assert.equal(t.alive, false);
});

test('a tasklet\'s uncaught error rejects run(); kill() ends a tasklet quietly', async () => {
  tasklet(function* () { yield schedule(); throw new Error('boom'); })();
  await assert.rejects(run(), /boom/);
  const log = [];
  const t = tasklet(function* () {
    try { yield schedule(); log.push('not here'); } catch (e) { log.push(e instanceof TaskletExit); throw e; }
  })();
  tasklet(function* () { yield t.kill(); log.push('killed'); })();
  await run();
  assert.deepEqual(log, [true, 'killed']);
});

// issue 12.9: after the memory grew (any call into C may grow it), every
// heap view is fresh: channel() gave "<channel undefined>", then "detached
// ArrayBuffer" errors.  The growth is made directly here (the internal
// state module's malloc); a user hits it with ~1.4M channels.
test('after memory growth, channels, tasklets and values still work', { timeout: 30_000 }, async () => {
  const S = await import('../state.js');
  const before = S.A.memory?.buffer.byteLength ?? S.M.wasmMemory.buffer.byteLength;
  const big = S.A.malloc(before); // grows the memory: the old buffer is detached
  assert.ok(big > 0);
  const ch = channel();
  assert.ok(Number.isInteger(ch.h) && ch.h > 0, String(ch));
  let got;
  tasklet(function* () { got = yield ch.receive(); })();
  tasklet(function* () { yield ch.send({ s: 'after growth' }); })();
  await run();
  assert.deepEqual(got, { s: 'after growth' });
  assert.ok(snapshot().tasklets.length >= 1);
  S.A.free(big);
});

await import('./tasklets.test.mjs');
await import('./timers.test.mjs');
await import('./api.test.mjs');
await import('./threadend.test.mjs');
