// package-issues.test.mjs -- what the demo needed from the package and found
// missing at first (they were todo until the package had it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { server, openPage, closeAll } from './harness.mjs';

after(closeAll);

test('main code may have several channel operations waiting at once', async () => {
  const s = await server();
  const p = await openPage(`${s.base}/tests/browser/fixtures/concurrent-receives.html`);
  try {
    const r = await p.page.waitForFunction(() => window.result, null, { timeout: 120000 }).then((h) => h.jsonValue());
    assert.deepEqual(r.a, ['THREAD(1): Waiting for death of THREAD(2)', 'THREAD(2): Has 1 tasklets in its scheduler',
      'THREAD(1): Death of THREAD(2) detected']);
    assert.deepEqual(r.b, ['SLAVE STARTING', 'SLAVE: ECHO 1', 'SLAVE: ECHO 2', 'SLAVE: ECHO 3', 'SLAVE: QUIT', 'SLAVE ENDING']);
    assert.deepEqual(r.log, ['idle got late']);
  } finally {
    await p.close();
  }
});

test('snapshot(): every tasklet of every thread, from slp_snapshot (the picture falls back to per-handle queries)', async () => {
  const s = await server();
  const p = await openPage(s.url);
  try {
    await p.page.waitForFunction(() => window.demo?.isReady, null, { timeout: 120000 });
    assert.equal(await p.page.evaluate(() => typeof demo.api.slp.snapshot), 'function');
    assert.equal(await p.page.evaluate(() => demo.lastSnapshot.source), 'snapshot');
  } finally {
    await p.close();
  }
});

test('a C tasklet without C state can be revived on another worker (bind_thread)', async () => {
  const s = await server();
  const p = await openPage(s.url);
  try {
    await p.page.waitForFunction(() => window.demo?.isReady, null, { timeout: 120000 });
    // Once it waits (blocked receiving), it has no C state.
    // Wait for the state (its C tasklet blocked), then look: a false
    // answer fails at once instead of waiting for the timeout.
    const { restorable } = await p.page.waitForFunction(() => {
      const t = [...demo.api.known.values()].find((k) => k.c)?.tasklet;
      return t && t.blocked_kind === 1 ? { restorable: t.restorable } : false;
    }, null, { timeout: 120000 }).then((h) => h.jsonValue());
    assert.equal(restorable, true, 'demo.echoRestorable keeps its value in the heap, not on the C stack');
  } finally {
    await p.close();
  }
});
