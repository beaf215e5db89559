// glue_pre.js / glue_post.js (--pre-js / --post-js of slp_js): the glue
// leaves the host's process-wide state alone.  Emscripten's Node branch
// sets global.Worker (to worker_threads' Worker, for its own pthread
// workers); here a Worker of the factory's own shadows the global for the
// glue's code, and glue_post.js puts the global back as it was.
var slpHostWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
var Worker = typeof process == 'object' && process.versions && process.versions.node
  ? require('worker_threads').Worker : globalThis.Worker;
