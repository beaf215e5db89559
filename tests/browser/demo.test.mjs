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

test('the controls drive the runtime, and the picture shows what the runtime says', async () => {
  const s = await server();
  const p = await openPage(s.url);
  const { page } = p;
  try {
    await ready(p);
    let seen = await pictureMatchesRuntime(page);
    // Two workers: each has its main (blocked receiving commands), waiters on jobs, a C echo.
    assert.equal(await page.locator('#lanes .lane[data-thread]').count(), 4, 'page, 2 workers, no thread');
    assert.equal(seen.counts.running, 1, 'the page\'s main tasklet runs');
    assert.equal(seen.counts.blocked_recv, 2 + 3 + 2, 'worker mains, waiters, echos');
    assert.equal(seen.balances.jobs, -3);

    // A job: one waiter takes it and blocks sending its answer on results.
    await page.click('#send-job');
    await page.waitForFunction(() => demo.channelBalances().results === 1);
    seen = await pictureMatchesRuntime(page);
    assert.equal(seen.balances.jobs, -2);
    assert.equal(seen.balances.results, 1);
    assert.equal(seen.counts.blocked_send, 1);
    await screenshot(page, 'demo-job-sent');
    await page.click('#take-result');
    await page.waitForFunction(() => demo.channelBalances().jobs === -3);
    assert.match((await page.evaluate(() => demo.log)).join('\n'), /page received 1² = 1 from thread \d+/);
    seen = await pictureMatchesRuntime(page);
    assert.equal(seen.counts.blocked_send, 0);

    // Preference: set from the channel table, read back from the runtime.
    const row = page.locator('#channels tr', { has: page.locator('th', { hasText: /^jobs$/ }) });
    await row.locator('select').selectOption('1');
    await page.waitForFunction(() => document.querySelector('#channels tr[data-preference="1"]'));
    assert.equal(await row.getAttribute('data-preference'), '1');
    await row.locator('select').selectOption('-1');
    await page.waitForFunction(() => [...document.querySelectorAll('#channels tr')].some((tr) => tr.querySelector('th')?.textContent === 'jobs' && tr.dataset.preference === '-1'));

    // Kill a waiter: select its chip with the keyboard, press Delete.
    // (The snapshot shows every dead tasklet whose handle is still held.)
    const deadBefore = seen.counts.dead;
    const waiter = page.locator('#lanes .tk', { hasText: 'waiter' }).first();
    await waiter.focus();
    await page.keyboard.press('Enter');
    // The picture shows the selection at its next animation frame.
    await page.waitForFunction(() => [...document.querySelectorAll('#lanes .tk')]
      .some((b) => b.textContent.includes('waiter') && b.getAttribute('aria-pressed') === 'true'));
    assert.equal(await waiter.getAttribute('aria-pressed'), 'true');
    await page.keyboard.press('Delete');
    await page.waitForFunction(() => demo.channelBalances().jobs === -2);
    seen = await pictureMatchesRuntime(page);
    assert.equal(seen.counts.dead, deadBefore + 1);
    await page.keyboard.press('Escape');

    // Terminate worker 1: its tasklets lose their thread (thread_id -1).
    const w1 = await page.evaluate(() => demo.api.workers[0].id);
    // (Its main tasklet ends with the thread.  Tasklets the page did not
    // make known are the package's own: main code waiting in a helper.)
    const before = await page.evaluate((id) => demo.lastSnapshot.tasklets
      .filter((t) => t.thread === id && t.state !== 'dead' && demo.api.known.has(t.handle) &&
        !demo.api.known.get(t.handle).main).map((t) => t.handle), w1);
    assert.ok(before.length >= 2, `tasklets of worker 1: ${before.length}`);
    await page.selectOption('#terminate-which', { index: 0 });
    await page.click('#terminate');
    await page.waitForFunction((hs) => hs.every((h) => demo.lastSnapshot.tasklets.find((t) => t.handle === h)?.thread === -1), before)
      .catch(async (e) => { throw new Error(`${e.message}\n${JSON.stringify(await page.evaluate((hs) => ({ snap: demo.lastSnapshot.tasklets.filter((t) => hs.includes(t.handle)), log: demo.log }), before))}`); });
    const gone = await page.evaluate((hs) => hs.map((h) => demo.api.known.get(h).tasklet.thread_id), before);
    assert.deepEqual(gone, before.map(() => -1), 'thread_id of each is -1');
    seen = await pictureMatchesRuntime(page);
    const shown = await page.evaluate((hs) => hs.filter((h) =>
      document.querySelector(`#lanes .lane[data-thread="-1"] .tk.s-nothread[data-handle="${h}"]`)).length, before);
    assert.equal(shown, before.length, 'each is drawn in the no-thread lane');
    await screenshot(page, 'demo-terminated');

    // Revive the C echo on worker 2 with bind_thread: it answers there and finishes.
    const echo = page.locator('#lanes .lane[data-thread="-1"] .tk', { hasText: 'echo' });
    await echo.click();
    await page.click('#revive');
    await page.waitForFunction(() => demo.revived || demo.reviveError);
    const r = await page.evaluate(() => ({ revived: demo.revived, error: demo.reviveError }));
    // The package's demo.echoRestorable has no C state while it waits.
    assert.equal(r.error, undefined);
    const w2 = await page.evaluate(() => demo.api.workers[1].id);
    assert.equal(r.revived.thread, w2);
    await page.waitForFunction(() => /finished on worker 2/.test(demo.log.join('\n')));
    assert.equal(await page.evaluate(() => demo.lastSnapshot.source), 'snapshot');
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});

// One pipeline run of n messages; the long tasks (> 50 ms) seen on the
// page's thread meanwhile, except those that overlap the harness's own
// screenshot (the capture itself made one of 53 ms on a 2-vCPU machine).
async function pipelineRun(page, n, shot) {
  await page.evaluate(() => {
    window.longTasks = [];
    window.pipelineObserver?.disconnect();
    window.pipelineObserver = new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.longTasks.push([Math.round(e.startTime), e.duration]);
    });
    window.pipelineObserver.observe({ type: 'longtask' });
    demo.pipeline = null;
  });
  await page.fill('#pipeline-n', String(n));
  await page.click('#pipeline');
  let shot0 = 0, shot1 = 0;
  if (shot) {
    await page.waitForTimeout(400);
    shot0 = await page.evaluate(() => performance.now());
    await screenshot(page, shot, { fullPage: false });
    shot1 = await page.evaluate(() => performance.now());
  }
  const result = await page.waitForFunction(() => demo.pipeline, null, { timeout: 120000 }).then((h) => h.jsonValue());
  await page.waitForTimeout(200);
  const all = await page.evaluate(() => window.longTasks);
  const long = all.filter(([t, d]) => d > 50 && !(t < shot1 && t + d > shot0));
  return { result, long };
}

