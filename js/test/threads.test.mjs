// Threads: workers with their own schedulers over the same memory, channels
// between them, values that cross, errors across threads.
import '../test-fixtures/built.mjs';
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import {
  init, tasklet, channel, run, schedule, getthreads, startThread, startThreadWith,
  getcurrent, hold, thread_id, Tasklet, WrongThreadError, DeadTaskletError, DeadlockError, Thread,
} from '../index.js';

await init();
const W = new URL('../test-fixtures/threads.mjs', import.meta.url);

test('a thread has its own scheduler; join() gives its result', async () => {
  const th = await startThread(W, 'info', { a: 1 });
  assert.ok(th instanceof Thread);
  assert.ok(th.id > 1);
  const r = await th.join();
  assert.equal(r.tid, th.id);
  assert.equal(r.runcount, 1);
  assert.deepEqual(r.x, { a: 1 });
  assert.equal(th.alive, false);
  assert.deepEqual(getthreads(), [1]);
});

test("a thread's error rejects join() with a copy of it", async () => {
  const th = await startThread(W, 'fails');
  await assert.rejects(th.join(), (e) => e instanceof RangeError && e.message === 'failed in a thread');
  await assert.rejects((await startThread(W, 'nosuch')).join(), /no exported function "nosuch"/);
});

test('a channel handed to a thread works from both sides (tasklets here, a tasklet there)', async () => {
  const a = channel(), b = channel();
  const th = await startThread(W, 'echo', a, b, 3);
  const got = [];
  tasklet(function* () { for (const v of [1, 2, 3]) yield a.send(v); })();
  tasklet(function* () { for (let i = 0; i < 3; i++) got.push(yield b.receive()); })();
  await run();
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(await th.join(), 3);
});

test('main code awaits a thread without blocking the event loop', async () => {
  const a = channel(), b = channel();
  const th = await startThread(W, 'echo', a, b, 1);
  // The event loop sends later: hold() counts it as a party meanwhile (else
  // main's receive and the thread's would be a deadlock).
  const release = hold();
  let settled = false;
  const got = b.receive(); // waits for the thread, which waits for 'ping'
  got.then(() => { settled = true; }, () => { settled = true; });
  // A timer's callback runs while the receive waits: the event loop is free
  // (were it blocked, this would never resolve and the test would time out).
  const ran = await new Promise((r) => setTimeout(() => r('timer ran'), 0));
  assert.equal(ran, 'timer ran');
  assert.equal(settled, false, 'the receive still waits: nobody has sent');
  await a.send('ping');
  assert.equal(await got, 'ping');
  release();
  await th.join();
});

test('values crossing threads are copied: numbers, strings, JSON, binary, channels', async () => {
  const ch = channel();
  const th = await startThread(W, 'describe', ch, 8);
  const bytes = new Uint8Array([1, 2, 255]);
  const obj = { s: 'é😀', n: [1, 2.5, null], nested: { t: true } };
  for (const v of [7, -1.5, 2 ** 40, 'text ✓', obj, bytes, bytes.buffer, new Float64Array([0.5, -2])]) {
    await ch.send(v);
  }
  const r = await th.join();
  assert.deepEqual(r.map((x) => x.type), ['[object Number]', '[object Number]', '[object Number]',
    '[object String]', '[object Object]', '[object Uint8Array]', '[object ArrayBuffer]',
    '[object Float64Array]']);
  assert.deepEqual(r.map((x) => x.v), [7, -1.5, 2 ** 40, 'text ✓', obj, [1, 2, 255], [1, 2, 255], [0.5, -2]]);
});

test('a same-thread send on a channel shared with a thread still keeps identity', async () => {
  const ch = channel();
  const th = await startThread(W, 'info', ch); // ch is now shared
  await th.join();
  const obj = {};
  let got;
  tasklet(function* () { got = yield ch.receive(); })();
  tasklet(function* () { yield ch.send(obj); })();
  await run();
  assert.equal(got, obj);
});

test('a channel sent over a channel to another thread', async () => {
  const ch = channel(), reply = channel();
  const th = await startThread(W, 'viaChannel', ch);
  await ch.send(reply);
  assert.equal(await reply.receive(), `hello from thread ${th.id}`);
  await th.join();
});

