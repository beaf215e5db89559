// deadlock-worker.js -- one side of the deadlock scenario (web/deadlock.js).
import * as slp from '../../js/index.js';

// Receive on inp, then send on out: each worker waits for the other first.
export async function waitThenSend(name, inp, out) {
  try {
    const v = await inp.receive();
    await out.send(v);
    return 'received (unexpected)';
  } catch (e) {
    if (e instanceof slp.DeadlockError) return `${e.name}: ${e.message}`;
    throw e;
  }
}
