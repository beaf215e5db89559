// stackless-wasm -- Stackless Python's tasklets and channels for JavaScript,
// driven by the C runtime compiled to WebAssembly.
//
// THE MODEL (the C manual is include/stackless.h)
//   A tasklet is a generator function.  It yields each operation that may
//   block or switch (`const v = yield ch.receive()`, `yield ch.send(v)`,
//   `yield schedule()`, `yield t.kill()`...): the C scheduler performs it, so
//   run order, channel preference, kill and deadlock rules are Stackless's.
//   Outside tasklets (the thread's main code) the same calls act at once,
//   and those that may wait for another thread return promises (`await
//   ch.receive()`, `await run()`); they never block the event loop.
//
//   Every thread has its own scheduler: the page or Node's main thread, and
//   each thread started with startThread(), a worker that imports a module
//   of yours and runs one of its functions.  Channels work across threads;
//   values are copied when they cross (numbers, strings, JSON-able objects,
//   binary data, channels, tasklets); a same-thread send keeps identity.
//   Threads need shared memory (in a browser: a cross-origin isolated
//   page); without it init() loads the single-thread module
//   (dist/stackless-st.*, built with SLP_THREADS=OFF): the same API on one
//   thread, startThread() refused.
//
// HOW (DESIGN-NOTES trap 1): a JS tasklet's C body (wasm/js_bridge.c) calls
// step() below to advance its generator by one yield, then performs the
// yielded operation in C, where it may block with only C frames on the
// stack.  No JS frame is ever unwound by Asyncify.
//
// WAITING (trap 3): the main thread never sleeps in C (it is marked
// nonblocking).  run() and main code's channel calls drive the scheduler
// from a "pump" that, when nothing here can run, polls this thread's wake
// word for spinMicros and then awaits Atomics.waitAsync on it.  While run()
// waits, and while main code awaits a thread's join(), the thread counts as
// asleep (slp_thread_idle), so a whole-program deadlock is seen: run()
// returns, the threads' waiting tasklets get DeadlockError; main code
// awaiting a channel counts as awake (its event loop may still send).  Threads started here sleep in
// C by default (options.blocking).
//
// WORKERS: threads are Emscripten pthreads (slp_thread_start), whose Web
// Workers run Emscripten's stackless.worker.js; the thread's C main hands
// over to this module, imported into the worker, and unwinds to the
// worker's event loop.  Why not our own Worker instantiating the module on
// the shared memory: a pthread gets its TLS, its C stack, its pthread_self
// and mutex identity, and the runtime's registration from Emscripten, all
// of which a hand-made instance would have to recreate (and keep in step
// with the glue); pthreads are also what the C runtime's own threads are,
// so C and JS threads are the same kind.  The cost: stackless.worker.js
// ships beside the module (exports "./stackless.worker.js", workerURL), and
// a worker is loaded by the starting thread's event loop, so startThread()
// is async.  In Node, idle workers are unref'd so that they never keep the
// process alive, running ones are ref'd.  terminate() ends the worker
// (trap 4) and marks its thread dead.
import { Codec, WORD_UNDEFINED } from './values.js';

const IS_NODE = typeof process === 'object' && !!process.versions?.node;
// Node's modules, imported past bundlers: a literal import('node:fs') gets
// Vite's preload helper, which makes a worker run the app's entry chunk
// (and fail on `document`).  Browsers never take this path.
const nodeImport = (m) => import(/* @vite-ignore */ /* webpackIgnore: true */ m);

// ---------------------------------------------------------------- errors

// Codes of include/stackless.h, and two of ours (user codes <= -1000).
const EINVAL = -1, EBADHANDLE = -2, EEXIT = -4, EDEADLOCK = -5, ECLOSED = -6,
      ENOTHREAD = -7, EOTHERTHREAD = -8, ENOTSUP = -27, EDEAD = -10, ETHROWDEAD = -13,
      ESWITCHTRAP = -26, EBLOCKTRAP = -25, EBADTHREAD = -21, ETHREADINIT = -22,
      ENOSENDER = -23, ENORECEIVER = -24, EWOULDBLOCK = -29;
const BALANCE_BADHANDLE = -2147483648; // slp_channel_balance's bad handle
const E_THROWN = -1001;   // a JS value was thrown in: it comes with the value
const E_UNCAUGHT = -1002; // a JS tasklet ended with an uncaught exception

/** An error of the runtime: `code` is the negative SLP_E* code, `errno` its
 * name, `message` the runtime's own text (slp_strerror). */
export class StacklessError extends Error {
  constructor(code, message) {
    super(message ?? strerror(code));
    this.code = code;
    this.errno = errName(code);
  }
  get name() { return this.constructor.name; }
}
/** Thrown into a tasklet by kill(); a tasklet that lets it escape ends quietly. */
export class TaskletExit extends StacklessError {}
/** The last runnable tasklet cannot block (or a main tasklet waits alone). */
export class DeadlockError extends StacklessError {}
/** Send/receive that would block on a closed channel. */
export class ChannelClosedError extends StacklessError {}
/** The tasklet is dead, unbound, or lost its thread. */
export class DeadTaskletError extends StacklessError {}
/** The operation needs another thread, or a thread that does not exist. */
export class WrongThreadError extends StacklessError {}
/** An argument or handle the runtime refuses. */
export class BadArgumentError extends StacklessError {}

const CLASS_OF = new Map([
  [EEXIT, TaskletExit], [EDEADLOCK, DeadlockError], [ENOSENDER, DeadlockError],
  [ENORECEIVER, DeadlockError], [ECLOSED, ChannelClosedError],
  [EDEAD, DeadTaskletError], [ETHROWDEAD, DeadTaskletError], [ENOTHREAD, DeadTaskletError],
  [EOTHERTHREAD, WrongThreadError], [EBADTHREAD, WrongThreadError],
  [ETHREADINIT, WrongThreadError], [EINVAL, BadArgumentError], [EBADHANDLE, BadArgumentError],
]);
const CLASS_BY_NAME = Object.fromEntries(
  [StacklessError, TaskletExit, DeadlockError, ChannelClosedError, DeadTaskletError,
   WrongThreadError, BadArgumentError].map((C) => [C.name, C]));

function makeError(code) {
  const C = CLASS_OF.get(code) || StacklessError;
  return new C(code);
}

const messages = new Map();
function cString(p) {
  if (!p) return '';
  const u8 = hu8();
  let e = p;
  while (u8[e]) e++;
  return new TextDecoder().decode(u8.slice(p, e));
}
function strerror(code) {
  if (!A) return `stackless error ${code}`;
  let m = messages.get(code);
  if (m === undefined) messages.set(code, (m = cString(A.slp_strerror(code))));
  return m;
}
function errName(code) { return A ? cString(A.slp_err_name(code)) : String(code); }

// ------------------------------------------------------ per-thread state

