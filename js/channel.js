// channel.js -- Stackless channels: the Channel wrapper of a runtime handle.
// Inside a tasklet its calls return Ops to yield; in main code they act
// at once or give promises (pump.js).
import { A, h32, ready, scratch, stepping, channels, NEW, remember } from './state.js';
import { EBADHANDLE, BALANCE_BADHANDLE, makeError } from './errors.js';
import { Op, made, check, OP_SEND, OP_SEND_THROW, OP_RECEIVE } from './ops.js';
import { mainChannelOp } from './pump.js';
import { borrowTasklet } from './tasklet.js';
import { receiveTimeout, sendTimeout } from './select.js';

export function wrapChannel(h, adopted, shared) {
  const old = channels.get(h)?.deref();
  if (old) {
    if (adopted) A.slp_channel_release(h);
    if (shared) old.shared = true;
    return old;
  }
  const c = new Channel(NEW, h);
  c.shared = !!shared;
  return c;
}

/** A Stackless channel: send and receive hand a value over, blocking the side that comes first. */
export class Channel {
  constructor(key, h) {
    if (key !== NEW) throw new TypeError('use channel() to make a channel');
    this.h = h;
    this.shared = false; // may have a party on another thread
    this.life = remember(channels, h, this, true, true);
  }
  /** Send v.  Inside a tasklet: `yield ch.send(v)`; outside: `await ch.send(v)`. */
  send(v) {
    if (stepping) {
      // One Op per channel, reused: a send or receive allocates nothing
      // (made() first, so that an Op not yielded keeps its value).
      if (stepping.made > 0) made(null);
      const op = this.sendOp ??= new Op(OP_SEND, this);
      op.value = v;
      return made(op);
    }
    return mainChannelOp(OP_SEND, this, v);
  }
  /** Send an error: the receiver's receive() throws it. */
  send_throw(exc) {
    if (stepping) return made(new Op(OP_SEND_THROW, this, exc));
    return mainChannelOp(OP_SEND_THROW, this, exc);
  }
  /** Send new exc_class(...args) as an error (Stackless's send_exception). */
  send_exception(exc_class, ...args) {
    if (typeof exc_class !== 'function') throw new TypeError('send_exception: exc_class must be a class');
    return this.send_throw(new exc_class(...args));
  }
  /** Receive a value.  Inside a tasklet: `yield ch.receive()`; outside: `await ch.receive()`. */
  receive() {
    if (stepping) return made(this.recvOp ??= new Op(OP_RECEIVE, this));
    return mainChannelOp(OP_RECEIVE, this);
  }
  /** receive(), giving up after ms milliseconds with TimeoutError (nothing
   * received; 0: only if a sender waits now).  Inside a tasklet: yield it. */
  receive_timeout(ms) { return receiveTimeout(this, ms); }
  /** send(v), giving up after ms milliseconds with TimeoutError (nothing
   * sent: v stays yours).  Inside a tasklet: yield it. */
  send_timeout(v, ms) { return sendTimeout(this, v, ms); }
  /**
   * Send every value of an iterable, in order; gives how many were sent.
   * Inside a tasklet it is a delegation: `const n = yield* ch.send_sequence(seq)`;
   * outside: `await ch.send_sequence(seq)`.
   */
  send_sequence(seq) {
    if (stepping) return sendEach(this, seq);
    return (async () => {
      let n = 0;
      for (const v of seq) { await this.send(v); n++; }
      return n;
    })();
  }
  /** Main code: `for await (const v of ch)` receives until the channel is
   * closing with no sender waiting (Stackless's iteration: close() does not
   * wake a receive that already waits, so the sender closes before the
   * receiver comes back, e.g. with preference 1). */
  async *[Symbol.asyncIterator]() {
    while (!(this.closing && this.balance <= 0)) yield await this.receive();
  }
  /**
   * Receive until the channel is closing with no sender waiting (the rule
   * of for-await above, Stackless's iteration), calling body(v) for each
   * value; gives how many were received.  Inside a tasklet it is a
   * delegation, and body may be a generator function that yields too:
   * `const n = yield* ch.each(function* (v) { yield out.send(v * 2); })`.
   * Outside: `await ch.each((v) => ...)`.
   */
  each(body) {
    if (typeof body !== 'function') throw new TypeError('each(body): body must be a function');
    if (stepping) return receiveEach(this, body);
    return (async () => {
      let n = 0;
      for await (const v of this) { await body(v); n++; }
      return n;
    })();
  }
  /** > 0: senders waiting; < 0: receivers waiting. */
  get balance() {
    // Any int is a balance: a bad handle gives INT_MIN (SLP_BALANCE_BADHANDLE).
    const b = A.slp_channel_balance(this.h);
    if (b === BALANCE_BADHANDLE) throw makeError(EBADHANDLE);
    return b;
  }
  /** -1 prefer the receiver (default), 1 the sender, 0 neither. */
  get preference() {
    const r = A.slp_channel_preference(this.h);
    return r < -1 ? check(r) : r;
  }
  set preference(p) {
    if (typeof p !== 'number' && typeof p !== 'boolean')
      throw new TypeError('preference must be set to an integer');
    const r = A.slp_channel_set_preference(this.h, Math.sign(+p));
    if (r < -1) check(r);
  }
  get schedule_all() { return check(A.slp_channel_schedule_all(this.h)) === 1; }
  set schedule_all(f) {
    if (typeof f !== 'number' && typeof f !== 'boolean')
      throw new TypeError('schedule_all must be set to a boolean or an integer');
    check(A.slp_channel_set_schedule_all(this.h, f ? 1 : 0));
  }
  /** From now on, a send or receive that would block throws ChannelClosedError. */
  close() { check(A.slp_channel_close(this.h)); }
  open() { check(A.slp_channel_open(this.h)); }
  get closing() { return check(A.slp_channel_closing(this.h)) === 1; }
  get closed() { return check(A.slp_channel_closed(this.h)) === 1; }
  /** The first blocked tasklet, or null. */
  get queue() { return borrowTasklet(A.slp_channel_queue(this.h)); }
  /** Drop this wrapper's reference (blocked tasklets keep the channel). */
  release() {
    if (this.h === 0) return;
    this.life.owned = false;
    A.slp_channel_release(this.h);
    channels.delete(this.h);
    this.h = 0;
  }
  [Symbol.dispose]() { this.release(); }
  toString() { return `<channel ${this.h}>`; }
}

function* receiveEach(ch, body) {
  let n = 0;
  while (!(ch.closing && ch.balance <= 0)) {
    const v = yield ch.receive();
    n++;
    const r = body(v);
    // A generator body is delegated to (its yields are the tasklet's).
    if (r !== null && typeof r === 'object' && typeof r.next === 'function' &&
        typeof r.throw === 'function') yield* r;
  }
  return n;
}

function* sendEach(ch, seq) {
  let n = 0;
  for (const v of seq) { yield ch.send(v); n++; }
  return n;
}

/** A new channel. */
export function channel() {
  ready();
  check(A.slp_channel_new(scratch));
  return new Channel(NEW, h32()[scratch >> 2]);
}