test("wrong thread: switching to another thread's tasklet; moving a JS tasklet", async () => {
  const ch = channel();
  const th = await startThread(W, 'owner', ch);
  const remote = await ch.receive();
  assert.equal(remote.thread_id, th.id);
  assert.throws(() => remote.switch(), (e) => e instanceof WrongThreadError &&
    e.message === "can't switch to a different thread.");
  const mine = tasklet(function* () {})();
  mine.remove();
  assert.throws(() => mine.bind_thread(th.id), WrongThreadError);
  assert.throws(() => mine.bind_thread(9999), WrongThreadError); // no such thread
  mine.kill();
  await ch.send('finish');
  assert.equal(await th.join(), 'owner done');
  assert.equal(remote.thread_id, -1); // its thread is gone
  assert.throws(() => remote.run(), DeadTaskletError);
});

test('terminate(): the thread is marked dead, its tasklets lose their thread',
  async () => {
  const ch = channel(), ready = channel();
  const th = await startThread(W, 'blockForever', ch, ready);
  const t = await ready.receive();
  // The worker sent t before t ran: wait for the state asserted.
  while (!t.blocked) await new Promise((ok) => setTimeout(ok, 1));
  await th.terminate();
  assert.equal(th.alive, false);
  assert.equal(t.thread_id, -1);
  assert.equal(t.alive, false);
  assert.ok(!getthreads().includes(th.id));
  // Its tasklet still sits in ch (Stackless's rule): a send finds a partner
  // without a thread, and the error says what to do.
  await assert.rejects(ch.send(1), (e) => e instanceof DeadTaskletError &&
    /its thread ended: kill\(\) it, or bind_thread\(\) it to a live thread/.test(e.message) &&
    e.message.includes(`<tasklet ${t.h}>`));
  t.kill();
  assert.equal(ch.balance, 0);
});

test('a thread whose scheduler awaits (blocking: false) works the same', async () => {
  const a = channel(), b = channel();
  const th = await startThreadWith({ blocking: false }, W, 'echo', a, b, 2);
  await a.send('x');
  assert.equal(await b.receive(), 'x');
  await a.send('y');
  assert.equal(await b.receive(), 'y');
  assert.equal(await th.join(), 2);
});

test('a thread can start a thread of its own', async () => {
  const th = await startThread(W, 'nested', 'deep');
  const r = await th.join();
  assert.equal(r.me, th.id);
  assert.ok(r.child > th.id);
  assert.equal(r.x, 'deep');
});

test('getcurrent() is the main tasklet outside tasklets', () => {
  assert.equal(getcurrent().is_main, true);
});

test('two threads each waiting for the other while main code only joins: both get DeadlockError', { timeout: 20_000 }, async () => {
  const a = channel(), b = channel();
  const A = await startThread(W, 'waitThenSend', a, b);
  const B = await startThread(W, 'waitThenSend', b, a);
  const results = await Promise.all([A.join(), B.join()]);
  for (const r of results) assert.match(r, /^DeadlockError/);
});

test('the same, joined one after the other (the second join finds its thread ended)', { timeout: 20_000 }, async () => {
  const a = channel(), b = channel();
  const A = await startThread(W, 'waitThenSend', a, b);
  const B = await startThread(W, 'waitThenSend', b, a);
  assert.match(await A.join(), /^DeadlockError/);
  assert.match(await B.join(), /^DeadlockError/);
});

test('snapshot(): every tasklet with its thread, state and channel; blocked_kind', async () => {
  const { snapshot } = await import('../index.js');
  const c = channel();
  const t = tasklet(function* () { return yield c.receive(); });
  t();
  const info = () => snapshot().tasklets.find((x) => x.handle === t.h);
  assert.deepEqual(info(), { handle: t.h, thread_id: getthreads()[0], state: 'runnable', channel: 0 });
  assert.equal(snapshot().tasklets.find((x) => x.handle === getcurrent().h).state, 'running');
  schedule(); // t runs and blocks receiving
  assert.deepEqual(info(), { handle: t.h, thread_id: getthreads()[0], state: 'blocked_recv', channel: c.h });
  assert.equal(t.blocked_kind, 1);
  const s = tasklet(function* () { yield c.send(1); yield c.send(2); });
  s();
  schedule(); // s hands 1 over, t ends, s blocks sending 2
  schedule();
  assert.equal(info().state, 'dead');
  assert.equal(s.blocked_kind, 2);
  assert.equal(snapshot().tasklets.find((x) => x.handle === s.h).state, 'blocked_send');
  s.kill();
  assert.ok(snapshot().threads.some((x) => x.id === getthreads()[0]));
});

