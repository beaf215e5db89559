// deadlock-worker.js -- one side of the deadlock scenario (web/deadlock.js):
// a tasklet (the thread's function is a generator) that receives on inp
// before it would send on out.  Each worker waits for the other first.
export function* waitThenSend(name, inp, out) {
  try {
    const v = yield inp.receive();
    yield out.send(v);
    return 'received (unexpected)';
  } catch (e) {
    return `${e.name}: ${e.message}`; // DeadlockError, when the runtime sees it
  }
}
