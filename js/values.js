// values.js -- JS values as the one 32-bit word a C channel carries.
//
//   word & 1 == 1        a 31-bit integer: word >> 1 (no allocation; C
//                        tasklets can read it too)
//   word & 3 == 2        a reference to the original value in this thread's
//                        table: bits 2..21 index, 22..31 the thread's tag.
//                        Used on channels that never left their thread:
//                        identity is kept and nothing is copied.
//   0, 4, 8, 12          undefined, null, false, true
//   otherwise            a box: malloc'd in the shared heap, a copy of the
//                        value for any thread plus, for a receiver on the
//                        sending thread, a reference to the original.
//
// Box layout (int32 words), see wasm/js_bridge.c:
//   [0] kind  [1] origin thread id  [2] ref+1 or 0  [3] byte length
//   [4] next (list of boxes returned to their origin)  [5] aux
//   then the bytes, from byte 24.
// The receiver frees the box; if the original is on another thread, the box
// goes back there (slp_js_box_return) and that thread drops the original.

import {
  serialize, deserialize, handlesOf, toText, fromText, DataCloneError, CLONE_CHANNEL, CLONE_TASKLET,
} from './clone.js';

export const WORD_UNDEFINED = 0, WORD_NULL = 4, WORD_FALSE = 8, WORD_TRUE = 12;
const HDR = 24;

// Box kinds.
const K_STRING = 1, K_FLOAT = 2, K_JSON = 3, K_BYTES = 4, K_CHANNEL = 5,
      K_TASKLET = 6, K_ERROR = 7, K_BIGINT = 8;
// Typed array constructors by aux code for K_BYTES (0: ArrayBuffer).
const TYPED = [null, Uint8Array, Int8Array, Uint8ClampedArray, Int16Array,
  Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array, DataView];

const enc = new TextEncoder();
const dec = new TextDecoder();

// A per-thread codec.  rt gives: heap views (rt.h32(), rt.hu8()), malloc/free,
// thread id, and hooks for channel/tasklet wrappers.
export class Codec {
  constructor(rt) {
    this.rt = rt;
    this.refs = [undefined]; // slot 0 unused
    this.free = [];
    this.tag = rt.tid & 1023;
  }

  // ------------------------------------------------------------ encode

