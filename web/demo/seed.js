// seed.js -- the seed's two examples (Stackless's "Threads" page), each
// running in workers.  Every `print` of the original is a line sent on the
// channel `out` to the page, which shows it beside the documented output.
// Run by web/app.js: startThread(url, 'schedulerPerThread', out), ...
import * as slp from '../../js/index.js';

const { tasklet, schedule, run, channel, getruncount, startThread } = slp;
const here = import.meta.url;

// Example - scheduler per thread ------------------------------------------
// THREAD(1) is this worker; it starts THREAD(2), a second worker.  Its
// tasklet polls with schedule() until THREAD(2) has ended.

export async function schedulerPerThread(out) {
  let thread;
  function* main_thread_func() {
    yield out.send('THREAD(1): Waiting for death of THREAD(2)');
    while (thread.alive) yield schedule();
    yield out.send('THREAD(1): Death of THREAD(2) detected');
  }
  tasklet(main_thread_func)();
  thread = await startThread(here, 'secondary_thread_func', out);
  await run();
  await thread.join();
  await out.send(null); // end of output
}

// THREAD(2): its main code only, so its scheduler holds its main tasklet.
export async function secondary_thread_func(out) {
  await out.send(`THREAD(2): Has ${getruncount()} tasklets in its scheduler`);
}

// Example - interthread channel usage --------------------------------------
// This worker is the example's main thread (slave_func); master_func runs
// on a thread it starts.  Each runs its scheduler until its tasklet ended.

async function scheduler_run(tasklet_func, ...args) {
  const t = tasklet(tasklet_func)(...args);
  while (t.alive) await run();
}

function* master_func(commandChannel) {
  yield commandChannel.send('ECHO 1');
  yield commandChannel.send('ECHO 2');
  yield commandChannel.send('ECHO 3');
  yield commandChannel.send('QUIT');
}

export async function channelsAcrossThreads(out) {
  const commandChannel = channel();
  function* slave_func() {
    yield out.send('SLAVE STARTING');
    for (;;) {
      const command = yield commandChannel.receive();
      yield out.send(`SLAVE: ${command}`);
      if (command === 'QUIT') break;
    }
    yield out.send('SLAVE ENDING');
  }
  const thread = await startThread(here, 'masterThread', commandChannel);
  await scheduler_run(slave_func);
  await thread.join();
  await out.send(null);
}

export async function masterThread(commandChannel) {
  await scheduler_run(master_func, commandChannel);
}
