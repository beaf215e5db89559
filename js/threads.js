// threads.js -- threads started from JS: a worker (an Emscripten pthread)
// with its own scheduler over the same memory, which imports a module of
// the user's and runs one of its functions (bootThread, in the worker).
import {
  A, M, IS_NODE, TID, THREADED, whySingle, entryURL, codec, h32, hu8, malloc, ready,
  detach, setBlocking,
} from './state.js';
import { ENOTSUP, EDEADLOCK, StacklessError } from './errors.js';
import { errorFor } from './ops.js';
import { tasklet } from './tasklet.js';
import { enter, run } from './pump.js';
import { awaitWord, kickIdlers, holdProcess } from './wait.js';
import { snapshotTasklets } from './introspect.js';
import { setup } from './module.js';

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
      const spec = codec.decode(h32()[i + 5]);
    if (!spec.blocking) setBlocking(false);
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
  detach(); // this thread's runtime is over
  try {
    mod.asm.slp_js_thread_finish(b);
  } catch (e) {
    if (e !== 'unwind') throw e;
  }
}
