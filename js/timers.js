// timers.js -- waits that park only the waiting tasklet (issue 14):
// sleep(ms) and `yield promise`.  Both park the tasklet in the C timer
// queue (slp_sleep, src/timer.c), so JS and C sleepers wake in one order
// (deadline, then the order they slept), a thread with a waiter is never
// deadlocked, and the host's idle wait knows the nearest deadline
// (slp_timer_next): the C scheduler waits for it itself in a thread that
// may sleep; a thread that may not (the page's or Node's main thread) gets
// EWOULDBLOCK back and its event loop waits in a setTimeout (wait.js
// waitForWake, awake meanwhile: it wakes itself).
//
// A promise is a sleep without deadline (OP_AWAIT: in the timer heap, so
// the C scheduler never calls the thread deadlocked; slp_timer_next says
// -1 for it, so the event loop's wait counts these waits itself,
// awaitingPromises()).  When it settles, the
// event loop throws a private code into the tasklet (pending: it is only
// queued, nothing switches from a promise callback), and its step takes
// the outcome from its record instead of an error.  While any tasklet of a
// thread that may sleep (a worker) waits for a promise, that thread does
// not sleep in C: it could not see the promise settle, which takes its
// event loop.
import { A, TID, blocking, setBlocking } from './state.js';
import { Op, errorFor, OP_SLEEP, OP_AWAIT } from './ops.js';
import { perform, refuse, enter } from './pump.js';
import { localWakeNow } from './wait.js';

const E_SETTLED = -1003;    // thrown into a tasklet whose promise settled (a user code)
const WAITING_SLEEP = 1;    // slp_tasklet_waiting's SLP_WAITING_SLEEP
const NS_MAX = 2 ** 64 - 1;

/**
 * Sleep for at least ms milliseconds.  Inside a tasklet: `yield sleep(ms)`
 * parks only that tasklet; outside: a promise (`await sleep(ms)`), waited
 * in a helper tasklet, so main code sleeps in the same order as tasklets.
 * Sleepers wake in deadline order, equal deadlines in the order they slept;
 * sleep(0) lets the sleepers that are due go first.
 */
export function sleep(ms) {
  if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity)
    return refuse(new RangeError(`sleep(ms): ms must be a finite number >= 0, not ${String(ms)}`));
  return perform(new Op(OP_SLEEP, undefined, Math.min(Math.round(ms * 1e6), NS_MAX)));
}

const AWAIT = new Op(OP_AWAIT);
let awaiting = 0;          // tasklets of this thread parked on a promise
let sleepsInC = false;     // the thread may sleep in C when none is
let countsFor = 0;         // the thread they count for (a pooled worker boots again)

// step() (tasklet.js) found a thenable yielded by rec's generator: park
// the tasklet until it settles.  Returns the Op to perform.
export function awaitOp(rec, thenable) {
  const wait = { ok: true, value: undefined, settled: false, tid: TID };
  rec.awaiting = wait;
  if (countsFor !== TID) { countsFor = TID; awaiting = 0; }
  if (awaiting++ === 0) {
    sleepsInC = blocking;
    if (blocking) setBlocking(false);
  }
  // Promise.resolve: a thenable's then() runs in a later job, never inside
  // this step; a settled promise's callbacks too (the tasklet is parked in
  // C by then: no job runs before control is back at the event loop).
  let p;
  try {
    p = Promise.resolve(thenable);
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then((v) => settled(rec, wait, true, v), (e) => settled(rec, wait, false, e));
  return AWAIT;
}

function settled(rec, wait, ok, value) {
  // Its wait ended otherwise (kill, throw), or its thread did.
  if (rec.awaiting !== wait || !A || wait.tid !== TID) return;
  wait.ok = ok;
  wait.value = value;
  enter();
  // Still parked (not thrown into meanwhile, pending)?  Queue it.
  if (A.slp_tasklet_waiting(rec.handle) !== WAITING_SLEEP) return;
  if (A.slp_tasklet_throw(rec.handle, E_SETTLED, 0, 1) === 0) wait.settled = true;
  localWakeNow();
}

// Tasklets of this thread wait for a promise (their settling wakes it).
export function awaitingPromises() { return countsFor === TID && awaiting > 0; }

// rec's OP_AWAIT returned err: what its generator gets, { thrown, input }.
export function endAwait(rec, err) {
  const wait = rec.awaiting;
  rec.awaiting = null;
  if (--awaiting === 0 && sleepsInC) setBlocking(true);
  if (err === E_SETTLED && wait?.settled) return { thrown: !wait.ok, input: wait.value };
  if (err !== 0) return { thrown: true, input: errorFor(err, 0, rec.handle) };
  return { thrown: false, input: undefined };
}

// Whether x may be awaited (a promise or any thenable).
export function isThenable(x) {
  return x !== null && (typeof x === 'object' || typeof x === 'function') &&
    typeof x.then === 'function';
}
