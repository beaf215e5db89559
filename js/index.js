// stackless-wasm -- Stackless Python's tasklets and channels for JavaScript,
// driven by the C runtime compiled to WebAssembly.
//
// THE MODEL (the C manual is include/stackless.h)
//   A tasklet is a generator function.  It yields each operation that may
//   block or switch (`const v = yield ch.receive()`, `yield ch.send(v)`,
//   `yield schedule()`, `yield t.kill()`...): the C scheduler performs it, so
//   run order, channel preference, kill and deadlock rules are Stackless's.
//   Outside tasklets (the thread's main code) the same calls act at once,
//   and those that may wait for another thread return promises (`await
//   ch.receive()`, `await run()`); they never block the event loop.
//
//   Every thread has its own scheduler: the page or Node's main thread, and
//   each thread started with startThread(), a worker that imports a module
//   of yours and runs one of its functions.  Channels work across threads;
//   values are copied when they cross (numbers, strings, JSON-able objects,
//   binary data, channels, tasklets); a same-thread send keeps identity.
//   Threads need shared memory (in a browser: a cross-origin isolated
//   page); without it init() loads the single-thread module
//   (dist/stackless-st.*, built with SLP_THREADS=OFF): the same API on one
//   thread, startThread() refused.
//
// HOW (DESIGN-NOTES trap 1): a JS tasklet's C body (wasm/js_bridge.c) calls
// step() below to advance its generator by one yield, then performs the
// yielded operation in C, where it may block with only C frames on the
// stack.  No JS frame is ever unwound by Asyncify.
//
// WAITING (trap 3): the main thread never sleeps in C (it is marked
// nonblocking).  run() and main code's channel calls drive the scheduler
// from a "pump" that, when nothing here can run, polls this thread's wake
// word for spinMicros and then awaits Atomics.waitAsync on it.  While run()
// waits, and while main code awaits a thread's join(), the thread counts as
// asleep (slp_thread_idle), so a whole-program deadlock is seen: run()
// returns, the threads' waiting tasklets get DeadlockError; main code
// awaiting a channel counts as awake (its event loop may still send).  Threads started here sleep in
// C by default (options.blocking).
//
// WORKERS: threads are Emscripten pthreads (slp_thread_start), whose Web
// Workers run Emscripten's stackless.worker.js; the thread's C main hands
// over to this module, imported into the worker, and unwinds to the
// worker's event loop.  Why not our own Worker instantiating the module on
// the shared memory: a pthread gets its TLS, its C stack, its pthread_self
// and mutex identity, and the runtime's registration from Emscripten, all
// of which a hand-made instance would have to recreate (and keep in step
// with the glue); pthreads are also what the C runtime's own threads are,
// so C and JS threads are the same kind.  The cost: stackless.worker.js
// ships beside the module (exports "./stackless.worker.js", workerURL), and
// a worker is loaded by the starting thread's event loop, so startThread()
// is async.  In Node, idle workers are unref'd so that they never keep the
// process alive, running ones are ref'd.  terminate() ends the worker
// (trap 4) and marks its thread dead.
//
// LAYOUT: this file is the public surface; each job has its module:
// state.js (this thread's share of the runtime), errors.js, module.js
// (loading), ops.js (the Op protocol), tasklet.js, channel.js, wait.js and
// pump.js (main code's calls and waits), threads.js, introspect.js, demo.js
// (C tasklets), values.js (values as channel words), timers.js (sleep,
// `yield promise`) and select.js (select, channel timeouts), whose waits
// park only the tasklet, in the C timer queue.
import { setEntryURL } from './state.js';
import { init, hasThreads } from './module.js';
import { Op } from './ops.js';
import { Tasklet, tasklet, atomic, set_error_handler } from './tasklet.js';
import {
  set_schedule_callback, get_schedule_callback, set_channel_callback, get_channel_callback,
} from './callbacks.js';
import { Channel, channel } from './channel.js';
import { run, schedule, schedule_remove, hold } from './pump.js';
import { Thread, startThread, startThreadWith } from './threads.js';
import {
  getcurrent, getmain, getruncount, getthreads, thread_id, switch_trap, snapshot, get_thread_info,
} from './introspect.js';
import { demo } from './demo.js';
import { sleep } from './timers.js';
import { select } from './select.js';
import { DataCloneError } from './clone.js';
import {
  StacklessError, TaskletExit, DeadlockError, ChannelClosedError, DeadTaskletError,
  WrongThreadError, BadArgumentError, TimeoutError,
} from './errors.js';

// A new thread's worker imports this module (the bundle's chunk that holds
// it, when bundled) and calls bootThread.
setEntryURL(import.meta.url);

export { init, hasThreads, Op, Tasklet, tasklet, Channel, channel, run, schedule, schedule_remove, hold };
export { Thread, startThread, startThreadWith };
export { bootThread } from './threads.js';
export { getcurrent, getmain, getruncount, getthreads, thread_id, switch_trap, snapshot, demo };
export { sleep, select };
export {
  get_thread_info, atomic, set_error_handler, set_schedule_callback, get_schedule_callback,
  set_channel_callback, get_channel_callback,
};
export {
  StacklessError, TaskletExit, DeadlockError, ChannelClosedError, DeadTaskletError,
  WrongThreadError, BadArgumentError, DataCloneError, TimeoutError,
};

/** The module as one object, with Stackless's attribute names. */
const stackless = {
  init, hasThreads, tasklet, channel, run, schedule, schedule_remove, getcurrent, getmain,
  getruncount, getthreads, thread_id, switch_trap, hold, startThread, startThreadWith, snapshot,
  get_thread_info, atomic, set_error_handler, set_schedule_callback, get_schedule_callback,
  set_channel_callback, get_channel_callback, sleep, select,
  get current() { return getcurrent(); },
  get main() { return getmain(); },
  get runcount() { return getruncount(); },
  get threads() { return getthreads(); },
  Tasklet, Channel, Thread, Op, StacklessError, TaskletExit, DeadlockError,
  ChannelClosedError, DeadTaskletError, WrongThreadError, BadArgumentError, DataCloneError, demo,
  TimeoutError,
};
export default stackless;
