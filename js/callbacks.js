// callbacks.js -- Stackless's set_schedule_callback and set_channel_callback:
// JS functions that C calls (js_schedule_cb / js_channel_cb in
// wasm/js_bridge.c, through Module.slpCallback).
//
// DESIGN-NOTES trap 1: a JS function called from C must not block or
// switch, since Asyncify cannot unwind its frame.  The C side refuses it
// while a callback runs: a switch fails with ESWITCHTRAP and a channel
// action with ECALLBACK, both raised in the callback as StacklessError.
//
// C's callbacks are process-wide; a JS function lives in one thread's
// realm, so each thread sets its own, and a thread without one is not
// called (the C trampoline stays installed while any thread has one).
import { A, M, ready } from './state.js';
import { borrowTasklet } from './tasklet.js';
import { wrapChannel } from './channel.js';

const SCHEDULE = 0, CHANNEL = 1; // the kinds of js_bridge.c
const cbs = [null, null];         // this thread's function of each kind

function onCallback(kind, a, b, c, d) {
  const f = cbs[kind];
  if (!f) return 0;
  try {
    if (kind === SCHEDULE) f(a ? borrowTasklet(a) : null, borrowTasklet(b));
    else f(borrowChannel(a), borrowTasklet(b), c !== 0, d !== 0);
  } catch (e) {
    // Stackless prints an exception of a callback and goes on.
    console.error(`stackless-wasm: error in ${kind === SCHEDULE ? 'schedule' : 'channel'} callback:`, e);
  }
  return 0;
}

function borrowChannel(h) {
  return A.slp_channel_retain(h) === 0 ? wrapChannel(h, true, false) : null;
}

// Set this thread's callback of kind; returns the old one.
function setCallback(kind, callback) {
  ready();
  if (callback !== null && callback !== undefined && typeof callback !== 'function')
    throw new TypeError('callback must be a callable or None');
  const f = callback ?? null, old = cbs[kind];
  cbs[kind] = f;
  M.slpCallback = onCallback;
  if (!old !== !f) A.slp_js_callback_use(kind, f ? 1 : -1);
  return old;
}

/**
 * callback(prev, next) at every switch between two tasklets of this thread,
 * before it (prev is still current; null when a thread's main tasklet is
 * created).  It must not block or switch.  null clears.  Returns the old one.
 */
export function set_schedule_callback(callback) { return setCallback(SCHEDULE, callback); }

/** The schedule callback of this thread (or null). */
export function get_schedule_callback() { return cbs[SCHEDULE]; }

/**
 * callback(channel, tasklet, sending, willblock) at every send and receive
 * of this thread's tasklets (and main code).  It must not block or switch;
 * a channel action inside it throws.  null clears.  Returns the old one.
 */
export function set_channel_callback(callback) { return setCallback(CHANNEL, callback); }

/** The channel callback of this thread (or null). */
export function get_channel_callback() { return cbs[CHANNEL]; }
