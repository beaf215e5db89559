// Every kind of value a channel carries comes out as it went in: on one
// thread (by reference, on a channel that never left it, and boxed, on one
// shared with a thread) and across threads (a copy there and back).  Only
// the public API (send/receive), so this holds whatever the encoding is.
import '../test-fixtures/built.mjs';
import { test, after } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { init, tasklet, channel, run, startThread, DeadlockError, Channel } from '../index.js';

await init();
const W = new URL('../test-fixtures/threads.mjs', import.meta.url);

// [label, value]: each kind, and each edge of the encodings (the 31-bit
// immediate integers end at +-2^30).
const PRIMITIVES = [
  ['undefined', undefined], ['null', null], ['false', false], ['true', true],
  ['0', 0], ['-0', -0], ['1', 1], ['-1', -1], ['NaN', NaN],
  ['2^30 - 1', 2 ** 30 - 1], ['2^30', 2 ** 30], ['-2^30', -(2 ** 30)], ['-2^30 - 1', -(2 ** 30) - 1],
  ['2^31 - 1', 2 ** 31 - 1], ['2^31', 2 ** 31], ['-2^31', -(2 ** 31)], ['2^32', 2 ** 32],
  ['2^53 + 2', 2 ** 53 + 2], ['0.1', 0.1], ['-1.5', -1.5], ['MIN_VALUE', Number.MIN_VALUE],
  ['MAX_VALUE', Number.MAX_VALUE], ['Infinity', Infinity], ['-Infinity', -Infinity],
  ['0n', 0n], ['-1n', -1n], ['2^64 BigInt', 2n ** 64n], ['-2^100 BigInt', -(2n ** 100n)],
  ['empty string', ''], ['ASCII', 'a'], ['NUL inside', 'a\0b'], ['accents', 'é ü ß'],
  ['surrogate pair', '😀 x 𝄞'], ['long string', 'xyz'.repeat(100000)],
  ['numeric string', '12'], ['"true"', 'true'],
];
// Strings that are not well-formed UTF-16: a copy through UTF-8 loses them.
const LONE_SURROGATES = [['lone high', 'a\uD83D'], ['lone low', '\uDE00b'], ['reversed pair', '\uDE00\uD83D']];

function binaries() {
  const buf = new ArrayBuffer(16);
  new Uint8Array(buf).set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, -0.25);
  return [
    ['ArrayBuffer', buf],
    ['empty ArrayBuffer', new ArrayBuffer(0)],
    ['Uint8Array', new Uint8Array([0, 1, 255])],
    ['Int8Array', new Int8Array([-128, -1, 0, 127])],
    ['Uint8ClampedArray', new Uint8ClampedArray([0, 128, 255])],
    ['Int16Array', new Int16Array([-32768, -1, 32767])],
    ['Uint16Array', new Uint16Array([0, 65535])],
    ['Int32Array', new Int32Array([-(2 ** 31), -1, 2 ** 31 - 1])],
    ['Uint32Array', new Uint32Array([0, 2 ** 32 - 1])],
    ['Float32Array', new Float32Array([-0, 1.5, NaN, Infinity])],
    ['Float64Array', new Float64Array([-0, 0.1, NaN, -Infinity])],
    ['BigInt64Array', new BigInt64Array([-(2n ** 63n), -1n, 2n ** 63n - 1n])],
    ['BigUint64Array', new BigUint64Array([0n, 2n ** 64n - 1n])],
    ['DataView', dv],
    ['a view into the middle of a buffer', new Uint16Array(buf, 4, 3)],
    ['a DataView into the middle of a buffer', new DataView(buf, 3, 5)],
  ];
}

const OBJECTS = [
  ['empty object', {}], ['empty array', []],
  ['nested', { a: [1, 2.5, 'x', null, true, false, { b: { c: [] } }], s: 'é😀', n: -7 }],
  ['array of kinds', [0, 2 ** 30, -(2 ** 30) - 1, 'two', [3], { four: 4 }]],
  ['lone surrogates inside an object', { s: '\uD800', t: ['\uDFFF'] }],
];

function bytesOf(v) {
  return [...new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer,
    v instanceof ArrayBuffer ? 0 : v.byteOffset, v.byteLength)];
}