// One instance of this module runs in each thread (its own JS realm): these
// are that thread's.
let M = null;        // the Emscripten module instance of this thread
let A = null;        // its wasm exports
let mem = null, buf = null, H32 = null, HU8 = null;
let TID = 0;         // this thread's runtime id
let THREADED = true; // the module has threads (else: stackless-st, no shared memory)
let whySingle = '';  // why init() loaded the single-thread module (for errors)
let blocking = false; // this thread's C may sleep (workers); else await
let codec = null;
let scratch = 0;     // 8 bytes of heap for out-parameters
let wakeIdx = 0;     // index of this thread's wake word in H32
let records = new Map(); // slp_js_task pointer -> JS tasklet record
let stepping = null; // the record whose generator is running
let bomb;            // the last uncaught error of a JS tasklet here
let channels = new Map(), tasklets = new Map(); // handle -> WeakRef(wrapper)
let idle = false, deadFlag = 0; // awaiting the wake word (slp_thread_idle)
let pumping = false; // a pump is running (nonblocking threads)
let runWaiters = []; // run() calls waiting
let helpers = new Set(); // records of helper tasklets (main ops that wait)
let keepAlive = 0;   // Node: timers that keep the process up while we wait
let spinMs = 0.05;
let initPromise = null;
let entryURL = null;
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(releaseLater) : null;

function refresh() {
  buf = mem.buffer;
  H32 = new Int32Array(buf);
  HU8 = new Uint8Array(buf);
}
// The views are not checked on each use (for shared memory, reading
// mem.buffer makes a new object: too slow for every step).  Memory grows
// only inside malloc: malloc() below refreshes them, and so does ensure()
// for addresses another thread allocated (values.js).
function h32() { return H32; }
function hu8() { return HU8; }
function ensure(end) { if (end > HU8.length) refresh(); }
function malloc(n) {
  const p = A.malloc(n);
  if (p + n > HU8.length) refresh();
  return p;
}

function ready() {
  if (!A) throw new Error('stackless-wasm: call `await init()` first');
}

// The hooks values.js needs.
const rt = {
  get tid() { return TID; },
  h32, hu8,
  malloc,
  ensure,
  free: (p) => A.free(p),
  isChannel: (x) => x instanceof Channel,
  isTasklet: (x) => x instanceof Tasklet,
  retainFor(x, cross) { // one reference for the receiver of a box
    if (cross) x.shared = true;
    if (x instanceof Channel) A.slp_channel_retain(x.h);
    else if (x.owned) A.slp_tasklet_retain(x.h);
    return x.h;
  },
  adopt(isChannel, h) { // the reference a box held becomes a wrapper's
    if (isChannel) return wrapChannel(h, true, true);
    return wrapTasklet(h, true);
  },
  releaseHandle(isChannel, h) { releaseHandle(isChannel, h); },
  returnBox: (p) => A.slp_js_box_return(p),
  errorClass: (o) => CLASS_BY_NAME[o.name],
};

function releaseHandle(isChannel, h) {
  if (isChannel) A.slp_channel_release(h);
  else A.slp_tasklet_release(h);
}

function releaseLater({ isChannel, h, m }) {
  if (m === M && A) releaseHandle(isChannel, h);
}

function setup(mod, opts) {
  M = mod;
  A = mod.asm;
  mem = mod.wasmMemory ?? mod.asm.memory; // (the single-thread module exports its memory)
  refresh();
  records = new Map(); channels = new Map(); tasklets = new Map();
  stepping = null; bomb = undefined; idle = false; deadFlag = 0;
  pumping = false; runWaiters = []; helpers = new Set();
  TID = A.slp_thread_id();
  codec = new Codec(rt);
  scratch = malloc(8);
  wakeIdx = A.slp_thread_wake_word() >> 2;
  blocking = !!opts.blocking;
  A.slp_thread_set_nonblocking(blocking ? 0 : 1);
  if (opts.spinMicros !== undefined) spinMs = opts.spinMicros / 1000;
  mod.slpStep = step;
}

// ------------------------------------------------------------------ init

/**
 * Load the module.  Options: threads (true: the threaded module, which needs
 * SharedArrayBuffer -- in a browser, a cross-origin isolated page; false:
 * the single-thread module, one scheduler and no startThread(), which runs
 * anywhere; default: threaded where SharedArrayBuffer is available),
 * wasmBinary (bytes), wasmURL, workerURL, glueURL (where the files are; by
 * default next to this file, in dist/), poolSize (pthread workers made in
 * advance, default 0), spinMicros (how long a waiting thread polls before
 * it awaits, default 50).
 */
export function init(opts = {}) {
  if (!initPromise) initPromise = load(opts).catch((e) => { initPromise = null; throw e; });
  else if (opts.threads !== undefined) {
    return initPromise.then(() => {
      if (!opts.threads !== !THREADED) {
        throw new Error(`stackless-wasm: init() already loaded the ${THREADED ? 'threaded' : 'single-thread'} module`);
      }
    });
  }
  return initPromise;
}

/** True when the loaded module has threads (startThread() works). */
export function hasThreads() { ready(); return THREADED; }

// Shared memory is there: SharedArrayBuffer exists and, in a browser, the
// page is cross-origin isolated (else a Worker cannot receive the memory).
function sharedMemoryAvailable() {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;
}

const NOT_ISOLATED = 'this page is not cross-origin isolated (crossOriginIsolated is false): serve it ' +
  'with the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"';

async function load(opts) {
  if (A) return;
  const threads = opts.threads ?? sharedMemoryAvailable();
  if (threads && !sharedMemoryAvailable()) {
    throw new Error(`stackless-wasm: threads need SharedArrayBuffer, and ${NOT_ISOLATED} ` +
      '(or call init({ threads: false }) for one thread without workers)');
  }
  const base = threads ? 'stackless' : 'stackless-st';
  const here = (p) => new URL(p, import.meta.url);
  let factory, wasmBinary = opts.wasmBinary, mainScript, workerLoc;
  if (IS_NODE) {
    const { createRequire } = await nodeImport('node:module');
    const { readFileSync } = await nodeImport('node:fs');
    const { fileURLToPath } = await nodeImport('node:url');
    const toPath = (u) => (u instanceof URL || /^file:/.test(u)) ? fileURLToPath(u) : String(u);
    mainScript = toPath(opts.glueURL ?? here(`./dist/${base}.js`));
    workerLoc = toPath(opts.workerURL ?? here('./dist/stackless.worker.js'));
    factory = createRequire(import.meta.url)(mainScript);
    if (!wasmBinary) wasmBinary = readFileSync(toPath(opts.wasmURL ?? here(`./dist/${base}.wasm`)));
  } else {
    // Literal URLs, so that bundlers find and emit the files.
    const glue = String(opts.glueURL ?? (threads ? new URL('./dist/stackless.js', import.meta.url)
      : new URL('./dist/stackless-st.js', import.meta.url)));
    mainScript = glue;
    workerLoc = String(opts.workerURL ?? new URL('./dist/stackless.worker.js', import.meta.url));
    const wasmURL = opts.wasmURL ?? (threads ? new URL('./dist/stackless.wasm', import.meta.url)
      : new URL('./dist/stackless-st.wasm', import.meta.url));
    const bytes = wasmBinary ? null : fetch(wasmURL).then((r) => {
      if (!r.ok) throw new Error(`stackless-wasm: ${wasmURL}: ${r.status} ${r.statusText}`);
      return r.arrayBuffer();
    });
    factory = await loadClassicScript(glue, threads ? 'createStackless' : 'createStacklessST');
    if (!wasmBinary) wasmBinary = await bytes;
  }
  entryURL = import.meta.url;
  const mod = await factory({
    wasmBinary,
    mainScriptUrlOrBlob: mainScript,
    locateFile: (p) => (p.endsWith('.worker.js') ? workerLoc : p),
    slpPoolSize: opts.poolSize ?? 0,
  });
  THREADED = threads;
  whySingle = opts.threads === false ? ' (init({ threads: false }))' : `: ${NOT_ISOLATED}`;
  if (IS_NODE && threads) manageWorkerRefs(mod.PThread);
  setup(mod, { blocking: false, spinMicros: opts.spinMicros });
}

