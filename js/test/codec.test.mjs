// The value codec of js/values.js on its own, over a fake runtime: the
// words and boxes C code and other threads read (the layout its header
// documents and wasm/js_bridge.c relies on), what each thread frees,
// retains, releases and hands back, and a receiver whose view of the
// shared memory is stale until it asks for more (another thread grew it).
// values.test.mjs checks the same values end to end through channels.
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { Codec, WORD_UNDEFINED, WORD_NULL, WORD_FALSE, WORD_TRUE } from '../values.js';

const HDR = 24; // bytes before a box's payload
const K = { STRING: 1, FLOAT: 2, JSON: 3, BYTES: 4, CHANNEL: 5, TASKLET: 6, ERROR: 7, BIGINT: 8 };

class FakeChannel { constructor(h) { this.h = h; } }
class FakeTasklet { constructor(h) { this.h = h; } }
class CustomError extends Error { get name() { return 'CustomError'; } }

// One shared memory; each thread's rt sees it through views that only
// grow when ensure() asks (as a worker's views after another grew memory).
class Memory {
  constructor() { this.buf = new ArrayBuffer(1 << 20); this.next = 64; this.live = new Map(); this.oom = false; }
}
class FakeRt {
  constructor(mem, tid, { stale = false } = {}) {
    this.mem = mem;
    this.tid = tid;
    this.visible = stale ? 0 : mem.buf.byteLength;
    this.freed = []; this.returned = []; this.released = []; this.retained = [];
  }
  h32() { return new Int32Array(this.mem.buf, 0, this.visible >> 2); }
  hu8() { return new Uint8Array(this.mem.buf, 0, this.visible); }
  ensure(end) { if (end > this.visible) this.visible = Math.min(this.mem.buf.byteLength, (end + 7) & ~7); }
  malloc(n) {
    if (this.mem.oom) return 0;
    const p = this.mem.next;
    this.mem.next += (n + 15) & ~7;
    this.mem.live.set(p, n);
    this.visible = Math.max(this.visible, this.mem.next); // malloc refreshes the caller's views
    return p;
  }
  free(p) {
    assert.ok(this.mem.live.has(p), `free(${p}) of a block that is not live`);
    this.mem.live.delete(p);
    this.freed.push(p);
  }
  isChannel(x) { return x instanceof FakeChannel; }
  isTasklet(x) { return x instanceof FakeTasklet; }
  retainFor(x, cross) { this.retained.push([x.h, cross]); return x.h; }
  releaseHandle(isChannel, h) { this.released.push([isChannel, h]); }
  retainHandle(isChannel, h) { this.retained.push([isChannel, h]); }
  adopt(isChannel, h) { return isChannel ? new FakeChannel(h) : new FakeTasklet(h); }
  returnBox(p) { this.returned.push(p); }
  errorClass(o) { return o.name === 'CustomError' ? CustomError : undefined; }
}

function pair() {
  const mem = new Memory();
  const a = new FakeRt(mem, 1), b = new FakeRt(mem, 2, { stale: true });
  return { mem, a, b, ca: new Codec(a), cb: new Codec(b) };
}
const words = (rt, p) => Array.from(new Int32Array(rt.mem.buf, p, 6));
const payload = (rt, p) => new Uint8Array(rt.mem.buf, p + HDR, new Int32Array(rt.mem.buf, p, 6)[3]);

test('integers of 31 bits are the word (v << 1) | 1, no box; the edges at +-2^30', () => {
  const { ca, mem } = pair();
  for (const v of [0, 1, -1, 7, 2 ** 30 - 1, -(2 ** 30), 123456789]) {
    const w = ca.encode(v, true);
    assert.equal(w, (v << 1) | 1, `${v}`);
    assert.ok(Object.is(ca.decode(w), v), `${v} back`);
  }
  assert.equal(mem.live.size, 0, 'nothing allocated');
  for (const v of [2 ** 30, -(2 ** 30) - 1, -0, 0.5, NaN, 2 ** 31, -(2 ** 31), Infinity, 2 ** 53]) {
    const w = ca.encode(v, true);
    assert.equal(w & 3, 0, `${v}: a box`);
    assert.equal(words(ca.rt, w)[0], K.FLOAT, `${v}: a float box`);
    assert.equal(new Float64Array(mem.buf, w + HDR, 1)[0].toString(), String(v));
    assert.ok(Object.is(ca.decode(w), v), `${Object.is(v, -0) ? '-0' : v} back`);
  }
  assert.equal(mem.live.size, 0, 'every box freed by its receiver');
});