// got is want, or a faithful copy of it.
function assertSame(got, want, label) {
  if (want instanceof ArrayBuffer || ArrayBuffer.isView(want)) {
    assert.equal(Object.prototype.toString.call(got), Object.prototype.toString.call(want), label);
    assert.equal(got.constructor, want.constructor, label);
    assert.equal(got.byteLength, want.byteLength, label);
    assert.deepEqual(bytesOf(got), bytesOf(want), label);
    if (ArrayBuffer.isView(want) && !(want instanceof DataView)) {
      assert.equal(got.length, want.length, label);
      for (let i = 0; i < want.length; i++)
        assert.ok(Object.is(got[i], want[i]), `${label}[${i}]: ${got[i]} is not ${want[i]}`);
    }
  } else if (want !== null && typeof want === 'object') {
    assert.deepEqual(got, want, label);
  } else {
    assert.equal(typeof got, typeof want, label);
    assert.ok(Object.is(got, want), `${label}: got ${String(got).slice(0, 40)}, want ${String(want).slice(0, 40)}`);
  }
}

// Tasklets on this thread: one receives what the other sends.
async function viaTasklets(ch, values) {
  const got = [];
  tasklet(function* () { for (let i = 0; i < values.length; i++) got.push(yield ch.receive()); })();
  tasklet(function* () { for (const [, v] of values) yield ch.send(v); })();
  await run();
  return got;
}

// Out to a thread and back: copied there, copied again on the way back.
// One echo thread serves every test of this file (a thread costs far more
// than the values; Stryker runs this file once per mutant), terminated
// at the end.
let echo = null;
async function viaThread(values) {
  if (!echo) {
    const out = channel(), back = channel();
    echo = { out, back, th: await startThread(W, 'echo', out, back, 1e9) };
  }
  const got = [];
  for (const [, v] of values) {
    await echo.out.send(v);
    got.push(await echo.back.receive());
  }
  return got;
}
after(async () => {
  if (!echo) return;
  await echo.th.terminate();
});

let sharedCh = null;
async function shared() { // a channel that has been handed to a thread
  if (!sharedCh) {
    sharedCh = channel();
    await (await startThread(W, 'info', sharedCh)).join();
  }
  return sharedCh;
}

const ALL = () => [...PRIMITIVES, ...LONE_SURROGATES, ...binaries(), ...OBJECTS];

test('one thread, a channel that never left it: the same values, objects by identity', async () => {
  const values = ALL();
  const got = await viaTasklets(channel(), values);
  assert.equal(got.length, values.length);
  values.forEach(([label, v], i) => {
    if (v !== null && typeof v === 'object') assert.equal(got[i], v, `${label}: the original`);
    else assertSame(got[i], v, label);
  });
});

test('one thread, a channel shared with a thread: the same values, objects by identity', async () => {
  const values = [...PRIMITIVES, ...binaries(), ...OBJECTS];
  const got = await viaTasklets(await shared(), values);
  values.forEach(([label, v], i) => {
    if (v !== null && typeof v === 'object') assert.equal(got[i], v, `${label}: the original`);
    else assertSame(got[i], v, label);
  });
});

test('across threads: every kind of value comes back equal (a copy)', async () => {
  const values = [...PRIMITIVES, ...binaries(), ...OBJECTS];
  const got = await viaThread(values);
  assert.equal(got.length, values.length);
  values.forEach(([label, v], i) => {
    assertSame(got[i], v, label);
    if (v !== null && typeof v === 'object') assert.notEqual(got[i], v, `${label}: a copy`);
  });
});

test('one thread, a channel shared with a thread: strings that are not well-formed UTF-16 come out unchanged',
  async () => {
    const got = await viaTasklets(await shared(), LONE_SURROGATES);
    LONE_SURROGATES.forEach(([label, v], i) => assertSame(got[i], v, label));
  });

test('across threads: strings that are not well-formed UTF-16 come back unchanged', async () => {
  const got = await viaThread(LONE_SURROGATES);
  LONE_SURROGATES.forEach(([label, v], i) => assertSame(got[i], v, label));
});

