// package-tests.test.mjs -- the package's own test files (js/test/) that
// exercise workers, run in Chromium: the worker threads are Web Workers,
// the page's thread may never block.  node:test and node:assert are small
// shims (fixtures/), mapped in by the page's import map.  single-thread
// runs on a page served WITHOUT the isolation headers (the single-thread
// module, as a plain static host gives it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { server, openPage, closeAll, REPO } from './harness.mjs';

after(closeAll);

const FILES = ['tasklets', 'api', 'threads', 'stress', 'single-thread', 'timers', 'threadend'].filter((f) => existsSync(join(REPO, 'js', 'test', `${f}.test.mjs`)));

for (const f of FILES) {
  test(`js/test/${f}.test.mjs passes in Chromium`, async () => {
    const s = await server({ isolation: f !== 'single-thread' });
    const p = await openPage(`${s.base}/tests/browser/fixtures/package-tests.html?files=${f}`);
    try {
      const results = await p.page.waitForFunction(() => window.results, null, { timeout: 280000, polling: 250 })
        .then((h) => h.jsonValue());
      const failed = results.filter((r) => r.status === 'fail');
      for (const r of results) console.log(`# ${r.status} ${r.name} (${r.ms ?? 0} ms)${r.error ? `: ${r.error}` : ''}`);
      assert.ok(results.some((r) => r.status === 'pass'), 'some test ran');
      assert.deepEqual(failed.map((r) => `${r.name}: ${r.error}`), []);
      assert.deepEqual(p.problems.filter((x) => !/Failed to load resource/.test(x)), []);
    } finally {
      await p.close();
    }
  });
}
