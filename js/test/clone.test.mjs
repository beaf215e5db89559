// The structured clone of js/clone.js on its own (no runtime, no thread):
// what serialize -> text -> deserialize gives back for each kind the
// algorithm knows, what it refuses, and how channels, tasklets and errors
// reach the hooks.  values.test.mjs sends the same kinds through channels.
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import {
  serialize, deserialize, toText, fromText, handlesOf, DataCloneError, CLONE_CHANNEL, CLONE_TASKLET,
} from '../clone.js';

const T = { timeout: 60000 };

// Markers standing for a channel and a tasklet (values.js passes the real
// wrappers; here any object the handle hook recognizes).
class FakeChannel { constructor(h) { this.h = h; } }
class FakeTasklet { constructor(h) { this.h = h; } }
const handle = (x) => (x instanceof FakeChannel ? { kind: 'c', h: x.h }
  : x instanceof FakeTasklet ? { kind: 't', h: x.h } : null);
const adopted = [];
const hooks = {
  adopt: (isChannel, h) => { adopted.push([isChannel, h]); return isChannel ? new FakeChannel(h) : new FakeTasklet(h); },
  error: (o) => Object.assign(new Error(o.message), { revived: o }),
};

// Through the text a box carries, and back.
function copy(v) {
  const text = toText(serialize(v, { handle }));
  assert.equal(typeof text, 'string');
  return deserialize(fromText(text), hooks);
}

test('primitives at the top and inside: numbers JSON cannot hold survive the text', T, () => {
  const nums = [-0, 1, -1, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 31), 0.1, Number.MIN_VALUE];
  for (const n of nums) assert.ok(Object.is(copy(n), n), `${n} at the top`);
  const got = copy({ nums, arr: [...nums] });
  nums.forEach((n, i) => {
    assert.ok(Object.is(got.nums[i], n), `${Object.is(n, -0) ? '-0' : n} inside an array`);
    assert.ok(Object.is(got.arr[i], n), `#${i} inside a second array`);
  });
  const o = copy({ a: NaN, b: -0, c: -Infinity, d: Infinity });
  assert.ok(Object.is(o.a, NaN) && Object.is(o.b, -0) && o.c === -Infinity && o.d === Infinity);
  for (const v of ['', 'é😀', 'NaN', '-0', 'Infinity', true, false, null, undefined])
    assert.ok(Object.is(copy(v), v), `${String(v)}`);
  // A string that reads as a tagged number stays a string.
  assert.deepEqual(copy({ $n: 'NaN' }), { $n: 'NaN' });
  assert.deepEqual(copy([{ $n: '-0' }, '$n']), [{ $n: '-0' }, '$n']);
});

// Found by this file: serialize's table of values seen (a Map, which
// keys by SameValueZero) took -0 for a 0 seen before, so the copy had 0.
test('0 and -0 in the same value stay distinct', T, () => {
  const got = copy({ a: 0, b: -0, list: [0, -0] });
  const back = copy([-0, 0]);
  assert.ok(Object.is(back[0], -0) && Object.is(back[1], 0), '-0 first, then 0');
  assert.ok(Object.is(got.a, 0));
  assert.ok(Object.is(got.b, -0), 'b is -0');
  assert.ok(Object.is(got.list[1], -0), 'list[1] is -0');
});

test('BigInt, alone, inside, and as a wrapper object', T, () => {
  for (const b of [0n, -1n, 2n ** 64n, -(2n ** 100n)]) {
    assert.equal(copy(b), b);
    assert.equal(typeof copy(b), 'bigint');
    assert.equal(copy([b])[0], b);
  }
  const w = copy(Object(5n));
  assert.equal(typeof w, 'object');
  assert.equal(Object.prototype.toString.call(w), '[object BigInt]');
  assert.equal(w.valueOf(), 5n);
});

test('undefined, null and holes inside arrays and objects', T, () => {
  const got = copy({ u: undefined, n: null, a: [undefined, null, , 3] }); // eslint-disable-line no-sparse-arrays
  assert.ok('u' in got);
  assert.equal(got.u, undefined);
  assert.equal(got.n, null);
  assert.equal(got.a.length, 4);
  assert.equal(got.a[0], undefined);
  assert.equal(got.a[1], null);
  assert.ok(2 in got.a, 'a hole arrives as undefined');
  assert.equal(got.a[3], 3);
});

test('wrapper objects keep their class and value', T, () => {
  for (const [v, tag, want] of [[Object(false), 'Boolean', false], [Object(true), 'Boolean', true],
    [Object(-0), 'Number', -0], [Object(7.5), 'Number', 7.5], [Object('s'), 'String', 's']]) {
    const got = copy(v);
    assert.equal(typeof got, 'object', tag);
    assert.equal(Object.prototype.toString.call(got), `[object ${tag}]`);
    assert.ok(Object.is(got.valueOf(), want), `${tag} ${String(want)}`);
  }
});

