// clone.js -- the structured clone algorithm (as postMessage copies) for
// values that cross threads, as text for a box (values.js).
//
// Adapted from @ungap/structured-clone 1.3.0 (serialize.js, deserialize.js,
// types.js; https://github.com/ungap/structured-clone), ISC License,
// Copyright (c) 2021, Andrea Giammarchi, @WebReflection:
//   Permission to use, copy, modify, and/or distribute this software for any
//   purpose with or without fee is hereby granted, provided that the above
//   copyright notice and this permission notice appear in all copies.
//   THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
//   WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
//   MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
//   ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
//   WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
//   ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR
//   IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
// What is ours: channels and tasklets anywhere inside (a retained handle
// each, hooks.handle / hooks.adopt); errors keep name, message, stack, code
// and errno (hooks.error revives them); 64-bit typed arrays; NaN, ±Infinity
// and -0 survive the text (JSON would make them null or 0); and what
// structured clone refuses (functions, symbols, unknown platform objects)
// throws a DataCloneError, as postMessage does.

const VOID = -1, PRIMITIVE = 0, ARRAY = 1, OBJECT = 2, DATE = 3, REGEXP = 4, MAP = 5, SET = 6,
      ERROR = 7, BIGINT = 8, CHANNEL = 10, TASKLET = 11;
export const CLONE_CHANNEL = CHANNEL, CLONE_TASKLET = TASKLET;
const NUM = '$n'; // a number JSON cannot hold: { "$n": "NaN" | "Infinity" | "-Infinity" | "-0" }

const { toString } = {};
const { keys } = Object;

/** What structured clone refuses, as postMessage reports it. */
export class DataCloneError extends Error {
  get name() { return 'DataCloneError'; }
}

const typeOf = (value) => {
  const type = typeof value;
  if (type !== 'object' || !value) return [PRIMITIVE, type];
  // Stryker disable next-line ArrayDeclaration: an empty pair matches no case and falls through to the same error record
  if (value instanceof Error) return [ERROR, 'Error'];
  const asString = toString.call(value).slice(8, -1);
  switch (asString) {
    case 'Array': return [ARRAY, ''];
    case 'Object': return [OBJECT, ''];
    case 'Date': return [DATE, ''];
    case 'RegExp': return [REGEXP, ''];
    case 'Map': return [MAP, ''];
    case 'Set': return [SET, ''];
    case 'DataView': return [ARRAY, asString];
  }
  if (asString.includes('Array')) return [ARRAY, asString];
  // Stryker disable next-line ArrayDeclaration: an empty pair matches no case and falls through to the same error record
  if (asString.includes('Error')) return [ERROR, asString];
  return [OBJECT, asString];
};

const refuse = (what) => {
  throw new DataCloneError(`stackless-wasm: ${what} could not be cloned (values that cross threads ` +
    'follow the structured clone algorithm, as postMessage does)');
};

// value -> records (an array); hooks.handle(x) gives 'c' or 't' and a
// retained handle for channels and tasklets, or null.
export function serialize(value, hooks) {
  const _ = [], $ = new Map();
  const as = (out, v) => {
    const index = _.push(out) - 1;
    if (!Object.is(v, -0)) $.set(v, index); // a Map's keys take -0 for 0
    return index;
  };
  const pair = (v) => {
    if ($.has(v) && !Object.is(v, -0)) return $.get(v);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: only spares the hook a call; hooks.handle answers null for a primitive
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
      const h = hooks.handle(v);
      if (h) return as([h.kind === 'c' ? CHANNEL : TASKLET, h.h], v);
    }
    let [TYPE, type] = typeOf(v);
    switch (TYPE) {
      case PRIMITIVE: {
        let entry = v;
        switch (type) {
          case 'bigint': TYPE = BIGINT; entry = v.toString(); break;
          case 'function': case 'symbol': refuse(`a ${type} (${String(v).slice(0, 40)})`); break;
          case 'undefined': return as([VOID], v);
        }
        return as([TYPE, entry], v);
      }
      case ARRAY: {
        if (type) {
          let spread = v;
          if (type === 'DataView') spread = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
          else if (type === 'ArrayBuffer' || type === 'SharedArrayBuffer') spread = new Uint8Array(v);
          else if (type === 'BigInt64Array' || type === 'BigUint64Array') spread = Array.from(v, String);
          return as([type === 'SharedArrayBuffer' ? 'ArrayBuffer' : type, [...spread]], v);
        }
        const arr = [];
        const index = as([TYPE, arr], v);
        for (let i = 0; i < v.length; i++) arr.push(pair(v[i])); // holes arrive as undefined
        return index;
      }
      case OBJECT: {
        switch (type) {
          case '': break;
          case 'BigInt': return as([type, v.valueOf().toString()], v);
          case 'Boolean': case 'Number': case 'String': return as([type, v.valueOf()], v);
          default:
            // A class instance is copied as a plain object; a platform
            // object (a Promise, a WeakMap...) is refused.
            // Stryker disable next-line ConditionalExpression: type is never 'Object' here (typeOf maps that tag to '')
            if (type !== 'Object' && !isPlainClassInstance(v)) refuse(`a ${type}`);
        }
        const entries = [];
        const index = as([TYPE, entries], v);
        for (const key of keys(v)) entries.push([pair(key), pair(v[key])]);
        return index;
      }
      case DATE: return as([TYPE, v.getTime()], v);
      case REGEXP: return as([TYPE, { source: v.source, flags: v.flags }], v);
      case MAP: {
        const entries = [];
        const index = as([TYPE, entries], v);
        for (const [key, entry] of v) entries.push([pair(key), pair(entry)]);
        return index;
      }
      case SET: {
        const entries = [];
        const index = as([TYPE, entries], v);
        for (const entry of v) entries.push(pair(entry));
        return index;
      }
    }
    return as([ERROR, { name: v.name, message: v.message, stack: v.stack, code: v.code, errno: v.errno }], v);
  };
  pair(value);
  return _;
}