test('across threads: an Error keeps its class, name, message and code', async () => {
  const custom = new Error('mine');
  custom.name = 'MyError';
  const coded = Object.assign(new TypeError('with a code'), { code: 'E_X', errno: -5 });
  const [range, named, withCode, ours] = await viaThread([['RangeError', new RangeError('out of range')],
    ['custom name', custom], ['code', coded], ['the package\'s', new DeadlockError(-1, 'stuck')]]);
  assert.ok(range instanceof RangeError, String(range));
  assert.equal(range.message, 'out of range');
  assert.ok(named instanceof Error);
  assert.equal(named.name, 'MyError');
  assert.equal(named.message, 'mine');
  assert.ok(withCode instanceof TypeError);
  assert.equal(withCode.code, 'E_X');
  assert.equal(withCode.errno, -5);
  assert.ok(ours instanceof DeadlockError, String(ours));
  assert.equal(ours.message, 'stuck');
  assert.equal(ours.code, -1);
});

test('across threads: a channel, alone or inside an object, comes back usable', async () => {
  const a = channel(), b = channel();
  const [gotA, obj] = await viaThread([['channel', a], ['object', { reply: b, n: 1, more: [b] }]]);
  assert.ok(gotA instanceof Channel);
  assert.ok(obj.reply instanceof Channel);
  assert.ok(obj.more[0] instanceof Channel);
  assert.equal(obj.n, 1);
  for (const [mine, back] of [[a, gotA], [b, obj.reply], [b, obj.more[0]]]) {
    let got;
    tasklet(function* () { got = yield mine.receive(); })();
    tasklet(function* () { yield back.send('through'); })();
    await run();
    assert.equal(got, 'through');
  }
});

test('across threads: values are received in order, mixed kinds back to back', async () => {
  const values = [];
  for (let i = 0; i < 64; i++) {
    const k = i % 8;
    values.push([`#${i}`, k === 0 ? i : k === 1 ? -i - 0.5 : k === 2 ? `s${i}` : k === 3 ? { i }
      : k === 4 ? i % 2 === 0 : k === 5 ? BigInt(i) * 10n ** 20n : k === 6 ? new Int32Array([i, -i]) : 2 ** 30 + i]);
  }
  const got = await viaThread(values);
  values.forEach(([label, v], i) => assertSame(got[i], v, label));
});

test('across threads: a tasklet comes back as the same tasklet of this thread', async () => {
  const t = tasklet(function* () {}); // bound, not scheduled: nothing changes it meanwhile
  const [got] = await viaThread([['tasklet', t]]);
  assert.equal(typeof got, typeof t);
  assert.equal(String(got), String(t)); // the same handle
  assert.equal(got.thread_id, t.thread_id);
});

test('across threads: a tasklet inside an object comes back too', async () => {
  const t = tasklet(function* () {});
  const [obj] = await viaThread([['object', { t, also: [t] }]]);
  assert.equal(String(obj.t), String(t));
  assert.equal(String(obj.also[0]), String(t));
  assert.equal(obj.also[0], obj.t, 'one tasklet, once');
});

// What structured clone knows beyond JSON: each kind, inside a value too.
function cloneKinds() {
  const cyc = { name: 'cycle' };
  cyc.self = cyc;
  const shared = { s: 1 };
  const key = { k: 1 };
  return [
    ['Map', new Map([[key, 'object key'], ['s', 1], [2, [3]], [NaN, -0]])],
    ['Set', new Set([1, 'one', { one: 1 }, 2n ** 70n])],
    ['Date', new Date(1234567890123)],
    ['RegExp', /a+b/giu],
    ['Boolean object', Object(false)], ['Number object', Object(-1.5)], ['String object', Object('s')],
    ['BigInt object', Object(-7n)],
    ['kinds inside', { m: new Map([[1, new Set([2])]]), d: [new Date(0)], r: { re: /x/y },
      t: new Int32Array([-(2 ** 30) - 1, 2 ** 30]), dv: new DataView(new ArrayBuffer(2)),
      nums: [NaN, -0, Infinity, -(2 ** 30), 2 ** 30 - 1], big: [2n ** 64n, -1n], b: [true, false],
      u: [undefined, null] }],
    ['cycle', cyc],
    ['shared references', { a: shared, b: shared, c: [shared] }],
  ];
}

function assertCloneKind(label, got, want) {
  assert.deepEqual(got, want, label);
  assert.equal(Object.prototype.toString.call(got), Object.prototype.toString.call(want), label);
  if (label === 'cycle') assert.equal(got.self, got, 'the cycle closes on the copy');
  if (label === 'shared references') {
    assert.equal(got.a, got.b, 'one object, twice');
    assert.equal(got.c[0], got.a);
  }
  if (label === 'kinds inside') {
    for (let i = 0; i < want.nums.length; i++) assert.ok(Object.is(got.nums[i], want.nums[i]), `nums[${i}]`);
    assert.ok(got.t instanceof Int32Array && got.dv instanceof DataView);
  }
  if (want instanceof RegExp) assert.equal(got.flags, want.flags);
  if (typeof want === 'object' && want !== null && !(want instanceof Map || want instanceof Set) &&
      ['Boolean', 'Number', 'String', 'BigInt'].some((k) => label.startsWith(k)))
    assert.ok(Object.is(got.valueOf(), want.valueOf()), label);
}

