// Timers and promises that park only the tasklet (issue 14): sleep(ms)
// inside tasklets and in main code, `yield promise`, deadlock detection
// beside them, in the page's thread and in workers.  These tests wait for
// states, never for time: the periods only order the deadlines, far apart
// enough that a loaded machine keeps the order (the sleeps of one run are
// microseconds apart; the periods differ by hundreds of milliseconds).
// Runs in Node and Chromium (tests/browser/package-tests.test.mjs), and on
// the single-thread module too (single-thread.test.mjs imports it).
import '../test-fixtures/built.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  init, hasThreads, tasklet, channel, run, schedule, sleep, select, startThreadWith, getruncount,
  snapshot, DeadlockError, TaskletExit, TimeoutError, StacklessError, ChannelClosedError,
} from '../index.js';

await init();
const T = { timeout: 30_000 };
const W = new URL('../test-fixtures/timers.mjs', import.meta.url);
const WORKERS = { ...T, skip: hasThreads() ? false : 'the single-thread module has no workers' };

function deferred() {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
}

test('sleepers wake in deadline order; equal deadlines in the order they slept', T, async () => {
  const log = [];
  for (const [name, ms] of [['a', 300], ['b', 10], ['c', 300], ['d', 10], ['e', 0], ['f', 300], ['g', 10]])
    tasklet(function* () { yield sleep(ms); log.push(name); })();
  await run();
  assert.deepEqual(log, ['e', 'b', 'd', 'g', 'a', 'c', 'f']);
  assert.equal(getruncount(), 1);
});

test('sleep(0) waits for the next look at the timers (the next switch of the thread)', T, async () => {
  const log = [];
  tasklet(function* () { for (let i = 0; i < 3; i++) { log.push(`s${i}`); yield schedule(); } })();
  tasklet(function* () { yield sleep(0); log.push('slept'); })();
  await run();
  // s yields (s0), the sleeper parks, s yields again (s1): that switch
  // finds it due and queues it behind s.
  assert.deepEqual(log, ['s0', 's1', 'slept', 's2']);
});

test('a sleeping tasklet is waiting: alive, scheduled, neither blocked nor paused', T, async () => {
  const go = channel();
  const t = tasklet(function* () { yield sleep(100_000); })();
  tasklet(function* () { yield go.receive(); })();
  const p = run();
  await go.send('x'); // the sleeper is parked by now (it ran first)
  assert.equal(t.alive, true);
  assert.equal(t.scheduled, true);
  assert.equal(t.blocked, false);
  assert.equal(t.paused, false);
  assert.equal(t.waiting, true);
  assert.equal(snapshot().tasklets.find((x) => x.handle === t.h)?.state, 'waiting');
  t.kill(); // ends the sleep at once (else run() would wait a day)
  await p;
  assert.equal(t.alive, false);
  assert.equal(t.waiting, false);
});

test('main code awaits sleep() in the same order as tasklets', T, async () => {
  const log = [];
  tasklet(function* () { yield sleep(5); log.push('tasklet 5'); })();
  const main = sleep(300).then(() => log.push('main 300'));
  tasklet(function* () { yield sleep(10); log.push('tasklet 10'); })();
  await main;
  await run();
  assert.deepEqual(log, ['tasklet 5', 'tasklet 10', 'main 300']);
});

test("the event loop is never blocked while tasklets sleep", T, async () => {
  let fired = 0;
  const iv = setInterval(() => { fired++; }, 1);
  let loops = 0;
  tasklet(function* () { while (fired < 3) { loops++; yield sleep(1); } })();
  await run();
  clearInterval(iv);
  assert.ok(fired >= 3 && loops >= 1);
});

test('sleep(ms) refuses what is not a time', T, async () => {
  await assert.rejects(sleep(-1), RangeError);
  await assert.rejects(sleep(NaN), RangeError);
  await assert.rejects(sleep('10'), RangeError);
  await assert.rejects(sleep(Infinity), RangeError);
  let caught;
  tasklet(function* () { try { yield sleep(-5); } catch (e) { caught = e; } })();
  await run();
  assert.ok(caught instanceof RangeError, String(caught));
});

