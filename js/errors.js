// errors.js -- the runtime's error codes (include/stackless.h's SLP_E*, and
// two of the package's own) and the JS error classes they raise.
import { A, hu8 } from './state.js';

// Codes of include/stackless.h, and two of ours (user codes <= -1000).
export const EINVAL = -1, EBADHANDLE = -2, EEXIT = -4, EDEADLOCK = -5, ECLOSED = -6,
      ENOTHREAD = -7, EOTHERTHREAD = -8, ENOTSUP = -27, EDEAD = -10, ETHROWDEAD = -13,
      ESWITCHTRAP = -26, EBLOCKTRAP = -25, EBADTHREAD = -21, ETHREADINIT = -22,
      ENOSENDER = -23, ENORECEIVER = -24, EWOULDBLOCK = -29, ETIMEDOUT = -32;
export const BALANCE_BADHANDLE = -2147483648; // slp_channel_balance's bad handle
export const E_THROWN = -1001;   // a JS value was thrown in: it comes with the value
export const E_UNCAUGHT = -1002; // a JS tasklet ended with an uncaught exception

/** An error of the runtime: `code` is the negative SLP_E* code, `errno` its
 * name, `message` the runtime's own text (slp_strerror). */
export class StacklessError extends Error {
  constructor(code = new.target.defaultCode, message) {
    super(message ?? strerror(code));
    this.code = code;
    this.errno = errName(code);
  }
  get name() { return this.constructor.name; }
}
/** Thrown into a tasklet by kill(); a tasklet that lets it escape ends quietly. */
export class TaskletExit extends StacklessError {
  static defaultCode = EEXIT;
}
/** The last runnable tasklet cannot block (or a main tasklet waits alone). */
export class DeadlockError extends StacklessError {
  static defaultCode = EDEADLOCK;
}
/** Send/receive that would block on a closed channel. */
export class ChannelClosedError extends StacklessError {
  static defaultCode = ECLOSED;
}
/** A wait with a deadline ran out (a receive/send/select with a timeout). */
export class TimeoutError extends StacklessError {
  static defaultCode = ETIMEDOUT;
}
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
  [ETIMEDOUT, TimeoutError], [EOTHERTHREAD, WrongThreadError], [EBADTHREAD, WrongThreadError],
  [ETHREADINIT, WrongThreadError], [EINVAL, BadArgumentError], [EBADHANDLE, BadArgumentError],
]);
export const CLASS_BY_NAME = Object.fromEntries(
  [StacklessError, TaskletExit, DeadlockError, ChannelClosedError, DeadTaskletError,
   WrongThreadError, BadArgumentError, TimeoutError].map((C) => [C.name, C]));

export function makeError(code) {
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
