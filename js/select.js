// select.js -- Go's select over channel actions, and channel actions with
// a timeout (a select of one case), on the C runtime's slp_select
// (src/select.c): exactly one case happens, the first ready one in array
// order; the action is the plain send/receive (preference, schedule_all,
// cross-thread rules); a waiting select is a waiter (a sleeper when it has
// a deadline: never deadlocked).
//
// A select is an Op (OP_SELECT, wasm/js_bridge.c): its block in the heap
// holds the timeout and a slp_select_case per case, each send's value
// encoded as a word.  After it, endSelect decodes what the case that
// happened received, and drops the words of the sends that did not happen
// (their values stay the caller's: nothing is lost).  Main code's select
// runs in a helper tasklet (pump.js viaHelper), as its waiting channel
// calls do.
import { A, codec, h32, malloc } from './state.js';
import { ECLOSED, ETIMEDOUT, E_THROWN, makeError } from './errors.js';
import { Op, channelError, errorFor, OP_SELECT } from './ops.js';
import { perform, refuse } from './pump.js';
import { Channel } from './channel.js';

const SEND = 1, RECEIVE = -1;  // SLP_SELECT_SEND / SLP_SELECT_RECEIVE
const CASE_WORDS = 4;          // slp_select_case: ch, dir, value, err
const NS_FOREVER = -1;         // SLP_FOREVER (both 32-bit halves all ones)

class SelectOp extends Op {
  constructor(cases, ns, dflt) {
    super(OP_SELECT);
    this.cases = cases;
    this.ns = ns;
    this.dflt = dflt;
  }
  // The block: timeout (8 bytes), then the cases; each send's value encoded.
  write(H, i, rec) {
    const n = this.cases.length;
    const p = malloc(8 + 16 * n);
    H = h32();
    const b = p >> 2;
    if (this.ns === NS_FOREVER) { H[b] = -1; H[b + 1] = -1; }
    else { H[b] = this.ns % 4294967296; H[b + 1] = this.ns / 4294967296; }
    const words = [];
    try {
      for (let k = 0; k < n; k++) {
        const c = this.cases[k], j = b + 2 + CASE_WORDS * k;
        const w = c.dir === SEND ? codec.encode(c.value, c.ch.shared) : 0;
        words.push(w);
        H = h32(); // (encoding may grow the memory)
        H[j] = c.ch.h; H[j + 1] = c.dir; H[j + 2] = w; H[j + 3] = 0;
      }
    } catch (e) {
      for (const w of words) if (w) codec.discard(w);
      A.free(p);
      throw e;
    }
    rec.selecting = { p, op: this, words };
    H[i] = OP_SELECT; H[i + 1] = p; H[i + 2] = n; H[i + 3] = 0;
    return OP_SELECT;
  }
}

// The select of rec ended with err (0: case d->c happened): what its
// generator gets, { thrown, input }.
export function endSelect(rec, err) {
  const { p, op, words } = rec.selecting;
  rec.selecting = null;
  const H = h32(), b = p >> 2;
  const index = H[(rec.d >> 2) + 3];
  let out;
  try {
    // The case that happened: index, or (a negative return) the one whose err is set.
    let k = index >= 0 ? index : -1;
    if (k < 0) for (let j = 0; j < words.length; j++) if (H[b + 2 + CASE_WORDS * j + 3]) { k = j; break; }
    for (let j = 0; j < words.length; j++) if (words[j] && j !== k) codec.discard(words[j]); // not sent
    if (k >= 0) {
      const c = op.cases[k], j = b + 2 + CASE_WORDS * k, caseErr = H[j + 3], w = H[j + 2];
      if (caseErr === 0) {
        out = { thrown: false, input: { index: k, value: c.dir === RECEIVE ? codec.decode(w) : undefined } };
      } else {
        if (c.dir === SEND && words[k] && caseErr !== E_THROWN) codec.discard(words[k]);
        const e = caseErr === ECLOSED ? makeError(ECLOSED)
          : channelError(caseErr, c.dir === RECEIVE ? w : 0, rec.handle, c.ch.h);
        if (e && typeof e === 'object') try { e.index = k; } catch { /* frozen */ }
        out = { thrown: true, input: e };
      }
    } else if (err === ETIMEDOUT && op.dflt) {
      out = { thrown: false, input: { index: -1, value: undefined } };
    } else {
      out = { thrown: true, input: errorFor(err, 0, rec.handle) };
    }
  } catch (e) {
    out = { thrown: true, input: e };
  } finally {
    A.free(p);
  }
  // A select of one case gives what the plain action gives.
  if (!out.thrown && op instanceof OneOp) out.input = out.input.value;
  return out;
}

function caseOf(c, k) {
  if (c === null || typeof c !== 'object') throw new TypeError(`select: case ${k} must be { receive: ch } or { send: ch, value }`);
  const hasR = 'receive' in c, hasS = 'send' in c;
  if (hasR === hasS) throw new TypeError(`select: case ${k} must have one of receive or send`);
  const ch = hasR ? c.receive : c.send;
  if (!(ch instanceof Channel)) throw new TypeError(`select: case ${k}'s ${hasR ? 'receive' : 'send'} must be a channel`);
  return { ch, dir: hasR ? RECEIVE : SEND, value: c.value };
}

function nanos(ms, what) {
  if (ms === undefined || ms === null) return NS_FOREVER;
  if (typeof ms !== 'number' || !(ms >= 0))
    throw new RangeError(`${what}: timeout must be a number of milliseconds >= 0, not ${String(ms)}`);
  return ms === Infinity ? NS_FOREVER : Math.min(Math.round(ms * 1e6), 2 ** 64 - 2);
}

/**
 * Go's select: do exactly one of the cases -- { receive: ch } or
 * { send: ch, value } -- the first that can happen now in array order, or
 * else the first whose partner comes.  Gives { index, value } (value: what
 * a receive case got).  options.timeout (ms): give up then with
 * TimeoutError (nothing sent or received); options.default: true: when no
 * case is ready now, give { index: -1 } at once (Go's default case).
 * A case that happens with an error throws it, with .index set: a
 * receive's send_throw error, ChannelClosedError for a closing channel
 * with no partner.  Inside a tasklet: `const { index, value } = yield
 * select([...])`; in main code: `await select([...])`.
 */
export function select(cases, options = {}) {
  let op;
  try {
    if (!Array.isArray(cases) || cases.length === 0) throw new TypeError('select(cases): cases must be a non-empty array');
    if (options === null || typeof options !== 'object') throw new TypeError('select(cases, options): options must be an object');
    const dflt = !!options.default;
    if (dflt && options.timeout !== undefined) throw new TypeError('select: give a timeout or a default case, not both');
    op = new SelectOp(cases.map(caseOf), dflt ? 0 : nanos(options.timeout, 'select'), dflt);
  } catch (e) {
    return refuse(e);
  }
  return perform(op);
}

// ch.receive_timeout(ms) / ch.send_timeout(v, ms): a select of one case,
// whose result is the plain action's.
class OneOp extends SelectOp {}
export function receiveTimeout(ch, ms) {
  let op;
  try { op = new OneOp([{ ch, dir: RECEIVE }], nanos(ms, 'receive_timeout'), false); } catch (e) { return refuse(e); }
  return perform(op);
}
export function sendTimeout(ch, v, ms) {
  let op;
  try { op = new OneOp([{ ch, dir: SEND, value: v }], nanos(ms, 'send_timeout'), false); } catch (e) { return refuse(e); }
  return perform(op);
}
