// Functions the thread-end tests (js/test/threadend.test.mjs) run in workers.
import { demo, channel, tasklet, schedule, thread_id } from '../index.js';

// A restorable C echo on ch that blocks LAST: this thread's main code
// blocks first (receiving on `stay`), then the echo runs and blocks too,
// and the thread sleeps waiting for it.  Handed to the starter first.
export async function echoBlocksLast(ch, ready, stay) {
  const t = demo.echoRestorable(ch);
  await ready.send(t);
  return await stay.receive();
}

// A restorable C echo left queued (never run): this thread's main code
// never runs its scheduler again, it idles on its event loop.
export async function echoQueued(ch, ready) {
  const t = demo.echoRestorable(ch);
  await ready.send(t);
  await new Promise(() => {});
}

// Values with lone surrogates, both ways: what arrived is sent back, then
// values made here; the result is one too.
export async function surrogates(inp, out) {
  const a = await inp.receive(), b = await inp.receive();
  await out.send(a);
  await out.send(b);
  await out.send(['\ud800', { k: 'x\udc00y', '\udbff': new Map([['\ud83d', 'z\ud83d']]) }, 'ok\u{1F600}']);
  await out.send('\udc00 alone');
  return '\udfff-result';
}