test('kill and throw end a sleep at once, the error raised at the yield', T, async () => {
  const got = [];
  const a = tasklet(function* () {
    try { yield sleep(1e9); } catch (e) { got.push(e instanceof TaskletExit ? 'a killed' : String(e)); throw e; }
  })();
  const b = tasklet(function* () {
    try { yield sleep(1e9); } catch (e) { got.push(`b ${e.message}`); }
  })();
  tasklet(function* () { yield schedule(); yield a.kill(); yield b.throw(new Error('woken')); })();
  await run();
  assert.deepEqual(got, ['a killed', 'b woken']);
  assert.equal(a.alive || b.alive, false);
});

test('yield promise: the value is the result of the yield', T, async () => {
  const got = [];
  tasklet(function* () {
    got.push(yield Promise.resolve(1));
    got.push(yield new Promise((k) => setTimeout(() => k({ two: 2 }), 1)));
    got.push(yield { then(k) { k('a thenable'); } });
    got.push(yield (async () => 'async fn')());
  })();
  await run();
  assert.deepEqual(got, [1, { two: 2 }, 'a thenable', 'async fn']);
});

test('yield promise: a rejection is thrown into the tasklet at the yield', T, async () => {
  const boom = new RangeError('boom');
  let caught;
  tasklet(function* () {
    try { yield Promise.reject(boom); } catch (e) { caught = e; }
    yield { then(_, no) { no('thenable no'); } };
  })();
  await assert.rejects(run(), (e) => e === 'thenable no'); // uncaught: run() rejects with it
  assert.equal(caught, boom);
});

test('other tasklets keep running while one awaits a promise; it is not a deadlock', T, async () => {
  const d = deferred();
  const ping = channel(), done = channel();
  let got;
  const waiter = tasklet(function* () { got = yield d.promise; })();
  tasklet(function* () { for (let i = 0; i < 50; i++) yield ping.send(i); })();
  tasklet(function* () {
    let sum = 0;
    for (let i = 0; i < 50; i++) sum += yield ping.receive();
    yield done.send(sum);
  })();
  // Main code waits for the others while the waiter waits for its promise.
  assert.equal(await done.receive(), 1225);
  assert.equal(got, undefined);
  assert.equal(waiter.waiting, true);
  assert.equal(waiter.blocked, false);
  d.resolve('settled');
  await run();
  assert.equal(got, 'settled');
  assert.equal(waiter.alive, false);
});

test('a tasklet blocking on a channel while another sleeps waits for it (not deadlocked)', T, async () => {
  const ch = channel();
  let got;
  tasklet(function* () { got = yield ch.receive(); })();
  tasklet(function* () { yield sleep(20); yield ch.send('late'); })();
  await run();
  assert.equal(got, 'late');
});

test("main code's receive waits for a sleeper, and for a promise's waiter", T, async () => {
  const ch = channel();
  tasklet(function* () { yield sleep(20); yield ch.send('from a sleeper'); })();
  assert.equal(await ch.receive(), 'from a sleeper');
  tasklet(function* () {
    const v = yield new Promise((k) => setTimeout(() => k('from a promise'), 5));
    yield ch.send(v);
  })();
  assert.equal(await ch.receive(), 'from a promise');
});

test('deadlocks are still reported once the sleepers are gone', T, async () => {
  const ch = channel();
  tasklet(function* () { yield sleep(20); })();
  const e = await ch.receive().catch((x) => x);
  assert.ok(e instanceof DeadlockError, String(e));
  assert.equal(ch.balance, 0);
  // A tasklet left blocked after the sleeper ended: run() returns, as it
  // does without sleepers (Stackless's run() returns when nothing can run).
  const t = tasklet(function* () { yield ch.receive(); })();
  tasklet(function* () { yield sleep(20); })();
  await run();
  assert.equal(t.blocked, true);
  t.kill();
  assert.equal(t.alive, false);
});