// The glue is a classic script that defines the global `name`.
async function loadClassicScript(url, name) {
  if (typeof globalThis[name] !== 'function') {
    if (typeof document !== 'undefined') {
      await new Promise((ok, fail) => {
        const s = document.createElement('script');
        s.src = url;
        s.onload = ok;
        s.onerror = () => fail(new Error(`stackless-wasm: could not load ${url}`));
        document.head.appendChild(s);
      });
    } else if (typeof importScripts === 'function') {
      importScripts(url);
    } else { // a module worker
      const text = await (await fetch(url)).text();
      (0, eval)(text + `\n//# sourceURL=${url}`);
    }
  }
  return globalThis[name];
}

// Node: idle pthread workers must not keep the process alive; running ones
// must (a thread is like Python's non-daemon thread).
function manageWorkerRefs(PT) {
  for (const w of PT.unusedWorkers) w.unref?.();
  const get = PT.getNewWorker, back = PT.returnWorkerToPool;
  PT.getNewWorker = function () {
    const w = get.apply(this, arguments);
    w?.ref?.();
    return w;
  };
  PT.returnWorkerToPool = function (w) {
    back.apply(this, arguments);
    w?.unref?.();
  };
}

function holdProcess(on) {
  if (!IS_NODE) return;
  if (on) {
    if (keepAlive++ === 0) holdProcess.timer = setInterval(() => {}, 1 << 30);
  } else if (--keepAlive === 0) {
    clearInterval(holdProcess.timer);
  }
}

// ------------------------------------------------------------ operations

// Codes shared with wasm/js_bridge.c.
const OP_DONE = 0, OP_SEND = 1, OP_SEND_THROW = 2, OP_RECEIVE = 3, OP_SCHEDULE = 4,
      OP_SCHEDULE_REMOVE = 5, OP_RUN = 6, OP_TASKLET_RUN = 7, OP_TASKLET_SWITCH = 8,
      OP_KILL = 9, OP_THROW = 10, OP_FOREIGN = 99;

/** What a blocking call returns inside a tasklet: yield it. */
export class Op {
  constructor(code, target, value, flag) {
    this.code = code;
    this.target = target; // Channel or Tasklet
    this.value = value;
    this.flag = flag;
  }
  // Into the tasklet's slp_js_task (i: its int32 index).
  write(H, i, rec) {
    const c = this.code;
    H[i] = c;
    switch (c) {
      case OP_SEND: case OP_SEND_THROW: {
        const ch = this.target;
        H[i + 1] = ch.h;
        H[i + 2] = E_THROWN;
        const w = codec.encode(this.value, ch.shared);
        h32()[i + 5] = w;
        rec.sent = w;
        break;
      }
      case OP_RECEIVE: H[i + 1] = this.target.h; H[i + 5] = 0; break;
      case OP_TASKLET_RUN: case OP_TASKLET_SWITCH: H[i + 1] = this.target.h; break;
      case OP_KILL: H[i + 1] = this.target.h; H[i + 3] = this.flag ? 1 : 0; break;
      case OP_THROW: {
        const t = this.target;
        H[i + 1] = t.h; H[i + 2] = E_THROWN; H[i + 3] = this.flag ? 1 : 0;
        const w = codec.encode(this.value, A.slp_tasklet_thread_id(t.h) !== TID);
        h32()[i + 5] = w;
        rec.sent = w;
        break;
      }
    }
    return c;
  }
}
const SCHEDULE = Object.freeze({ code: OP_SCHEDULE });

// Count the ops made during a step (each must be the one yielded).
function made(op) {
  if (stepping !== null) { stepping.made++; stepping.lastMade = op; }
  return op;
}

// Errors after which a sent value surely was not delivered.
const MAIN_ALONE = new Set([EDEADLOCK, ENOSENDER, ENORECEIVER]);
const UNDELIVERED = new Set([EINVAL, EBADHANDLE, EDEADLOCK, ECLOSED, ENOTHREAD,
  EOTHERTHREAD, EDEAD, ETHROWDEAD, EBADTHREAD, ETHREADINIT, ENOSENDER, ENORECEIVER,
  EBLOCKTRAP, ESWITCHTRAP, EWOULDBLOCK]);

// The error a failed blocking call raises.  word: a value that came with it.
function errorFor(code, word, self) {
  if (code === E_THROWN) {
    if (!word && self) word = A.slp_tasklet_value(self);
    return word ? codec.decode(word) : new StacklessError(code, 'an error was thrown');
  }
  if (code === E_UNCAUGHT) return bomb;
  return makeError(code);
}

// ------------------------------------------------------------ JS tasklets

// A JS tasklet's record: fn/args until it starts, then its generator.
function newRecord(fn, args, handle, settle) {
  const d = malloc(24);
  h32().fill(0, d >> 2, (d >> 2) + 6);
  const rec = { d, fn, args, gen: null, handle, op: 0, sent: 0, made: 0, lastMade: null,
                settle, deadlocked: false };
  records.set(d, rec);
  return rec;
}

// Called by C (js_tasklet) for every step of every JS tasklet of this thread.
function step(d) {
  const rec = records.get(d);
  let H = h32();
  const i = d >> 2;
  if (rec === undefined) { // bound to another thread: its generator is not here
    H[i + 4] = EOTHERTHREAD;
    return OP_FOREIGN;
  }
  const err = H[i + 4];
  const last = rec.op;
  let thrown = false, input;
  if (err !== 0) {
    thrown = true;
    input = errorFor(err, last === OP_RECEIVE ? H[i + 5] : 0, rec.handle);
    if (rec.deadlocked && err === EEXIT) input = makeError(EDEADLOCK);
    if (rec.sent && UNDELIVERED.has(err)) codec.discard(rec.sent);
  } else if (last === OP_RECEIVE) {
    try { input = codec.decode(H[i + 5]); } catch (e) { thrown = true; input = e; }
  }
  rec.sent = 0;
  rec.op = 0;
  const outer = stepping;
  stepping = rec;
  try {
    for (;;) {
      rec.made = 0;
      rec.lastMade = null;
      let res;
      if (rec.gen === null) {
        if (thrown) throw input;
        const g = rec.fn.apply(undefined, rec.args);
        rec.fn = rec.args = null;
        if (g !== null && typeof g === 'object' && typeof g.next === 'function' &&
            typeof g.throw === 'function') {
          rec.gen = g;
          res = g.next();
        } else {
          res = { done: true, value: g };
        }
      } else {
        res = thrown ? rec.gen.throw(input) : rec.gen.next(input);
      }
      if (res.done) {
        if (rec.made > 0) {
          return finish(rec, i, true, new TypeError('stackless-wasm: inside a tasklet, blocking ' +
            'calls must be yielded (`yield t.kill()`): one was not, before the tasklet returned'));
        }
        return finish(rec, i, false, res.value);
      }
      let op = res.value;
      if (op === undefined && rec.made === 0) op = SCHEDULE;
      if (!(op instanceof Op) && op !== SCHEDULE) {
        thrown = true;
        input = new TypeError('stackless-wasm: a tasklet may only yield the operations of ' +
          'this package (yield ch.receive(), yield schedule()...), not ' + describe(op) +
          (typeof op?.next === 'function' ? ' (a generator, such as send_sequence(): delegate with yield*)' : ''));
        continue;
      }
      if (rec.made > 1 || (rec.made === 1 && op !== rec.lastMade)) {
        thrown = true;
        input = new TypeError('stackless-wasm: inside a tasklet, blocking calls must be ' +
          'yielded (`yield ch.send(v)`, `const v = yield ch.receive()`): one was not');
        continue;
      }
      H = h32();
      if (op === SCHEDULE) { H[i] = OP_SCHEDULE; rec.op = OP_SCHEDULE; return OP_SCHEDULE; }
      try {
        rec.op = op.write(H, i, rec);
      } catch (e) { // the value could not be encoded: thrown back in
        thrown = true;
        input = e;
        continue;
      }
      return rec.op;
    }
  } catch (e) {
    return finish(rec, i, true, e);
  } finally {
    stepping = outer;
  }
}