test('Date, RegExp, Map and Set', T, () => {
  const d = copy(new Date(86400000.5));
  assert.ok(d instanceof Date);
  assert.equal(d.getTime(), 86400000);
  assert.ok(Number.isNaN(copy(new Date(NaN)).getTime()), 'an invalid Date stays invalid');
  const r = copy(/a+b/giu);
  assert.ok(r instanceof RegExp);
  assert.equal(r.source, 'a+b');
  assert.equal(r.flags, 'giu');
  const key = { k: 1 };
  const m = copy(new Map([[key, 'object key'], ['s', 1], [2, [3]], [NaN, -0]]));
  assert.ok(m instanceof Map);
  assert.equal(m.size, 4);
  const keys = [...m.keys()];
  assert.deepEqual(keys[0], key);
  assert.notEqual(keys[0], key);
  assert.equal(m.get(keys[0]), 'object key');
  assert.equal(m.get('s'), 1);
  assert.deepEqual(m.get(2), [3]);
  assert.ok(Object.is(m.get(NaN), -0));
  const s = copy(new Set([1, 'one', { one: 1 }, 1n]));
  assert.ok(s instanceof Set);
  assert.deepEqual([...s], [1, 'one', { one: 1 }, 1n]);
  assert.deepEqual(copy(new Map()), new Map());
  assert.deepEqual(copy(new Set()), new Set());
});

test('binary data: every typed array, DataView and ArrayBuffer, inside an object too', T, () => {
  const buf = new ArrayBuffer(16);
  new Uint8Array(buf).set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]);
  const views = [new Uint8Array([0, 255]), new Int8Array([-128, 127]), new Uint8ClampedArray([0, 255]),
    new Int16Array([-32768, 32767]), new Uint16Array([65535]), new Int32Array([-(2 ** 31)]),
    new Uint32Array([2 ** 32 - 1]), new Float32Array([-0, NaN]), new Float64Array([-0, Infinity, 0.1]),
    new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]), new BigUint64Array([2n ** 64n - 1n]),
    new Uint16Array(buf, 4, 3)];
  for (const v of [...views, { inside: views }]) {
    const got = copy(v);
    const pairs = Array.isArray(got.inside) ? got.inside.map((g, i) => [g, views[i]]) : [[got, v]];
    for (const [g, w] of pairs) {
      assert.equal(g.constructor, w.constructor, w.constructor.name);
      assert.equal(g.length, w.length, w.constructor.name);
      for (let i = 0; i < w.length; i++) assert.ok(Object.is(g[i], w[i]), `${w.constructor.name}[${i}]`);
    }
  }
  const ab = copy(buf);
  assert.ok(ab instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(ab)], [...new Uint8Array(buf)]);
  const dv = copy(new DataView(buf, 3, 5));
  assert.ok(dv instanceof DataView);
  assert.equal(dv.byteLength, 5);
  assert.equal(dv.byteOffset, 0);
  assert.deepEqual([...new Uint8Array(dv.buffer)], [3, 4, 5, 6, 7]);
  if (typeof SharedArrayBuffer === 'function') {
    const sab = new SharedArrayBuffer(2);
    new Uint8Array(sab).set([9, 8]);
    const got = copy(sab);
    assert.ok(got instanceof ArrayBuffer, 'a SharedArrayBuffer arrives as a copy');
    assert.deepEqual([...new Uint8Array(got)], [9, 8]);
  }
});

test('cycles and shared references keep their shape', T, () => {
  const o = { name: 'o' };
  o.self = o;
  o.list = [o, o];
  const got = copy(o);
  assert.notEqual(got, o);
  assert.equal(got.self, got);
  assert.equal(got.list[0], got);
  assert.equal(got.list[1], got);
  const shared = { s: 1 };
  const two = copy({ a: shared, b: shared, c: [shared] });
  assert.equal(two.a, two.b);
  assert.equal(two.c[0], two.a);
  const a = [];
  a.push(a);
  const ga = copy(a);
  assert.equal(ga[0], ga);
  const m = new Map();
  m.set(m, m);
  const gm = copy(m);
  assert.equal([...gm.keys()][0], gm);
  assert.equal(gm.get(gm), gm);
  const s = new Set();
  s.add(s);
  const gs = copy(s);
  assert.ok(gs.has(gs));
  const d = new Date(5);
  const gd = copy([d, d]);
  assert.equal(gd[0], gd[1]);
});

test('a class instance arrives as a plain object with its own enumerable properties', T, () => {
  class Point { constructor() { this.x = 1; this.y = [2]; } get sum() { return 3; } }
  class Tagged { constructor() { this.t = 1; } get [Symbol.toStringTag]() { return 'Tagged'; } }
  const p = copy(new Point());
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.deepEqual(p, { x: 1, y: [2] });
  assert.deepEqual({ ...copy(new Tagged()) }, { t: 1 });
  const hidden = Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false });
  assert.deepEqual(copy(hidden), { shown: 1 });
  assert.deepEqual(copy(Object.create(null, { a: { value: 1, enumerable: true } })), { a: 1 });
});

