// demo.test.mjs -- the demo page (web/index.html) in Chromium, served with
// the isolation headers: it loads cleanly, the seed's examples print their
// documented output, the picture matches the runtime, the controls work.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { server, openPage, screenshot, closeAll } from './harness.mjs';

after(closeAll);

async function ready(p) {
  await p.page.waitForFunction(() => window.demo?.isReady || window.demo?.initError, null, { timeout: 60000 });
  const err = await p.page.evaluate(() => window.demo.initError);
  assert.equal(err, undefined, `the runtime did not start: ${err}`);
}

// Wait until the picture shows what the runtime says (both change as the
// workers run; in a quiet moment they must agree).
async function pictureMatchesRuntime(page, timeout = 5000) {
  return page.waitForFunction(() => {
    const a = demo.pictureCounts(), b = demo.runtimeCounts();
    const pa = demo.pictureBalances(), pb = demo.channelBalances();
    return JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(pa) === JSON.stringify(pb)
      ? { counts: a, balances: pa } : false;
  }, null, { timeout, polling: 100 }).then((h) => h.jsonValue());
}

test('the page loads isolated, without errors, and the seed examples print their documented output', async () => {
  const s = await server();
  const p = await openPage(s.url);
  try {
    await ready(p);
    assert.equal(await p.page.evaluate(() => crossOriginIsolated), true);
    const seed = await p.page.evaluate(() => window.demo.seed);
    for (const which of ['threads', 'channels']) {
      assert.deepEqual(seed[which].lines, seed[which].expected, `seed example "${which}"`);
      assert.equal(await p.page.getAttribute(`#seed-${which}`, 'data-result'), 'match');
    }
    await p.page.waitForTimeout(300);
    await screenshot(p.page, 'demo-desktop');
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});

test('at phone width the page is laid out in one column and nothing overflows sideways', async () => {
  const s = await server();
  const p = await openPage(s.url, { viewport: { width: 390, height: 844 }, context: { deviceScaleFactor: 2, isMobile: true, hasTouch: true } });
  try {
    await ready(p);
    await p.page.waitForTimeout(300);
    const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    await screenshot(p.page, 'demo-phone');
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