function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

// The generator ended: tell C the tasklet's result (js_tasklet frees d).
function finish(rec, i, failed, value) {
  records.delete(rec.d);
  const H = h32();
  let result = 0;
  if (rec.settle) {
    helpers.delete(rec);
    if (failed) rec.settle.reject(rec.deadlocked && value instanceof TaskletExit
      ? makeError(EDEADLOCK) : value);
    else rec.settle.resolve(value);
  } else if (failed && !(value instanceof TaskletExit)) {
    bomb = value; // surfaces in this thread's main (or innermost run())
    result = E_UNCAUGHT;
  }
  H[i] = OP_DONE;
  H[i + 4] = result;
  return OP_DONE;
}

// ------------------------------------------------------------- wrappers

function wrapTasklet(h, adopted) {
  const old = tasklets.get(h)?.deref();
  if (old) {
    if (adopted && old.owned) A.slp_tasklet_release(h);
    return old;
  }
  const t = new Tasklet(NEW, h, adopted);
  return t;
}

function wrapChannel(h, adopted, shared) {
  const old = channels.get(h)?.deref();
  if (old) {
    if (adopted) A.slp_channel_release(h);
    if (shared) old.shared = true;
    return old;
  }
  const c = new Channel(NEW, h);
  c.shared = !!shared;
  return c;
}

// A borrowed handle (getcurrent(), queue...): take our own reference.
function borrowTasklet(h) {
  if (!h) return null;
  const old = tasklets.get(h)?.deref();
  if (old) return old;
  const owned = A.slp_tasklet_retain(h) === 0;
  return new Tasklet(NEW, h, owned);
}

const NEW = Symbol('new');

function check(r) {
  if (r < 0) throw errorFor(r, 0, 0);
  return r;
}

/**
 * A tasklet.  tasklet(fn) makes one bound to fn, and calling it (t(...args),
 * or t.setup(...args)) schedules it, as in Stackless.
 */
export class Tasklet {
  constructor(key, h, owned) {
    if (key !== NEW) throw new TypeError('use tasklet(fn) to make a tasklet');
    // Callable: t(...args) is t.setup(...args).
    const self = function (...args) { return self.setup(...args); };
    Object.setPrototypeOf(self, new.target.prototype);
    self.h = h;
    self.owned = owned;
    self.shared = false;
    self.rec = null; // this thread's record, for a JS tasklet made here
    self.fn = null;
    tasklets.set(h, new WeakRef(self));
    if (owned && finalizer) finalizer.register(self, { isChannel: false, h, m: M }, self);
    return self;
  }
  /** Bind to fn (a generator function, or a plain function that runs at once when scheduled). null unbinds. */
  bind(fn) {
    if (fn !== null && typeof fn !== 'function')
      throw new TypeError('tasklet function must be a callable or None');
    check(A.slp_tasklet_bind(this.h, 0, 0));
    this.dropRecord();
    this.fn = fn;
    return this;
  }
  /** Make it alive and append it to its thread's run queue, with these arguments. */
  setup(...args) {
    if (A.slp_tasklet_alive(this.h) === 1) throw makeError(-18 /* EALIVE */);
    if (!this.fn) throw makeError(-19 /* ENOTBOUND */);
    this.dropRecord();
    const rec = newRecord(this.fn, args, this.h, null);
    let r = A.slp_tasklet_bind(this.h, A.slp_js_tasklet_func(), rec.d);
    if (r === 0) r = A.slp_tasklet_setup(this.h);
    localWakeNow();
    if (r < 0) {
      records.delete(rec.d);
      A.free(rec.d);
      throw errorFor(r, 0, 0);
    }
    this.rec = rec;
    return this;
  }
  // A record whose tasklet will never run again (rebound) is dropped here.
  dropRecord() {
    const rec = this.rec;
    this.rec = null;
    if (rec && records.get(rec.d) === rec && rec.gen === null && A.slp_tasklet_alive(this.h) !== 1) {
      records.delete(rec.d);
      A.free(rec.d);
    }
  }
  /** Append to its thread's run queue (paused -> scheduled). */
  insert() { check(A.slp_tasklet_insert(this.h)); localWakeNow(); return this; }
  /** Take it out of the run queue (scheduled -> paused). */
  remove() { check(A.slp_tasklet_remove(this.h)); return this; }
  /** Switch to it now; the caller stays queued.  Inside a tasklet: yield it. */
  run() {
    if (stepping) return made(new Op(OP_TASKLET_RUN, this));
    return mainCall(() => A.slp_tasklet_run(this.h));
  }
  /** Switch to it now; the caller is paused.  Inside a tasklet: yield it. */
  switch() {
    if (stepping) return made(new Op(OP_TASKLET_SWITCH, this));
    return mainCall(() => A.slp_tasklet_switch(this.h));
  }
  /** Raise TaskletExit in it.  Inside a tasklet: yield it. */
  kill(pending = false) {
    if (stepping) return made(new Op(OP_KILL, this, undefined, pending));
    return mainCall(() => A.slp_tasklet_kill(this.h, pending ? 1 : 0));
  }
  /** Raise exc in it (pending: only make it runnable).  Inside a tasklet: yield it. */
  throw(exc, pending = false) {
    if (stepping) return made(new Op(OP_THROW, this, exc, pending));
    const w = codec.encode(exc, A.slp_tasklet_thread_id(this.h) !== TID);
    return mainCall(() => A.slp_tasklet_throw(this.h, E_THROWN, w, pending ? 1 : 0), w);
  }
  /** Attach it to another thread (default: the calling one).  A JS tasklet's
   * generator lives in the thread that made it: it can only go back there. */
  bind_thread(threadId = -1) {
    if (this.rec && records.get(this.rec.d) === this.rec) {
      const to = threadId === -1 || threadId === 0 ? TID : threadId;
      if (to !== TID && getthreads().includes(to)) {
        throw new WrongThreadError(EOTHERTHREAD,
          'a JS tasklet cannot move to another thread: its generator lives in this one');
      }
    }
    check(A.slp_tasklet_bind_thread(this.h, threadId));
    return this;
  }
  get alive() { return check(A.slp_tasklet_alive(this.h)) === 1; }
  get paused() { return check(A.slp_tasklet_paused(this.h)) === 1; }
  get blocked() { return check(A.slp_tasklet_blocked(this.h)) !== 0; }
  /** 0 not blocked, 1 blocked receiving, 2 blocked sending. */
  get blocked_kind() { return check(A.slp_tasklet_blocked(this.h)); }
  get scheduled() { return check(A.slp_tasklet_scheduled(this.h)) === 1; }
  get is_main() { return check(A.slp_tasklet_is_main(this.h)) === 1; }
  get is_current() { return check(A.slp_tasklet_is_current(this.h)) === 1; }
  get restorable() { return check(A.slp_tasklet_restorable(this.h)) === 1; }
  /** While true, a channel action of this tasklet that would block throws
   * StacklessError (EBLOCKTRAP) instead; one that finds a partner works. */
  get block_trap() { return check(A.slp_tasklet_block_trap(this.h)) === 1; }
  set block_trap(on) { check(A.slp_tasklet_set_block_trap(this.h, on ? 1 : 0)); }
  /** Id of its thread; -1 once that thread died. */
  get thread_id() { const r = A.slp_tasklet_thread_id(this.h); return r < -1 ? check(r) : r; }
  /** Drop this wrapper's reference (a queued or blocked tasklet lives on). */
  release() {
    if (!this.owned) return;
    this.owned = false;
    finalizer?.unregister(this);
    A.slp_tasklet_release(this.h);
  }
  [Symbol.dispose]() { this.release(); }
  toString() { return `<tasklet ${this.h}>`; }
}