test('undefined, null, false and true are the words 0, 4, 8, 12', () => {
  const { ca, mem } = pair();
  assert.deepEqual([undefined, null, false, true].map((v) => ca.encode(v, false)), [0, 4, 8, 12]);
  assert.deepEqual([WORD_UNDEFINED, WORD_NULL, WORD_FALSE, WORD_TRUE], [0, 4, 8, 12]);
  assert.deepEqual([0, 4, 8, 12].map((w) => ca.decode(w)), [undefined, null, false, true]);
  assert.equal(mem.live.size, 0);
});

test('a value kept on its thread is a tagged reference to the original; the slot is reused', () => {
  const { ca, cb, a } = pair();
  const o = { o: 1 };
  const w = ca.encode(o, false);
  assert.equal(w & 3, 2, 'a reference word');
  assert.equal(w >>> 22, a.tid & 1023, "the thread's tag");
  assert.throws(() => cb.decode(w), /cannot be received here/, "another thread's reference is refused");
  assert.equal(ca.decode(w), o, 'the original');
  for (let i = 0; i < 100; i++) assert.equal(ca.decode(ca.encode({ i }, false)).i, i);
  assert.ok(ca.refs.length <= 3, `the table does not grow (${ca.refs.length} slots)`);
  assert.equal(ca.decode(ca.encode('s', false)), 's');
});

test('a full reference table falls back to a box', () => {
  const { ca } = pair();
  ca.refs.length = 0xfffff;
  const last = ca.encode({ last: 1 }, false);
  assert.equal(last & 3, 2, 'the last slot is still a reference');
  const box = ca.encode({ boxed: 1 }, false);
  assert.equal(box & 3, 0, 'then a box');
  assert.deepEqual(ca.decode(box), { boxed: 1 });
  assert.deepEqual(ca.decode(last), { last: 1 });
});

