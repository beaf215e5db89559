// bench.test.mjs -- the benchmark section: the project's benchmark program
// runs in Chromium on the page's thread and in a worker; Node figures load
// from a file (the build/bench/node.json format) and sit beside them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { server, openPage, screenshot, closeAll, REPO } from './harness.mjs';

after(closeAll);

const BUILDS = ['build/bench/emscripten', 'build/emscripten/bench'].map((d) => join(REPO, d));
const built = BUILDS.some((d) => existsSync(join(d, 'slp_bench.wasm')));
const QUICK = ['canary_ns', 'schedule_rt_ns', 'channel_rt_ns'];

test('the benchmark runs on the page\'s thread and in a worker, beside the Node figures', { skip: !built && 'the benchmark is not built (bench/run.sh)' }, async () => {
  const s = await server();
  const p = await openPage(s.url + '#bench');
  const { page } = p;
  try {
    await page.waitForFunction(() => !document.querySelector('#bench-page')?.disabled, null, { timeout: 120000 });
    const worker = await page.evaluate((a) => demo.benchApi.run('worker', a), QUICK);
    const main = await page.evaluate((a) => demo.benchApi.run('page', a), QUICK);
    for (const figs of [worker, main]) for (const n of QUICK) assert.ok(figs[n] > 0, `${n} = ${figs[n]}`);
    // Node figures in the proposed node.json form, loaded by hand.
    const dir = join(REPO, 'build', 'browser-tests');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, 'node.json');
    writeFileSync(f, JSON.stringify({ generated: new Date().toISOString(), host: 'test',
      runs: { 'node (emscripten)': { canary_ns: 50000, schedule_rt_ns: 300, channel_rt_ns: 700 } } }));
    await page.setInputFiles('#bench-file', f);
    await page.waitForSelector('#bench-table th:text("node (emscripten)")');
    const cols = await page.$$eval('#bench-table thead th', (ths) => ths.map((t) => t.textContent));
    // Beside the runs of a real build/bench/node.json, when bench/run.sh wrote one.
    for (const c of ['Chromium, page thread', 'Chromium, worker', 'node (emscripten)'])
      assert.ok(cols.includes(c), `column ${c} in ${cols.join(', ')}`);
    assert.ok(await page.locator('#bench-bars .bar-group').count() >= QUICK.length); /* + node.json's */
    await page.locator('#bench').screenshot({ path: join(REPO, 'build', 'screenshots', 'bench.png') });
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