test('a killed or thrown-into promise waiter ignores the promise settling later', T, async () => {
  const d1 = deferred(), d2 = deferred();
  const got = [];
  const a = tasklet(function* () {
    try { yield d1.promise; got.push('a resumed'); } catch (e) { got.push(e instanceof TaskletExit ? 'a killed' : 'a?'); throw e; }
  })();
  const b = tasklet(function* () {
    try { yield d2.promise; got.push('b resumed'); } catch (e) { got.push(`b ${e.message}`); }
    yield sleep(1);
    got.push('b slept');
  })();
  tasklet(function* () { yield schedule(); yield a.kill(); yield b.throw(new Error('thrown')); })();
  await run();
  d1.resolve(1);
  d2.resolve(2);
  await new Promise((k) => setTimeout(k, 5));
  await run();
  assert.deepEqual(got, ['a killed', 'b thrown', 'b slept']);
  assert.equal(a.alive || b.alive, false);
});

test('a promise that settles while its tasklet was thrown into (pending) keeps the throw', T, async () => {
  const d = deferred();
  let got;
  const t = tasklet(function* () {
    try { got = yield d.promise; } catch (e) { got = e.message; }
  })();
  schedule(); // main code lets it run: it parks on the promise
  assert.equal(t.waiting, true);
  t.throw(new Error('first'), true); // queued with the error, not run yet
  assert.equal(t.waiting, false);
  d.resolve('too late');
  await new Promise((k) => setTimeout(k, 5));
  await run();
  assert.equal(got, 'first');
});

test('TimeoutError is the runtime error SLP_ETIMEDOUT', T, () => {
  const e = new TimeoutError();
  assert.ok(e instanceof StacklessError);
  assert.equal(e.code, -32);
  assert.equal(e.errno, 'SLP_ETIMEDOUT');
  assert.equal(e.name, 'TimeoutError');
});

// ------------------------------------------------------------------ select

// A tasklet that sends v on ch and records that it did.
function sender(ch, v, log) {
  return tasklet(function* () { yield ch.send(v); log?.push(`sent ${v}`); })();
}

test('select: the first ready case in array order happens, and only it', T, async () => {
  const a = channel(), b = channel(), got = [];
  sender(a, 'A'); sender(b, 'B');
  schedule(); // both senders now wait
  assert.equal(a.balance, 1);
  assert.equal(b.balance, 1);
  tasklet(function* () {
    got.push(yield select([{ receive: b }, { receive: a }]));
    got.push(yield select([{ receive: a }, { receive: b }]));
  })();
  await run();
  assert.deepEqual(got, [{ index: 0, value: 'B' }, { index: 0, value: 'A' }]);
  assert.equal(a.balance, 0);
  assert.equal(b.balance, 0);
});

test('select: sends and receives mixed; a waiting select leaves every other channel when one case happens', T, async () => {
  const a = channel(), b = channel(), c = channel(), got = [];
  const t = tasklet(function* () {
    got.push(yield select([{ receive: a }, { send: b, value: 'to b' }, { receive: c }]));
  })();
  schedule(); // it waits on all three
  assert.equal(t.waiting, true);
  assert.equal(t.blocked, false);
  assert.equal(a.balance, -1);
  assert.equal(b.balance, 1);
  assert.equal(c.balance, -1);
  got.push(await b.receive());
  await run();
  assert.deepEqual(got, ['to b', { index: 1, value: undefined }]);
  assert.deepEqual([a.balance, b.balance, c.balance], [0, 0, 0]);
});

