// pump.js -- main code's calls into the scheduler: those that act at once
// (mainCall), channel calls that may have to wait for another thread (a
// helper tasklet waits in the channel for main code), and the pump that
// drives this thread's scheduler while main code awaits run() or a helper.
import {
  A, TID, THREADED, codec, h32, ready, scratch, stepping, blocking, wakeIdx, runWaiters,
  helpers, pumping, spinMs, setPumping, setDeadFlag,
} from './state.js';
import { EDEADLOCK, ENOSENDER, ENORECEIVER, EWOULDBLOCK, E_THROWN } from './errors.js';
import {
  Op, SCHEDULE, made, MAIN_ALONE, UNDELIVERED, errorFor, channelError, check, OP_RECEIVE, OP_SEND,
  OP_RUN, OP_SCHEDULE_REMOVE, OP_SCHEDULE_VALUE, OP_RUN_WATCHDOG,
} from './ops.js';
import { newRecord, freeRecord, bindAndSetup, wrapTasklet, claim, immediate, forgetEnded } from './tasklet.js';
import { endIdle, waitForWake, kickIdlers, localWakeNow, holdProcess } from './wait.js';

// A call from outside any tasklet, into the scheduler.  A thread waiting
// for its wake word is counted awake first.
export function enter() {
  ready();
  forgetEnded();
  endIdle();
  drainBoxes();
  localWakeNow();
}

function drainBoxes() {
  const p = A.slp_js_box_take(TID);
  if (p) codec.drainReturned(p);
}

// A switching call of main code that never waits for other threads.
export function mainCall(f, sent = 0) {
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
export function mainChannelOp(code, ch, v) {
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
        w = h32()[scratch >> 2];
        if (!immediate(w)) claim(A.slp_getcurrent(), w); // (tempval)
        if (r === 0) return Promise.resolve(codec.decode(w));
      } else {
        w = codec.encode(v, ch.shared);
        r = code === OP_SEND ? A.slp_channel_send(ch.h, w)
          : A.slp_channel_send_throw(ch.h, E_THROWN, w);
        if (r === 0) return Promise.resolve();
        if (UNDELIVERED.has(r)) { if (!immediate(w)) claim(A.slp_getcurrent(), w); codec.discard(w); }
        w = 0;
      }
      if (!(r === ENOSENDER || r === ENORECEIVER) || tries === 100 || A.slp_getthreads(0, 0) < 2) break;
    }
    // Would sleep (EWOULDBLOCK), or nothing else here could ever act but
    // other threads exist: main code waits in a helper tasklet, counted
    // asleep meanwhile (hold() counts the event loop as a possible party).
    // A thread alone gets Stackless's DeadlockError, and so does a thread
    // that sleeps in C when the runtime found every thread waiting.
    if (r === EWOULDBLOCK || (MAIN_ALONE.has(r) && A.slp_getthreads(0, 0) > 1 &&
        !(blocking && r === EDEADLOCK)))
      return viaHelper(new Op(code, ch, v));
    return Promise.reject(channelError(r, w, A.slp_getcurrent(), ch.h));
  } catch (e) {
    return Promise.reject(e);
  }
}

// An operation called from a tasklet (made, to be yielded) or from main
// code (a promise: a helper tasklet performs it); and its refusal, thrown
// in a tasklet, a rejected promise in main code.
export function perform(op) {
  if (stepping) return made(op);
  try { ready(); } catch (e) { return Promise.reject(e); }
  return viaHelper(op);
}
export function refuse(e) {
  if (stepping) throw e;
  return Promise.reject(e);
}

export function viaHelper(op) {
  return new Promise((resolve, reject) => {
    check(A.slp_tasklet_new(scratch));
    const h = h32()[scratch >> 2];
    const rec = newRecord(function* () { return yield op; }, [], h, { resolve, reject });
    const r = bindAndSetup(h, rec.d);
    A.slp_tasklet_release(h); // alive while queued or blocked
    if (r < 0) {
      freeRecord(rec);
      reject(errorFor(r, 0, 0));
      return;
    }
    helpers.add(rec);
    pump();
  });
}

// ---------------------------------------------------------- scheduler

const RUN_THREADBLOCK = 1, RUN_SOFT = 2, RUN_IGNORE_NESTING = 4, RUN_TOTALTIMEOUT = 8;

