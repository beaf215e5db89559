// isolation.test.mjs -- the page served WITHOUT the isolation headers (as a
// plain static host would): its service worker (web/coi-serviceworker.js)
// adds them and the page reloads once, isolated.  With the service worker
// refused (?coi=0) the page says plainly that it is not isolated and how to
// fix it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { server, openPage, screenshot, closeAll } from './harness.mjs';

after(closeAll);

test('served without COOP/COEP, the service worker makes the page cross-origin isolated', async () => {
  const s = await server({ isolation: false });
  const p = await openPage(null);
  try {
    const first = await p.page.goto(s.url);
    assert.equal(first.headers()['cross-origin-embedder-policy'], undefined, 'the server sent no COEP');
    await p.page.waitForFunction(() => window.crossOriginIsolated === true && window.demo?.isReady, null, { timeout: 120000 });
    const st = await p.page.evaluate(() => ({ coi: window.coiStatus, controlled: !!navigator.serviceWorker.controller,
      seed: window.demo.seed }));
    assert.equal(st.coi, 'isolated');
    assert.equal(st.controlled, true);
    assert.equal(st.seed.threads.ok, true);
    assert.equal(st.seed.channels.ok, true);
    await screenshot(p.page, 'demo-service-worker', { fullPage: false });
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});

test('not isolated (service worker refused): the page says so and explains the fix', async () => {
  const s = await server({ isolation: false });
  const p = await openPage(null);
  try {
    await p.page.goto(s.url + '?coi=0');
    await p.page.waitForFunction(() => window.demo?.initError || window.demo?.isReady, null, { timeout: 120000 });
    assert.equal(await p.page.evaluate(() => crossOriginIsolated), false);
    const notice = await p.page.textContent('#notice');
    assert.match(notice, /not cross-origin isolated/);
    assert.match(notice, /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(notice, /Cross-Origin-Embedder-Policy: require-corp/);
    assert.equal(await p.page.isVisible('#notice'), true);
    // What needs no SharedArrayBuffer runs: tasklets and channels on the
    // page's thread, with the package's single-thread module.
    const st = await p.page.evaluate(() => ({ init: window.demo.initError ?? null, ring: !document.querySelector('#ring').disabled,
      runtime: document.querySelector('#runtime').textContent, threads: window.demo.api.slp.hasThreads(),
      workers: !document.querySelector('#add-worker').disabled, seed: document.querySelector('#seed .verdict').textContent }));
    assert.equal(st.init, null);
    assert.equal(st.threads, false);
    assert.match(st.runtime, /single-thread module/);
    assert.equal(st.ring, true);
    assert.equal(st.workers, false, 'no worker controls without shared memory');
    assert.match(st.seed, /needs workers/);
    await p.page.click('#ring');
    await p.page.waitForFunction(() => /went round/.test(document.querySelector('#ring-result').textContent), null, { timeout: 120000 });
    // The picture shows the ring's tasklets on the page's lane, as the runtime has them.
    const seen = await p.page.evaluate(() => {
      const snap = window.demo.api.slp.snapshot();
      return { alive: snap.tasklets.filter((t) => t.state !== 'dead' && t.thread_id === 1).length,
        lanes: document.querySelectorAll('#lanes .lane:not(.nothread)').length };
    });
    assert.ok(seen.alive >= 2, `ring tasklets alive: ${seen.alive}`);
    assert.equal(seen.lanes, 1, 'one lane: the page');
    await p.page.click('#ring'); // stop it
    await screenshot(p.page, 'demo-not-isolated', { fullPage: false });
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
