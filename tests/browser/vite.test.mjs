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

// Serve the bundle (with or without the isolation headers), open it, and
// give what the app reported and the paths the page fetched.
async function openBundle(dist, isolation, name) {
  const s = await startServer({ port: 0, root: dist, home: null, isolation });
  const p = await openPage(null);
  const fetched = [];
  p.page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  try {
    await p.page.goto(s.base + '/');
    const r = await p.page.waitForFunction(() => window.result, null, { timeout: 120000 }).then((h) => h.jsonValue());
    if (name) await screenshot(p.page, name);
    return { r, fetched, problems: p.problems };
  } finally {
    await p.close();
    await s.close();
  }
}

test('an app bundled by Vite finds the package\'s .wasm and worker scripts and runs a worker', async () => {
  packAndInstall();
  const dist = join(APP, 'dist');
  await build({ root: APP, configFile: join(APP, 'vite.config.js'), build: { outDir: dist } });
  const files = readdirSync(join(dist, 'assets'));
  assert.ok(files.some((f) => f.endsWith('.wasm')), `a .wasm among the bundle's assets: ${files.join(', ')}`);
  const iso = await openBundle(dist, true, 'vite-app');
  assert.equal(iso.r.ok, true, iso.r.error);
  assert.deepEqual(iso.r, { ok: true, got: [0, 10, 20], sq: [1, 4, 9, 16], threads: true });
  assert.ok(iso.fetched.some((u) => /\/stackless-[\w-]+\.wasm$/.test(u) && !/stackless-st-/.test(u)),
    `the page fetched the threaded .wasm: ${iso.fetched.join(' ')}`);
  assert.deepEqual(iso.problems, []);
  // The same bundle on a host without the isolation headers: the bundled
  // single-thread module is found and runs the tasklets.
  const plain = await openBundle(dist, false);
  assert.equal(plain.r.ok, true, plain.r.error);
  assert.deepEqual(plain.r, { ok: true, got: [0, 10, 20], threads: false });
  assert.ok(plain.fetched.some((u) => /\/stackless-st-[\w-]+\.wasm$/.test(u)),
    `the page fetched stackless-st: ${plain.fetched.join(' ')}`);
  assert.deepEqual(plain.problems, []);
});