// run()'s options as slp_run_watchdog's (timeout, flags); null: plain run.
function watchdogArgs(opts) {
  if (opts === undefined || opts === null) return null;
  if (typeof opts !== 'object') throw new TypeError('run(options): options must be an object');
  const timeout = opts.timeout ?? 0;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 0x7fffffff)
    throw new RangeError(`run(options): timeout must be a tick count >= 0, not ${String(timeout)}`);
  const flags = (opts.threadblock ? RUN_THREADBLOCK : 0) | (opts.soft ? RUN_SOFT : 0) |
    (opts.ignore_nesting ? RUN_IGNORE_NESTING : 0) | (opts.totaltimeout ? RUN_TOTALTIMEOUT : 0);
  return { timeout, flags };
}

// One pass of the scheduler: slp_run, or the watchdog; { r, victim, soft }.
function runOnce(wd, flagMask) {
  if (!wd) return { r: A.slp_run(), victim: null, soft: false };
  h32()[scratch >> 2] = 0;
  const r = A.slp_run_watchdog(wd.timeout, wd.flags & flagMask, scratch);
  const v = r === 0 ? h32()[scratch >> 2] : 0;
  // SOFT: the run came back with tasklets still runnable here.
  const soft = r === 0 && !v && (wd.flags & RUN_SOFT) !== 0 && wd.timeout > 0 &&
    A.slp_getruncount() > 1;
  return { r, victim: v ? wrapTasklet(v, true) : null, soft };
}

/**
 * Run this thread's scheduler until none of its tasklets is alive, or none
 * can ever run again.  While they wait for other threads it awaits (the
 * event loop stays free).  Rejects with the uncaught error of a tasklet.
 * Inside a tasklet: `yield run()` (a nested run, as in Stackless).
 *
 * Pre-emption (Stackless's run(timeout, threadblock, soft, ignore_nesting,
 * totaltimeout)): run({ timeout: n }) interrupts a tasklet that made more
 * than n ticks in a row -- every `yield` of a JS tasklet is a tick -- and
 * gives it (taken out of the run queue, paused: insert() or kill() it);
 * soft: true waits for it to switch away and gives null; totaltimeout
 * counts from the start of the run; threadblock: a thread that may sleep
 * (a worker) waits for other threads rather than returning.  Gives null
 * when nobody was interrupted.
 */
export function run(options) {
  let wd;
  try {
    wd = watchdogArgs(options);
  } catch (e) {
    return refuse(e);
  }
  if (stepping) return made(wd ? new Op(OP_RUN_WATCHDOG, undefined, wd.timeout, wd.flags) : new Op(OP_RUN));
  try {
    ready();
    if (blocking) {
      const v = runBlocking(wd);
      forgetEnded();
      if (v !== PUMP) return Promise.resolve(v);
    }
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    runWaiters.push({ resolve, reject, wd });
    pump();
  });
}

// A thread that may sleep (a worker by default): the C scheduler sleeps.
// PUMP: it may not any more (a tasklet awaits a promise): pump instead.
const PUMP = Symbol('pump');
function runBlocking(wd = null) {
  for (;;) {
    enter();
    const { r, victim, soft } = runOnce(wd, ~0);
    if (r === EWOULDBLOCK) return PUMP; // a tasklet awaits a promise (timers.js)
    check(r);
    if (victim || soft) return victim;
    if (wd && (wd.flags & RUN_THREADBLOCK)) return null;
    if (A.slp_thread_waiting() === 0) return wd ? null : undefined;
    if (A.slp_getruncount() > 1) continue;
    if (!blocking) return PUMP;
    // Sleep until another thread queues something here, then run it.
    // (Not schedule_remove(): as in Stackless, main's returns at once when
    // nothing else can run.)
    if (sleepForWake()) return;
  }
}

// A thread that may sleep, with nothing runnable: sleep on its wake word
// until another thread queues something here, counted asleep, so that when
// nothing can ever wake it the deadlock alarm ends the wait.  True on that
// alarm (and in the single-thread module, where no other thread could
// wake it), else false: look again.
export function sleepForWake() {
  const H = h32();
  const seen = Atomics.load(H, wakeIdx);
  // Poll first, as C's slp__thread_sleep does: a partner thread usually
  // answers within microseconds, and a sleep in Atomics.wait costs a
  // futex wake on both sides (a cross-worker message took 3x longer).
  if (THREADED && spinFor(H, seen)) return false;
  if (A.slp_thread_idle(1) === 0 && Atomics.load(H, wakeIdx) === seen) {
    if (!THREADED) { A.slp_thread_idle(0); return true; }
    Atomics.wait(H, wakeIdx, seen);
  }
  return A.slp_thread_idle(0) !== 0;
}
// True if the wake word left seen within the poll's budget, which adapts:
// a poll that saw the change raises it (to spinMs at most), one that
// failed quarters it (a poll of spinMs / 64 is always made).  With more
// threads than CPUs the partner is often not running: full polls then
// took the CPU it needed (a cross-worker message under load 12: 37 us
// adaptive, 67 us without a poll, 104 us with full polls).
let spinBudget = -1;
function spinFor(H, seen) {
  if (spinBudget < 0) spinBudget = spinMs;
  const t0 = performance.now(), budget = Math.max(spinBudget, spinMs / 64);
  do {
    for (let k = 0; k < 64; k++) {
      if (Atomics.load(H, wakeIdx) !== seen) {
        spinBudget = Math.min(spinMs, Math.max(spinMs / 16, spinBudget * 2));
        return true;
      }
    }
  } while (performance.now() - t0 < budget);
  spinBudget /= 4;
  return false;
}