// An object of a user's class (its tag is the class's own
// Symbol.toStringTag or 'Object'): structured clone copies its own
// enumerable properties.
function isPlainClassInstance(v) {
  return !(v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet ||
           // Stryker disable next-line ConditionalExpression: WeakRef exists in every engine the package supports
           (typeof WeakRef === 'function' && v instanceof WeakRef));
}

// records -> value; hooks.adopt(isChannel, h) and hooks.error(o).
export function deserialize(_, hooks) {
  const $ = new Map();
  const as = (out, index) => { $.set(index, out); return out; };
  const unpair = (index) => {
    if ($.has(index)) return $.get(index);
    const [type, value] = _[index];
    switch (type) {
      case PRIMITIVE: case VOID: return as(value, index);
      case ARRAY: {
        const arr = as([], index);
        for (const i of value) arr.push(unpair(i));
        return arr;
      }
      case OBJECT: {
        const object = as({}, index);
        for (const [key, i] of value) object[unpair(key)] = unpair(i);
        return object;
      }
      case DATE: return as(new Date(value), index);
      case REGEXP: return as(new RegExp(value.source, value.flags), index);
      case MAP: {
        const map = as(new Map(), index);
        for (const [key, i] of value) map.set(unpair(key), unpair(i));
        return map;
      }
      case SET: {
        const set = as(new Set(), index);
        for (const i of value) set.add(unpair(i));
        return set;
      }
      case ERROR: return as(hooks.error(value), index);
      case BIGINT: return as(BigInt(value), index);
      case CHANNEL: return as(hooks.adopt(true, value), index);
      case TASKLET: return as(hooks.adopt(false, value), index);
      case 'BigInt': return as(Object(BigInt(value)), index);
      case 'Boolean': return as(Object(Boolean(value)), index);
      case 'Number': return as(Object(Number(value)), index);
      case 'String': return as(Object(String(value)), index);
      case 'ArrayBuffer': return as(new Uint8Array(value).buffer, index);
      case 'DataView': return as(new DataView(new Uint8Array(value).buffer), index);
      case 'BigInt64Array': return as(BigInt64Array.from(value, BigInt), index);
      // Stryker disable next-line ConditionalExpression: without the case the generic path builds the same array (the constructor converts the decimal strings)
      case 'BigUint64Array': return as(BigUint64Array.from(value, BigInt), index);
    }
    const T = globalThis[type];
    if (typeof T !== 'function' || !/Array$/.test(type)) throw new DataCloneError(`stackless-wasm: unknown clone record ${type}`);
    return as(new T(value), index);
  };
  return unpair(0);
}

// The handles a record list holds: [isChannel, h] each.
export function handlesOf(_) {
  const out = [];
  for (const [type, value] of _) if (type === CHANNEL || type === TASKLET) out.push([type === CHANNEL, value]);
  return out;
}

// Records as text, and back: numbers JSON cannot hold go tagged.
export function toText(records) {
  return JSON.stringify(records, (k, x) => {
    if (typeof x !== 'number' || (Number.isFinite(x) && !Object.is(x, -0))) return x;
    return { [NUM]: Object.is(x, -0) ? '-0' : String(x) };
  });
}
export function fromText(text) {
  // Stryker disable next-line ConditionalExpression: a string or number has no $n property either
  return JSON.parse(text, (k, x) => (x !== null && typeof x === 'object' && !Array.isArray(x) &&
    typeof x[NUM] === 'string' ? Number(x[NUM]) : x));
}
