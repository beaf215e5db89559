// vite.test.mjs -- the package under a bundler: tests/browser/vite-app
// imports 'stackless-wasm' by name, installed from `npm pack` of the
// repository (exactly the files the package ships), is built by Vite, and
// must work in Chromium: the .wasm, the glue and the worker scripts found
// after bundling, a worker thread started.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { openPage, screenshot, closeAll, REPO } from './harness.mjs';
import { startServer } from '../../web/serve.mjs';

after(closeAll);

const WORK = join(REPO, 'build', 'browser-tests');
const APP = join(WORK, 'vite-app');

function packAndInstall() {
  mkdirSync(WORK, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', WORK],
    { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tgz = join(WORK, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
  rmSync(APP, { recursive: true, force: true });
  cpSync(join(REPO, 'tests', 'browser', 'vite-app'), APP, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', tgz],
    { cwd: APP, stdio: ['ignore', 'inherit', 'inherit'] });
  return tgz;
}

test('an app bundled by Vite finds the package\'s .wasm and worker scripts and runs a worker', async () => {
  packAndInstall();
  const dist = join(APP, 'dist');
  await build({ root: APP, configFile: join(APP, 'vite.config.js'), build: { outDir: dist } });
  const files = readdirSync(join(dist, 'assets'));
  assert.ok(files.some((f) => f.endsWith('.wasm')), `a .wasm among the bundle's assets: ${files.join(', ')}`);
  const s = await startServer({ port: 0, root: dist, home: null });
  const p = await openPage(null);
  const requested = [];
  p.page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  try {
    await p.page.goto(s.base + '/');
    const r = await p.page.waitForFunction(() => window.result, null, { timeout: 30000 }).then((h) => h.jsonValue());
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(r.got, [0, 10, 20]);
    assert.deepEqual(r.sq, [1, 4, 9, 16]);
    assert.equal(r.threads, true);
    assert.ok(requested.some((u) => /\/stackless-[\w-]+\.wasm$/.test(u) && !/stackless-st-/.test(u)),
      `the page fetched the threaded .wasm: ${requested.join(' ')}`);
    await screenshot(p.page, 'vite-app');
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
    await s.close();
  }
  // The same bundle on a host without the isolation headers: the bundled
  // single-thread module is found and runs the tasklets.
  const plain = await startServer({ port: 0, root: dist, home: null, isolation: false });
  const q = await openPage(null);
  const fetched = [];
  q.page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  try {
    await q.page.goto(plain.base + '/');
    const r = await q.page.waitForFunction(() => window.result, null, { timeout: 30000 }).then((h) => h.jsonValue());
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(r, { ok: true, got: [0, 10, 20], threads: false });
    assert.ok(fetched.some((u) => /\/stackless-st-[\w-]+\.wasm$/.test(u)), `the page fetched stackless-st: ${fetched.join(' ')}`);
    assert.deepEqual(q.problems, []);
  } finally {
    await q.close();
    await plain.close();
  }
});