/** Make a tasklet bound to fn; call the result with fn's arguments to schedule it. */
export function tasklet(fn) {
  ready();
  check(A.slp_tasklet_new(scratch));
  const t = new Tasklet(NEW, h32()[scratch >> 2], true);
  if (fn !== undefined) t.bind(fn);
  return t;
}

/** A Stackless channel: send and receive hand a value over, blocking the side that comes first. */
export class Channel {
  constructor(key, h) {
    if (key !== NEW) throw new TypeError('use channel() to make a channel');
    this.h = h;
    this.shared = false; // may have a party on another thread
    channels.set(h, new WeakRef(this));
    if (finalizer) finalizer.register(this, { isChannel: true, h, m: M }, this);
  }
  /** Send v.  Inside a tasklet: `yield ch.send(v)`; outside: `await ch.send(v)`. */
  send(v) {
    if (stepping) {
      // One Op per channel, reused: a send or receive allocates nothing.
      const op = this.sendOp ??= new Op(OP_SEND, this);
      op.value = v;
      return made(op);
    }
    return mainChannelOp(OP_SEND, this, v);
  }
  /** Send an error: the receiver's receive() throws it. */
  send_throw(exc) {
    if (stepping) return made(new Op(OP_SEND_THROW, this, exc));
    return mainChannelOp(OP_SEND_THROW, this, exc);
  }
  /** Receive a value.  Inside a tasklet: `yield ch.receive()`; outside: `await ch.receive()`. */
  receive() {
    if (stepping) return made(this.recvOp ??= new Op(OP_RECEIVE, this));
    return mainChannelOp(OP_RECEIVE, this);
  }
  /**
   * Send every value of an iterable, in order; gives how many were sent.
   * Inside a tasklet it is a delegation: `const n = yield* ch.send_sequence(seq)`;
   * outside: `await ch.send_sequence(seq)`.
   */
  send_sequence(seq) {
    if (stepping) return sendEach(this, seq);
    return (async () => {
      let n = 0;
      for (const v of seq) { await this.send(v); n++; }
      return n;
    })();
  }
  /** Main code: `for await (const v of ch)` receives until the channel is
   * closing with no sender waiting (Stackless's iteration: close() does not
   * wake a receive that already waits, so the sender closes before the
   * receiver comes back, e.g. with preference 1). */
  async *[Symbol.asyncIterator]() {
    while (!(this.closing && this.balance <= 0)) yield await this.receive();
  }
  /** > 0: senders waiting; < 0: receivers waiting. */
  get balance() {
    // Any int is a balance: a bad handle gives INT_MIN (SLP_BALANCE_BADHANDLE).
    const b = A.slp_channel_balance(this.h);
    if (b === BALANCE_BADHANDLE) throw makeError(EBADHANDLE);
    return b;
  }
  /** -1 prefer the receiver (default), 1 the sender, 0 neither. */
  get preference() {
    const r = A.slp_channel_preference(this.h);
    return r < -1 ? check(r) : r;
  }
  set preference(p) {
    if (typeof p !== 'number' && typeof p !== 'boolean')
      throw new TypeError('preference must be set to an integer');
    const r = A.slp_channel_set_preference(this.h, Math.sign(+p));
    if (r < -1) check(r);
  }
  get schedule_all() { return check(A.slp_channel_schedule_all(this.h)) === 1; }
  set schedule_all(f) { check(A.slp_channel_set_schedule_all(this.h, f ? 1 : 0)); }
  /** From now on, a send or receive that would block throws ChannelClosedError. */
  close() { check(A.slp_channel_close(this.h)); }
  open() { check(A.slp_channel_open(this.h)); }
  get closing() { return check(A.slp_channel_closing(this.h)) === 1; }
  get closed() { return check(A.slp_channel_closed(this.h)) === 1; }
  /** The first blocked tasklet, or null. */
  get queue() { return borrowTasklet(A.slp_channel_queue(this.h)); }
  /** Drop this wrapper's reference (blocked tasklets keep the channel). */
  release() {
    if (this.h === 0) return;
    finalizer?.unregister(this);
    A.slp_channel_release(this.h);
    channels.delete(this.h);
    this.h = 0;
  }
  [Symbol.dispose]() { this.release(); }
  toString() { return `<channel ${this.h}>`; }
}

/** A new channel. */
function* sendEach(ch, seq) {
  let n = 0;
  for (const v of seq) { yield ch.send(v); n++; }
  return n;
}

export function channel() {
  ready();
  check(A.slp_channel_new(scratch));
  return new Channel(NEW, h32()[scratch >> 2]);
}

// ------------------------------------------------- calls from main code

// A call from outside any tasklet, into the scheduler.  A thread waiting
// for its wake word is counted awake first.
function enter() {
  ready();
  endIdle();
  drainBoxes();
  localWakeNow();
}

// This thread's event loop is about to await something of the runtime's (a
// wake, a join): count the thread asleep (slp_thread_idle), so that when no
// thread is left that could wake anybody every sleeper gets the deadlock
// error instead of all hanging.  Returns false if something here is
// runnable (then it stays awake).  Several awaits share one idle period:
// the first wake (or call into the runtime) ends it.
function beginIdle() {
  if (idle) return true;
  if (A.slp_thread_idle(1) !== 0) return false;
  idle = true;
  return true;
}

// Counted awake again.  The deadlock alarm is kept for the pump (run() and
// main code's channel operations act on it); with no pump it is moot.
function endIdle() {
  if (!idle) return;
  idle = false;
  const dead = A.slp_thread_idle(0);
  if (pumping) deadFlag |= dead;
}

function drainBoxes() {
  const p = A.slp_js_box_take(TID);
  if (p) codec.drainReturned(p);
}

// A switching call of main code that never waits for other threads.
function mainCall(f, sent = 0) {
  enter();
  const r = f();
  if (r < 0) {
    if (sent && UNDELIVERED.has(r)) codec.discard(sent);
    throw errorFor(r, 0, A.slp_getcurrent());
  }
  return undefined;
}

