// threads.js -- threads started from JS: a worker (an Emscripten pthread)
// with its own scheduler over the same memory, which imports a module of
// the user's and runs one of its functions (bootThread, in the worker).
import {
  A, M, IS_NODE, THREADED, whySingle, entryURL, codec, h32, hu8, malloc, ready, wakeIdx, blocking,
  detach, setBlocking, setDeadFlag,
} from './state.js';
import { ENOTSUP, EDEADLOCK, EWOULDBLOCK, StacklessError, TaskletExit } from './errors.js';
import { errorFor, check } from './ops.js';
import { tasklet } from './tasklet.js';
import { enter, sleepForWake } from './pump.js';
import { getmain } from './introspect.js';
import {
  awaitWord, kickIdlers, holdProcess, beginIdle, endIdle, wakeAfter, waitForWake,
} from './wait.js';
import { setup } from './module.js';

// The boot record shared with wasm/js_bridge.c (slp_js_boot), int32 words;
// the last one is JS's own.
const B_STATE = 0, B_ID = 1, B_PTHREAD = 2, B_RESULT = 3, B_FAILED = 4, B_SPEC = 5, B_ENTRY = 6,
      B_STOP = 7, // 1: terminate() asks the thread to stop (its event loop looks)
      B_WORDS = 8;

const liveThreads = new Set(); // this thread's Threads that have not ended
let booting = null; // in a thread's worker: the URL of the module it is importing
let bootRefusal = null; // a start refused meanwhile: the thread fails with it

/**
 * Start a thread: a worker with its own scheduler over the same memory,
 * which imports moduleURL and runs its export `name` with args (copied;
 * channels and tasklets go as themselves).  A generator function runs as a
 * tasklet there; a plain (or async) function runs as that thread's main
 * code.  The thread ends when that function returns (Stackless's rule:
 * its tasklets still queued or blocked then stop where they are, with
 * thread_id -1; nothing is thrown into them).  Recursion is refused: a
 * module may not start threads on itself while a worker imports it.
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
  if (booting !== null) {
    throw bootRefusal = new Error(`stackless-wasm: startThread(${url}) while this worker imports ${booting} to run ` +
      'its thread function: a module that starts threads at its top level would start them again in ' +
      'every thread (recursion).  Put the thread functions in a module of their own, or start threads ' +
      'only in the main thread (`if (thread_id() === 1)`, or Node\'s isMainThread)');
  }
  const b = malloc(4 * B_WORDS);
  const i = b >> 2;
  h32().fill(0, i, i + B_WORDS);
  const entry = cStringAlloc(entryURL);
  h32()[i + B_ENTRY] = entry;
  h32()[i + B_SPEC] = codec.encode({ url, name, args, blocking: options.blocking ?? true }, true, true);
  const r = A.slp_js_thread_start(b);
  if (r < 0) {
    codec.discard(h32()[i + B_SPEC]);
    A.free(entry);
    A.free(b);
    throw errorFor(r, 0, 0);
  }
  const th = new Thread(b, h32()[i + B_ID], entry);
  holdProcess(true); // (Atomics.waitAsync does not keep Node up)
  try {
    while (Atomics.load(h32(), i) === 0) {
      const res = Atomics.waitAsync(h32(), i, 0);
      if (res.async) await res.value;
    }
  } finally {
    holdProcess(false);
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


/** A thread started by startThread. */
export class Thread {
  constructor(b, id, entry) {
    this.id = id;
    this.b = b;
    this.ended = false;
    this.terminated = false;
    this.result = undefined;
    this.joined = false; // someone awaits join(): counted asleep meanwhile
    liveThreads.add(this);
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
      const failed = H[i + B_FAILED];
      const v = codec.decode(H[i + B_RESULT]);
      if (failed) throw v;
      this.result = v;
      return v;
    } finally {
      liveThreads.delete(this);
      A.free(entry);
      if (!this.terminated) A.free(this.b);
    }
  }
  /** True until the thread has ended. */
  get alive() { return !this.ended && Atomics.load(h32(), this.b >> 2) !== 2; }
  /** Wait for the end: its function's result, or its error. */
  join() {
    if (!this.joined) {
      this.joined = true;
      holdProcess(true); // main code awaits it: Node stays up meanwhile
      this.done.catch(() => {}).then(() => holdProcess(false));
      kickIdlers();
    }
    return this.done;
  }
  /**
   * End the thread from outside: it stops where it holds nothing of the
   * runtime's (at its next call into the runtime, or at once if it sleeps
   * or waits), then its worker is terminated and the thread marked dead:
   * its tasklets get thread_id -1 (the one it was running, if any, ends).
   * A thread idle on its event loop stops at once (its loop looks at the
   * request); one busy in its own JS for longer than `timeout` ms (default
   * 2000) without calling the runtime is terminated then anyway.
   */
  async terminate({ timeout = 2000 } = {}) {
    if (this.ended) return;
    enter();
    if (A.slp_thread_stop(this.id) === 0) {
      const s = (this.b >> 2) + B_STOP;
      Atomics.store(h32(), s, 1);
      Atomics.notify(h32(), s);
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
    const ptr = h32()[(this.b >> 2) + B_PTHREAD];
    const worker = ptr && PT.pthreads[ptr]?.worker;
    if (worker && IS_NODE) await worker.terminate();
    enter();
    A.slp_js_thread_killed(this.b);
    Atomics.notify(h32(), this.b >> 2);
    await this.done.catch(() => {});
  }
}

