// c-tests.test.mjs -- the C tests (tests/test_list.h) in Chromium: the
// Emscripten build's test program (build/emscripten/tests/slp_tests.js, the
// one ctest runs under Node) on a page served with COOP/COEP, so that its
// pthreads are Web Workers of a real browser and its stack check (the
// stack_overflow tests, SLP_ESTACKDEPTH) runs in the browser's wasm engine.
// One page per test, as ctest runs one process per test; each must end as
// under ctest: exit status 0 and the runner's "PASS name" line, or for
// stack_overflow_unbounded_recursion (in wasm) the stack check's abort with
// its message (tests/CMakeLists.txt).
//
// C_TESTS=all: every test of the list that the Emscripten build runs (not
// SLP_T_SINGLE); C_TESTS=name,name: those.  Default: DEFAULT below.
// Needs the Emscripten build:
//   emcmake cmake -S . -B build/emscripten && cmake --build build/emscripten --target slp_tests
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../web/serve.mjs';
import { REPO, openPage, closeAll } from './harness.mjs';

const BUILD = '/build/emscripten/tests/';
const PROGRAM = BUILD + 'slp_tests.js';
// A hung test fails after this (ctest's TIMEOUT), it never hangs the suite.
// One hang is known: an assertion that fails on a pthread while main waits
// (its exit is proxied to main, which is busy-waiting; a page's worker
// cannot end its page: tests/runner.c writes the FAIL line to the worker's
// console first; under Node the worker kills the process).
const PER_TEST_MS = 60000;

// The tests, from the one list every build runs.
const listed = [...readFileSync(join(REPO, 'tests/test_list.h'), 'utf8')
  .matchAll(/X\(([a-z0-9_]+), *SLP_T_([A-Z]+)\)/g)]
  .map(([, name, kind]) => ({ name, kind }));
// The runner's own checks (runner_*) must fail: ctest checks them.
const all = listed.filter((t) => t.kind !== 'SINGLE' && !t.name.startsWith('runner_')).map((t) => t.name);
// By default (all of them take minutes here: a page and its 8 workers per
// test): the stack checks (issue 12 point 15), pthreads as Web Workers of a
// page (channels, kills, sleepers, selects across threads, a worker's
// promise wait, thread end), and C awaiting promises on a page's event loop.
const DEFAULT = [
  'tasklet_stack_overflow_is_an_error', 'stack_overflow_bounded_recursion',
  'stack_overflow_unbounded_recursion', 'switch_deep_stacks',
  'thread_channel_between_schedulers', 'thread_kill_remote_blocked', 'thread_blocked_main_sleeps',
  'thread_death_orphans_tasklets', 'thread_stop_leaves_last_blocker_soft',
  'select_partner_on_other_thread', 'timer_kill_sleeper_from_other_thread', 'js_await_from_a_worker',
  'js_await_parks_only_the_tasklet', 'js_run_ends_on_deadlock', 'js_run_runs_what_a_run_left_queued',
];
const names = process.env.C_TESTS === 'all' ? all
  : process.env.C_TESTS ? process.env.C_TESTS.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT;

// How a test must end, where not with exit 0 and its PASS line.
const ABORTS = {
  // Wasm cannot leave a tasklet that recursed past the reserve below its
  // region: the check stops the program before the first store past it.
  stack_overflow_unbounded_recursion: /stackless: tasklet stack overflow past its reserve/,
};

// Tests the Emscripten build cannot run: they exit 77 (ctest's skip), here
// as under Node.  Any other test that exits 77 fails.
const SKIPS = {
  timer_wait_fd_pipe: 'no pipe() in the Emscripten build (ctest skips it under Node too)',
};

let served = null;
function server() {
  served ??= startServer({ port: 0, isolation: true, allow: ['/tests/browser/fixtures/', BUILD] });
  return served;
}
after(async () => {
  if (served) (await served).close();
  await closeAll();
});

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no end after ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

// Runs `slp_tests.js name` on a fresh page; resolves with how it ended and
// what it printed.
async function runInPage(name) {
  const s = await server();
  const p = await openPage(null);
  const report = (extra) => [
    `C test ${name} in Chromium: ${extra}`,
    ...(p.problems.length ? ['page problems:', ...p.problems] : []),
    '--- output', ...(p.result?.output ?? []), ...(p.result?.errors ?? []).map((e) => `uncaught: ${e}`),
  ].join('\n');
  try {
    const url = `${s.base}/tests/browser/fixtures/c-test.html?program=${encodeURIComponent(PROGRAM)}&arg=${encodeURIComponent(name)}`;
    await withTimeout(p.page.goto(url), PER_TEST_MS, 'page load');
    try {
      // Waits for the program's end (or an error it did not catch), not for time.
      await withTimeout(p.page.waitForFunction(() => window.cTest && (window.cTest.ended || window.cTest.errors.length),
        null, { timeout: PER_TEST_MS, polling: 100 }), PER_TEST_MS + 5000, name);
    } finally {
      p.result = await withTimeout(p.page.evaluate(() => window.cTest), 10000, 'reading the result').catch(() => null);
    }
    return { ...p.result, problems: p.problems, report };
  } catch (e) {
    throw new Error(report(e.message));
  } finally {
    await p.close().catch(() => {});
  }
}

test('the tests chosen are in tests/test_list.h, for this build', () => {
  assert.deepEqual(names.filter((n) => !all.includes(n)), []);
});

test('the Emscripten test program is built', () => {
  for (const f of ['slp_tests.js', 'slp_tests.wasm', 'slp_tests.worker.js']) {
    assert.ok(existsSync(join(REPO, BUILD, f)),
      `${BUILD}${f} missing: emcmake cmake -S . -B build/emscripten && cmake --build build/emscripten --target slp_tests`);
  }
});

for (const name of names) {
  test(`C test ${name} in Chromium`, { timeout: PER_TEST_MS + 30000 }, async (t) => {
    const r = await runInPage(name);
    const out = r.output.join('\n');
    assert.deepEqual(r.errors, [], r.report('an error the program did not catch'));
    if (SKIPS[name]) {
      assert.deepEqual(r.ended, { kind: 'exit', code: 77 }, r.report(`expected a skip, ended ${JSON.stringify(r.ended)}`));
      assert.doesNotMatch(out, /^stdout: PASS /m, r.report('passed where it skips'));
      t.skip(SKIPS[name]);
    } else if (ABORTS[name]) {
      assert.equal(r.ended?.kind, 'abort', r.report(`expected the stack check's abort, ended ${JSON.stringify(r.ended)}`));
      assert.match(out, ABORTS[name], r.report('no stack check message'));
      assert.doesNotMatch(out, /^stdout: PASS /m, r.report('passed where it must stop'));
    } else {
      assert.deepEqual(r.ended, { kind: 'exit', code: 0 }, r.report(`ended ${JSON.stringify(r.ended)}`));
      assert.match(out, new RegExp(`^stdout: PASS ${name}$`, 'm'), r.report('no PASS line'));
    }
    // The abort's own RuntimeError (ABORTS) is how the program stops.
    const aborting = (x) => r.ended?.kind === 'abort' && /^uncaught: RuntimeError: Aborted\(/.test(x);
    assert.deepEqual(r.problems.filter((x) => !aborting(x)), [], r.report('page problems'));
  });
}
