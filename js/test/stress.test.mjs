// Cross-worker stress: 4 workers, 100,000 messages each way per worker, in
// order, none lost or duplicated, every worker ends.
import '../test-fixtures/built.mjs';
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { init, tasklet, channel, run, startThread } from '../index.js';

await init();
const W = new URL('../test-fixtures/threads.mjs', import.meta.url);
const WORKERS = 4, N = 100_000;

test(`${WORKERS} workers x ${N} messages each way`, { timeout: 240_000 }, async () => {
  const t0 = performance.now();
  const pairs = Array.from({ length: WORKERS }, () => [channel(), channel()]);
  const threads = await Promise.all(pairs.map(([toW, fromW]) =>
    startThread(W, 'stressWorker', toW, fromW, N)));
  const received = pairs.map(() => ({ next: 0, bad: 0 }));
  pairs.forEach(([toW, fromW], k) => {
    tasklet(function* () { for (let i = 0; i < N; i++) yield toW.send(i); })();
    tasklet(function* () {
      const r = received[k];
      for (let i = 0; i < N; i++) {
        const v = yield fromW.receive();
        if (v !== r.next) r.bad++;
        r.next = v + 1;
      }
    })();
  });
  await run();
  const results = await Promise.all(threads.map((t) => t.join()));
  const ms = performance.now() - t0;
  for (let k = 0; k < WORKERS; k++) {
    assert.deepEqual(received[k], { next: N, bad: 0 }, `main side of worker ${k}`);
    assert.deepEqual(results[k], { received: N, bad: 0 }, `worker ${k}`);
    assert.equal(threads[k].alive, false);
    assert.equal(pairs[k][0].balance, 0);
    assert.equal(pairs[k][1].balance, 0);
  }
  console.log(`# ${WORKERS * N * 2} cross-thread messages in ${ms.toFixed(0)} ms ` +
              `(${(ms * 1e6 / (WORKERS * N * 2)).toFixed(0)} ns each)`);
});
