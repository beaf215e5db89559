// The rest of Stackless's API (issue 12): schedule(retval), next/prev,
// atomic, nesting_level, get_thread_info, raise_exception/send_exception,
// a channel's receive loop inside a tasklet, the error handler, the
// schedule and channel callbacks, and pre-emptive run({timeout...}).
// Runs in Node and in Chromium (tests/browser/package-tests.test.mjs).
import '../test-fixtures/built.mjs';
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import stackless, {
  init, tasklet, channel, run, schedule, getcurrent, getmain, getruncount, get_thread_info,
  atomic, set_error_handler, set_schedule_callback, set_channel_callback, get_schedule_callback,
  StacklessError, WrongThreadError,
} from '../index.js';

await init();
const T = { timeout: 30000 };

test('schedule(retval) gives retval back, in a tasklet and in main code', T, async () => {
  const got = [];
  tasklet(function* () {
    got.push(yield schedule({ a: 1 }));
    got.push(yield schedule());
  })();
  assert.deepEqual(schedule('main'), 'main'); // the tasklet ran meanwhile
  await run();
  assert.deepEqual(got, [{ a: 1 }, undefined]);
});

test('next/prev: the run queue is a ring through main; a channel queue is a list', T, async () => {
  function* idle() { yield schedule(); }
  const a = tasklet(idle)(), b = tasklet(idle)();
  const main = getmain();
  assert.equal(main.next, a);
  assert.equal(a.next, b);
  assert.equal(b.next, main);
  assert.equal(main.prev, b);
  assert.equal(a.prev, main);
  await run();
  assert.equal(a.next, null);
  const ch = channel();
  const r1 = tasklet(function* () { yield ch.receive(); })();
  const r2 = tasklet(function* () { yield ch.receive(); })();
  await run();
  assert.equal(ch.queue, r1);
  assert.equal(r1.next, r2);
  assert.equal(r1.prev, null);
  assert.equal(r2.prev, r1);
  assert.equal(r2.next, null);
  r1.kill(); r2.kill();
});

test('atomic: set_atomic gives the old flag; atomic(body) sets and restores it', T, async () => {
  const seen = [];
  tasklet(function* () {
    const me = getcurrent();
    seen.push(me.atomic);
    const r = yield* atomic(function* () { seen.push(me.atomic); yield schedule(); return 7; });
    seen.push(r, me.atomic);
    seen.push(me.set_atomic(true), me.set_atomic(false));
  })();
  await run();
  assert.deepEqual(seen, [false, true, 7, false, false, true]);
  assert.equal(atomic(() => getmain().atomic), true);
  assert.equal(getmain().atomic, false);
});

test('nesting_level: 1 for a tasklet inside a nested run(), else 0', T, async () => {
  const levels = [];
  let outer;
  outer = tasklet(function* () { yield run(); })();
  tasklet(function* () { levels.push(outer.nesting_level, getcurrent().nesting_level); })();
  await run();
  assert.deepEqual(levels, [1, 0]);
  assert.equal(outer.alive, false);
  assert.equal(getmain().nesting_level, 0);
  // A blocked JS tasklet has no C state (js_tasklet keeps nothing on the
  // shadow stack): restorable, level 0.
  const ch = channel();
  const r = tasklet(function* () { yield ch.receive(); })();
  await run();
  assert.equal(r.blocked, true);
  assert.equal(r.nesting_level, 0);
  assert.equal(r.restorable, true);
  r.kill();
});

test('get_thread_info: [main, current, runcount]; a bad thread is refused', T, async () => {
  const [main, current, runcount] = get_thread_info();
  assert.equal(main, getmain());
  assert.equal(current, getmain());
  assert.equal(runcount, 1);
  let inside;
  const t = tasklet(function* () { inside = get_thread_info(stackless.thread_id()); })();
  tasklet(function* () {})();
  await run();
  assert.equal(inside[1], t);
  assert.equal(inside[0], getmain());
  assert.equal(inside[2], 2); // t, and the other one (main left the queue for run())
  assert.throws(() => get_thread_info(1 << 20), WrongThreadError);
  assert.throws(() => get_thread_info(1.5), /bad thread/);
});

test('raise_exception and send_exception make the error from a class and arguments', T, async () => {
  class Oops extends Error { constructor(a, b) { super(`${a}-${b}`); this.name = 'Oops'; } }
  const got = [];
  const ch = channel();
  const t = tasklet(function* () {
    try { yield ch.receive(); } catch (e) { got.push(e instanceof Oops ? e.message : e); }
    try { yield schedule(); } catch (e) { got.push(e instanceof Oops ? e.message : e); }
  })();
  await run();
  await ch.send_exception(Oops, 1, 2);
  t.raise_exception(Oops, 3, 4);
  await run();
  assert.deepEqual(got, ['1-2', '3-4']);
  assert.throws(() => t.raise_exception('nope'), TypeError);
});

test('ch.each in a tasklet receives until the channel is closing and empty', T, async () => {
  const ch = channel(), out = channel();
  ch.preference = 1; // the sender goes on, and closes before the receiver comes back
  const got = [];
  let count;
  tasklet(function* () {
    count = yield* ch.each(function* (v) { got.push(v); yield schedule(); });
    yield out.send('done');
  })();
  tasklet(function* () {
    yield* ch.send_sequence([1, 2, 3]);
    ch.close();
  })();
  const done = out.receive();
  await run();
  assert.equal(await done, 'done');
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(count, 3);
  // Plain function bodies, and main code.
  const ch2 = channel();
  ch2.preference = 1;
  tasklet(function* () { yield* ch2.send_sequence(['x', 'y']); ch2.close(); })();
  const seen = [];
  assert.equal(await ch2.each((v) => { seen.push(v); }), 2);
  assert.deepEqual(seen, ['x', 'y']);
});

