// console.test.mjs -- the demo page's console holds no warning: the seed's
// examples start and join threads, which printed Emscripten's "Blocking on
// the main thread is very dangerous" on every page (pthread_join warns before
// it knows whether it will wait; src/sync_pthread.c).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { server, openPage, closeAll } from './harness.mjs';

after(closeAll);

test('the demo page runs its threads without a console warning', { timeout: 120_000 }, async () => {
  const s = await server();
  const p = await openPage(s.url);
  try {
    // Both seed examples ran: their threads ended and were joined.
    await p.page.waitForFunction(() => window.demo?.isReady && window.demo.seed?.threads?.ok !== undefined &&
      window.demo.seed?.channels?.ok !== undefined, null, { timeout: 90_000 });
    const seed = await p.page.evaluate(() => window.demo.seed);
    assert.equal(seed.threads.ok, true);
    assert.equal(seed.channels.ok, true);
    assert.deepEqual(p.logs.filter((l) => /^warning:|Blocking on the main thread/.test(l)), []);
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
