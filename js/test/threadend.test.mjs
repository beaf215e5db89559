// Thread end and terminate() (issue 12 point 1, the seed's rule: "When a
// thread dies, only tasklets with a C-state are actively killed.
// Soft-switched tasklets simply stop"), and values that cross threads
// exactly (lone surrogates).  Threaded module only: startThread needs it.
import '../test-fixtures/built.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  init, channel, hold, snapshot, getthreads, startThread, thread_id, tasklet, schedule, run, getcurrent,
  demo, hasThreads, set_error_handler, StacklessError, WrongThreadError,
} from '../index.js';

await init();
const W = new URL('../test-fixtures/threadend.mjs', import.meta.url);
// Run again on the single-thread module by single-thread.test.mjs: the
// tests that start threads are skipped there.
const NEEDS_THREADS = !hasThreads() && 'needs the threaded module (startThread)';

// Wait for a state (never for time): a short macrotask between looks.
async function until(what, f) {
  while (!f()) await new Promise((ok) => setTimeout(ok, 2));
  return what;
}
const stateOf = (t) => snapshot().tasklets.find((x) => x.handle === t.h)?.state;

test('terminate(): the tasklet the worker slept for (it blocked last) stops soft, thread_id -1; bind_thread() revives it here',
  { timeout: 60_000, skip: NEEDS_THREADS }, async () => {
  const ch = channel(), ready = channel(), stay = channel();
  const release = hold(); // this event loop sends later: not a deadlock
  try {
    const th = await startThread(W, 'echoBlocksLast', ch, ready, stay);
    const t = await ready.receive();
    // Its thread's main code blocks first, then the echo: the worker
    // sleeps waiting for the echo's block.
    await until('both blocked', () => stay.balance === -1 && t.blocked_kind === 1);
    assert.equal(t.restorable, true);
    await th.terminate();
    assert.equal(th.alive, false);
    assert.ok(!getthreads().includes(th.id));
    // Stackless's state of a tasklet whose thread died (reference §5.4).
    assert.equal(t.thread_id, -1);
    assert.equal(t.alive, false);
    assert.equal(t.blocked, true, 'it stays in its channel');
    assert.equal(t.restorable, true);
    assert.equal(ch.balance, -1);
    assert.equal(stateOf(t), 'nothread');
    // Revived on this thread: it goes on from where it blocked.
    t.bind_thread();
    assert.equal(t.thread_id, thread_id());
    assert.equal(t.alive, true);
    assert.equal(stateOf(t), 'blocked_recv');
    await ch.send('ping');
    assert.equal(await ch.receive(), 'ping');
    await ch.send({ n: [1, 2] });
    assert.deepEqual(await ch.receive(), { n: [1, 2] });
    t.kill();
    assert.equal(t.alive, false);
    assert.equal(ch.balance, 0);
  } finally {
    release();
  }
});

test('terminate(): a tasklet still queued there (never run) stops with thread_id -1; bind_thread() + insert() runs it here',
  { timeout: 60_000, skip: NEEDS_THREADS }, async () => {
  const ch = channel(), ready = channel();
  const release = hold(); // a thread comes: main code may wait alone meanwhile
  const got = ready.receive(); // waiting before the worker sends: it never blocks
  const th = await startThread(W, 'echoQueued', ch, ready);
  const t = await got;
  release();
  assert.equal(t.scheduled, true);
  assert.equal(t.blocked, false);
  assert.equal(stateOf(t), 'runnable');
  await th.terminate();
  assert.equal(t.thread_id, -1);
  assert.equal(t.alive, false);
  assert.equal(t.scheduled, false, 'out of its dead queue');
  assert.equal(stateOf(t), 'nothread');
  t.bind_thread();
  assert.equal(t.alive, true);
  assert.equal(t.paused, true);
  t.insert();
  await ch.send('queued');
  assert.equal(await ch.receive(), 'queued');
  t.kill();
  assert.equal(ch.balance, 0);
});

// ---- issue 12: strings cross threads exactly (structured clone keeps lone surrogates)

test('strings with lone surrogates cross threads unchanged, both ways, alone or nested', { timeout: 60_000, skip: NEEDS_THREADS }, async () => {
  const inp = channel(), out = channel();
  const th = await startThread(W, 'surrogates', inp, out);
  const a = 'x\ud800y\udbff', b = { s: ['\udc00', 'pair \u{1F600} ok'], '\ud801': new Set(['\udfff']) };
  await inp.send(a);
  await inp.send(b);
  assert.equal(await out.receive(), a);
  assert.deepEqual(await out.receive(), b);
  assert.deepEqual(await out.receive(),
    ['\ud800', { k: 'x\udc00y', '\udbff': new Map([['\ud83d', 'z\ud83d']]) }, 'ok\u{1F600}']);
  assert.equal(await out.receive(), '\udc00 alone');
  assert.equal(await th.join(), '\udfff-result');
});

// ---- issue 12, the rest of the API: tempval (Stackless's transfer slot)

