// harness.mjs -- what the browser tests share: Debian's Chromium driven by
// playwright-core, the demo's own server (web/serve.mjs), a page that
// records console errors and uncaught exceptions, screenshots in
// build/screenshots/.
import { chromium } from 'playwright-core';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, buildIfMissing, demoPaths, REPO } from '../../web/serve.mjs';

export { REPO };
export const SHOTS = join(REPO, 'build', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let browserPromise = null;
export function browser() {
  if (!browserPromise) {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run bash tests/browser/setup.sh`);
    browserPromise = chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
  }
  return browserPromise;
}

const servers = new Map();
// One server per flavour ({ isolation }), started on a free port.
export async function server({ isolation = true } = {}) {
  const key = String(isolation);
  if (!servers.has(key)) {
    servers.set(key, (async () => {
      const missing = buildIfMissing(REPO, () => {});
      if (missing.length) throw new Error(`package files missing after npm run build: ${missing.join(', ')}`);
      // The demo and the package, plus the fixtures and the package's own tests.
      return startServer({ port: 0, isolation,
        allow: [...demoPaths(), '/tests/browser/fixtures/', '/js/test/', '/js/test-fixtures/'] });
    })());
  }
  return servers.get(key);
}

export async function closeAll() {
  for (const s of servers.values()) (await s).close();
  servers.clear();
  if (browserPromise) await (await browserPromise).close();
  browserPromise = null;
}

// A fresh context and page that keep what went wrong.
export async function openPage(url, { viewport = { width: 1280, height: 900 }, context: ctxOpts = {} } = {}) {
  const b = await browser();
  const context = await b.newContext({ viewport, ...ctxOpts });
  const page = await context.newPage();
  const problems = [];
  const logs = [];
  page.on('console', (m) => {
    logs.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.stack || e.message}`));
  page.on('crash', () => problems.push('page crashed'));
  if (url) await page.goto(url);
  return { page, context, problems, logs, close: () => context.close() };
}

export async function screenshot(page, name, opts = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true, ...opts });
  return path;
}