test('set_error_handler: returning swallows a tasklet\'s error, throwing replaces it', T, async () => {
  const seen = [];
  assert.equal(set_error_handler((e, t) => { seen.push([e.message, t.alive]); }), null);
  try {
    tasklet(function* () { yield schedule(); throw new Error('first'); })();
    await run(); // swallowed
    assert.deepEqual(seen, [['first', true]]);
    set_error_handler((e) => { throw new RangeError(`handled ${e.message}`); });
    tasklet(function* () { throw new Error('second'); })();
    await assert.rejects(run(), (e) => e instanceof RangeError && e.message === 'handled second');
  } finally {
    set_error_handler(null);
  }
  tasklet(function* () { throw new Error('third'); })();
  await assert.rejects(run(), /third/);
  assert.throws(() => set_error_handler(5), TypeError);
});

test('schedule callback sees every switch; it cannot switch itself', T, async () => {
  const log = [];
  const errs = [];
  const main = getmain();
  const a = tasklet(function* () { yield schedule(); })();
  const b = tasklet(function* () {})();
  assert.equal(set_schedule_callback((prev, next) => {
    const name = (t) => (t === main ? 'main' : t === a ? 'a' : t === b ? 'b' : String(t));
    log.push(`${name(prev)}>${name(next)}`);
    try { schedule(); } catch (e) { errs.push(e instanceof StacklessError); }
  }), null);
  try {
    await run();
  } finally {
    assert.equal(typeof set_schedule_callback(null), 'function');
  }
  assert.equal(get_schedule_callback(), null);
  assert.deepEqual(log, ['main>a', 'a>b', 'b>a', 'a>main']);
  assert.equal(errs.length, log.length);
  assert.ok(errs.every((x) => x));
});

test('channel callback sees sends and receives; a channel action inside it fails', T, async () => {
  const log = [];
  const fails = [];
  const ch = channel(), other = channel();
  const r = tasklet(function* () { yield ch.receive(); })();
  const s = tasklet(function* () { yield ch.send(1); })();
  set_channel_callback((c, t, sending, willblock) => {
    log.push([c === ch, t === r ? 'r' : t === s ? 's' : '?', sending, willblock]);
    other.send(0).catch((e) => fails.push(e instanceof StacklessError));
  });
  try {
    await run();
  } finally {
    set_channel_callback(null);
  }
  assert.deepEqual(log, [[true, 'r', false, true], [true, 's', true, false]]);
  await Promise.resolve();
  assert.deepEqual(fails, [true, true]);
  assert.equal(other.balance, 0);
});

test('run({timeout}) interrupts a tasklet after timeout ticks (each yield a tick)', T, async () => {
  let n = 0;
  const t = tasklet(function* () { for (;;) { n++; yield; } })();
  const victim = await run({ timeout: 100 });
  assert.equal(victim, t);
  assert.equal(t.paused, true);
  assert.ok(n >= 100 && n <= 102, `ticks before the interrupt: ${n}`);
  t.kill();
  assert.equal(t.alive, false);
  // Nobody interrupted: null.
  tasklet(function* () { for (let i = 0; i < 10; i++) yield; })();
  assert.equal(await run({ timeout: 100 }), null);
  // A plain run() still gives undefined.
  assert.equal(await run(), undefined);
  await assert.rejects(run({ timeout: -1 }), RangeError);
});

test('run({timeout}): a yield that does not switch (kill of a dead tasklet) is a tick too', T, async () => {
  const dead = tasklet(function* () {})();
  await run();
  let n = 0;
  const t = tasklet(function* () { for (;;) { n++; yield dead.kill(); } })();
  assert.equal(await run({ timeout: 50 }), t);
  assert.ok(n >= 50 && n <= 52, `ticks before the interrupt: ${n}`);
  t.kill();
});

test('run({timeout}) does not interrupt an atomic tasklet', T, async () => {
  let n = 0;
  tasklet(function* () {
    yield* atomic(function* () { for (let i = 0; i < 300; i++) { n++; yield; } });
  })();
  assert.equal(await run({ timeout: 50 }), null);
  assert.equal(n, 300);
});

test('run({timeout, soft}) returns at the timed-out tasklet\'s next switch point, nobody paused', T, async () => {
  let n = 0;
  const a = tasklet(function* () { for (let i = 0; i < 200; i++) { n++; yield; } })();
  assert.equal(await run({ timeout: 50, soft: true }), null);
  assert.ok(n > 50 && n < 200, `ticks before the soft interrupt: ${n}`);
  assert.equal(a.scheduled, true);
  assert.equal(a.paused, false);
  assert.equal(getruncount(), 2);
  await run();
  assert.equal(n, 200);
});

test('yield run({timeout}) inside a tasklet gives the interrupted tasklet', T, async () => {
  let got;
  const spin = tasklet(function* () { for (;;) yield; });
  tasklet(function* () {
    spin();
    got = yield run({ timeout: 30 });
  })();
  await run();
  assert.equal(got, spin);
  assert.equal(spin.paused, true);
  spin.kill();
});
