// module.js -- loading the module: the Emscripten glue and wasm of the
// threaded module (or the single-thread one, without shared memory), and
// the setup of this thread's state on it.
import {
  A, IS_NODE, nodeImport, TID, THREADED, h32, hu8, malloc, ensure, ready,
  releaseHandle, attach, setThreaded,
} from './state.js';
import { CLASS_BY_NAME } from './errors.js';
import { Codec } from './values.js';
import { Tasklet, wrapTasklet, step } from './tasklet.js';
import { Channel, wrapChannel } from './channel.js';
import { installExitRule } from './threads.js';

let initPromise = null;

// The hooks values.js needs.
const rt = {
  get tid() { return TID; },
  h32, hu8,
  malloc,
  ensure,
  free: (p) => A.free(p),
  isChannel: (x) => x instanceof Channel,
  isTasklet: (x) => x instanceof Tasklet,
  retainFor(x, cross) { // one reference for the receiver of a box
    if (cross) x.shared = true;
    if (x instanceof Channel) A.slp_channel_retain(x.h);
    else {
      x.mapWeak(); // its handle may come back here: the same wrapper then
      if (x.owned) A.slp_tasklet_retain(x.h);
    }
    return x.h;
  },
  adopt(isChannel, h) { // the reference a box held becomes a wrapper's
    if (isChannel) return wrapChannel(h, true, true);
    return wrapTasklet(h, true);
  },
  retainHandle: (isChannel, h) => (isChannel ? A.slp_channel_retain(h) : A.slp_tasklet_retain(h)),
  releaseHandle,
  returnBox: (p) => A.slp_js_box_return(p),
  errorClass: (o) => CLASS_BY_NAME[o.name],
};

// This thread's state, on the module instance mod.
export function setup(mod, opts) {
  attach(mod, opts, () => new Codec(rt), step);
}

// ------------------------------------------------------------------ init

/**
 * Load the module.  Options: threads (true: the threaded module, which needs
 * SharedArrayBuffer -- in a browser, a cross-origin isolated page; false:
 * the single-thread module, one scheduler and no startThread(), which runs
 * anywhere; default: threaded where SharedArrayBuffer is available),
 * wasmBinary (bytes), wasmURL, workerURL, glueURL (where the files are; by
 * default next to this file, in dist/), poolSize (pthread workers made in
 * advance, default 0), spinMicros (how long a waiting thread polls before
 * it awaits, default 50).
 */
export function init(opts = {}) {
  if (!initPromise) initPromise = load(opts).catch((e) => { initPromise = null; throw e; });
  else if (opts.threads !== undefined) {
    return initPromise.then(() => {
      if (!opts.threads !== !THREADED) {
        throw new Error(`stackless-wasm: init() already loaded the ${THREADED ? 'threaded' : 'single-thread'} module`);
      }
    });
  }
  return initPromise;
}

/** True when the loaded module has threads (startThread() works). */
export function hasThreads() { ready(); return THREADED; }

// Shared memory is there: SharedArrayBuffer exists and, in a browser, the
// page is cross-origin isolated (else a Worker cannot receive the memory).
function sharedMemoryAvailable() {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;
}

const NOT_ISOLATED = 'this page is not cross-origin isolated (crossOriginIsolated is false): serve it ' +
  'with the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"';

async function load(opts) {
  if (A) return;
  const threads = opts.threads ?? sharedMemoryAvailable();
  if (threads && !sharedMemoryAvailable()) {
    throw new Error(`stackless-wasm: threads need SharedArrayBuffer, and ${NOT_ISOLATED} ` +
      '(or call init({ threads: false }) for one thread without workers)');
  }
  const base = threads ? 'stackless' : 'stackless-st';
  const here = (p) => new URL(p, import.meta.url);
  let factory, wasmBinary = opts.wasmBinary, mainScript, workerLoc;
  if (IS_NODE) {
    const { createRequire } = await nodeImport('node:module');
    const { readFileSync } = await nodeImport('node:fs');
    const { fileURLToPath } = await nodeImport('node:url');
    const toPath = (u) => (u instanceof URL || /^file:/.test(u)) ? fileURLToPath(u) : String(u);
    mainScript = toPath(opts.glueURL ?? here(`./dist/${base}.js`));
    workerLoc = toPath(opts.workerURL ?? here('./dist/stackless.worker.js'));
    factory = createRequire(import.meta.url)(mainScript);
    if (!wasmBinary) wasmBinary = readFileSync(toPath(opts.wasmURL ?? here(`./dist/${base}.wasm`)));
  } else {
    // Literal URLs, so that bundlers find and emit the files.
    const glue = String(opts.glueURL ?? (threads ? new URL('./dist/stackless.js', import.meta.url)
      : new URL('./dist/stackless-st.js', import.meta.url)));
    mainScript = glue;
    workerLoc = String(opts.workerURL ?? new URL('./dist/stackless.worker.js', import.meta.url));
    const wasmURL = opts.wasmURL ?? (threads ? new URL('./dist/stackless.wasm', import.meta.url)
      : new URL('./dist/stackless-st.wasm', import.meta.url));
    const bytes = wasmBinary ? null : fetch(wasmURL).then((r) => {
      if (!r.ok) throw new Error(`stackless-wasm: ${wasmURL}: ${r.status} ${r.statusText}`);
      return r.arrayBuffer();
    });
    factory = await loadClassicScript(glue, threads ? 'createStackless' : 'createStacklessST');
    if (!wasmBinary) wasmBinary = await bytes;
  }
  const mod = await factory({
    wasmBinary,
    mainScriptUrlOrBlob: mainScript,
    locateFile: (p) => (p.endsWith('.worker.js') ? workerLoc : p),
    slpPoolSize: opts.poolSize ?? 0,
  });
  setThreaded(threads, opts.threads === false ? ' (init({ threads: false }))' : `: ${NOT_ISOLATED}`);
  if (IS_NODE && threads) manageWorkerRefs(mod.PThread);
  setup(mod, { blocking: false, spinMicros: opts.spinMicros });
  if (threads) installExitRule();
}

// The glue is a classic script that defines the global `name`.
async function loadClassicScript(url, name) {
  if (typeof globalThis[name] !== 'function') {
    if (typeof document !== 'undefined') {
      await new Promise((ok, fail) => {
        const s = document.createElement('script');
        s.src = url;
        s.onload = ok;
        s.onerror = () => fail(new Error(`stackless-wasm: could not load ${url}`));
        document.head.appendChild(s);
      });
    } else if (typeof importScripts === 'function') {
      importScripts(url);
    } else { // a module worker
      const text = await (await fetch(url)).text();
      (0, eval)(text + `\n//# sourceURL=${url}`);
    }
  }
  return globalThis[name];
}

// Node: pthread workers never keep the process alive by themselves.  A
// thread is like Python's non-daemon thread all the same: when main code
// is done, installExitRule (threads.js) keeps the process up while a
// thread may still end, and no longer.
function manageWorkerRefs(PT) {
  for (const w of PT.unusedWorkers) w.unref?.();
  const get = PT.getNewWorker;
  PT.getNewWorker = function () {
    const w = get.apply(this, arguments);
    w?.unref?.();
    return w;
  };
}
