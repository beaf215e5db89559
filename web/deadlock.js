// deadlock.js -- the deadlock scenario, in a frame of its own so that it has
// its own instance of the runtime (its own memory, threads and workers).
//
// Worker A's tasklet receives on `a` (only B sends there, later), worker
// B's receives on `b` (only A sends there, later); the page only waits for
// the two threads to end.  No thread can wake another: the runtime wakes
// each waiting tasklet with its deadlock error instead of letting all hang.
import * as slp from 'stackless-wasm';
import { initOptions } from './coi-worker.js';

const out = document.getElementById('out');
const lines = [];
const say = (s) => { lines.push(s); out.textContent = lines.join('\n'); };

async function scenario() {
  await slp.init(await initOptions());
  const a = slp.channel(), b = slp.channel();
  const url = new URL('./demo/deadlock-worker.js', import.meta.url);
  const A = await slp.startThread(url, 'waitThenSend', 'A', a, b);
  const B = await slp.startThread(url, 'waitThenSend', 'B', b, a);
  say(`worker A (thread ${A.id}): a tasklet receives on a, then would send on b`);
  say(`worker B (thread ${B.id}): a tasklet receives on b, then would send on a`);
  const results = [];
  for (const [name, t] of [['A', A], ['B', B]]) {
    try { results.push(`worker ${name}: ${await t.join()}`); } catch (e) { results.push(`worker ${name}: ${e.name}: ${e.message}`); }
    say(results.at(-1));
  }
  const ok = results.every((s) => /DeadlockError/.test(s));
  return { ok, lines: results, summary: ok ? `both tasklets got the deadlock error: "${results[0].replace(/^worker A: /, '')}"` : results.join('; ') };
}

const timeout = new Promise((r) => setTimeout(() => r({ ok: false, lines, summary: 'no answer after 10 s: the runtime did not see the deadlock, it hung' }), 10000));
Promise.race([scenario(), timeout]).catch((e) => ({ ok: false, lines, summary: `${e.name}: ${e.message}` }))
  .then((r) => { window.result = r; parent.postMessage({ kind: 'deadlock', ...r }, location.origin); });
