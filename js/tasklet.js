// tasklet.js -- JS tasklets: the record of each generator, the step that
// C (js_tasklet in wasm/js_bridge.c) calls to advance one by one yield,
// and the Tasklet wrapper of a runtime handle.
import {
  A, TID, codec, h32, malloc, ready, scratch, records, stepping, tasklets, live, helpers,
  NEW, setStepping, setBomb, remember, mapWeak,
} from './state.js';
import {
  EEXIT, EDEADLOCK, EOTHERTHREAD, E_THROWN, E_UNCAUGHT, StacklessError, TaskletExit, WrongThreadError, makeError,
} from './errors.js';
import {
  Op, SCHEDULE, made, notYielded, UNDELIVERED, unstartedThrows, errorFor, channelError, check, OP_DONE, OP_SEND, OP_SEND_THROW, OP_RECEIVE, OP_SCHEDULE,
  OP_TASKLET_RUN, OP_TASKLET_SWITCH, OP_KILL, OP_THROW, OP_FOREIGN, OP_SCHEDULE_VALUE, OP_RUN_WATCHDOG,
  OP_AWAIT, OP_SELECT,
} from './ops.js';
import { awaitOp, endAwait, isThenable } from './timers.js';
import { endSelect } from './select.js';
import { mainCall } from './pump.js';
import { localWakeNow } from './wait.js';
import { getthreads, checkThreadId } from './introspect.js';

// A JS tasklet's record: fn/args until it starts, then its generator.
export function newRecord(fn, args, handle, settle) {
  return addRecord(newArea(handle), fn, args, handle, settle);
}
// A zeroed exchange area of tasklet h (slp_js_task of wasm/js_bridge.c:
// seven int32 words, the last one h).
function newArea(h) {
  const d = malloc(28);
  const H = h32(), i = d >> 2;
  H.fill(0, i, i + 6);
  H[i + 6] = h;
  return d;
}
// Records are found by their tasklet's handle (the area's last word).
function addRecord(d, fn, args, handle, settle) {
  const rec = { d, fn, args, gen: null, handle, op: 0, sent: 0, made: 0, lastMade: null,
                settle, deadlocked: false, awaiting: null, selecting: null };
  records.set(handle, rec);
  return rec;
}
// rec is its tasklet's record, not yet forgotten.
export function isCurrent(rec) { return records.get(rec.handle) === rec; }
function forget(rec) { if (isCurrent(rec)) records.delete(rec.handle); }
// A record whose tasklet will never step: forgotten with its exchange area.
export function freeRecord(rec) {
  forget(rec);
  A.free(rec.d);
}

// Bind tasklet h to js_tasklet with exchange area d and queue it; 0 or an error code.
export function bindAndSetup(h, d) {
  const r = A.slp_tasklet_bind(h, A.slp_js_tasklet_func(), d);
  return r === 0 ? A.slp_tasklet_setup(h) : r;
}

// A word that is not a pointer or a table index: nothing to consume.
export function immediate(w) { return (w & 1) === 1 || w === 0 || w === 4 || w === 8 || w === 12; }

// Stackless's claim of tempval when a tasklet resumes: a word consumed
// here (decoded, or discarded) leaves h's slot if it is still there, so
// that tempval never reads a freed box or a reused table slot.  Immediate
// words need nothing (and cost nothing on the hot path).
export function claim(h, w) {
  if (!immediate(w) && A.slp_tasklet_value(h) === w) A.slp_tasklet_set_tempval(h, 0);
}