test('select with a timeout: TimeoutError, nothing sent or received, the values stay the caller\'s', T, async () => {
  const a = channel(), b = channel(), got = [];
  const value = { big: 'object' };
  tasklet(function* () {
    try { yield select([{ receive: a }, { send: b, value }], { timeout: 5 }); } catch (e) { got.push(e); }
    try { yield b.send_timeout(value, 0); } catch (e) { got.push(e); }
    try { got.push(yield a.receive_timeout(1)); } catch (e) { got.push(e); }
  })();
  await run();
  assert.equal(got.length, 3);
  for (const e of got) {
    assert.ok(e instanceof TimeoutError, String(e));
    assert.equal(e.code, -32);
  }
  assert.deepEqual([a.balance, b.balance], [0, 0]);
  // The channels work on: the next send is the one received.
  sender(b, 'next');
  assert.equal(await b.receive(), 'next');
});

test('select with a timeout wakes when a partner comes first; the deadline is then void', T, async () => {
  const a = channel(), got = [];
  tasklet(function* () { got.push(yield select([{ receive: a }], { timeout: 100_000 })); })();
  schedule();
  await a.send('in time');
  await run();
  assert.deepEqual(got, [{ index: 0, value: 'in time' }]);
});

test('select default: { index: -1 } at once when nothing is ready, else the ready case', T, async () => {
  const a = channel(), b = channel(), got = [];
  tasklet(function* () {
    got.push(yield select([{ receive: a }, { receive: b }], { default: true }));
    got.push(yield select([{ send: a, value: 1 }], { default: true }));
  })();
  await run();
  sender(b, 'ready');
  schedule();
  tasklet(function* () { got.push(yield select([{ receive: a }, { receive: b }], { default: true })); })();
  await run();
  assert.deepEqual(got, [{ index: -1, value: undefined }, { index: -1, value: undefined }, { index: 1, value: 'ready' }]);
  assert.deepEqual([a.balance, b.balance], [0, 0]);
});

test('select in main code: await it, with a timeout, a default, and one-case timeouts', T, async () => {
  const a = channel(), b = channel();
  tasklet(function* () { yield sleep(5); yield b.send('from a sleeper'); })();
  assert.deepEqual(await select([{ receive: a }, { receive: b }]), { index: 1, value: 'from a sleeper' });
  assert.deepEqual(await select([{ receive: a }], { default: true }), { index: -1, value: undefined });
  await assert.rejects(select([{ receive: a }], { timeout: 5 }), TimeoutError);
  await assert.rejects(a.receive_timeout(5), TimeoutError);
  await assert.rejects(a.send_timeout('kept', 5), TimeoutError);
  assert.equal(a.balance, 0);
  tasklet(function* () { yield a.send('v'); })();
  assert.equal(await a.receive_timeout(100_000), 'v');
  tasklet(function* () { assert.equal(yield a.receive(), 'w'); })();
  await a.send_timeout('w', 100_000);
  await run();
});

test("select: a case that happens with an error throws it, with the case's index", T, async () => {
  const a = channel(), b = channel(), got = [];
  tasklet(function* () { yield b.send_throw(new RangeError('sent as an error')); })();
  schedule();
  tasklet(function* () {
    try { yield select([{ receive: a }, { receive: b }]); } catch (e) { got.push([e.name, e.message, e.index]); }
    b.close();
    try { yield select([{ receive: a }, { receive: b }]); } catch (e) { got.push([e.name, e.index]); }
  })();
  await run();
  assert.deepEqual(got, [['RangeError', 'sent as an error', 1], ['ChannelClosedError', 1]]);
  assert.ok(ChannelClosedError);
});

test('select: kill ends the wait, every channel left', T, async () => {
  const a = channel(), b = channel();
  let caught;
  const t = tasklet(function* () {
    try { yield select([{ receive: a }, { send: b, value: 'never' }]); } catch (e) { caught = e; throw e; }
  })();
  schedule();
  assert.deepEqual([a.balance, b.balance], [-1, 1]);
  t.kill();
  assert.ok(caught instanceof TaskletExit);
  assert.deepEqual([a.balance, b.balance], [0, 0]);
  await run();
});