test('tempval: schedule(retval) puts it there, setting it changes what the call gives back, resuming claims it',
  { timeout: 30_000 }, async () => {
  const got = [];
  const mark = { r: 2 };
  const t = tasklet(function* () {
    got.push(yield schedule('r1'));
    got.push(yield schedule(mark));
    got.push(yield schedule(3));
  })();
  assert.equal(t.tempval, undefined, 'nothing there yet');
  schedule(); // t runs up to schedule('r1') and queues again
  assert.equal(t.tempval, 'r1');
  t.tempval = { changed: ['yes'] };
  schedule(); // it gets that back, then schedule(mark)
  assert.deepEqual(got, [{ changed: ['yes'] }]);
  assert.equal(t.tempval, mark, 'the original object, on its own thread');
  schedule();
  assert.equal(got[1], mark);
  assert.equal(t.tempval, 3);
  t.tempval = 'x\ud800'; // (a lone surrogate, kept)
  schedule();
  assert.deepEqual(got, [{ changed: ['yes'] }, mark, 'x\ud800']);
  assert.equal(t.alive, false);
  assert.equal(t.tempval, undefined, 'claimed when it resumed');
});

test('tempval: a blocked sender holds its value; a blocked receiver gets it delivered; main has one too',
  { timeout: 30_000 }, async () => {
  const ch = channel(), log = [];
  const s1 = tasklet(function* () { yield ch.send(5); })();
  const s2 = tasklet(function* () { yield ch.send({ o: 1 }); })();
  schedule(); // both block sending
  assert.equal(s1.blocked_kind, 2);
  assert.equal(s1.tempval, 5, 'a number can be read at any time');
  assert.throws(() => s2.tempval, (e) => e instanceof StacklessError && /blocked sending/.test(e.message));
  assert.throws(() => { s1.tempval = 6; }, /blocked sending/);
  tasklet(function* () { log.push(yield ch.receive(), yield ch.receive()); })();
  await run();
  assert.deepEqual(log, [5, { o: 1 }]);
  assert.equal(s2.tempval, undefined, 'its value went to the receiver');
  // A receiver blocked, then given a value: it is in its slot until it runs.
  const r = tasklet(function* () { log.push(yield ch.receive()); })();
  schedule();
  assert.equal(r.blocked_kind, 1);
  assert.throws(() => { r.tempval = 1; }, /blocked receiving/);
  tasklet(function* () { yield ch.send(['delivered']); })();
  ch.preference = 1; // the sender goes on: the receiver waits in the queue
  schedule();
  assert.equal(r.blocked, false);
  assert.deepEqual(r.tempval, ['delivered']);
  await run();
  assert.deepEqual(log.at(-1), ['delivered']);
  assert.equal(r.tempval, undefined);
  // Main's own slot: schedule(retval) alone gives retval back.
  assert.deepEqual(schedule({ m: 1 }), { m: 1 });
  assert.equal(getcurrent().tempval, undefined);
  getcurrent().tempval = 7;
  assert.equal(getcurrent().tempval, 7);
});

test("tempval: a C tasklet's slot holds C pointers; another thread's object values are not readable here",
  { timeout: 60_000 }, async () => {
  const ch = channel();
  const echo = demo.echo(ch);
  schedule(); // it blocks receiving: what it gets lands in its slot
  assert.equal(echo.blocked_kind, 1);
  ch.preference = 1; // the sender goes on: the echo waits queued, the value in its slot
  await ch.send('through C');
  assert.equal(echo.scheduled, true);
  assert.throws(() => echo.tempval, (e) => e instanceof TypeError && /C tasklet/.test(e.message));
  assert.throws(() => { echo.tempval = 1; }, TypeError);
  assert.equal(await ch.receive(), 'through C');
  echo.kill();
  if (!hasThreads()) return;
  const ready = channel(), stay = channel();
  const release = hold();
  try {
    const th = await startThread(W, 'echoBlocksLast', ch, ready, stay);
    const t = await ready.receive();
    assert.throws(() => { t.tempval = 1; }, WrongThreadError);
    await stay.send('end');
    await th.join();
    t.kill();
  } finally {
    release();
  }
});

// ---- issue 12, the rest of the API: the error handler and C tasklets

test("set_error_handler sees JS tasklets' errors; a C tasklet's error code goes to run() (the C runtime's handler's)",
  { timeout: 30_000 }, async () => {
  const seen = [];
  const old = set_error_handler((e, t) => { seen.push([e.message, t.h]); });
  try {
    const js = tasklet(function* () { throw new RangeError('js'); })();
    await run();
    assert.deepEqual(seen, [['js', js.h]], 'swallowed by the handler');
    const ch = channel();
    const echo = demo.echo(ch);
    echo.block_trap = true; // its receive would block: it fails, and the echo returns that code
    await assert.rejects(run(), (e) => e instanceof StacklessError && e.errno === 'SLP_EBLOCKTRAP');
    assert.equal(echo.alive, false);
    assert.equal(seen.length, 1, 'not a JS error: the JS handler does not see it');
  } finally {
    set_error_handler(old);
  }
});
