// stack_check.mjs IN.wat OUT.wat -- the tasklet stack check of the wasm
// builds (run by slp_asyncify between --asyncify and -O2, on the text that
// wasm-dis prints).  After every write of the shadow stack pointer it adds
//     if (__stack_pointer < slp__sp_limit) slp__stack_overflow();
// so a function that moves the stack pointer below a tasklet's region is
// stopped before it stores anything there (src/switch_asyncify.c).  Added
// after the Asyncify pass, the check neither is instrumented nor makes
// anything instrumented.  Wasm has no guard pages, and clang-14 has no
// stack probes for wasm; Binaryen's own --stack-check pass can only trap or
// call an import, and keeps its limits in globals C cannot reach.
// The limit is a global this script adds (clang-14 cannot define wasm
// globals in C, nor in an assembly file built with -g), with a setter that
// replaces the import slp_stack.limit_set.  A module without that import
// (no stackless runtime) is left as it is.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const text = readFileSync(input, 'utf8');
const SET = '(global.set $__stack_pointer';
const HANDLER = 'slp__stack_overflow';
const CHECK = ` (if (i32.lt_u (global.get $__stack_pointer) (global.get $slp__sp_limit))` +
  ` (call $${HANDLER})))`;

// Index just past the s-expression that opens at `start`.
function close(start) {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === ';' && text[i + 1] === ';') {
      i = text.indexOf('\n', i);
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')' && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error('unbalanced s-expression at ' + start);
}

const IMPORT = /^ *\(import "slp_stack" "limit_set" \(func \$(\S+) \(param i32\)\)\)\n/m;
const imp = IMPORT.exec(text);
if (!imp) {
  writeFileSync(output, text);
  process.exit(0);
}
const isHandler = (i) => text.startsWith(`(func $${HANDLER}`, i) &&
  /\s/.test(text[i + `(func $${HANDLER}`.length]);
if (!isHandler(text.indexOf(`(func $${HANDLER}\n`)) && !isHandler(text.indexOf(`(func $${HANDLER} `)))
  throw new Error(`no ${HANDLER} in the module`);
const parts = [];
let pos = 0, n = 0, at;
while ((at = text.indexOf(SET, pos)) >= 0) {
  const end = close(at);
  const func = text.lastIndexOf('(func $', at);
  // The handler itself moves no stack pointer; never check inside it.  Nor
  // in the runtime's own functions (slp_*): they are on every switch's path
  // (measured: the checks there cost a schedule() round trip +45% under
  // Wasmtime), they never recurse, and their frames are far smaller than
  // the reserve, which takes them when a tasklet calls one at its limit
  // (the next check in the tasklet's own code, or the canaries and the
  // stack pointer at the switch, then see it).
  if (isHandler(func) || text.startsWith('(func $slp_', func)) {
    parts.push(text.slice(pos, end));
  } else {
    parts.push(text.slice(pos, at), '(block ', text.slice(at, end), CHECK);
    n++;
  }
  pos = end;
}
parts.push(text.slice(pos));
let out = parts.join('').replace(IMPORT, '');
// Globals are declared before any use (the parser wants that), the
// setter goes last.
const sp = out.indexOf('\n', out.indexOf('(global $__stack_pointer ')) + 1;
out = out.slice(0, sp) + ` (global $slp__sp_limit (mut i32) (i32.const 0))\n` + out.slice(sp);
const last = out.lastIndexOf(')');
out = out.slice(0, last) +
  ` (func $${imp[1]} (param $0 i32) (global.set $slp__sp_limit (local.get $0)))\n` +
  out.slice(last);
writeFileSync(output, out);
if (n === 0) throw new Error('no write of __stack_pointer found');
