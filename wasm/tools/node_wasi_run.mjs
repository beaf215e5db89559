#!/usr/bin/env -S node --no-warnings
// Run a WASI preview1 command module with Node's built-in node:wasi, with the same
// conventions as wasmtime_run.py / `wasmtime run`, so output compares across engines:
//   node --no-warnings node_wasi_run.mjs [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... module.wasm [args...]
// argv[0] = module base name; no environment unless --env; fds 0/1/2 are the process's;
// exit status = proc_exit code; a trap prints the error and exits 134 like wasmtime.
// (--no-warnings hides Node 20's "WASI is an experimental feature" line on stderr.)
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';

const TRAP_STATUS = 134;

function usage(msg) {
  process.stderr.write(`node_wasi_run.mjs: ${msg}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
// Options only before the module: everything after it belongs to the guest.
while (i < argv.length && argv[i].startsWith('--')) {
  const opt = argv[i];
  if (opt === '--') { i++; break; }
  if ((opt !== '--dir' && opt !== '--env') || i + 1 >= argv.length) usage(`bad option '${opt}'`);
  const val = argv[i + 1];
  if (opt === '--dir') {
    const [host, guest] = val.split('::');
    preopens[guest || host] = host;
  } else if (val.includes('=')) {
    const k = val.slice(0, val.indexOf('='));
    env[k] = val.slice(k.length + 1);
  } else if (val in process.env) {
    env[val] = process.env[val];
  }
  i += 2;
}
if (i >= argv.length) usage('no module given');
const modulePath = argv[i];

const wasi = new WASI({
  version: 'preview1',
  args: [basename(modulePath), ...argv.slice(i + 1)],
  env,
  preopens,
  // returnOnExit: proc_exit returns its code from start() instead of killing
  // Node on the spot, so we decide the exit status ourselves.
  returnOnExit: true,
  stdin: 0, stdout: 1, stderr: 2,
});

let code;
try {
  const module = await WebAssembly.compile(await readFile(modulePath));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`Error: failed to run main module \`${modulePath}\`\n${e?.stack ?? e}\n`);
  process.exit(e instanceof WebAssembly.RuntimeError ? TRAP_STATUS : 1);
}
// node:wasi writes fds synchronously, so nothing is left buffered to lose here.
process.exit(code);