function pump() {
  if (pumping) {
    localWakeNow(); // it may be waiting: something may run here now
    return;
  }
  setPumping(true);
  pumpLoop();
}

// Drives this thread's scheduler while main code waits (run() or a helper).
// `pumping` is cleared in the same microtask that settles the last waiter,
// so a run() called right after it starts a new pump.
async function pumpLoop() {
  holdProcess(true);
  setDeadFlag(0);
  try {
    while (runWaiters.length || helpers.size) {
      const seen = Atomics.load(h32(), wakeIdx);
      enter();
      // The newest timed run() is the watchdog (C's rule: one per thread).
      const timed = runWaiters.findLast((w) => w.wd);
      // Main code never sleeps in C: THREADBLOCK is the pump's own wait.
      const { r, victim, soft } = runOnce(timed?.wd, ~RUN_THREADBLOCK);
      // EWOULDBLOCK: only sleepers are left (timers.js); wait below.
      if (r < 0 && r !== EWOULDBLOCK) { deliverError(errorFor(r, 0, 0)); continue; }
      if (victim || soft) {
        runWaiters.splice(runWaiters.indexOf(timed), 1);
        timed.resolve(victim);
        continue;
      }
      if (A.slp_thread_waiting() === 0) {
        endRuns();
        continue;
      }
      if (!runWaiters.length && !helpers.size) break;
      if (A.slp_getruncount() > 1) continue;
      // Main code waiting (run(), or a channel call in a helper) counts
      // this thread asleep: when no thread can act any more, the runtime's
      // deadlock alarm settles them (hold() keeps the event loop counted).
      if (await waitForWake(seen, true)) onDeadlock();
    }
  } catch (e) {
    for (const w of runWaiters.splice(0)) w.reject(e);
    for (const rec of helpers) rec.settle.reject(e);
    helpers.clear();
  } finally {
    forgetEnded();
    setPumping(false);
    holdProcess(false);
    kickIdlers(); // joins that stayed awake for the helpers may idle now
  }
}

// Every run() waiting returns: a timed one with null (nobody interrupted).
function endRuns() {
  for (const w of runWaiters.splice(0)) w.resolve(w.wd ? null : undefined);
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
  endRuns();
  for (const rec of helpers) {
    rec.deadlocked = true;
    A.slp_tasklet_kill(rec.handle, 1);
  }
}

/**
 * Yield to the next tasklet.  Inside a tasklet: `yield schedule()`.
 * schedule(retval): the call gives retval back (Stackless's schedule(retval):
 * the caller's tempval) -- `const v = yield schedule(x)`.
 */
export function schedule(...retval) {
  if (retval.length === 0) {
    if (stepping) return SCHEDULE;
    return mainCall(() => A.slp_schedule());
  }
  if (stepping) return made(new Op(OP_SCHEDULE_VALUE, undefined, retval[0]));
  enter();
  const w = codec.encode(retval[0], false);
  h32()[scratch >> 2] = 0;
  const r = A.slp_schedule_value(w, scratch);
  const out = h32()[scratch >> 2];
  if (!immediate(out)) claim(A.slp_getcurrent(), out); // (tempval)
  if (r < 0) {
    if (out !== w) codec.discard(w);
    throw errorFor(r, out, A.slp_getcurrent());
  }
  return codec.decode(out);
}

/** Yield and leave the run queue until someone inserts the caller.  Inside a tasklet only. */
export function schedule_remove() {
  if (stepping) return made(new Op(OP_SCHEDULE_REMOVE));
  throw new TypeError('schedule_remove() is for tasklets: `yield schedule_remove()`');
}

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