test('select: a tasklet blocking while a select with a deadline waits is not deadlocked; without one, main code is told', T, async () => {
  const a = channel(), c = channel();
  let got;
  tasklet(function* () { got = yield c.receive(); })();
  tasklet(function* () {
    try { yield select([{ receive: a }], { timeout: 10 }); } catch (e) { yield c.send(e.name); }
  })();
  await run();
  assert.equal(got, 'TimeoutError');
  await assert.rejects(select([{ receive: a }, { receive: c }]), DeadlockError);
  assert.deepEqual([a.balance, c.balance], [0, 0]);
});

test('select refuses bad cases and options', T, async () => {
  const a = channel();
  await assert.rejects(select([]), TypeError);
  await assert.rejects(select('x'), TypeError);
  await assert.rejects(select([{ receive: 1 }]), TypeError);
  await assert.rejects(select([{ receive: a, send: a }]), TypeError);
  await assert.rejects(select([{ receive: a }], { timeout: -1 }), RangeError);
  await assert.rejects(select([{ receive: a }], { timeout: 1, default: true }), TypeError);
  await assert.rejects(select([{ receive: a }, { send: a, value: 1 }], { default: true }), StacklessError); // EINVAL
  let caught;
  tasklet(function* () { try { yield select([{ nope: a }]); } catch (e) { caught = e; } })();
  await run();
  assert.ok(caught instanceof TypeError);
});

// ----------------------------------------------------------------- workers

for (const blocking of [true, false]) {
  const how = blocking ? 'a worker that sleeps in C' : 'a worker that may not block';

  test(`sleepers in ${how} wake in deadline order`, WORKERS, async () => {
    const th = await startThreadWith({ blocking }, W, 'sleepers', [['a', 300], ['b', 10], ['c', 10], ['d', 0]]);
    assert.deepEqual(await th.join(), ['d', 'b', 'c', 'a']);
  });

  test(`a tasklet in ${how} awaits a promise its event loop settles`, WORKERS, async () => {
    const th = await startThreadWith({ blocking }, W, 'awaitsPromise');
    assert.deepEqual(await th.join(), ['tick 0', 'tick 1', 'tick 2', 'got worker']);
  });

  test(`the thread's own tasklet in ${how} awaits promises and sleeps`, WORKERS, async () => {
    const ch = channel();
    const th = await startThreadWith({ blocking }, W, 'awaitsPromiseInTasklet', ch);
    assert.equal(await ch.receive(), 42);
    assert.equal(await th.join(), 'nope');
  });

  test(`main code of ${how} awaits sleep() in order with its tasklets`, WORKERS, async () => {
    const th = await startThreadWith({ blocking }, W, 'mainSleeps');
    assert.deepEqual(await th.join(), ['tasklet 2', 'main 300']);
  });

  test(`a receive here waits for a sender sleeping in ${how}`, WORKERS, async () => {
    const ch = channel();
    const th = await startThreadWith({ blocking }, W, 'sleepThenSend', ch, 30, 'late');
    assert.equal(await ch.receive(), 'late');
    await th.join();
  });

  test(`a receiver in ${how} is not deadlocked while a tasklet here awaits a promise`, WORKERS, async () => {
    const ch = channel();
    const th = await startThreadWith({ blocking }, W, 'receiveOne', ch);
    const d = deferred();
    tasklet(function* () { yield ch.send(yield d.promise); })();
    const p = run();
    // The worker waits in its receive meanwhile: give it time to see a
    // deadlock if it wrongly would (it would then end with DeadlockError).
    await new Promise((k) => setTimeout(k, 50));
    d.resolve('after the promise');
    await p;
    assert.equal(await th.join(), 'after the promise');
  });

  test(`select across threads: a tasklet in ${how} selects with a deadline on channels fed from here`, WORKERS, async () => {
    const a = channel(), b = channel();
    const th = await startThreadWith({ blocking }, W, 'selects', a, b);
    assert.equal(await b.receive(), 'ready'); // it timed out once, and is waiting again
    await b.send('to the worker');
    assert.deepEqual(await th.join(), ['TimeoutError', { index: 1, value: 'to the worker' }]);
    assert.deepEqual([a.balance, b.balance], [0, 0]);
  });
}