// send / send_throw / receive from main code: at once if that completes
// them; else (the thread may not sleep, and a partner may come from another
// thread) a helper tasklet waits in the channel, and the pump drives this
// thread's scheduler until it is done.
function mainChannelOp(code, ch, v) {
  try {
    enter();
    let r, w = 0;
    // Stackless's rule: main, blocked while the last runnable tasklet here
    // ends, gets ENOSENDER/ENORECEIVER and leaves the channel.  With other
    // threads a partner may still come: block again (a thread that may
    // sleep then sleeps in C; one that may not gets EWOULDBLOCK below).
    for (let tries = 0; ; tries++) {
      if (code === OP_RECEIVE) {
        h32()[scratch >> 2] = 0;
        r = A.slp_channel_receive(ch.h, scratch);
        if (r === 0) return Promise.resolve(codec.decode(h32()[scratch >> 2]));
        w = h32()[scratch >> 2];
      } else {
        w = codec.encode(v, ch.shared);
        r = code === OP_SEND ? A.slp_channel_send(ch.h, w)
          : A.slp_channel_send_throw(ch.h, E_THROWN, w);
        if (r === 0) return Promise.resolve();
        if (UNDELIVERED.has(r)) codec.discard(w);
        w = 0;
      }
      if (!(r === ENOSENDER || r === ENORECEIVER) || tries === 100 || A.slp_getthreads(0, 0) < 2) break;
    }
    // Would sleep (EWOULDBLOCK), or nothing else here could ever act but
    // other threads exist: main code waits in a helper tasklet, and the
    // event loop counts as able to act meanwhile (it may send itself).  A
    // thread alone gets Stackless's DeadlockError.
    if (r === EWOULDBLOCK || (MAIN_ALONE.has(r) && A.slp_getthreads(0, 0) > 1))
      return viaHelper(new Op(code, ch, v));
    return Promise.reject(errorFor(r, w, A.slp_getcurrent()));
  } catch (e) {
    return Promise.reject(e);
  }
}

function viaHelper(op) {
  return new Promise((resolve, reject) => {
    check(A.slp_tasklet_new(scratch));
    const h = h32()[scratch >> 2];
    const rec = newRecord(function* () { return yield op; }, [], h, { resolve, reject });
    let r = A.slp_tasklet_bind(h, A.slp_js_tasklet_func(), rec.d);
    if (r === 0) r = A.slp_tasklet_setup(h);
    A.slp_tasklet_release(h); // alive while queued or blocked
    if (r < 0) {
      records.delete(rec.d);
      A.free(rec.d);
      reject(errorFor(r, 0, 0));
      return;
    }
    helpers.add(rec);
    pump();
  });
}

// ---------------------------------------------------------- scheduler

/**
 * Run this thread's scheduler until none of its tasklets is alive, or none
 * can ever run again.  While they wait for other threads it awaits (the
 * event loop stays free).  Rejects with the uncaught error of a tasklet.
 * Inside a tasklet: `yield run()` (a nested run, as in Stackless).
 */
export function run() {
  if (stepping) return made(new Op(OP_RUN));
  try {
    ready();
    if (blocking) {
      runBlocking();
      return Promise.resolve();
    }
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    runWaiters.push({ resolve, reject });
    pump();
  });
}

// A thread that may sleep (a worker by default): the C scheduler sleeps.
function runBlocking() {
  for (;;) {
    enter();
    let r = A.slp_run();
    if (r < 0) throw errorFor(r, 0, 0);
    if (A.slp_thread_waiting() === 0) return;
    if (A.slp_getruncount() > 1) continue;
    // Sleep until another thread queues something here, then run it.
    // (Not schedule_remove(): as in Stackless, main's returns at once when
    // nothing else can run.)  Counted asleep, so when nothing can ever
    // wake them the deadlock alarm ends the wait.
    const H = h32();
    const seen = Atomics.load(H, wakeIdx);
    if (A.slp_thread_idle(1) !== 0) {
      if (A.slp_thread_idle(0)) return;
      continue;
    }
    if (Atomics.load(H, wakeIdx) === seen) {
      if (!THREADED) { A.slp_thread_idle(0); return; }
      Atomics.wait(H, wakeIdx, seen);
    }
    if (A.slp_thread_idle(0)) return; // the deadlock alarm
  }
}

function pump() {
  if (pumping) {
    localWakeNow(); // it may be waiting: something may run here now
    return;
  }
  pumping = true;
  pumpLoop();
}

// Drives this thread's scheduler while main code waits (run() or a helper).
// `pumping` is cleared in the same microtask that settles the last waiter,
// so a run() called right after it starts a new pump.
async function pumpLoop() {
  holdProcess(true);
  deadFlag = 0;
  try {
    while (runWaiters.length || helpers.size) {
      const seen = Atomics.load(h32(), wakeIdx);
      enter();
      const r = A.slp_run();
      if (r < 0) { deliverError(errorFor(r, 0, 0)); continue; }
      if (A.slp_thread_waiting() === 0) {
        for (const w of runWaiters.splice(0)) w.resolve();
        continue;
      }
      if (!runWaiters.length && !helpers.size) break;
      if (A.slp_getruncount() > 1) continue;
      // Only run() waits count this thread asleep: main code awaiting a
      // channel is an event loop that may still act.
      if (await waitForWake(seen, helpers.size === 0)) onDeadlock();
    }
  } catch (e) {
    for (const w of runWaiters.splice(0)) w.reject(e);
    for (const rec of helpers) rec.settle.reject(e);
    helpers.clear();
  } finally {
    pumping = false;
    holdProcess(false);
    kickIdlers(); // joins that stayed awake for the helpers may idle now
  }
}

// Main code gets a tasklet's uncaught error where it waits (Stackless: the
// call main is suspended in): run() calls, or else the oldest helper.
function deliverError(e) {
  if (runWaiters.length) {
    for (const w of runWaiters.splice(0)) w.reject(e);
    return;
  }
  const rec = helpers.values().next().value;
  if (!rec) throw e;
  const settle = rec.settle;
  rec.settle = { resolve() {}, reject() {} };
  helpers.delete(rec);
  settle.reject(e);
  A.slp_tasklet_kill(rec.handle, 1);
}

// Nothing on this thread can ever run again: run() returns (Stackless's
// run() would have returned at once), helpers fail with DeadlockError.
function onDeadlock() {
  for (const w of runWaiters.splice(0)) w.resolve();
  for (const rec of helpers) {
    rec.deadlocked = true;
    A.slp_tasklet_kill(rec.handle, 1);
  }
}

// Wait until another thread changes the wake word from seen: poll a little
// (a partner usually answers within microseconds), then await it, counted
// as asleep.  Returns true on the deadlock alarm.
async function waitForWake(seen, asleep) {
  const H = h32();
  const t0 = performance.now();
  do {
    if (Atomics.load(H, wakeIdx) !== seen) return false;
  } while (performance.now() - t0 < spinMs);
  if (!asleep) {
    await pumpWait(seen);
    return false;
  }
  if (!beginIdle()) return false;
  await pumpWait(seen);
  endIdle();
  const dead = deadFlag;
  deadFlag = 0;
  return dead !== 0 && A.slp_getruncount() <= 1;
}

