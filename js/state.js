// state.js -- this thread's share of the runtime: one instance of the
// package runs in each thread (its own JS realm), and these are that
// thread's.  Every other module reads them as live bindings; they change
// only through the setters below (an ES module's bindings are read-only
// to importers).
export const IS_NODE = typeof process === 'object' && !!process.versions?.node;
// Node's modules, imported past bundlers: a literal import('node:fs') gets
// Vite's preload helper, which makes a worker run the app's entry chunk
// (and fail on `document`).  Browsers never take this path.
export const nodeImport = (m) => import(/* @vite-ignore */ /* webpackIgnore: true */ m);

export let M = null;        // the Emscripten module instance of this thread
export let A = null;        // its wasm exports
let mem = null, buf = null, H32 = null, HU8 = null;
export let TID = 0;         // this thread's runtime id
export let THREADED = true; // the module has threads (else: stackless-st, no shared memory)
export let whySingle = '';  // why init() loaded the single-thread module (for errors)
export let entryURL = null; // the package's index.js, which a new thread's worker imports
export let blocking = false; // this thread's C may sleep (workers); else await
export let codec = null;
export let scratch = 0;     // 8 bytes of heap for out-parameters
export let wakeIdx = 0;     // index of this thread's wake word in H32
export let records = null; // tasklet handle -> its JS record (a HandleTable)
export let stepping = null; // the record whose generator is running
export let bomb;            // the last uncaught error of a JS tasklet here
export let channels = new Map(), tasklets = new Map(); // handle -> WeakRef(wrapper)
// handle -> wrapper (strong) of the JS tasklets set up here and not ended:
// their lookup (getcurrent(), queues, callbacks) without a WeakRef each.
// A live tasklet is held by C anyway; the entry goes when it ends.
export let live = null; // a HandleTable (attach)

/**
 * handle -> value, in arrays indexed by the handle's slot index (the
 * runtime's handles are (generation << 24) | index, and two live handles
 * never share an index): no hashing, and nothing allocated once grown (a
 * Map's entry for each JS tasklet cost ~140 bytes with its growth).  An
 * entry holds its whole handle: one of an older generation is not found.
 */
export class HandleTable {
  constructor() {
    this.v = [];
    this.k = new Int32Array(256);
    this.size = 0;
  }
  get(h) {
    const i = h & 0xffffff;
    return this.k[i] === h ? this.v[i] : undefined;
  }
  has(h) { return this.get(h) !== undefined; }
  // Gives the value of an older generation's handle it replaced, if any.
  set(h, x) {
    const i = h & 0xffffff;
    if (i >= this.k.length) {
      const k = new Int32Array(Math.max(2 * this.k.length, i + 1));
      k.set(this.k);
      this.k = k;
    }
    while (this.v.length <= i) this.v.push(undefined);
    const old = this.v[i], same = this.k[i] === h;
    if (old === undefined) this.size++;
    this.k[i] = h;
    this.v[i] = x;
    return same ? undefined : old;
  }
  delete(h) {
    const i = h & 0xffffff;
    if (this.k[i] !== h || this.v[i] === undefined) return false;
    this.v[i] = undefined;
    this.k[i] = 0;
    this.size--;
    return true;
  }
  // f(value) for each entry; costs the table's length, not its size.
  each(f) {
    const v = this.v;
    for (let i = 0; i < v.length; i++) if (v[i] !== undefined) f(v[i]);
  }
  get length() { return this.v.length; }
}
export let idle = false, deadFlag = 0; // awaiting the wake word (slp_thread_idle)
export let pumping = false; // a pump is running (nonblocking threads)
export let runWaiters = []; // run() calls waiting
export let helpers = new Set(); // records of helper tasklets (main ops that wait)
export let spinMs = 0.05;

export const NEW = Symbol('new'); // the key of the wrappers' constructors

function refresh() {
  buf = mem.buffer;
  H32 = new Int32Array(buf);
  HU8 = new Uint8Array(buf);
}
// Any call into C may grow the memory.  Unshared memory (the single-thread
// module) then detaches the old buffer: its views read as empty, which is
// cheap to see on every use.  Shared memory keeps old views valid up to
// their old length (reading mem.buffer makes a new object: too slow for
// every step): malloc() below refreshes them, and so does ensure() for
// addresses another thread allocated (values.js).
export function h32() { if (H32.length === 0) refresh(); return H32; }
export function hu8() { if (HU8.length === 0) refresh(); return HU8; }
export function ensure(end) { if (end > HU8.length) refresh(); }
export function malloc(n) {
  const p = A.malloc(n);
  if (p + n > HU8.length) refresh();
  return p;
}

export function ready() {
  if (!A) throw new Error('stackless-wasm: call `await init()` first');
}

export function releaseHandle(isChannel, h) {
  if (isChannel) A.slp_channel_release(h);
  else A.slp_tasklet_release(h);
}

// A wrapper collected: its handle -> wrapper entry goes (else every
// tasklet ever made would keep one), the reference it owned is released,
// and a tasklet bound to a function here is forgotten by slp_js_mark.  One
// registration per wrapper, without an unregister token (each costs about
// as much as the WeakRef): release() and bind() change its record instead.
const collected = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((x) => {
    if (x.ref !== null && x.map.get(x.h) === x.ref) x.map.delete(x.h);
    if (x.m !== M || !A) return;
    if (x.unmark) A.slp_js_mark(x.h, 0);
    if (x.owned) releaseHandle(x.isChannel, x.h);
  }) : null;
// Register wrapper (of handle h in map): gives its record { owned, unmark }.
// weak: found by its handle in map from now on (mapWeak); else only once
// it could be looked up (a JS tasklet: set up, or sent): a WeakRef costs
// more than all the rest of a JS tasklet's making (V8 keeps its target
// to the end of the job, and collects it later).
export function remember(map, h, wrapper, isChannel, owned, weak = true) {
  const life = { map, h, ref: null, m: M, isChannel, owned, unmark: false };
  collected?.register(wrapper, life);
  if (weak) mapWeak(life, wrapper);
  return life;
}
export function mapWeak(life, wrapper) {
  if (life.ref !== null) return;
  life.ref = new WeakRef(wrapper);
  life.map.set(life.h, life.ref);
}

// This thread's module instance: fresh state for it.
export function attach(mod, opts, makeCodec, step) {
  M = mod;
  A = mod.asm;
  mem = mod.wasmMemory ?? mod.asm.memory; // (the single-thread module exports its memory)
  refresh();
  records = new HandleTable(); channels = new Map(); tasklets = new Map(); live = new HandleTable();
  stepping = null; bomb = undefined; idle = false; deadFlag = 0;
  pumping = false; runWaiters = []; helpers = new Set();
  TID = A.slp_thread_id();
  codec = makeCodec();
  scratch = malloc(8);
  wakeIdx = A.slp_thread_wake_word() >> 2;
  setBlocking(!!opts.blocking);
  if (opts.spinMicros !== undefined) spinMs = opts.spinMicros / 1000;
  mod.slpSetStep(step);
}
// This thread's runtime is over (a thread's worker, at its end).
export function detach() { A = null; }

export function setBlocking(b) {
  blocking = b;
  A.slp_thread_set_nonblocking(b ? 0 : 1);
}
export function setStepping(rec) { stepping = rec; }
export function setBomb(e) { bomb = e; }
export function setIdle(on) { idle = on; }
export function setDeadFlag(f) { deadFlag = f; }
export function setPumping(on) { pumping = on; }
export function setThreaded(threaded, why) { THREADED = threaded; whySingle = why; }
export function setEntryURL(u) { entryURL = u; }