test('terminate() a thread busy switching: it stops at a call into the runtime, its running tasklet ends',
  { timeout: 20_000 }, async () => {
  const ready = channel();
  for (let round = 0; round < 5; round++) {
    const th = await startThread(W, 'spin', ready);
    const t = await ready.receive();
    await new Promise((ok) => setTimeout(ok, 5 * round));
    await th.terminate();
    assert.equal(th.alive, false);
    assert.ok(!getthreads().includes(th.id));
    assert.equal(t.thread_id, -1);
    assert.equal(t.alive, false, 'runnable or running: it does not go on');
  }
  // The runtime is whole: tasklets and channels here still work.
  const ch = channel(), got = [];
  tasklet(function* () { got.push(yield ch.receive()); })();
  tasklet(function* () { yield ch.send('after'); })();
  await run();
  assert.deepEqual(got, ['after']);
});

test('a restorable C tasklet revived on another thread after its own was terminated',
  { timeout: 20_000 }, async () => {
  const { demo, snapshot } = await import('../index.js');
  const ch = channel(), ready = channel();
  const A = await startThread(W, 'hostEcho', ch, ready);
  const t = await ready.receive();
  while (t.blocked_kind !== 1) await new Promise((ok) => setTimeout(ok, 2));
  assert.equal(t.restorable, true);
  assert.equal(t.blocked_kind, 1);
  assert.equal(snapshot().tasklets.find((x) => x.handle === t.h).state, 'blocked_recv');
  await A.terminate();
  assert.equal(t.thread_id, -1);
  assert.equal(snapshot().tasklets.find((x) => x.handle === t.h).state, 'nothread');
  const B = await startThreadWith({ blocking: false }, W, 'idleUntil', ready);
  await ready.receive(); // B runs
  t.bind_thread(B.id);
  assert.equal(t.thread_id, B.id);
  await ch.send('ping');
  assert.equal(await ch.receive(), 'ping');
  await t.kill();
  await ready.send('stop');
  await B.join();
  void demo;
});

test('main code blocked for a moment while its own tasklets end still waits for another thread', async () => {
  const chA = channel(), chB = channel(), go = channel();
  const th = await startThread(W, 'waitThenSend', go, chB); // sends on chB what it gets on go
  const release = hold(); // this event loop sends later: not a deadlock
  const gotA = chA.receive(); // a helper waits in chA
  await new Promise((ok) => setTimeout(ok, 10));
  tasklet(function* () { yield chA.send('a'); })();
  // This receive blocks main in C for a moment: the sender above runs, the
  // helper takes 'a' and ends, and nothing here is runnable any more.
  // Stackless would give main ENOSENDER; here a partner is on its way.
  const gotB = chB.receive();
  assert.equal(await gotA, 'a');
  await go.send('b');
  assert.equal(await gotB, 'b');
  release();
  assert.equal(await th.join(), 'received (unexpected)');
});

// ---- issue 12.6: a tasklet bound to another thread's JS function

test("another thread's tasklet bound to a JS function: bind_thread() is refused, setup() queues it in its own thread",
  { timeout: 20_000 }, async () => {
  const ch = channel(), out = channel();
  const th = await startThread(W, 'boundHere', ch, out);
  const t = await ch.receive();
  assert.equal(t.thread_id, th.id);
  assert.equal(t.alive, false);
  for (const to of [-1, thread_id()]) {
    assert.throws(() => t.bind_thread(to), (e) => e instanceof WrongThreadError &&
      e.message === `a JS tasklet cannot move to another thread: its generator lives in thread ${th.id}`, String(to));
  }
  assert.equal(t.thread_id, th.id);
  t.bind_thread(th.id); // to its own thread: fine
  const args = { n: [1, 2] };
  t.setup(args, 'two');
  assert.equal(t.alive, true);
  assert.equal(t.thread_id, th.id);
  assert.equal(t.scheduled, true);
  assert.throws(() => t.setup(), /alive/);
  await ch.send('go');
  assert.deepEqual(await out.receive(), ['ran', th.id, { n: [1, 2] }, 'two']);
  await ch.send('end');
  assert.equal(await th.join(), 'go end');
});

