// Functions the timer tests run in workers (js/test/timers.test.mjs).
import { tasklet, run, sleep, schedule, select, thread_id } from '../index.js';

// Sleepers with different periods, as tasklets beside the thread's own
// (a generator function: the thread's main tasklet): the wake order.
export function* sleepers(periods) {
  const log = [];
  for (const [name, ms] of periods) tasklet(function* () { yield sleep(ms); log.push(name); })();
  yield sleep(Math.max(...periods.map(([, ms]) => ms)) + 5);
  yield schedule();
  return log;
}

// Main code of a thread: run() while a tasklet awaits a promise that only
// this worker's event loop settles, and another tasklet keeps switching.
export async function awaitsPromise() {
  const log = [];
  let settle;
  const p = new Promise((k) => { settle = k; });
  tasklet(function* () { log.push(`got ${yield p}`); })();
  tasklet(function* () {
    for (let i = 0; i < 3; i++) { log.push(`tick ${i}`); yield schedule(); }
    setTimeout(() => settle(thread_id() > 1 ? 'worker' : 'main'), 1);
  })();
  await run();
  return log;
}

// The same inside the thread's main tasklet (a generator function thread).
export function* awaitsPromiseInTasklet(ch) {
  const v = yield new Promise((k) => setTimeout(() => k(7), 1));
  yield sleep(1);
  yield ch.send(v * 6);
  try {
    yield Promise.reject(new RangeError('nope'));
  } catch (e) {
    return e.message;
  }
  return 'not thrown';
}

// Sleep, then send: a main-thread receiver waits for it, not deadlocked.
export function* sleepThenSend(ch, ms, v) {
  yield sleep(ms);
  yield ch.send(v);
}

// Main code of a thread: await sleep() in order with a tasklet's sleep.
export async function mainSleeps() {
  const log = [];
  tasklet(function* () { yield sleep(2); log.push('tasklet 2'); })();
  await sleep(300);
  log.push('main 300');
  await run();
  return log;
}

// Receive one value and return it.
export function* receiveOne(ch) {
  return yield ch.receive();
}

// A select with a deadline that times out, then one without, fed from the
// starting thread (told 'ready' between the two).
export function* selects(a, b) {
  const log = [];
  try { yield select([{ receive: a }, { receive: b }], { timeout: 5 }); } catch (e) { log.push(e.name); }
  yield b.send('ready');
  log.push(yield select([{ receive: a }, { receive: b }], { timeout: 100_000 }));
  return log;
}
