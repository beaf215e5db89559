// init() options: where the module's files come from.  Each case runs in a
// fresh Node process (init() loads the module once per process).
import '../test-fixtures/built.mjs';
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const index = new URL('../index.js', import.meta.url).href;
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const fixture = new URL('../test-fixtures/threads.mjs', import.meta.url).href;

function node(code) {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

test('init({ wasmBinary }) uses the bytes given', () => {
  const out = node(`
    import { readFileSync } from 'node:fs';
    import { init, channel, tasklet, run } from '${index}';
    await init({ wasmBinary: readFileSync(${JSON.stringify(dist + 'stackless.wasm')}) });
    const ch = channel(); let got;
    tasklet(function* () { got = yield ch.receive(); })();
    tasklet(function* () { yield ch.send('ok'); })();
    await run();
    console.log(got);`);
  assert.equal(out, 'ok');
});

test('a failed init() (bad wasmURL) can be retried', () => {
  const out = node(`
    import { init, getthreads } from '${index}';
    let err;
    try { await init({ wasmURL: new URL('file:///nonexistent/stackless.wasm') }); } catch (e) { err = e.code; }
    await init();
    console.log(err, JSON.stringify(getthreads()));`);
  assert.equal(out, 'ENOENT [1]');
});

test('glueURL, wasmURL and workerURL: the files can live elsewhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slp-files-'));
  try {
    for (const f of ['stackless.js', 'stackless.wasm', 'stackless.worker.js', 'package.json'])
      copyFileSync(dist + f, join(dir, f));
    const at = (f) => pathToFileURL(join(dir, f)).href;
    // The worker script copy announces itself, to show it is the one used.
    writeFileSync(join(dir, 'stackless.worker.js'),
      `require('fs').writeSync(1, 'worker script from elsewhere\\n');\n` +
      require_('fs').readFileSync(dist + 'stackless.worker.js', 'utf8'));
    const out = node(`
      import { init, startThread } from '${index}';
      await init({ glueURL: new URL('${at('stackless.js')}'), wasmURL: '${at('stackless.wasm')}',
                   workerURL: new URL('${at('stackless.worker.js')}') });
      const th = await startThread('${fixture}', 'info', 'x');
      console.log((await th.join()).x);`);
    assert.equal(out, 'worker script from elsewhere\nx');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { createRequire } from 'node:module';
const require_ = createRequire(import.meta.url);

// issue 12.11: the package leaves the host's process-wide state alone.
for (const threads of [true, false]) {
  test(`init({ threads: ${threads} }) installs no process handlers and no global Worker; an app's own rejection is its own`, () => {
    const out = node(`
      import { init, startThread, channel } from '${index}';
      const before = ['unhandledRejection', 'uncaughtException'].map((e) => process.listenerCount(e));
      const hadWorker = 'Worker' in globalThis;
      await init({ threads: ${threads} });
      if (${threads}) await (await startThread(${JSON.stringify(fixture)}, 'info', 1)).join();
      const after = ['unhandledRejection', 'uncaughtException'].map((e) => process.listenerCount(e));
      let seen = null;
      process.on('unhandledRejection', (r) => { seen = r.message; });
      Promise.reject(new Error('the app rejects'));
      await new Promise((ok) => setImmediate(ok)); // unhandledRejection comes before any task
      console.log(JSON.stringify({ before, after, worker: 'Worker' in globalThis, hadWorker, seen }));`);
    const r = JSON.parse(out);
    assert.deepEqual(r.after, r.before);
    assert.equal(r.worker, r.hadWorker);
    assert.equal(r.seen, 'the app rejects');
  });
}
