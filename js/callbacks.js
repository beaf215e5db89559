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

let scheduleCb = null, channelCb = null;

function onCallback(kind, a, b, c, d) {
  const f = kind === 0 ? scheduleCb : channelCb;
  if (!f) return 0;
  try {
    if (kind === 0) f(a ? borrowTasklet(a) : null, borrowTasklet(b));
    else f(borrowChannel(a), borrowTasklet(b), c !== 0, d !== 0);
  } catch (e) {
    // Stackless prints an exception of a callback and goes on.
    console.error(`stackless-wasm: error in ${kind === 0 ? 'schedule' : 'channel'} callback:`, e);
  }
  return 0;
}

function borrowChannel(h) {
  return A.slp_channel_retain(h) === 0 ? wrapChannel(h, true, false) : null;
}

function use(kind, old, f) {
  M.slpCallback = onCallback;
  if (!old !== !f) A.slp_js_callback_use(kind, f ? 1 : -1);
}

function checkFn(f) {
  if (f !== null && f !== undefined && typeof f !== 'function')
    throw new TypeError('callback must be a callable or None');
  return f ?? null;
}

/**
 * callback(prev, next) at every switch between two tasklets of this thread,
 * before it (prev is still current; null when a thread's main tasklet is
 * created).  It must not block or switch.  null clears.  Returns the old one.
 */
export function set_schedule_callback(callback) {
  ready();
  const f = checkFn(callback), old = scheduleCb;
  scheduleCb = f;
  use(0, old, f);
  return old;
}

/** The schedule callback of this thread (or null). */
export function get_schedule_callback() { return scheduleCb; }

/**
 * callback(channel, tasklet, sending, willblock) at every send and receive
 * of this thread's tasklets (and main code).  It must not block or switch;
 * a channel action inside it throws.  null clears.  Returns the old one.
 */
export function set_channel_callback(callback) {
  ready();
  const f = checkFn(callback), old = channelCb;
  channelCb = f;
  use(1, old, f);
  return old;
}

/** The channel callback of this thread (or null). */
export function get_channel_callback() { return channelCb; }