// ---- issue 12.1: the thread-end rule

test("thread end: its tasklets stop where they are, nothing is thrown in, join() gives the function's result",
  { timeout: 20_000 }, async () => {
  const report = channel(), out = channel();
  const th = await startThread(W, 'leaveTasklets', report, out);
  const blocked = await out.receive(), ch = await out.receive();
  const queued = await th.join(); // the function's result: its queued tasklet
  assert.ok(queued instanceof Tasklet);
  assert.equal(blocked.thread_id, -1);
  assert.equal(queued.thread_id, -1);
  assert.equal(blocked.blocked, true, 'the blocked one stays in its channel');
  assert.equal(ch.balance, -1);
  assert.equal(queued.scheduled, false);
  assert.equal(report.balance, 0, 'neither ran on (a report would wait in the channel)');
  blocked.kill();
  queued.kill();
  assert.equal(ch.balance, 0);
});

test("thread end of a plain function: its queued tasklet never runs; join() gives the result", { timeout: 20_000 }, async () => {
  const report = channel();
  const th = await startThread(W, 'leaveTaskletsPlain', report);
  assert.equal(await th.join(), 'plain returned');
  assert.equal(report.balance, 0);
});

test('terminate() of a thread idle on its event loop ends it at once (not at the timeout)', { timeout: 20_000 }, async () => {
  const ready = channel();
  const th = await startThread(W, 'idleForever', ready);
  assert.equal(await ready.receive(), 'up');
  await th.terminate({ timeout: 10 * 60_000 }); // the test's own timeout fails first if it waits for that
  assert.equal(th.alive, false);
  assert.ok(!getthreads().includes(th.id));
});

// ---- issue 12.2: main code never waits for ever

test("main code's receive settles with DeadlockError when the thread that could send ends", { timeout: 20_000 }, async () => {
  const go = channel(), ch = channel();
  const th = await startThread(W, 'endAfter', go);
  const p = ch.receive(); // only that thread could send
  await go.send('end');   // it returns: its thread ends
  await th.join();
  await assert.rejects(p, DeadlockError);
});

test("main code's receive settles with DeadlockError when its partner's thread is terminated", { timeout: 20_000 }, async () => {
  const ready = channel(), ch = channel();
  const th = await startThread(W, 'idleForever', ready); // awake: its event loop may act
  await ready.receive();
  const p = ch.receive();
  let settled = false;
  p.catch(() => {}).finally(() => { settled = true; });
  await new Promise((ok) => setTimeout(ok, 20));
  assert.equal(settled, false, 'a thread that may still send: main waits');
  await th.terminate();
  await assert.rejects(p, DeadlockError);
});

test('main code awaiting a channel while every other thread is blocked: DeadlockError (as for joins)', { timeout: 20_000 }, async () => {
  const a = channel(), b = channel();
  const th = await startThread(W, 'waitThenSend', a, b); // receives on a first
  await assert.rejects(b.receive(), DeadlockError);
  // The whole program deadlocked: the thread's function got it too, and ended.
  assert.match(await th.join(), /^DeadlockError/);
});

test('Node: a program whose main code is done while a worker sits blocked exits',
  { timeout: 60_000, skip: typeof process !== 'object' && 'a Node process' }, async () => {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../test-fixtures/exit-main.mjs', import.meta.url));
  const r = await new Promise((ok) => execFile(process.execPath, [script], { timeout: 50_000 },
    (err, stdout, stderr) => ok({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr })));
  assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: 'main done\n' }, r.stderr);
});

// ---- issue 12.12: recursive thread start

