// introspect.js -- what this thread's scheduler and the whole runtime hold:
// the current and main tasklets, run count, threads, snapshots.
import { A, TID, h32, malloc, ready } from './state.js';
import { check } from './ops.js';
import { EBADTHREAD, WrongThreadError } from './errors.js';
import { borrowTasklet } from './tasklet.js';

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
/**
 * [main, current, runcount] of a thread (default: this one), as Stackless's
 * get_thread_info; current is null when its run queue is empty.
 */
export function get_thread_info(threadId = -1) {
  ready();
  checkThreadId(threadId);
  const p = malloc(12);
  try {
    check(A.slp_get_thread_info(threadId, p, p + 4, p + 8));
    const H = h32(), i = p >> 2;
    const main = H[i], current = H[i + 1], runcount = H[i + 2];
    return [borrowTasklet(main), borrowTasklet(current), runcount];
  } finally {
    A.free(p);
  }
}
// Thread ids are int32 in C: anything else would wrap (NaN, 1.5 and 2**53
// to the caller's thread), so it is refused before any call.
export function checkThreadId(threadId) {
  if (!Number.isInteger(threadId) || threadId < -1 || threadId > 0x7fffffff)
    throw new WrongThreadError(EBADTHREAD, `bad thread: ${String(threadId)} (a thread id, or -1 for this thread)`);
}
/** This thread's id (1 for the first thread). */
export function thread_id() { ready(); return TID; }
/** switch_trap(delta): while non-zero, switching raises. Returns the old value. */
export function switch_trap(delta) { ready(); return A.slp_switch_trap(delta | 0); }

const STATE_NAMES = [undefined, 'running', 'runnable', 'blocked_send', 'blocked_recv',
  'paused', 'nothread', 'dead', 'waiting']; // SLP_STATE_* of include/stackless.h

export function snapshotTasklets() {
  for (let max = 64; ; max *= 4) {
    const p = malloc(16 * max);
    try {
      const n = check(A.slp_snapshot(p, max));
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