  // v -> word.  shared: the value may be received on another thread.
  // copy: never refer to the original (its thread is about to end).
  encode(v, shared, copy = false) {
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v && v >= -0x40000000 && v < 0x40000000 && !(v === 0 && 1 / v < 0))
          return (v << 1) | 1;
        break;
      case 'undefined': return WORD_UNDEFINED;
      case 'boolean': return v ? WORD_TRUE : WORD_FALSE;
      case 'object': if (v === null) return WORD_NULL; break;
    }
    if (!shared) {
      const w = this.localRef(v);
      if (w) return w;
    }
    return this.box(v, copy);
  }

  localRef(v) {
    let i = this.free.pop();
    if (i === undefined) {
      i = this.refs.length;
      if (i >= 0x100000) return 0; // table full: fall back to a copy
      this.refs.push(v);
    } else {
      this.refs[i] = v;
    }
    return (this.tag << 22) | (i << 2) | 2;
  }

  box(v, copy = false) {
    const rt = this.rt;
    let kind, aux = 0, bytes = null, f64 = null, handle = 0;
    if (typeof v === 'string') {
      kind = K_STRING;
      // UTF-8 when it is well formed; UTF-16 code units (aux 1) when it
      // has lone surrogates, which UTF-8 cannot carry (they would arrive as
      // U+FFFD; structured clone keeps them).  Nested strings go as JSON,
      // which escapes them.
      if (wellFormed(v)) bytes = enc.encode(v);
      else { aux = 1; bytes = utf16(v); }
    }
    else if (typeof v === 'number') { kind = K_FLOAT; f64 = v; }
    else if (typeof v === 'bigint') { kind = K_BIGINT; bytes = enc.encode(v.toString()); }
    else if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
      kind = K_BYTES; bytes = new Uint8Array(v);
    } else if (ArrayBuffer.isView(v)) {
      kind = K_BYTES;
      aux = TYPED.findIndex((T, i) => i > 0 && v.constructor === T);
      if (aux < 0) aux = 1;
      bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    } else if (rt.isChannel(v)) {
      kind = K_CHANNEL; handle = rt.retainFor(v, true);
    } else if (rt.isTasklet(v)) {
      kind = K_TASKLET; handle = rt.retainFor(v, true);
    } else if (v instanceof Error) {
      kind = K_ERROR;
      bytes = enc.encode(JSON.stringify({ name: v.name, message: v.message, stack: v.stack,
                                          code: v.code, errno: v.errno }));
    } else if (typeof v === 'function' || typeof v === 'symbol') {
      throw new DataCloneError(`stackless-wasm: a ${typeof v} could not be cloned: values that cross ` +
        'threads follow the structured clone algorithm, as postMessage does');
    } else {
      // Anything else: a structured clone (clone.js), with the channels and
      // tasklets inside as handles, retained once the rest was accepted.
      kind = K_JSON;
      const records = serialize(v, {
        handle: (x) => (rt.isChannel(x) ? { kind: 'c', h: x } : rt.isTasklet(x) ? { kind: 't', h: x } : null),
      });
      for (const r of records) {
        if (r[0] === CLONE_CHANNEL || r[0] === CLONE_TASKLET) { r[1] = rt.retainFor(r[1], true); aux++; }
      }
      bytes = enc.encode(toText(records));
    }
    const len = bytes ? bytes.length : f64 !== null ? 8 : handle ? 4 : 0;
    const p = rt.malloc(HDR + len);
    if (!p) throw new RangeError('stackless-wasm: out of memory');
    const h32 = rt.h32(), i = p >> 2;
    const ref = !copy && typeof v === 'object' ? this.localRef(v) : 0;
    h32[i] = kind; h32[i + 1] = rt.tid; h32[i + 2] = ref ? ((ref >>> 2) & 0xfffff) : 0;
    h32[i + 3] = len; h32[i + 4] = 0; h32[i + 5] = aux;
    if (bytes) rt.hu8().set(bytes, p + HDR);
    else if (f64 !== null) new Float64Array(h32.buffer, p + HDR, 1)[0] = f64;
    else if (handle) h32[i + 6] = handle;
    return p;
  }

  // ------------------------------------------------------------ decode

  // word -> value, consuming it (the word must not be decoded again).
  decode(w) {
    if (w & 1) return w >> 1;
    if ((w & 3) === 2) {
      if ((w >>> 22) !== this.tag)
        throw new Error('stackless-wasm: this value was sent on the channel before the channel ' +
                        'was shared with another thread, and cannot be received here');
      return this.takeRef((w >>> 2) & 0xfffff);
    }
    switch (w) {
      case WORD_UNDEFINED: return undefined;
      case WORD_NULL: return null;
      case WORD_FALSE: return false;
      case WORD_TRUE: return true;
    }
    return this.unbox(w);
  }

  // word -> value WITHOUT consuming it (a tasklet's tempval, read while
  // the word stays where it is): an immediate, the original in this
  // thread's table, or a copy of a box whose channels and tasklets get
  // references of their own.
  peek(w) {
    if (w & 1) return w >> 1;
    if ((w & 3) === 2) {
      if ((w >>> 22) !== this.tag)
        throw new Error('stackless-wasm: this value lives in another thread\'s table and cannot be read here');
      return this.refs[(w >>> 2) & 0xfffff];
    }
    switch (w) {
      case WORD_UNDEFINED: return undefined;
      case WORD_NULL: return null;
      case WORD_FALSE: return false;
      case WORD_TRUE: return true;
    }
    return this.unbox(w, true);
  }

  takeRef(i) {
    const v = this.refs[i];
    this.refs[i] = undefined;
    this.free.push(i);
    return v;
  }

  unbox(p, peek = false) {
    const rt = this.rt;
    rt.ensure(p + HDR);
    let h32 = rt.h32();
    const i = p >> 2;
    rt.ensure(p + HDR + h32[i + 3]);
    h32 = rt.h32();
    const kind = h32[i], origin = h32[i + 1], ref = h32[i + 2], len = h32[i + 3], aux = h32[i + 5];
    if (ref && origin === rt.tid && peek) return this.refs[ref];
    if (ref && origin === rt.tid) { // the original, on its own thread
      const v = this.takeRef(ref);
      if (kind === K_CHANNEL || kind === K_TASKLET) rt.releaseHandle(kind === K_CHANNEL, h32[i + 6]);
      else if (kind === K_JSON && aux) this.releaseNested(p, len);
      rt.free(p);
      return v;
    }
    let v;
    const bytes = () => rt.hu8().slice(p + HDR, p + HDR + len);
    // A peek leaves the box's own references in the box.
    const adopt = peek ? (isChannel, h) => { rt.retainHandle(isChannel, h); return rt.adopt(isChannel, h); }
      : (isChannel, h) => rt.adopt(isChannel, h);
    switch (kind) {
      case K_STRING: v = aux === 1 ? fromUtf16(bytes()) : dec.decode(bytes()); break;
      case K_FLOAT: v = new Float64Array(h32.buffer, p + HDR, 1)[0]; break;
      case K_BIGINT: v = BigInt(dec.decode(bytes())); break;
      case K_BYTES: {
        const b = bytes();
        const T = TYPED[aux];
        v = !T ? b.buffer : T === Uint8Array ? b : T === DataView ? new DataView(b.buffer)
          : new T(b.buffer);
        break;
      }
      case K_CHANNEL: v = adopt(true, h32[i + 6]); break;
      case K_TASKLET: v = adopt(false, h32[i + 6]); break;
      case K_ERROR: v = reviveError(JSON.parse(dec.decode(bytes())), rt); break;
      case K_JSON:
        v = deserialize(fromText(dec.decode(bytes())), {
          adopt,
          error: (o) => reviveError(o, rt),
        });
        break;
      default: throw new Error(`stackless-wasm: bad value word ${w2hex(p)}`);
    }
    if (peek) return v;
    if (ref) rt.returnBox(p); // the original's thread drops it, then frees
    else rt.free(p);
    return v;
  }

  // Release the handles a JSON box holds (the original was used instead).
  releaseNested(p, len) {
    const rt = this.rt;
    const records = fromText(dec.decode(rt.hu8().slice(p + HDR, p + HDR + len)));
    for (const [isChannel, h] of handlesOf(records)) rt.releaseHandle(isChannel, h);
  }

  // Boxes of ours that another thread received: drop the originals.
  drainReturned(p) {
    const rt = this.rt;
    while (p) {
      rt.ensure(p + HDR);
      const h32 = rt.h32(), i = p >> 2;
      const next = h32[i + 4];
      if (h32[i + 2]) this.takeRef(h32[i + 2]);
      rt.free(p);
      p = next;
    }
  }

  // A word that was never delivered (the send failed): free what it holds.
  discard(w) {
    if (w & 1 || w < 16 && w >= 0) return;
    try { this.decode(w); } catch { /* a foreign ref: nothing of ours */ }
  }
}

const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed() : (s) => !/\p{Surrogate}/u.test(s);

// A string as its UTF-16 code units (bytes in platform order), and back.
function utf16(s) {
  const u = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return new Uint8Array(u.buffer);
}
function fromUtf16(b) {
  const u = new Uint16Array(b.buffer, b.byteOffset, b.byteLength >> 1);
  let out = '';
  for (let i = 0; i < u.length; i += 8192) out += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
  return out;
}

function w2hex(w) { return '0x' + (w >>> 0).toString(16); }

const ERRORS = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

function reviveError(o, rt) {
  const C = rt.errorClass(o) || ERRORS[o.name] || Error;
  const e = Object.create(C.prototype);
  Object.defineProperty(e, 'message', { value: o.message, writable: true, configurable: true });
  if (o.name !== C.name) Object.defineProperty(e, 'name', { value: o.name, writable: true, configurable: true });
  Object.defineProperty(e, 'stack', { value: o.stack, writable: true, configurable: true });
  if (o.code !== undefined) e.code = o.code;
  if (o.errno !== undefined) e.errno = o.errno;
  return e;
}