test('a module that starts a thread on itself at its top level: refused clearly', { timeout: 20_000 }, async () => {
  const { started } = await import('../test-fixtures/recursive.mjs');
  const e = await started;
  assert.ok(e instanceof Error, `the thread's join is refused, got ${e}`);
  assert.match(e.message, /while this worker imports .*recursive\.mjs.*recursion/);
  assert.deepEqual(getthreads(), [1]);
});

// ---- issue 12.4 and 12.13: values crossing threads follow structured clone

test('values crossing threads follow the structured clone algorithm, channels and tasklets anywhere inside', { timeout: 20_000 }, async () => {
  const inp = channel(), out = channel();
  const th = await startThread(W, 'bounce', inp, out, 1);
  const t = tasklet(function* () {});
  const cyc = { name: 'cycle' };
  cyc.self = cyc;
  const err = new RangeError('bad range');
  const v = {
    map: new Map([[1, 'one'], ['k', new Set([2, 3])]]), date: new Date(86400000), re: /a+b/gi,
    big: 2n ** 70n, nums: [NaN, -0, Infinity, -Infinity, undefined, 1.5],
    nested: { f64: new Float64Array([NaN, -0.5]), u8: new Uint8Array([1, 255]), big64: new BigInt64Array([-5n]) },
    cyc, err, deadlock: new DeadlockError(), inside: [inp, { t }],
  };
  await inp.send(v);
  const got = await out.receive();
  assert.notEqual(got, v);
  assert.ok(got.map instanceof Map && got.map.get(1) === 'one' && got.map.get('k') instanceof Set);
  assert.deepEqual([...got.map.get('k')], [2, 3]);
  assert.ok(got.date instanceof Date && got.date.getTime() === 86400000);
  assert.ok(got.re instanceof RegExp && got.re.source === 'a+b' && got.re.flags === 'gi');
  assert.equal(got.big, 2n ** 70n);
  assert.ok(Number.isNaN(got.nums[0]) && Object.is(got.nums[1], -0));
  assert.deepEqual(got.nums.slice(2), [Infinity, -Infinity, undefined, 1.5]);
  assert.equal(got.nums.length, 6);
  assert.ok(got.nested.f64 instanceof Float64Array && Number.isNaN(got.nested.f64[0]) && got.nested.f64[1] === -0.5);
  assert.ok(got.nested.u8 instanceof Uint8Array);
  assert.deepEqual([...got.nested.u8], [1, 255]);
  assert.deepEqual([...got.nested.big64], [-5n]);
  assert.equal(got.cyc.self, got.cyc);
  assert.ok(got.err instanceof RangeError && got.err.message === 'bad range' && got.err.stack === err.stack);
  assert.ok(got.deadlock instanceof DeadlockError && got.deadlock.code === -5);
  assert.equal(got.inside[0], inp, 'a channel inside arrives as itself');
  assert.equal(got.inside[1].t, t, 'a tasklet inside arrives as itself');
  assert.equal(await th.join(), 1);
  t.kill();
});

test('startThread arguments: tasklets and channels nested in arrays and objects arrive', { timeout: 20_000 }, async () => {
  const ch = channel();
  const t = tasklet(function* () {});
  const th = await startThread(W, 'args', [ch, t], { deep: { t } });
  const [a, b] = await th.join();
  assert.equal(a[0], ch);
  assert.equal(a[1], t);
  assert.equal(b.deep.t, t);
});

test('what structured clone refuses throws DataCloneError at send(), in the sender, nothing lost', { timeout: 20_000 }, async () => {
  const { DataCloneError } = await import('../index.js');
  const inp = channel(), out = channel();
  const th = await startThread(W, 'bounce', inp, out, 1);
  for (const bad of [{ f() {} }, [Symbol('s')], () => 1]) {
    await assert.rejects(inp.send(bad), (e) => e instanceof DataCloneError && e.name === 'DataCloneError');
  }
  // Inside a tasklet, at the yield; the tasklet goes on.
  let caught = null;
  tasklet(function* () {
    try { yield inp.send({ f() {} }); } catch (e) { caught = e; }
    yield inp.send('after');
  })();
  assert.equal(await out.receive(), 'after');
  await run();
  assert.ok(caught instanceof DataCloneError);
  assert.equal(inp.balance, 0);
  assert.equal(await th.join(), 1);
});
