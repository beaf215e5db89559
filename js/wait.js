// wait.js -- how this thread's event loop waits for the runtime without
// blocking: the idle count (slp_thread_idle) that lets the runtime see a
// whole-program deadlock, the wake word awaited with Atomics.waitAsync,
// local wakes of this thread's own code, and Node's keep-alive.
import {
  A, IS_NODE, THREADED, h32, wakeIdx, idle, deadFlag, spinMs,
  setIdle, setDeadFlag,
} from './state.js';
import { awaitingPromises } from './timers.js';

let keepAlive = 0;   // Node: timers that keep the process up while we wait

// This thread's event loop is about to await something of the runtime's (a
// wake, a join): count the thread asleep (slp_thread_idle), so that when no
// thread is left that could wake anybody every sleeper gets the deadlock
// error instead of all hanging.  Returns false if something here is
// runnable (then it stays awake).  Several awaits share one idle period:
// the first wake (or call into the runtime) ends it.
export function beginIdle() {
  if (idle) return true;
  if (A.slp_thread_idle(1) !== 0) return false;
  setIdle(true);
  return true;
}

// Counted awake again.  The deadlock alarm is kept for the pump (run() and
// main code's channel operations act on it), which clears it when it starts.
export function endIdle() {
  if (!idle) return;
  setIdle(false);
  const dead = A.slp_thread_idle(0);
  setDeadFlag(deadFlag | dead); // for the pump (or a thread's function, threads.js)
}

// Wait until another thread changes the wake word from seen: poll a little
// (a partner usually answers within microseconds), then await it, counted
// as asleep.  Returns true on the deadlock alarm.
export async function waitForWake(seen, asleep) {
  const H = h32();
  const t0 = performance.now();
  do {
    if (Atomics.load(H, wakeIdx) !== seen) return false;
  } while (performance.now() - t0 < spinMs);
  // Tasklets sleep or await a promise: the thread wakes itself, so it
  // stays awake (never idle, never deadlocked) and waits for the nearest
  // deadline too (a promise has none: its settling wakes it).
  const ms = A.slp_js_timer_next_ms();
  if (ms >= 0 || awaitingPromises()) {
    await timedWait(seen, ms < 0 ? Infinity : ms);
    return false;
  }
  if (!asleep) {
    await pumpWait(seen);
    return false;
  }
  if (!beginIdle()) return false;
  await pumpWait(seen);
  endIdle();
  const dead = deadFlag;
  setDeadFlag(0);
  return dead !== 0 && A.slp_getruncount() <= 1;
}

// Await a change of the word at index i from s (a thread's state), counted
// asleep meanwhile (a joiner wakes nobody: a deadlock between the threads
// it waits for is then seen).  A wake of this thread ends the idle period
// early: something may be runnable here, and the idle is begun anew.
// When the pump stops, kickIdlers() makes joins look again.
let idlers = [];
export function kickIdlers() { for (const k of idlers.splice(0)) k(); }
export async function awaitWord(i, s, asleep) {
  const H = h32();
  const seen = Atomics.load(H, wakeIdx);
  const res = Atomics.waitAsync(H, i, s);
  if (!res.async) return;
  if (!asleep() || !A || !beginIdle()) {
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
export function wakeAfter(seen) {
  // (A worker booted again has another wake word: a slot left waiting on
  // the old one, by a wait that ended otherwise -- a timer -- is not it.)
  if (wakeSlot && wakeSlot.seen === seen && wakeSlot.idx === wakeIdx) return wakeSlot.promise;
  const res = Atomics.waitAsync(h32(), wakeIdx, seen);
  if (!res.async) return Promise.resolve();
  const slot = { seen, idx: wakeIdx, promise: null };
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
export function localWakeNow() {
  const w = localWake;
  localWake = null;
  w?.resolve();
}
export function pumpWait(seen) {
  if (THREADED) return Promise.race([wakeAfter(seen), localWaiter()]);
  return Atomics.load(h32(), wakeIdx) !== seen ? Promise.resolve() : localWaiter();
}

// pumpWait, or until the nearest deadline (ms; Infinity: none).
// setTimeout takes at most 2**31 - 1 ms: a farther deadline is looked at
// again then.
function timedWait(seen, ms) {
  if (ms === Infinity) return pumpWait(seen);
  let id;
  const due = new Promise((k) => { id = setTimeout(k, Math.min(Math.ceil(ms), 2 ** 31 - 1)); });
  return Promise.race([pumpWait(seen), due]).finally(() => clearTimeout(id));
}

export function holdProcess(on) {
  if (!IS_NODE) return;
  if (on) {
    if (keepAlive++ === 0) holdProcess.timer = setInterval(() => {}, 1 << 30);
  } else if (--keepAlive === 0) {
    clearInterval(holdProcess.timer);
  }
}