/** Yield to the next tasklet.  Inside a tasklet: `yield schedule()`. */
export function schedule() {
  if (stepping) return SCHEDULE;
  return mainCall(() => A.slp_schedule());
}

/** Yield and leave the run queue until someone inserts the caller.  Inside a tasklet only. */
export function schedule_remove() {
  if (stepping) return made(new Op(OP_SCHEDULE_REMOVE));
  throw new TypeError('schedule_remove() is for tasklets: `yield schedule_remove()`');
}

/** The running tasklet of this thread (its main tasklet outside tasklets). */
export function getcurrent() { ready(); return borrowTasklet(A.slp_getcurrent()); }
/** This thread's main tasklet. */
export function getmain() { ready(); return borrowTasklet(A.slp_getmain()); }
/** Tasklets in this thread's run queue, the current one included. */
export function getruncount() { ready(); return A.slp_getruncount(); }
/** Ids of the threads that have a scheduler: the first (main) thread first. */
export function getthreads() {
  ready();
  const n = A.slp_getthreads(0, 0);
  const p = malloc(4 * n + 4);
  const m = A.slp_getthreads(p, n);
  const ids = Array.from(h32().subarray(p >> 2, (p >> 2) + Math.min(n, m)));
  A.free(p);
  return ids;
}
/** This thread's id (1 for the first thread). */
export function thread_id() { ready(); return TID; }
/** switch_trap(delta): while non-zero, switching raises. Returns the old value. */
export function switch_trap(delta) { ready(); return A.slp_switch_trap(delta | 0); }

/**
 * Count this program's event loop as a possible sender (so threads waiting
 * on its channels are not deadlocked while it holds).  Returns release().
 */
export function hold() {
  ready();
  A.slp_external_hold(1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    A.slp_external_hold(-1);
    localWakeNow(); // a pump waiting on it may now find the deadlock
  };
}

// ---------------------------------------------------------------- threads

/**
 * Start a thread: a worker with its own scheduler over the same memory,
 * which imports moduleURL and runs its export `name` with args (copied;
 * channels and tasklets go as themselves).  A generator function runs as a
 * tasklet there; a plain (or async) function runs as that thread's main
 * code.  The thread ends when that is done and its tasklets are.
 * Resolves to a Thread once the worker runs it (a worker is made and loaded
 * by this thread's event loop: a busy loop started before that would wait
 * for ever).
 */
export function startThread(moduleURL, name = 'default', ...args) {
  return startThreadWith({}, moduleURL, name, ...args);
}

/**
 * startThread with options.  blocking (default true): the thread's
 * scheduler sleeps in C while it waits for other threads (fast, and its
 * event loop is stopped meanwhile); false: it awaits, as the main thread.
 */
export async function startThreadWith(options, moduleURL, name = 'default', ...args) {
  ready();
  if (!THREADED) {
    throw new StacklessError(ENOTSUP, 'startThread() needs the threaded module, and init() loaded the ' +
      `single-thread one${whySingle}`);
  }
  const url = resolveModuleURL(moduleURL);
  const b = malloc(28);
  const i = b >> 2;
  h32().fill(0, i, i + 7);
  const entry = cStringAlloc(entryURL);
  h32()[i + 6] = entry;
  h32()[i + 5] = codec.encode({ url, name, args, blocking: options.blocking ?? true }, true, true);
  const r = A.slp_js_thread_start(b);
  if (r < 0) {
    codec.discard(h32()[i + 5]);
    A.free(entry);
    A.free(b);
    throw errorFor(r, 0, 0);
  }
  const th = new Thread(b, h32()[i + 1], entry);
  while (Atomics.load(h32(), i) === 0) {
    const res = Atomics.waitAsync(h32(), i, 0);
    if (res.async) await res.value;
  }
  return th;
}

function resolveModuleURL(u) {
  if (u instanceof URL) return u.href;
  u = String(u);
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return u;
  if (IS_NODE) {
    // A path: relative to the working directory.
    const base = 'file://' + process.cwd().replace(/\\/g, '/') + '/';
    return new URL(u, base).href;
  }
  return new URL(u, globalThis.location?.href).href;
}

function cStringAlloc(s) {
  const bytes = new TextEncoder().encode(s);
  const p = malloc(bytes.length + 1);
  hu8().set(bytes, p);
  hu8()[p + bytes.length] = 0;
  return p;
}

// Await a change of the word at index i from s (a thread's state), counted
// asleep meanwhile (a joiner wakes nobody: a deadlock between the threads
// it waits for is then seen).  A wake of this thread ends the idle period
// early: something may be runnable here, and the idle is begun anew.
// Main code awaiting a channel (a helper) keeps the thread awake, as in
// the pump; when the pump stops, kickIdlers() makes such joins look again.
let idlers = [];
function kickIdlers() { for (const k of idlers.splice(0)) k(); }
async function awaitWord(i, s, asleep) {
  const H = h32();
  const seen = Atomics.load(H, wakeIdx);
  const res = Atomics.waitAsync(H, i, s);
  if (!res.async) return;
  if (!asleep() || !A || helpers.size || !beginIdle()) {
    await Promise.race([res.value, new Promise((k) => idlers.push(k))]);
    return;
  }
  await Promise.race([res.value, wakeAfter(seen)]);
  if (A) endIdle();
}

// One Atomics.waitAsync on this thread's wake word per value, shared by
// every await (the pump's, joins'): the runtime wakes one waiter only, and
// a waiter left behind by an await that ended otherwise would take it.
let wakeSlot = null;
function wakeAfter(seen) {
  if (wakeSlot && wakeSlot.seen === seen) return wakeSlot.promise;
  const res = Atomics.waitAsync(h32(), wakeIdx, seen);
  if (!res.async) return Promise.resolve();
  const slot = { seen, promise: null };
  slot.promise = res.value.then(() => { if (wakeSlot === slot) wakeSlot = null; });
  wakeSlot = slot;
  return slot.promise;
}

// The pump also waits for this thread's own code: main code that makes a
// tasklet runnable here (a new tasklet, insert(), a helper for a channel
// call) changes no wake word, so it ends the wait itself (localWakeNow).
// The single-thread module has only that: it has no shared memory to wait
// on (Atomics.waitAsync needs it), and only the runtime's deadlock alarm
// changes its wake word, synchronously, before the pump looks.
let localWake = null;
function localWaiter() {
  if (!localWake) {
    let resolve;
    const promise = new Promise((k) => { resolve = k; });
    localWake = { promise, resolve };
  }
  return localWake.promise;
}
function localWakeNow() {
  const w = localWake;
  localWake = null;
  w?.resolve();
}
function pumpWait(seen) {
  if (THREADED) return Promise.race([wakeAfter(seen), localWaiter()]);
  return Atomics.load(h32(), wakeIdx) !== seen ? Promise.resolve() : localWaiter();
}

