// The seed's "interthread channel usage" example (Stackless docs, threads.rst):
// slave_func runs as a tasklet on the main thread, master_func as a tasklet
// on a second thread; they talk over one channel.
//   node examples/js/seed_channels.mjs
// Each thread has its own copy of this module, so the channel is handed to
// the second thread as an argument instead of being a shared global.
import { isMainThread } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import { channel, init, run, startThread, tasklet } from '../../js/index.js';

// print() that is ordered across threads (console.log in a worker is
// relayed through the main thread's event loop).
const print = (...a) => writeSync(1, a.join(' ') + '\n');

function* master_func(commandChannel) {
  yield commandChannel.send('ECHO 1');
  yield commandChannel.send('ECHO 2');
  yield commandChannel.send('ECHO 3');
  yield commandChannel.send('QUIT');
}

function* slave_func(commandChannel) {
  print('SLAVE STARTING');
  for (;;) {
    const command = yield commandChannel.receive();
    print('SLAVE:', command);
    if (command === 'QUIT') break;
  }
  print('SLAVE ENDING');
}

// As in the docs: run the scheduler until the tasklet is done.
async function scheduler_run(tasklet_func, ...args) {
  const t = tasklet(tasklet_func)(...args);
  while (t.alive) await run();
}

// The second thread's entry (threading.Thread(target=scheduler_run, ...)).
export function master_thread(commandChannel) {
  return scheduler_run(master_func, commandChannel);
}

if (isMainThread) {
  await init();
  const commandChannel = channel();
  const thread = await startThread(import.meta.url, 'master_thread', commandChannel);
  await scheduler_run(slave_func, commandChannel);
  await thread.join();
}
