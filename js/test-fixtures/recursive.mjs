// A one-file program without the worker-module pattern: its top level
// starts a thread on this same module, so every worker would start another.
// The package refuses the start made while a worker imports the module.
import { init, startThread, thread_id } from '../index.js';

await init();
export function hello() { return `hello from ${thread_id()}`; }

// What the start gave: the thread's result, or the error (in the worker,
// the refusal; in main, the join's rejection with it).
export const started = startThread(import.meta.url, 'hello').then((th) => th.join()).catch((e) => e);