test('a 100,000-message pipeline across workers: no long task on the page\'s thread', async () => {
  const s = await server();
  const p = await openPage(s.url);
  const { page } = p;
  try {
    await ready(p);
    // The page's two workers (on two vCPUs a third would take the page's CPU).
    // A task of the page can still be stretched past 50 ms when the OS
    // preempts its thread (two busy workers, the browser and this runner
    // share the 2 vCPUs): that shows as a task with no script in it.  So a
    // second run is allowed; one of the two must be clean.
    const runs = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await pipelineRun(page, 100000, attempt === 0 ? 'demo-pipeline-running' : null);
      assert.equal(r.result.ok, true);
      assert.equal(r.result.count, 100000);
      runs.push(r);
      if (!r.long.length) break;
    }
    assert.deepEqual(runs.at(-1).long, [],
      `long tasks ([start, ms]) in each run: ${runs.map((r) => JSON.stringify(r.long)).join(' then ')}`);
    const fps = await page.evaluate(() => demo.fps);
    assert.ok(fps >= 20, `frame rate ${fps}`);
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});

test('the deadlock scenario ends with the deadlock error instead of hanging', async () => {
  const s = await server();
  const p = await openPage(s.url);
  try {
    await ready(p);
    await p.page.click('#deadlock-run');
    const r = await p.page.waitForFunction(() => demo.deadlock, null, { timeout: 20000 }).then((h) => h.jsonValue());
    assert.equal(r.ok, true, r.summary);
    assert.equal(r.lines.length, 2);
    for (const l of r.lines) assert.match(l, /DeadlockError/);
    await screenshot(p.page, 'demo-deadlock');
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
