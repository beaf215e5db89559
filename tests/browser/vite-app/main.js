// An app as a user writes it: the package by its name, a worker module by
// `new URL(..., import.meta.url)` (which bundlers follow).  The package is
// imported dynamically so that the bundle gives it a chunk of its own: the
// package's workers import that chunk (the package's own URL), not this app.
const out = document.getElementById('out');
const lines = [];
const say = (s) => { lines.push(s); out.textContent = lines.join('\n'); };

async function main() {
  const slp = await import('stackless-wasm');
  await slp.init();
  say(`init: ok, thread ${slp.thread_id()}`);

  // Tasklets and a channel on the page's thread.
  const ch = slp.channel();
  const got = [];
  slp.tasklet(function* () { for (let i = 0; i < 3; i++) got.push(yield ch.receive()); })();
  slp.tasklet(function* () { for (let i = 0; i < 3; i++) yield ch.send(i * 10); })();
  await slp.run();
  say(`tasklets: ${got.join(',')}`);
  // Served without cross-origin isolation: the single-thread module.
  if (!slp.hasThreads()) return { got, threads: false };

  // A worker with its own scheduler: its module was bundled as an asset.
  const replies = slp.channel();
  const t = await slp.startThread(new URL('./worker.js', import.meta.url), 'squares', replies, 4);
  const sq = [];
  for (let i = 0; i < 4; i++) sq.push(await replies.receive());
  await t.join();
  say(`worker (thread ${t.id}): ${sq.join(',')}`);
  return { got, sq, threads: true };
}

main().then((r) => { window.result = { ok: true, ...r }; say('done'); },
  (e) => { window.result = { ok: false, error: `${e.name}: ${e.message}` }; say(`failed: ${e.stack || e}`); });