test('what structured clone refuses throws a DataCloneError that names it', T, () => {
  const cases = [[() => 1, /function/], [Symbol('s'), /symbol/], [{ f() {} }, /function/],
    [[Symbol.iterator], /symbol/], [Promise.resolve(), /Promise/], [new WeakMap(), /WeakMap/],
    [new WeakSet(), /WeakSet/], [new Map([[1, () => 2]]), /function/], [new Set([Symbol('x')]), /symbol/]];
  if (typeof WeakRef === 'function') cases.push([new WeakRef({}), /WeakRef/]);
  // A function is named by the start of its source only.
  const long = function aVeryLongFunctionNameThatGoesOn() { return 'and the body is never shown'; };
  assert.throws(() => serialize(long, { handle }), (e) => /aVeryLong/.test(e.message) && !/never shown/.test(e.message));
  for (const [v, what] of cases) {
    assert.throws(() => serialize(v, { handle }), (e) => {
      assert.ok(e instanceof DataCloneError, String(e));
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'DataCloneError');
      assert.match(e.message, what);
      assert.match(e.message, /could not be cloned/);
      return true;
    });
  }
});

test('errors, alone and inside, reach the error hook with name, message, stack, code, errno', T, () => {
  const e = Object.assign(new RangeError('far'), { code: 'E_FAR', errno: -34 });
  const got = copy({ e, list: [e] });
  assert.equal(got.e, got.list[0]);
  assert.deepEqual(got.e.revived, { name: 'RangeError', message: 'far', stack: e.stack, code: 'E_FAR', errno: -34 });
  const custom = Object.assign(new Error('mine'), { name: 'Mine' });
  assert.equal(copy(custom).revived.name, 'Mine');
  class MyError extends Error {}
  assert.equal(copy(new MyError('m')).revived.message, 'm');
  // An error-like platform object (its tag says Error) is an error too.
  const fake = { [Symbol.toStringTag]: 'DOMError', name: 'DOMError', message: 'dom' };
  assert.equal(copy(fake).revived.message, 'dom');
});

test('channels and tasklets become handle records; handlesOf lists them; adopt revives them', T, () => {
  const c = new FakeChannel(7), t = new FakeTasklet(9);
  const records = serialize({ c, t, again: [c], m: new Map([[t, c]]) }, { handle });
  const hs = records.filter((r) => r[0] === CLONE_CHANNEL || r[0] === CLONE_TASKLET);
  assert.equal(hs.length, 2, 'each handle once, however often it appears');
  assert.deepEqual(handlesOf(records), [[true, 7], [false, 9]]);
  assert.deepEqual(handlesOf(serialize({ n: 1 }, { handle })), []);
  adopted.length = 0;
  const got = deserialize(fromText(toText(records)), hooks);
  assert.deepEqual(adopted, [[true, 7], [false, 9]]);
  assert.ok(got.c instanceof FakeChannel && got.c.h === 7);
  assert.ok(got.t instanceof FakeTasklet && got.t.h === 9);
  assert.equal(got.again[0], got.c);
  assert.equal(got.m.get(got.t), got.c);
  // A callable value the hook recognizes (a tasklet wrapper is a function).
  const callable = Object.assign(() => 0, { h: 11 });
  const rec = serialize([callable], { handle: (x) => (x === callable ? { kind: 't', h: 11 } : null) });
  assert.deepEqual(handlesOf(rec), [[false, 11]]);
});

test('toText and fromText: tagged numbers only where JSON cannot hold them', T, () => {
  assert.equal(toText([1, -0, NaN, 'x']), '[1,{"$n":"-0"},{"$n":"NaN"},"x"]');
  assert.equal(toText([Infinity, -Infinity, 0]), '[{"$n":"Infinity"},{"$n":"-Infinity"},0]');
  const back = fromText('[1,{"$n":"-0"},{"$n":"NaN"},{"$n":"-Infinity"},{"$n":5},[{"$n":"1"}],null]');
  assert.ok(Object.is(back[1], -0));
  assert.ok(Number.isNaN(back[2]));
  assert.equal(back[3], -Infinity);
  assert.deepEqual(back[4], { $n: 5 }, 'a non-string tag is not a number');
  assert.deepEqual(back[5], [1]);
  assert.equal(back[6], null);
});

test('a record of an unknown kind is refused', T, () => {
  assert.throws(() => deserialize([['Nonsense', []]], hooks), DataCloneError);
  assert.throws(() => deserialize([['Object', []]], hooks), DataCloneError);
  assert.throws(() => deserialize([['NoSuchArray', []]], hooks), DataCloneError, 'no such class');
  assert.throws(() => deserialize([['SharedArrayBuffer', [1]]], hooks), DataCloneError, 'a class, not an array');
  const f32 = deserialize([['Float32Array', [1.5]]], hooks);
  assert.ok(f32 instanceof Float32Array);
  assert.equal(f32[0], 1.5);
});