// Called by C (js_tasklet) for every step of every JS tasklet of this thread.
export function step(d) {
  justEnded = null;
  let H = h32();
  const i = d >> 2;
  let rec = records.get(H[i + 6]);
  if (rec !== undefined && rec.d !== d) rec = undefined;
  if (rec === undefined && H[i] === OP_REMOTE_SETUP) rec = adoptRemote(d, H[i + 1], H[i + 5]);
  if (rec === undefined) { // bound to another thread: its generator is not here
    H = h32();
    H[i + 4] = EOTHERTHREAD;
    return OP_FOREIGN;
  }
  const err = H[i + 4];
  const last = rec.op;
  let thrown = false, input;
  if (last === OP_AWAIT || last === OP_SELECT) { // (timers.js, select.js)
    ({ thrown, input } = last === OP_AWAIT ? endAwait(rec, err) : endSelect(rec, err));
  } else if (err !== 0) {
    thrown = true;
    input = last === OP_SEND || last === OP_SEND_THROW || last === OP_RECEIVE
      ? channelError(err, last === OP_RECEIVE ? H[i + 5] : 0, rec.handle, H[i + 1])
      : errorFor(err, 0, rec.handle);
    if (rec.deadlocked && err === EEXIT) input = makeError(EDEADLOCK);
    if (last === OP_RECEIVE) claim(rec.handle, H[i + 5]);
    if (rec.sent && UNDELIVERED.has(err)) { claim(rec.handle, rec.sent); codec.discard(rec.sent); }
  } else if (last === OP_RECEIVE || last === OP_SCHEDULE_VALUE) {
    const w = H[i + 5];
    claim(rec.handle, w);
    try { input = codec.decode(w); } catch (e) { thrown = true; input = e; }
  } else if (last === OP_RUN_WATCHDOG) {
    input = H[i + 3] ? wrapTasklet(H[i + 3], true) : null; // the caller's reference
  }
  rec.sent = 0;
  rec.op = 0;
  const outer = stepping;
  setStepping(rec);
  try {
    for (;;) {
      rec.made = 0;
      rec.lastMade = null;
      let res;
      if (rec.gen === null) {
        if (thrown) {
          const k = unstartedThrows.findIndex((u) => u.h === rec.handle);
          if (k >= 0) unstartedThrows.splice(k, 1); // delivered here after all
          throw input;
        }
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
        if (rec.made > 0) return finish(rec, i, true, notYielded(rec, 'when the tasklet returned'));
        return finish(rec, i, false, res.value);
      }
      let op = res.value;
      if (op === undefined && rec.made === 0) op = SCHEDULE;
      if (!(op instanceof Op) && op !== SCHEDULE && rec.made === 0 && isThenable(op)) {
        op = awaitOp(rec, op); // `yield promise`: parked until it settles
      } else if (!(op instanceof Op) && op !== SCHEDULE) {
        thrown = true;
        input = new TypeError('stackless-wasm: a tasklet may only yield the operations of ' +
          'this package (yield ch.receive(), yield schedule()...), not ' + describe(op) +
          (typeof op?.next === 'function' ? ' (a generator, such as send_sequence(): delegate with yield*)' : ''));
        continue;
      }
      if (rec.made === 1 && op !== rec.lastMade) {
        thrown = true;
        input = notYielded(rec, 'at the next yield');
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
    setStepping(outer);
  }
}

// Another thread's setup() of a tasklet bound to a function of ours
// (Tasklet.setupRemote): its first step here makes the record.
const OP_REMOTE_SETUP = 98;
function adoptRemote(d, h, w) {
  const t = known(h);
  let args;
  try { args = codec.decode(w); } catch { args = undefined; }
  if (!t || !t.fn || !Array.isArray(args)) return undefined;
  t.dropRecord();
  link(t);
  return (t.rec = addRecord(d, t.fn, args, h, null));
}

function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

// The generator ended: tell C the tasklet's result (js_tasklet frees d).
export function finish(rec, i, failed, value) {
  forget(rec);
  const t = live.get(rec.handle);
  if (t !== undefined && t.rec === rec) {
    live.delete(rec.handle);
    justEnded = t;
  }
  const H = h32();
  let result = 0;
  if (rec.settle) {
    helpers.delete(rec);
    if (failed) rec.settle.reject(rec.deadlocked && value instanceof TaskletExit
      ? makeError(EDEADLOCK) : value);
    else rec.settle.resolve(value);
  } else if (failed && !(value instanceof TaskletExit)) {
    if (errorHandler) {
      // Stackless's error handler, in the dying tasklet: returning
      // swallows the error, throwing replaces it.  It must not switch
      // (trap 1: this is a JS frame under the tasklet's C body): its
      // switching calls fail with ESWITCHTRAP, its blocking ones return Ops.
      A.slp_switch_trap(1);
      try {
        errorHandler(value, borrowTasklet(rec.handle));
        failed = false;
      } catch (e) {
        value = e;
      } finally {
        A.slp_switch_trap(-1);
      }
    }
    if (failed) {
      setBomb(value); // surfaces in this thread's main (or innermost run())
      result = E_UNCAUGHT;
    }
  }
  H[i] = OP_DONE;
  H[i + 4] = result;
  return OP_DONE;
}

// The wrapper of handle h here, if there is one.
export function known(h) {
  return live.get(h) ?? (justEnded?.h === h ? justEnded : tasklets.get(h)?.deref());
}

// The JS tasklet that ended last here, out of live, until C switched away
// from it: the switch's callback, after finish(), still gets its wrapper.
let justEnded = null;
export function forgetEnded() { justEnded = null; }

// t set up here: in live.  A wrapper it replaces there is of a tasklet
// that is gone (its handle's slot was reused): its record goes too.
function link(t) {
  const old = live.set(t.h, t);
  if (old !== undefined) old.dropIfDead();
}

// A tasklet killed or thrown into before it ran ends in C without a step:
// its record (and its wrapper, in live) would stay.  Looked for after as
// many setups as the look costs (live's length; 1024 at least), so the
// cost per tasklet stays constant.
let setups = 0, sweepAt = 1024;
const dropIfDead = (t) => t.dropIfDead();
function sweepLive() {
  live.each(dropIfDead);
  setups = 0;
  sweepAt = Math.max(1024, live.length);
}

export function wrapTasklet(h, adopted) {
  const old = known(h);
  if (old) {
    if (adopted && old.owned) A.slp_tasklet_release(h);
    return old;
  }
  const t = new Tasklet(NEW, h, adopted);
  return t;
}

// set_error_handler's function (this thread's JS tasklets), or null.
let errorHandler = null;

/**
 * Stackless's set_error_handler: handler(error, tasklet) is called with the
 * uncaught error of this thread's JS tasklets, in the dying tasklet; if it
 * returns, the error is swallowed, if it throws, what it throws goes on to
 * main code (run()).  It must not block or switch.  Returns the old one.
 */
export function set_error_handler(handler) {
  if (handler !== null && handler !== undefined && typeof handler !== 'function')
    throw new TypeError('error handler must be a callable or None');
  const old = errorHandler;
  errorHandler = handler ?? null;
  return old;
}

// A borrowed handle (getcurrent(), queue...): take our own reference.
export function borrowTasklet(h) {
  if (!h) return null;
  const old = known(h);
  if (old) return old;
  const owned = A.slp_tasklet_retain(h) === 0;
  return new Tasklet(NEW, h, owned);
}


// A new wrapper of handle h (made here, not by `new`: a constructor's
// receiver would be made and thrown away, on the path of every tasklet(fn)).
// Callable: t(...args) is t.setup(...args).
function wrapper(proto, h, owned, weak) {
  const self = function () { return self.setup.apply(self, arguments); };
  Object.setPrototypeOf(self, proto);
  self.h = h;
  self.owned = owned;
  self.shared = false;
  self.rec = null; // this thread's record, for a JS tasklet made here
  self.fn = null;
  // (Once collected, a JS-bound tasklet's owner is forgotten: life.unmark.)
  // (weak false: a JS tasklet, found by its handle while set up (live)
  // and once sent somewhere (mapWeak); meanwhile nobody can ask for it.)
  self.life = remember(tasklets, h, self, false, owned, weak);
  return self;
}

/**
 * A tasklet.  tasklet(fn) makes one bound to fn, and calling it (t(...args),
 * or t.setup(...args)) schedules it, as in Stackless.
 */
export class Tasklet {
  constructor(key, h, owned, weak = true) {
    if (key !== NEW) throw new TypeError('use tasklet(fn) to make a tasklet');
    return wrapper(new.target.prototype, h, owned, weak);
  }
  /** Bind to fn (a generator function, or a plain function that runs at once when scheduled). null unbinds. */
  bind(fn) {
    checkFunction(fn);
    check(A.slp_tasklet_bind(this.h, 0, 0));
    this.dropRecord();
    // Other threads ask the runtime whose JS holds fn (bind_thread, setup).
    if (fn && !this.fn) { check(A.slp_js_mark(this.h, TID)); this.life.unmark = true; }
    if (!fn && this.fn) { A.slp_js_mark(this.h, 0); this.life.unmark = false; }
    this.fn = fn;
    return this;
  }
  /** Make it alive and append it to its thread's run queue, with these arguments. */
  setup(...args) {
    if (this.rec === null && this.fn) { // no record to drop: one call (alive check, bind, queue)
      const r = A.slp_js_tasklet_setup(this.h, scratch);
      localWakeNow();
      if (r < 0) throw errorFor(r, 0, 0);
      this.rec = addRecord(h32()[scratch >> 2], this.fn, args, this.h, null);
      link(this);
      if (++setups > sweepAt) sweepLive();
      return this;
    }
    if (A.slp_tasklet_alive(this.h) === 1) throw makeError(-18 /* EALIVE */);
    if (!this.fn) {
      const owner = A.slp_js_owner(this.h);
      if (owner > 0 && owner !== TID) return this.setupRemote(args);
      throw makeError(-19 /* ENOTBOUND */);
    }
    this.dropRecord();
    const rec = newRecord(this.fn, args, this.h, null);
    const r = bindAndSetup(this.h, rec.d);
    localWakeNow();
    if (r < 0) {
      freeRecord(rec);
      throw errorFor(r, 0, 0);
    }
    this.rec = rec;
    link(this);
    return this;
  }
  // setup() from another thread than the one whose JS holds the function:
  // bound to a fresh exchange area that carries the arguments (copied),
  // and queued in its own thread (not woken, as in Stackless), whose step
  // makes the record (adoptRemote).
  setupRemote(args) {
    const d = newArea(this.h);
    let w = 0;
    try {
      w = codec.encode(args, true);
    } catch (e) {
      A.free(d);
      throw e;
    }
    const H = h32(), i = d >> 2;
    H[i] = OP_REMOTE_SETUP; H[i + 1] = this.h; H[i + 5] = w;
    const r = bindAndSetup(this.h, d);
    if (r < 0) {
      // Unbound again: its owner's JS still holds the function.
      if (A.slp_tasklet_alive(this.h) !== 1) A.slp_tasklet_bind(this.h, 0, 0);
      codec.discard(w);
      A.free(d);
      throw errorFor(r, 0, 0);
    }
    return this;
  }
  // A record whose tasklet will never run again (rebound) is dropped here.
  dropRecord() {
    this.dropIfDead();
    this.rec = null;
    if (live.get(this.h) === this) live.delete(this.h);
  }
  // Found by its handle from now on (it is sent somewhere).
  mapWeak() { mapWeak(this.life, this); }
  // A record whose tasklet ended in C before its generator started.
  dropIfDead() {
    const rec = this.rec;
    if (rec && isCurrent(rec) && rec.gen === null && A.slp_tasklet_alive(this.h) !== 1) {
      this.rec = null;
      freeRecord(rec);
      if (live.get(this.h) === this) live.delete(this.h);
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
    try {
      return mainCall(() => A.slp_tasklet_kill(this.h, pending ? 1 : 0));
    } finally {
      this.dropIfDead(); // killed before it ran: its generator never will
    }
  }
  /** Raise exc in it (pending: only make it runnable).  Inside a tasklet: yield it. */
  throw(exc, pending = false) {
    if (exc instanceof TaskletExit) return this.kill(pending); // as in Stackless
    if (stepping) return made(new Op(OP_THROW, this, exc, pending));
    const w = codec.encode(exc, A.slp_tasklet_thread_id(this.h) !== TID);
    const rec = this.rec;
    if (rec && isCurrent(rec) && rec.gen === null) unstartedThrows.push({ h: this.h, w, exc });
    try {
      return mainCall(() => A.slp_tasklet_throw(this.h, E_THROWN, w, pending ? 1 : 0), w);
    } finally {
      this.dropIfDead();
    }
  }
  /** Attach it to another thread (default: the calling one).  A JS tasklet's
   * generator lives in the thread that made it: it can only go back there. */
  bind_thread(threadId = -1) {
    checkThreadId(threadId); // refused here, the tasklet unchanged
    const to = threadId === -1 || threadId === 0 ? TID : threadId;
    if (this.rec && isCurrent(this.rec)) {
      if (to !== TID && getthreads().includes(to)) {
        throw new WrongThreadError(EOTHERTHREAD,
          'a JS tasklet cannot move to another thread: its generator lives in this one');
      }
    }
    // Bound to a function of another thread's JS: its generator lives there.
    const owner = A.slp_js_owner(this.h);
    if (owner > 0 && owner !== TID && to !== owner && getthreads().includes(owner)) {
      throw new WrongThreadError(EOTHERTHREAD,
        `a JS tasklet cannot move to another thread: its generator lives in thread ${owner}`);
    }
    check(A.slp_tasklet_bind_thread(this.h, threadId));
    return this;
  }
  /** Raise new exc_class(...args) in it (Stackless's raise_exception).  Inside a tasklet: yield it. */
  raise_exception(exc_class, ...args) {
    if (typeof exc_class !== 'function') throw new TypeError('raise_exception: exc_class must be a class');
    return this.throw(new exc_class(...args));
  }
  /** The next tasklet in its run queue or channel queue (null: in neither). */
  get next() { return borrowTasklet(A.slp_tasklet_next(this.h)); }
  /** The previous tasklet in its run queue or channel queue (null: in neither). */
  get prev() { return borrowTasklet(A.slp_tasklet_prev(this.h)); }
  /** While true, the tasklet is not pre-empted by run({timeout}). */
  get atomic() { return check(A.slp_tasklet_atomic(this.h)) === 1; }
  set atomic(on) { this.set_atomic(on); }
  /** Set atomic; returns the old flag. */
  set_atomic(on) { return check(A.slp_tasklet_set_atomic(this.h, on ? 1 : 0)) === 1; }
  /** 1 if the tasklet has C state (a JS tasklet inside a nested run()), else 0. */
  get nesting_level() { return check(A.slp_tasklet_nesting_level(this.h)); }
  get alive() { return check(A.slp_tasklet_alive(this.h)) === 1; }
  get paused() { return check(A.slp_tasklet_paused(this.h)) === 1; }
  get blocked() { return check(A.slp_tasklet_blocked(this.h)) !== 0; }
  /** 0 not blocked, 1 blocked receiving, 2 blocked sending. */
  get blocked_kind() { return check(A.slp_tasklet_blocked(this.h)); }
  get scheduled() { return check(A.slp_tasklet_scheduled(this.h)) === 1; }
  /** Parked until a time or a promise (sleep(ms), `yield promise`): it runs again by itself. */
  get waiting() { return check(A.slp_tasklet_waiting(this.h)) !== 0; }
  get is_main() { return check(A.slp_tasklet_is_main(this.h)) === 1; }
  get is_current() { return check(A.slp_tasklet_is_current(this.h)) === 1; }
  get restorable() { return check(A.slp_tasklet_restorable(this.h)) === 1; }
  /** While true, a channel action of this tasklet that would block throws
   * StacklessError (EBLOCKTRAP) instead; one that finds a partner works. */
  get block_trap() { return check(A.slp_tasklet_block_trap(this.h)) === 1; }
  set block_trap(on) { check(A.slp_tasklet_set_block_trap(this.h, on ? 1 : 0)); }
  /**
   * Stackless's tempval, the tasklet's transfer slot: the value it sends
   * while blocked sending, what a partner delivered to it before it runs,
   * the retval of its `schedule(retval)` until it resumes (set it to change
   * what that call gives back), a value thrown in with an error.  A value
   * it received or got back is taken out when it resumes (Stackless's
   * claim; numbers, booleans, null and undefined stay, as in C).  Values
   * go in copied as across threads.  An object value can be read only in
   * the tasklet's own thread, of a JS tasklet or main (a C tasklet's slot
   * holds C pointers), and not while it is blocked sending (another thread
   * may take it meanwhile); it can be set there while the tasklet is not
   * blocked.  Otherwise WrongThreadError or StacklessError.
   */
  get tempval() {
    const w = A.slp_tasklet_value(this.h);
    if (!immediate(w)) this.tempvalHere('read');
    return codec.peek(w);
  }
  set tempval(v) {
    this.tempvalHere('set');
    // The old value, if an object, stays where it is (an unconsumed word
    // may still be discarded by the call that put it there).
    check(A.slp_tasklet_set_tempval(this.h, codec.encode(v, true)));
  }
  tempvalHere(what) {
    const tid = this.thread_id;
    if (tid !== TID)
      throw new WrongThreadError(EOTHERTHREAD, `stackless-wasm: the tempval of ${this} holds a value ` +
        `of thread ${tid}: it can be ${what} only there`);
    if (!this.is_main && A.slp_js_owner(this.h) !== TID)
      throw new TypeError(`stackless-wasm: the tempval of ${this} holds a C tasklet's value (a C pointer)`);
    const k = this.blocked_kind;
    if (k === 2 || (k !== 0 && what === 'set'))
      throw new StacklessError(-1, `stackless-wasm: the tempval of ${this} cannot be ${what} while it is ` +
        `blocked ${k === 2 ? 'sending (its receiver may take the value at any moment)' : 'receiving (its sender may deliver at any moment)'}`);
  }
  /** Id of its thread; -1 once that thread died. */
  get thread_id() { const r = A.slp_tasklet_thread_id(this.h); return r < -1 ? check(r) : r; }
  /** Drop this wrapper's reference (a queued or blocked tasklet lives on). */
  release() {
    if (!this.owned) return;
    this.owned = false;
    this.life.owned = false;
    A.slp_tasklet_release(this.h);
  }
  [Symbol.dispose]() { this.release(); }
  toString() { return `<tasklet ${this.h}>`; }
}

/**
 * Stackless's `with atomic():` -- run body with the current tasklet atomic
 * (not pre-empted by run({timeout})), then restore the flag.  Inside a
 * tasklet with a generator function body, delegate:
 * `const r = yield* atomic(function* () { ... })`; a plain function runs at once.
 */
export function atomic(body) {
  ready();
  if (typeof body !== 'function') throw new TypeError('atomic(body): body must be a function');
  if (Object.prototype.toString.call(body) === '[object GeneratorFunction]') {
    return (function* () {
      const cur = A.slp_getcurrent();
      const old = check(A.slp_tasklet_set_atomic(cur, 1));
      try { return yield* body(); } finally { A.slp_tasklet_set_atomic(cur, old); }
    })();
  }
  const cur = A.slp_getcurrent();
  const old = check(A.slp_tasklet_set_atomic(cur, 1));
  try { return body(); } finally { A.slp_tasklet_set_atomic(cur, old); }
}

/** Make a tasklet bound to fn; call the result with fn's arguments to schedule it. */
export function tasklet(fn) {
  ready();
  if (fn === undefined || fn === null) {
    check(A.slp_tasklet_new(scratch));
    const t = new Tasklet(NEW, h32()[scratch >> 2], true);
    if (fn !== undefined) t.bind(fn);
    return t;
  }
  // bind(fn) of a new tasklet, made and marked as ours in one call.
  checkFunction(fn);
  check(A.slp_js_tasklet_new(scratch, TID));
  const t = wrapper(Tasklet.prototype, h32()[scratch >> 2], true, false);
  t.life.unmark = true;
  t.fn = fn;
  return t;
}

// What bind(fn) accepts: a function (not an async one), or null.  Its kind
// is its Symbol.toStringTag, which Object.prototype.toString would put in
// a new string (most of this look's cost, at every tasklet(fn)).
function checkFunction(fn) {
  if (fn !== null && typeof fn !== 'function')
    throw new TypeError('tasklet function must be a callable or None');
  const kind = fn && fn[Symbol.toStringTag];
  if (kind === 'AsyncGeneratorFunction' || kind === 'AsyncFunction') {
    // Its awaits would escape the scheduler (and an async generator's
    // steps are promises, not operations): refused.
    throw new TypeError(`stackless-wasm: a tasklet cannot be an ${kind === 'AsyncFunction' ? 'async function' : 'async generator function'}: ` +
      'use a generator function and yield the operations (`const v = yield ch.receive()`); ' +
      'await other promises in main code');
  }
}