// In a new thread's worker: called by wasm/js_library.js.
let boot = null; // this worker's current boot (a pooled worker may boot again)
export async function bootThread(mod, b) {
  const i = b >> 2;
  const me = (boot = {});
  mod.slpSetStep(null);
  let result, failed = 0;
  try {
    setup(mod, { blocking: true });
    const spec = codec.decode(h32()[i + B_SPEC]);
    if (!spec.blocking) setBlocking(false);
    watchStop(i + B_STOP, me);
    bootRefusal = null;
    booting = spec.url;
    let m;
    try {
      m = await import(spec.url);
    } finally {
      booting = null;
    }
    if (bootRefusal) throw bootRefusal;
    const fn = m[spec.name];
    if (typeof fn !== 'function')
      throw new TypeError(`stackless-wasm: ${spec.url} has no exported function "${spec.name}"`);
    if (Object.prototype.toString.call(fn) === '[object GeneratorFunction]') {
      result = await runAsTasklet(fn, spec.args);
    } else {
      result = await fn(...spec.args);
    }
  } catch (e) {
    result = e;
    failed = 1;
  }
  // The thread ends now (Stackless's rule, seed: "Soft-switched tasklets
  // simply stop"): its tasklets still queued or blocked stop where they
  // are, thread_id -1, nothing thrown in (slp_thread_exit).
  try {
    const H = h32();
    H[i + B_RESULT] = codec.encode(result, true, true);
    H[i + B_FAILED] = failed;
  } catch (e) {
    h32()[i + B_RESULT] = codec.encode(new Error(`stackless-wasm: the thread's result cannot be sent: ${e.message}`), true, true);
    h32()[i + B_FAILED] = 1;
  }
  detach(); // this thread's runtime is over
  boot = null;
  try {
    mod.asm.slp_js_thread_finish(b);
  } catch (e) {
    if (e !== 'unwind') throw e;
  }
}

// A generator function as the thread's function: a tasklet, which this
// thread's main code runs until it ends; then the thread ends at once (the
// tasklet hands control straight back to main, so that no other tasklet
// runs after it).  It is the thread's main work: when the whole program
// deadlocks while it waits, it gets the DeadlockError (as a Stackless main
// tasklet would); the thread's other tasklets get nothing.  Main is the
// tasklet that waits meanwhile (sleeping in C, or awaiting), so a stop
// (terminate()) finds the thread in main, its tasklets where they wait.
async function runAsTasklet(fn, args) {
  let out = null;
  const t = tasklet(function* () {
    try {
      out = { value: yield* fn(...args) };
    } catch (e) {
      out = e instanceof TaskletExit ? { value: undefined } : { error: e };
    }
    yield getmain().switch();
  })();
  try {
    for (;;) {
      if (out !== null || !t.alive) break; // (main may be back from a sleep)
      const seen = Atomics.load(h32(), wakeIdx);
      enter();
      const r = A.slp_run(); // EWOULDBLOCK: only sleepers are left (timers.js)
      if (r !== EWOULDBLOCK) check(r); // another tasklet's uncaught error
      if (out !== null || !t.alive) break;
      if (A.slp_getruncount() > 1) continue;
      let dead;
      if (blocking) {
        dead = sleepForWake();
      } else {
        setDeadFlag(0);
        dead = await waitForWake(seen, true);
      }
      if (dead && out === null && t.alive) A.slp_tasklet_throw(t.h, EDEADLOCK, 0, 1);
    }
  } finally {
    t.release();
  }
  if (out && 'error' in out) throw out.error;
  return out?.value;
}

// terminate() from another thread asks this one to stop (slp_thread_stop):
// a call into the runtime stops it.  This worker's event loop makes that
// call as soon as it is free, so that a thread idle there stops at once;
// it holds nothing of the runtime's then.
function watchStop(s, me) {
  const res = Atomics.waitAsync(h32(), s, 0);
  const look = () => {
    if (boot !== me || !A) return; // that boot ended; the word may be reused
    if (Atomics.load(h32(), s) === 0) { watchStop(s, me); return; }
    A.slp_thread_id(); // parks here for good: the thread is stopped
  };
  if (res.async) res.value.then(look); else look();
}

// Node: a program whose main code is done while its threads are alive.
// Workers never keep the process up by themselves; this does, while a
// thread may still end.  Main code counts asleep meanwhile, so when every
// thread waits for ever the runtime tells them (DeadlockError where they
// wait) and they may end their way; what cannot end is reported.
let outliving = false, reported = false;
export function installExitRule() {
  if (!IS_NODE) return;
  process.on('beforeExit', () => { if (liveThreads.size && !outliving) outlive(); });
}
async function outlive() {
  outliving = true;
  holdProcess(true);
  try {
    while (liveThreads.size && A) {
      const seen = Atomics.load(h32(), wakeIdx);
      const ends = [...liveThreads].map((th) => th.done.catch(() => {}));
      if (A.slp_getthreads(0, 0) < 2) {
        await Promise.race(ends); // they ended: their watches see it
      } else if (beginIdle()) {
        await Promise.race([wakeAfter(seen), ...ends]);
        endIdle();
        // A wake may be there already: let the event loop's tasks run (a
        // thread's end reaches its watch as one).
        await new Promise((ok) => setImmediate(ok));
      } else {
        if (!reported) {
          reported = true;
          process.emitWarning(`stackless-wasm: main code is done, and tasklets of the main thread are ` +
            `still queued (nobody runs them: await run()); threads ${[...liveThreads].map((th) => th.id).join(', ')} ` +
            'stay alive while they may wait for them');
        }
        await Promise.race(ends);
      }
    }
  } finally {
    holdProcess(false);
    outliving = false;
  }
}
