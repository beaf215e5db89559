// See glue_pre.js: the host's global Worker, as it was.
if (slpHostWorker) Object.defineProperty(globalThis, 'Worker', slpHostWorker);
else delete globalThis.Worker;
