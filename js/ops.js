// ops.js -- the Op protocol: what a blocking call made inside a tasklet
// returns, to be yielded, and how it is written into the tasklet's
// slp_js_task for wasm/js_bridge.c to perform; and the error a failed call
// raises.
import { A, TID, codec, h32, stepping, bomb } from './state.js';
import {
  EINVAL, EBADHANDLE, EDEADLOCK, ECLOSED, ENOTHREAD, EOTHERTHREAD, EDEAD, ETHROWDEAD,
  EBADTHREAD, ETHREADINIT, ENOSENDER, ENORECEIVER, EBLOCKTRAP, ESWITCHTRAP, EWOULDBLOCK,
  E_THROWN, E_UNCAUGHT, StacklessError, DeadTaskletError, makeError,
} from './errors.js';

// Codes shared with wasm/js_bridge.c.
export const OP_DONE = 0, OP_SEND = 1, OP_SEND_THROW = 2, OP_RECEIVE = 3, OP_SCHEDULE = 4,
      OP_SCHEDULE_REMOVE = 5, OP_RUN = 6, OP_TASKLET_RUN = 7, OP_TASKLET_SWITCH = 8,
      OP_KILL = 9, OP_THROW = 10, OP_SCHEDULE_VALUE = 11, OP_RUN_WATCHDOG = 12,
      OP_SLEEP = 13, OP_AWAIT = 14, OP_SELECT = 15, OP_FOREIGN = 99;

/** What a blocking call returns inside a tasklet: yield it. */
export class Op {
  constructor(code, target, value, flag) {
    this.code = code;
    this.target = target; // Channel or Tasklet
    this.value = value;
    this.flag = flag;
  }
  // Into the tasklet's slp_js_task (i: its int32 index).
  write(H, i, rec) {
    const c = this.code;
    H[i] = c;
    switch (c) {
      case OP_SEND: case OP_SEND_THROW: {
        const ch = this.target;
        H[i + 1] = ch.h;
        H[i + 2] = E_THROWN;
        const w = codec.encode(this.value, ch.shared);
        h32()[i + 5] = w;
        rec.sent = w;
        break;
      }
      case OP_RECEIVE: H[i + 1] = this.target.h; H[i + 5] = 0; break;
      case OP_SCHEDULE_VALUE: {
        const w = codec.encode(this.value, false);
        h32()[i + 5] = w;
        rec.sent = w;
        break;
      }
      case OP_RUN_WATCHDOG: H[i + 1] = this.value; H[i + 2] = this.flag; break;
      case OP_SLEEP: H[i + 1] = this.value % 4294967296; H[i + 2] = this.value / 4294967296; break;
      case OP_TASKLET_RUN: case OP_TASKLET_SWITCH: H[i + 1] = this.target.h; break;
      case OP_KILL: H[i + 1] = this.target.h; H[i + 3] = this.flag ? 1 : 0; break;
      case OP_THROW: {
        const t = this.target;
        H[i + 1] = t.h; H[i + 2] = E_THROWN; H[i + 3] = this.flag ? 1 : 0;
        const w = codec.encode(this.value, A.slp_tasklet_thread_id(t.h) !== TID);
        h32()[i + 5] = w;
        rec.sent = w;
        break;
      }
    }
    return c;
  }
}
export const SCHEDULE = Object.freeze({ code: OP_SCHEDULE });

// Count the ops made during a step (each must be the one yielded).
export function made(op) {
  if (stepping !== null) {
    if (stepping.made > 0) throw notYielded(stepping);
    stepping.made++;
    stepping.lastMade = op;
  }
  return op;
}

const OP_CALLS = { [OP_SEND]: 'ch.send(v)', [OP_SEND_THROW]: 'ch.send_throw(e)', [OP_RECEIVE]: 'ch.receive()',
  [OP_SCHEDULE_REMOVE]: 'schedule_remove()', [OP_RUN]: 'run()', [OP_RUN_WATCHDOG]: 'run(options)',
  [OP_SCHEDULE_VALUE]: 'schedule(retval)', [OP_TASKLET_RUN]: 't.run()',
  [OP_TASKLET_SWITCH]: 't.switch()', [OP_KILL]: 't.kill()', [OP_THROW]: 't.throw(e)',
  [OP_SLEEP]: 'sleep(ms)', [OP_SELECT]: 'select(cases)' };

// A blocking call inside a tasklet whose Op was not yielded, seen at the
// tasklet's next call of the runtime (this error is thrown there, so its
// stack is the tasklet's own, just after the call not yielded) or at its
// next yield.  The Op is dropped: the value it carried is err.value (never
// lost; nothing was sent).
export function notYielded(rec, where = 'at the next call') {
  const op = rec.lastMade;
  rec.made = 0;
  rec.lastMade = null;
  const call = OP_CALLS[op?.code] ?? 'a blocking call';
  const target = op?.target ? ` on ${op.target}` : '';
  const e = new TypeError(`stackless-wasm: inside a tasklet, blocking calls must be yielded ` +
    `(\`yield ch.send(v)\`, \`const v = yield ch.receive()\`): ${call}${target} was not (seen ${where}); ` +
    'it was not performed' + (op && 'value' in op && op.value !== undefined ? ', its value is this error\'s .value' : ''));
  e.op = op;
  if (op && op.value !== undefined) e.value = op.value;
  return e;
}

// Errors after which a sent value surely was not delivered.
export const MAIN_ALONE = new Set([EDEADLOCK, ENOSENDER, ENORECEIVER]);
export const UNDELIVERED = new Set([EINVAL, EBADHANDLE, EDEADLOCK, ECLOSED, ENOTHREAD,
  EOTHERTHREAD, EDEAD, ETHROWDEAD, EBADTHREAD, ETHREADINIT, ENOSENDER, ENORECEIVER,
  EBLOCKTRAP, ESWITCHTRAP, EWOULDBLOCK]);

// throw() into JS tasklets of this thread that had not started: { h, w, exc }.
export const unstartedThrows = [];

// The error a failed blocking call raises.  word: a value that came with it.
export function errorFor(code, word, self) {
  if (code === E_THROWN) {
    if (!word && self) word = A.slp_tasklet_value(self);
    if (word) return codec.decode(word);
    // A JS tasklet thrown into before it ran ends in C with the error
    // (its function never starts): the error is the one thrown.
    const u = unstartedThrows.shift();
    if (u) { codec.discard(u.w); return u.exc; }
    return new StacklessError(code, 'an error was thrown');
  }
  if (code === E_UNCAUGHT) return bomb;
  return makeError(code);
}

export function check(r) {
  if (r < 0) throw errorFor(r, 0, 0);
  return r;
}

// The error of a failed channel call on channel handle ch.  ENOTHREAD: the
// partner waiting there lost its thread; it stays and blocks the channel
// (Stackless's rule), so say what to do about it.
export function channelError(code, word, self, ch) {
  if (code !== ENOTHREAD) return errorFor(code, word, self);
  const q = A.slp_channel_queue(ch);
  return new DeadTaskletError(code, `${makeError(code).message}: the partner waiting in <channel ${ch}>` +
    `${q ? ` (<tasklet ${q >>> 0}>)` : ''} lost it, its thread ended: kill() it, or bind_thread() it ` +
    'to a live thread');
}