test('boxes: kind, origin thread, reference, length, aux and payload as C reads them', () => {
  const { ca, a, mem } = pair();
  const check = (v, kind, len, aux = 0, bytes = null) => {
    const p = ca.encode(v, true);
    const [k, origin, , n, next, x] = words(a, p);
    assert.deepEqual([k, origin, next, x], [kind, a.tid, 0, aux], `${String(v)}`);
    if (len !== null) assert.equal(n, len, `${String(v)}: its length`);
    if (bytes) assert.deepEqual([...payload(a, p)], bytes);
    return p;
  };
  check('é', K.STRING, 2, 0, [0xc3, 0xa9]);
  check('', K.STRING, 0);
  check(0.5, K.FLOAT, 8);
  check(-12n, K.BIGINT, 3, 0, [...Buffer.from('-12')]);
  check(new Uint8Array([1, 2]).buffer, K.BYTES, 2, 0, [1, 2]);
  if (typeof SharedArrayBuffer === 'function') check(new SharedArrayBuffer(3), K.BYTES, 3, 0, [0, 0, 0]);
  const TYPED = [Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  TYPED.forEach((T, i) => check(new T(2), K.BYTES, 2 * T.BYTES_PER_ELEMENT, i + 1));
  check(new DataView(new ArrayBuffer(4), 1, 2), K.BYTES, 2, 12);
  class MyBytes extends Uint8Array {}
  check(new MyBytes([5]), K.BYTES, 1, 1, [5]);
  const ch = check(new FakeChannel(77), K.CHANNEL, 4);
  assert.equal(new Int32Array(mem.buf, ch, 7)[6], 77, 'the handle after the header');
  const t = check(new FakeTasklet(78), K.TASKLET, 4);
  assert.equal(new Int32Array(mem.buf, t, 7)[6], 78);
  assert.deepEqual(a.retained, [[77, true], [78, true]], 'retained for another thread');
  const e = check(new RangeError('r'), K.ERROR, null);
  const fields = JSON.parse(Buffer.from(payload(a, e)).toString());
  assert.deepEqual([fields.name, fields.message], ['RangeError', 'r']);
  const c5 = new FakeChannel(5);
  const j = check({ c: c5, t: new FakeTasklet(6), again: c5 }, K.JSON, null, 2);
  assert.ok(payload(a, j).length > 10);
  assert.throws(() => ca.encode(() => 1, true), (x) => x.name === 'DataCloneError' && /function/.test(x.message));
  assert.throws(() => ca.encode(Symbol('s'), true), (x) => x.name === 'DataCloneError' && /symbol/.test(x.message));
});

test('a box keeps a reference to an object for its own thread, not to a primitive nor a copy', () => {
  const { ca, a } = pair();
  const o = { o: 1 };
  assert.notEqual(words(a, ca.box(o))[2], 0, 'box(v): a reference by default');
  assert.notEqual(words(a, ca.encode(o, true))[2], 0, 'encode(v, shared)');
  assert.equal(words(a, ca.encode(o, true, true))[2], 0, 'encode(v, shared, copy): none');
  assert.equal(words(a, ca.encode('str', true))[2], 0, 'a string: none');
  assert.equal(words(a, ca.encode(1.5, true))[2], 0, 'a number: none');
});

test('out of memory: a RangeError, nothing sent', () => {
  const { ca, mem } = pair();
  mem.oom = true;
  assert.throws(() => ca.encode('x', true), RangeError);
});

test('received on another thread: a copy, read through views it must first grow; the box goes back', () => {
  const { ca, cb, a, b, mem } = pair();
  const long = 'x'.repeat(5000) + 'é';
  const o = { long, n: [1, NaN] };
  const w = ca.encode(o, true);
  const got = cb.decode(w);
  assert.notEqual(got, o);
  assert.deepEqual(got, o);
  assert.deepEqual(b.returned, [w], 'the box goes back to its origin, which drops the original');
  assert.deepEqual(b.freed, []);
  assert.ok(mem.live.has(w));
  // The origin drains its returned boxes: the reference slot and the box go.
  const w2 = ca.encode({ second: 1 }, true);
  cb.decode(w2);
  new Int32Array(mem.buf, w, 6)[4] = w2; // the list C built
  const before = ca.free.length;
  const slots = [words(a, w)[2], words(a, w2)[2]];
  assert.ok(slots.every((x) => ca.refs[x] !== undefined));
  a.visible = 0; // the origin's views are stale too (memory grew meanwhile)
  ca.drainReturned(w);
  assert.deepEqual(slots.map((x) => ca.refs[x]), [undefined, undefined], 'those very slots dropped');
  assert.deepEqual(a.freed, [w, w2]);
  assert.equal(ca.free.length, before + 2, 'both references dropped');
  assert.equal(mem.live.size, 0);
  ca.drainReturned(0);
  // Without a reference (a string): freed by the receiver.
  const s = ca.encode(long, true);
  assert.equal(cb.decode(s), long);
  assert.deepEqual(b.freed, [s]);
});

test('received on its own thread: the original, handles released, the box freed', () => {
  const { ca, a, mem } = pair();
  const c = new FakeChannel(9), t = new FakeTasklet(10);
  assert.equal(ca.decode(ca.encode(c, true)), c);
  assert.equal(ca.decode(ca.encode(t, true)), t);
  assert.deepEqual(a.released, [[true, 9], [false, 10]]);
  const o = { c, list: [t, c] };
  a.released.length = 0;
  assert.equal(ca.decode(ca.encode(o, true)), o);
  assert.deepEqual(a.released, [[true, 9], [false, 10]], 'the handles the JSON box held');
  a.released.length = 0;
  const plain = { p: 1 };
  assert.equal(ca.decode(ca.encode(plain, true)), plain);
  assert.deepEqual(a.released, []);
  assert.equal(mem.live.size, 0);
});

test('every binary kind comes back as its class; channels and tasklets are adopted', () => {
  const { ca, cb } = pair();
  const buf = new Uint8Array([1, 2, 3, 4]).buffer;
  for (const v of [buf, new Uint8Array([9, 8]), new Int16Array([-2]), new DataView(buf, 1, 2), new Float64Array([-0])]) {
    const got = cb.decode(ca.encode(v, true, true));
    assert.equal(Object.prototype.toString.call(got), Object.prototype.toString.call(v));
    assert.equal(got.byteLength, v.byteLength);
  }
  const ch = cb.decode(ca.encode(new FakeChannel(3), true, true));
  assert.ok(ch instanceof FakeChannel && ch.h === 3);
  const tk = cb.decode(ca.encode(new FakeTasklet(4), true, true));
  assert.ok(tk instanceof FakeTasklet && tk.h === 4);
  assert.equal(cb.decode(ca.encode(2n ** 80n, true)), 2n ** 80n);
});

test('a copied Error: its class, own message and stack (writable), name only when it differs', () => {
  const { ca, cb } = pair();
  const e = Object.assign(new TypeError('t'), { code: 'E', errno: -2 });
  const got = cb.decode(ca.encode(e, true));
  assert.ok(got instanceof TypeError);
  assert.equal(Object.hasOwn(got, 'name'), false, 'the class gives the name');
  for (const k of ['message', 'stack']) {
    const d = Object.getOwnPropertyDescriptor(got, k);
    assert.deepEqual([d.writable, d.configurable, d.enumerable], [true, true, false], k);
  }
  assert.equal(got.stack, e.stack);
  assert.deepEqual([got.code, got.errno], ['E', -2]);
  const named = cb.decode(ca.encode(Object.assign(new Error('n'), { name: 'Other' }), true));
  const d = Object.getOwnPropertyDescriptor(named, 'name');
  assert.deepEqual([d.value, d.writable, d.configurable], ['Other', true, true]);
  assert.ok(cb.decode(ca.encode(new CustomError('c'), true)) instanceof CustomError, "the runtime's class");
  const plain = cb.decode(ca.encode(new Error('p'), true));
  assert.equal('code' in plain, false);
  assert.equal('errno' in plain, false);
});

test('a box of an unknown kind is an error that names its word', () => {
  const { ca, cb } = pair();
  const p = ca.encode('x', true);
  new Int32Array(ca.rt.mem.buf, p, 1)[0] = 99;
  assert.throws(() => cb.decode(p), new RegExp(`bad value word 0x${p.toString(16)}\\b`));
});

test('discard(): immediates are nothing; a box is freed; a foreign reference is left alone', () => {
  const { ca, cb, a, mem } = pair();
  for (const w of [0, 4, 8, 12, 3, 1, -1, (2 ** 29 << 1) | 1]) ca.discard(w);
  assert.deepEqual(a.freed, []);
  const p = ca.encode('gone', true);
  ca.discard(p);
  assert.deepEqual(a.freed, [p]);
  const r = ca.encode({ mine: 1 }, false);
  cb.discard(r); // another thread's reference: not ours to drop
  const before = ca.free.length;
  ca.discard(r);
  assert.equal(ca.free.length, before + 1, 'its slot is free again');
  assert.equal(mem.live.size, 0);
  // A thread whose tag sets the top bit: its reference words are negative.
  const high = new Codec(new FakeRt(mem, 600));
  const neg = high.encode({ high: 1 }, false);
  assert.ok(neg < 0, 'a negative word');
  const n = high.free.length;
  high.discard(neg);
  assert.equal(high.free.length, n + 1, 'its slot is free again');
});

test('a string with lone surrogates goes as UTF-16 code units (aux 1), a well-formed one as UTF-8', () => {
  const { ca, cb, a } = pair();
  for (const v of ['a\uD83D', '\uDE00b', '\uDE00\uD83D', 'x😀\uDFFF']) {
    const p = ca.encode(v, true);
    const [kind, , , len, , aux] = words(a, p);
    assert.deepEqual([kind, len, aux], [K.STRING, 2 * v.length, 1], JSON.stringify(v));
    assert.equal(cb.decode(p), v);
  }
  const p = ca.encode('😀', true);
  assert.deepEqual(words(a, p).slice(3, 6), [4, 0, 0]);
  assert.equal(cb.decode(p), '😀');
});

test('peek(): reads a word without consuming it; a copy adopts handles of its own', () => {
  const { ca, cb, a, b, mem } = pair();
  for (const w of [0, 4, 8, 12, (5 << 1) | 1]) assert.equal(ca.peek(w), ca.decode(w));
  const o = { o: 1 };
  const r = ca.encode(o, false);
  assert.equal(ca.peek(r), o);
  assert.equal(ca.peek(r), o, 'still there');
  assert.throws(() => cb.peek(r), /another thread/);
  assert.equal(ca.decode(r), o);
  const orig = { c: new FakeChannel(4), s: 'é' };
  const box = ca.encode(orig, true);
  const seen = cb.peek(box);
  assert.equal(seen.s, 'é');
  assert.ok(seen.c instanceof FakeChannel && seen.c.h === 4);
  assert.deepEqual(b.retained, [[true, 4]], 'the copy holds a reference of its own');
  assert.deepEqual([b.freed, b.returned], [[], []], 'the box stays');
  assert.equal(ca.peek(box), orig, 'its own thread sees the original');
  assert.ok(mem.live.has(box));
  const got = cb.decode(box);
  assert.equal(got.s, 'é');
  assert.deepEqual(b.returned, [box]);
  const t = ca.encode(new FakeTasklet(8), true);
  assert.equal(cb.peek(t).h, 8);
  assert.deepEqual(b.retained.at(-1), [false, 8]);
  const s = ca.encode('kept', true);
  assert.equal(cb.peek(s), 'kept');
  assert.equal(cb.decode(s), 'kept');
});
