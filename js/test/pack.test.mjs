// `npm pack` gives a package that works once installed into an empty
// folder, with Node 20 and no flags: tasklets, a channel, and a thread.
import '../test-fixtures/built.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package's ES modules (js/index.js is the public surface).
const JS_MODULES = ['callbacks', 'channel', 'clone', 'demo', 'errors', 'index', 'introspect', 'module', 'ops', 'pump', 'select', 'state',
  'tasklet', 'threads', 'timers', 'values', 'wait'];
const root = fileURLToPath(new URL('../../', import.meta.url));
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

test('npm pack, install into an empty folder, use it', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'slp-pack-'));
  try {
    const out = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir], root));
    const files = out[0].files.map((f) => f.path).sort();
    assert.deepEqual(files.filter((f) => f !== 'README.md'), ['LICENSE', 'docs/demo.png', 'docs/semantics.md',
      'js/dist/package.json', 'js/dist/stackless-st.js',
      'js/dist/stackless-st.wasm', 'js/dist/stackless.js', 'js/dist/stackless.wasm', 'js/dist/stackless.worker.js', ...JS_MODULES.map((m) => `js/${m}.js`), 'js/index.d.ts', 'js/require.cjs', 'package.json'].sort());
    const app = join(dir, 'app');
    sh('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    sh('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, out[0].filename)], app);
    assert.ok(existsSync(join(app, 'node_modules/stackless-wasm/js/dist/stackless.wasm')));
    writeFileSync(join(app, 'worker.mjs'), `
      export function* double(inp, out) { for (;;) { const v = yield inp.receive(); if (v === null) return 'bye'; yield out.send(v * 2); } }
    `);
    writeFileSync(join(app, 'main.mjs'), `
      import { init, tasklet, channel, run, startThread, getthreads } from 'stackless-wasm';
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      await init();
      const inp = channel(), out = channel(), got = [];
      const th = await startThread(new URL('./worker.mjs', import.meta.url), 'double', inp, out);
      tasklet(function* () { for (const v of [1, 2, 3]) { yield inp.send(v); got.push(yield out.receive()); } yield inp.send(null); })();
      await run();
      console.log(JSON.stringify({ got, joined: await th.join(), threads: getthreads(),
        wasm: require.resolve('stackless-wasm/stackless.wasm').endsWith('stackless.wasm') }));
    `);
    const res = JSON.parse(sh(process.execPath, ['main.mjs'], app));
    assert.deepEqual(res, { got: [2, 4, 6], joined: 'bye', threads: [1], wasm: true });
    // The single-thread module is in the package too.
    writeFileSync(join(app, 'single.mjs'), `
      import { init, hasThreads, tasklet, channel, run } from 'stackless-wasm';
      await init({ threads: false });
      const ch = channel(), got = [];
      tasklet(function* () { for (const v of [1, 2]) yield ch.send(v); })();
      tasklet(function* () { for (;;) got.push(yield ch.receive()); })();
      await run();
      console.log(JSON.stringify({ threads: hasThreads(), got }));
    `);
    assert.deepEqual(JSON.parse(sh(process.execPath, ['single.mjs'], app)), { threads: false, got: [1, 2] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
