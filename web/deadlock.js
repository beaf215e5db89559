// deadlock.js -- the deadlock scenario, in a frame of its own so that it has
// its own instance of the runtime (its own memory, threads and workers).
//
// Worker A receives on `a` (only B sends there, later), worker B receives
// on `b` (only A sends there, later), and the page receives the report.
// Every thread now waits and no outside party holds a channel: the runtime
// wakes each waiter with its deadlock error instead of letting all hang.
import * as slp from 'stackless-wasm';
import { initOptions } from './coi-worker.js';

const out = document.getElementById('out');
const lines = [];
const say = (s) => { lines.push(s); out.textContent = lines.join('\n'); };

async function scenario() {
  await slp.init(await initOptions());
  const a = slp.channel(), b = slp.channel(), report = slp.channel();
  const url = new URL('./demo/deadlock-worker.js', import.meta.url);
  const A = await slp.startThread(url, 'waitThenSend', 'A', a, b);
  const B = await slp.startThread(url, 'waitThenSend', 'B', b, a);
  say(`worker A (thread ${A.id}) waits to receive on a, then would send on b`);
  say(`worker B (thread ${B.id}) waits to receive on b, then would send on a`);
  say('the page waits to receive on report');
  let page;
  try {
    await report.receive();
    page = 'the page received a report (unexpected)';
  } catch (e) {
    page = `page: ${e.name}: ${e.message}`;
  }
  say(page);
  const results = [];
  for (const [name, t] of [['A', A], ['B', B]]) {
    try { results.push(`worker ${name}: ${await t.join()}`); } catch (e) { results.push(`worker ${name}: ${e.name}: ${e.message}`); }
  }
  results.forEach(say);
  const all = [page, ...results];
  const ok = all.every((s) => /Deadlock/.test(s));
  return { ok, lines: all, summary: ok ? `every waiter got the deadlock error: "${page.replace(/^page: /, '')}"` : all.join('; ') };
}

const timeout = new Promise((r) => setTimeout(() => r({ ok: false, lines, summary: 'no answer after 10 s: it hung' }), 10000));
Promise.race([scenario(), timeout]).catch((e) => ({ ok: false, lines, summary: `${e.name}: ${e.message}` }))
  .then((r) => { window.result = r; parent.postMessage({ kind: 'deadlock', ...r }, location.origin); });
