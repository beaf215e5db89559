// The seed's "scheduler per thread" example (Stackless docs, threads.rst):
// two independent schedulers, one in each thread.  The main thread has one
// tasklet besides its main one; the second thread sees only its own main.
//   node examples/js/seed_threads.mjs
// (The docs' output interleaves the first two lines: two Python 2 print
// statements raced.  Here each line is written whole.)
import { isMainThread } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import { getruncount, init, run, schedule, startThread, tasklet } from '../../js/index.js';

const print = (...a) => writeSync(1, a.join(' ') + '\n');

// Runs as the second thread's main code (threading.Thread(target=...)).
export function secondary_thread_func() {
  print('THREAD(2): Has', getruncount(), 'tasklets in its scheduler');
}

if (isMainThread) {
  await init();
  let thread;

  function* main_thread_func() {
    print('THREAD(1): Waiting for death of THREAD(2)');
    while (thread.alive) yield schedule();
    print('THREAD(1): Death of THREAD(2) detected');
  }

  tasklet(main_thread_func)();
  thread = await startThread(import.meta.url, 'secondary_thread_func');
  await run();
  await thread.join();
}
