// The package in a real browser (Debian's Chromium, driven by playwright-core
// from tests/browser/node_modules; skipped when either is missing):
// served with COOP/COEP it runs tasklets and a thread in a Web Worker;
// without them init() loads the single-thread module: tasklets run, and
// startThread() names the two headers.
import '../test-fixtures/built.mjs';
import { test, after } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let chromium = null;
try {
  chromium = createRequire(join(root, 'tests/browser/package.json'))('playwright-core').chromium;
} catch { /* not installed: bash tests/browser/setup.sh */ }
const skip = !chromium || !existsSync(CHROMIUM) ? 'needs chromium and playwright-core (bash tests/browser/setup.sh)' : false;

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>stackless-wasm</title>
<script type="module">
  import * as slp from '/js/index.js';
  window.result = (async () => {
    try {
      await slp.init();
    } catch (e) {
      return { initError: e.message };
    }
    const ch = slp.channel(), log = [];
    slp.tasklet(function* () { log.push('got ' + (yield ch.receive())); })();
    slp.tasklet(function* () { yield ch.send('x'); log.push('sent'); })();
    await slp.run();
    if (!slp.hasThreads()) {
      const e = await slp.startThread('/js/test-fixtures/threads.mjs', 'echo').then(() => null, (x) => x);
      return { isolated: crossOriginIsolated, log, threadError: e?.message, threads: slp.getthreads() };
    }
    const a = slp.channel(), b = slp.channel();
    const th = await slp.startThread(new URL('/js/test-fixtures/threads.mjs', location.href), 'echo', a, b, 2);
    const echoed = [];
    slp.tasklet(function* () { for (const v of [1, 'two']) { yield a.send(v); echoed.push(yield b.receive()); } })();
    await slp.run();
    return { isolated: crossOriginIsolated, log, echoed, joined: await th.join(), threads: slp.getthreads() };
  })();
</script>`;

function serve(isolated) {
  const srv = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const headers = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
    if (path === '/') { res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }); res.end(PAGE); return; }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] || 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv)));
}

let browser = null;
const servers = [];
after(async () => { await browser?.close(); for (const s of servers) s.close(); });

async function load(isolated) {
  const srv = await serve(isolated);
  servers.push(srv);
  browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${srv.address().port}/`);
  const result = await page.evaluate(() => window.result);
  await page.close();
  return { result, errors };
}

test('in Chromium with COOP/COEP: tasklets, and a thread in a Web Worker', { skip, timeout: 120_000 }, async () => {
  const { result, errors } = await load(true);
  assert.deepEqual(errors, []);
  assert.deepEqual(result, { isolated: true, log: ['got x', 'sent'], echoed: [1, 'two'], joined: 2, threads: [1] });
});

test('in Chromium without COOP/COEP: tasklets on one thread; startThread() names the two headers',
  { skip, timeout: 120_000 }, async () => {
  const { result, errors } = await load(false);
  assert.deepEqual(errors, []);
  assert.equal(result.initError, undefined);
  assert.equal(result.isolated, false);
  assert.deepEqual(result.log, ['got x', 'sent']);
  assert.deepEqual(result.threads, [1]);
  assert.match(result.threadError, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(result.threadError, /Cross-Origin-Embedder-Policy: require-corp/);
  assert.match(result.threadError, /crossOriginIsolated is false/);
});