test('across threads: Map, Set, Date, RegExp, wrapper objects, cycles and shared references', async () => {
  const values = cloneKinds();
  const got = await viaThread(values);
  values.forEach(([label, v], i) => {
    assert.notEqual(got[i], v, `${label}: a copy`);
    assertCloneKind(label, got[i], v);
  });
});

test('one thread, on a channel shared with a thread: the same Map, Set, cycle... objects', async () => {
  const values = cloneKinds();
  const got = await viaTasklets(await shared(), values);
  values.forEach(([label, v], i) => assert.equal(got[i], v, `${label}: the original`));
});

test('across threads: channels and tasklets inside a Map, a Set and an array come back usable', async () => {
  const c = channel();
  const t = tasklet(function* () {});
  const [v] = await viaThread([['mixed', { m: new Map([[t, c]]), s: new Set([c]), a: [c, t] }]]);
  const [[gt, gc]] = [...v.m];
  assert.ok(gc instanceof Channel);
  assert.equal([...v.s][0], gc, 'one channel, once');
  assert.equal(v.a[0], gc);
  assert.equal(String(gt), String(t));
  assert.equal(v.a[1], gt);
  let got;
  tasklet(function* () { got = yield c.receive(); })();
  tasklet(function* () { yield gc.send('via the copy'); })();
  await run();
  assert.equal(got, 'via the copy');
});

test('across threads: an Error inside an object keeps its class, name, message and stack', async () => {
  const e = Object.assign(new TypeError('inner'), { code: 'E_IN' });
  const custom = Object.assign(new Error('c'), { name: 'Custom' });
  const [v] = await viaThread([['errors', { e, list: [e, custom], d: new DeadlockError(-5, 'dl') }]]);
  assert.ok(v.e instanceof TypeError, String(v.e));
  assert.equal(v.e.message, 'inner');
  assert.equal(v.e.name, 'TypeError');
  assert.equal(v.e.stack, e.stack);
  assert.equal(v.e.code, 'E_IN');
  assert.equal(v.list[0], v.e, 'one error, once');
  assert.equal(v.list[1].name, 'Custom');
  assert.ok(v.list[1] instanceof Error);
  assert.ok(v.d instanceof DeadlockError, String(v.d));
  assert.equal(v.d.message, 'dl');
});

test('across threads: a Promise, a WeakMap or a function inside an object is refused', async () => {
  await viaThread([['warm up', 0]]);
  for (const v of [Promise.resolve(1), new WeakMap(), { f: () => 1 }, [Symbol('s')], new Map([[1, () => 0]])])
    await assert.rejects(echo.out.send(v), (e) => e instanceof Error && e.name === 'DataCloneError' &&
      /could not be cloned/.test(e.message));
  const [after] = await viaThread([['after', { still: 'works' }]]);
  assert.deepEqual(after, { still: 'works' });
});

test('across threads: a function or a symbol cannot be sent, and says so', async () => {
  await viaThread([['warm up', 0]]);
  for (const v of [() => 1, Symbol('s')])
    await assert.rejects(echo.out.send(v), (e) => e instanceof Error && /clone|cannot be sent/.test(e.message));
  const [after] = await viaThread([['after', 'still works']]); // nothing was left half sent
  assert.equal(after, 'still works');
});

test('across threads: a copied Error keeps its stack, and its fields stay writable', async () => {
  const e = new RangeError('r');
  const [got] = await viaThread([['error', e]]);
  assert.equal(got.stack, e.stack);
  got.message = 'changed';
  assert.equal(got.message, 'changed');
  const named = Object.assign(new Error('n'), { name: 'Custom' });
  const [n] = await viaThread([['named', named]]);
  n.name = 'Renamed';
  assert.equal(n.name, 'Renamed');
  const [plain] = await viaThread([['no code', new Error('x')]]);
  assert.equal('code' in plain, false);
  assert.equal('errno' in plain, false);
});