/** A thread started by startThread. */
export class Thread {
  constructor(b, id, entry) {
    this.id = id;
    this.b = b;
    this.ended = false;
    this.terminated = false;
    this.result = undefined;
    this.joined = false; // someone awaits join(): counted asleep meanwhile
    holdProcess(true);
    this.done = this.watch(entry);
    this.done.catch(() => {}); // join() is where it is reported
  }
  async watch(entry) {
    const i = this.b >> 2;
    try {
      for (;;) {
        const s = Atomics.load(h32(), i);
        if (s === 2) break;
        await awaitWord(i, s, () => this.joined);
      }
      this.ended = true;
      if (this.terminated) return undefined;
      enter();
      // slp_thread_join counts the caller as asleep while it joins; that
      // thread has ended already, and this one is not going to sleep: hold
      // so that the runtime does not see a deadlock meanwhile.
      A.slp_external_hold(1);
      A.slp_js_thread_join(this.b);
      A.slp_external_hold(-1);
      const H = h32();
      const failed = H[i + 4];
      const v = codec.decode(H[i + 3]);
      if (failed) throw v;
      this.result = v;
      return v;
    } finally {
      holdProcess(false);
      A.free(entry);
      if (!this.terminated) A.free(this.b);
    }
  }
  /** True until the thread has ended. */
  get alive() { return !this.ended && Atomics.load(h32(), this.b >> 2) !== 2; }
  /** Wait for the end: its function's result, or its error. */
  join() {
    if (!this.joined) { this.joined = true; kickIdlers(); }
    return this.done;
  }
  /**
   * End the thread from outside: it stops where it holds nothing of the
   * runtime's (at its next call into the runtime, or at once if it sleeps
   * or waits), then its worker is terminated and the thread marked dead:
   * its tasklets get thread_id -1 (the one it was running, if any, ends).
   * A thread busy in its own JS for longer than `timeout` ms (default
   * 2000) without calling the runtime is terminated then anyway.
   */
  async terminate({ timeout = 2000 } = {}) {
    if (this.ended) return;
    enter();
    if (A.slp_thread_stop(this.id) === 0) {
      const t0 = performance.now();
      while (A.slp_thread_stopped(this.id) === 0 && performance.now() - t0 < timeout)
        await new Promise((ok) => setTimeout(ok, 1));
    }
    if (Atomics.load(h32(), this.b >> 2) === 2) { // it ended by itself meanwhile
      await this.done.catch(() => {});
      return;
    }
    this.terminated = true;
    const PT = M.PThread;
    const ptr = h32()[(this.b >> 2) + 2];
    const worker = ptr && PT.pthreads[ptr]?.worker;
    if (worker && IS_NODE) await worker.terminate();
    enter();
    A.slp_js_thread_killed(this.b);
    Atomics.notify(h32(), this.b >> 2);
    await this.done.catch(() => {});
  }
}

// In a new thread's worker: called by wasm/js_library.js.
export async function bootThread(mod, b) {
  const i = b >> 2;
  mod.slpStep = null;
  let result, failed = 0;
  try {
    setup(mod, { blocking: true });
    entryURL = import.meta.url;
    const spec = codec.decode(h32()[i + 5]);
    if (!spec.blocking) { blocking = false; A.slp_thread_set_nonblocking(1); }
    const m = await import(spec.url);
    const fn = m[spec.name];
    if (typeof fn !== 'function')
      throw new TypeError(`stackless-wasm: ${spec.url} has no exported function "${spec.name}"`);
    if (Object.prototype.toString.call(fn) === '[object GeneratorFunction]') {
      tasklet(function* (...a) { result = yield* fn(...a); })(...spec.args);
    } else {
      result = await fn(...spec.args);
    }
    await run();
    // run() came back with tasklets still waiting on channels: nobody can
    // ever wake them (the deadlock alarm).  Each gets DeadlockError where it
    // waits, as a main tasklet would, and may end its own way.
    for (let round = 0; round < 8 && A.slp_thread_waiting() > 0; round++) {
      const stuck = snapshotTasklets().filter((t) => t.thread_id === TID &&
        (t.state === 'blocked_send' || t.state === 'blocked_recv'));
      if (!stuck.length) break;
      for (const t of stuck) A.slp_tasklet_throw(t.handle, EDEADLOCK, 0, 1);
      await run();
    }
  } catch (e) {
    result = e;
    failed = 1;
  }
  try {
    const H = h32();
    H[i + 3] = codec.encode(result, true, true);
    H[i + 4] = failed;
  } catch (e) {
    h32()[i + 3] = codec.encode(new Error(`stackless-wasm: the thread's result cannot be sent: ${e.message}`), true, true);
    h32()[i + 4] = 1;
  }
  A = null; // this thread's runtime is over
  try {
    mod.asm.slp_js_thread_finish(b);
  } catch (e) {
    if (e !== 'unwind') throw e;
  }
}

// ---------------------------------------------------------- introspection

const STATE_NAMES = [undefined, 'running', 'runnable', 'blocked_send', 'blocked_recv',
  'paused', 'nothread', 'dead']; // SLP_STATE_* of include/stackless.h

function snapshotTasklets() {
  for (let max = 64; ; max *= 4) {
    const p = malloc(16 * max);
    try {
      const n = A.slp_snapshot(p, max);
      if (n < 0) throw errorFor(n, 0, 0);
      if (n > max) continue;
      const H = h32(), out = [];
      for (let k = 0, i = p >> 2; k < n; k++, i += 4) {
        out.push({ handle: H[i] >>> 0, thread_id: H[i + 1], state: STATE_NAMES[H[i + 2]] ?? 'dead',
                   channel: H[i + 3] >>> 0 });
      }
      return out;
    } finally {
      A.free(p);
    }
  }
}

/**
 * Every thread and every tasklet of the runtime at one moment (slp_snapshot,
 * taken under the runtime's lock, stopping no scheduler): tasklets as
 * { handle, thread_id (-1: its thread died), state, channel (blocked on, or 0) }.
 */
export function snapshot() {
  ready();
  return { threads: getthreads().map((id) => ({ id })), tasklets: snapshotTasklets() };
}

// ------------------------------------------------------------ C tasklets

/** Tasklets written in C and compiled into the module (for tests and demos). */
export const demo = {
  /** The benchmark's baseline: n round trips between two C tasklets here. */
  pingpong(n) {
    enter();
    check(A.slp_js_demo_pingpong(n | 0));
  },
  /** A C tasklet that receives values on ch and sends each back on ch. */
  echo(ch) {
    ready();
    check(A.slp_tasklet_new(scratch));
    const t = new Tasklet(NEW, h32()[scratch >> 2], true);
    check(A.slp_tasklet_bind(t.h, A.slp_js_demo_echo(), ch.h));
    check(A.slp_tasklet_setup(t.h));
    localWakeNow();
    return t;
  },
  /** As echo, with no C state while blocked (restorable): after its thread
   * died it can be revived on another one with bind_thread(id) + insert(). */
  echoRestorable(ch) {
    ready();
    check(A.slp_tasklet_new(scratch));
    const t = new Tasklet(NEW, h32()[scratch >> 2], true);
    check(A.slp_js_demo_echo_restorable(t.h, ch.h));
    return t;
  },
};

// ------------------------------------------------------------ the module

/** The module as one object, with Stackless's attribute names. */
const stackless = {
  init, hasThreads, tasklet, channel, run, schedule, schedule_remove, getcurrent, getmain,
  getruncount, getthreads, thread_id, switch_trap, hold, startThread, startThreadWith, snapshot,
  get current() { return getcurrent(); },
  get main() { return getmain(); },
  get runcount() { return getruncount(); },
  get threads() { return getthreads(); },
  Tasklet, Channel, Thread, Op, StacklessError, TaskletExit, DeadlockError,
  ChannelClosedError, DeadTaskletError, WrongThreadError, BadArgumentError, demo,
};
export default stackless;
