// bench-worker.js -- runs the project's benchmark program (bench/bench.c,
// built by Emscripten: slp_bench.js + .wasm + .worker.js) in a Web Worker:
// the worker is the program's main thread, its pthreads are nested workers.
// Message in: { dir, args }.  Messages out: { line } for each line printed,
// then { done, status }.
self.onmessage = ({ data }) => {
  const { dir, args, pthreadWorker } = data;
  self.Module = {
    arguments: args,
    print: (line) => postMessage({ line }),
    printErr: (line) => postMessage({ line, err: true }),
    locateFile: (p) => (pthreadWorker && p.endsWith('.worker.js') ? pthreadWorker : new URL(p, dir).href),
    mainScriptUrlOrBlob: new URL('slp_bench.js', dir).href,
    onExit: (status) => postMessage({ done: true, status }),
    onAbort: (what) => postMessage({ done: true, status: -1, error: String(what) }),
  };
  try {
    importScripts(new URL('slp_bench.js', dir).href);
  } catch (e) {
    if (e && e.name !== 'ExitStatus' && e !== 'unwind') postMessage({ done: true, status: -1, error: String(e) });
  }
};
