// The runtime's table of which thread's JS a tasklet is bound to
// (slp_js_mark / slp_js_owner in wasm/js_bridge.c: indexed by the handle's
// slot index, in chunks made on first use, each entry holding the whole
// handle), and the one registration per wrapper that forgets an owner and
// releases a handle once the wrapper is collected.
import '../test-fixtures/built.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, tasklet, channel, run } from '../index.js';

await init();
const S = await import('../state.js');

test('the owner table keeps every mark through new chunks, deletions and re-marks', { timeout: 60_000 }, () => {
  const { A } = S;
  // Keys far from real handles (the table takes any nonzero key).
  const base = 0x7f000000, n = 5000;
  const key = (k) => base + k * 7;
  for (let k = 0; k < n; k++) assert.equal(A.slp_js_mark(key(k), 1 + (k % 5)), 0);
  for (let k = 0; k < n; k++) assert.equal(A.slp_js_owner(key(k)), 1 + (k % 5));
  for (let k = 0; k < n; k += 2) assert.equal(A.slp_js_mark(key(k), 0), 0); // deleted
  A.slp_js_mark(key(0), 0); // twice: nothing
  for (let k = 0; k < n; k++) assert.equal(A.slp_js_owner(key(k)), k % 2 ? 1 + (k % 5) : 0);
  for (let k = 1; k < n; k += 2) assert.equal(A.slp_js_mark(key(k), 9), 0); // changed in place
  for (let k = 0; k < n; k += 4) assert.equal(A.slp_js_mark(key(k), 7), 0); // back, into deleted entries
  for (let k = n; k < 3 * n; k++) assert.equal(A.slp_js_mark(key(k), 3), 0); // more growth
  for (let k = 0; k < 3 * n; k++) {
    const want = k >= n ? 3 : k % 2 ? 9 : k % 4 === 0 ? 7 : 0;
    assert.equal(A.slp_js_owner(key(k)), want, `key ${k}`);
  }
  for (let k = 0; k < 3 * n; k++) A.slp_js_mark(key(k), 0);
  for (let k = 0; k < 3 * n; k++) assert.equal(A.slp_js_owner(key(k)), 0);
});

test('the owner table: a handle of a newer generation in the same slot replaces the old one\'s mark', () => {
  const { A } = S;
  const slot = 0xabcde, older = (3 << 24) | slot, newer = (4 << 24) | slot;
  assert.equal(A.slp_js_mark(older, 2), 0);
  assert.equal(A.slp_js_owner(older), 2);
  assert.equal(A.slp_js_owner(newer), 0, 'another generation: not marked');
  assert.equal(A.slp_js_mark(newer, 3), 0);
  assert.equal(A.slp_js_owner(newer), 3);
  assert.equal(A.slp_js_owner(older), 0, 'its slot was reused: the older tasklet is gone');
  A.slp_js_mark(older, 0); // a late forget of the older one leaves the newer one's mark
  assert.equal(A.slp_js_owner(newer), 3);
  A.slp_js_mark(newer, 0);
  assert.equal(A.slp_js_owner(newer), 0);
});

test('the JS handle tables: an entry holds its whole handle; they grow past their first length', () => {
  const t = new S.HandleTable();
  const slot = 3000, older = (5 << 24) | slot, newer = (6 << 24) | slot, negative = (200 << 24) | 7;
  assert.equal(t.set(older, 'a'), undefined);
  assert.equal(t.get(older), 'a');
  assert.equal(t.get(newer), undefined, 'another generation');
  assert.equal(t.set(newer, 'b'), 'a', 'the older generation\'s value, replaced');
  assert.equal(t.get(older), undefined);
  assert.equal(t.delete(older), false);
  assert.equal(t.set(negative, 'c'), undefined); // a handle with the top bit set (read as an int32)
  assert.equal(t.get(negative), 'c');
  assert.equal(t.size, 2);
  const seen = [];
  t.each((x) => seen.push(x));
  assert.deepEqual(seen, ['c', 'b']);
  assert.equal(t.delete(newer), true);
  assert.equal(t.has(newer), false);
  assert.equal(t.size, 1);
  assert.ok(t.length > slot);
});

test('tasklet(fn) marks its tasklet as this thread\'s; bind(null) forgets it; setup() runs it', async () => {
  const { A, TID } = S;
  const got = [];
  const t = tasklet(function* (x) { got.push(x); });
  assert.equal(A.slp_js_owner(t.h), TID);
  t('a');
  assert.throws(() => t('again'), /alive/);
  await run();
  assert.deepEqual(got, ['a']);
  t('b'); // set up again after it ended
  await run();
  assert.deepEqual(got, ['a', 'b']);
  t.bind(null);
  assert.equal(A.slp_js_owner(t.h), 0);
  t.bind(function* () { got.push('c'); });
  assert.equal(A.slp_js_owner(t.h), TID);
  t();
  await run();
  assert.deepEqual(got, ['a', 'b', 'c']);
  t.release();
});

test('collected wrappers: owners forgotten, owned handles released', { timeout: 60_000 }, async () => {
  if (typeof process !== 'object') return; // (a browser: no gc() to call)
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--expose-gc');
  const gc = (await import('node:vm')).runInNewContext('gc');
  const { A } = S;
  const hs = [], released = [], chans = [];
  (() => {
    for (let i = 0; i < 200; i++) {
      const t = tasklet(function* () {});
      hs.push(t.h);
      if (i % 2) { t.release(); released.push(t.h); }
    }
    for (let i = 0; i < 50; i++) chans.push(channel().h);
    // Set up, then ended (each once held by the runtime's strong map).
    for (let i = 0; i < 100; i++) hs.push(tasklet(function* () { yield; })().h);
  })();
  await run();
  const gone = () => hs.every((h) => A.slp_js_owner(h) === 0) &&
    chans.every((h) => !S.channels.has(h));
  for (let k = 0; !gone(); k++) { // FinalizationRegistry runs after a GC, in a later task
    assert.ok(k < 500, 'wrappers were not collected');
    gc();
    await new Promise((ok) => setTimeout(ok, 10));
  }
  // Every handle is gone from the runtime: released once, by release() or the registry.
  for (const h of hs) assert.equal(A.slp_tasklet_alive(h) < 0, true, `tasklet ${h} still has a reference`);
  for (const h of chans) assert.ok(A.slp_channel_balance(h) === -0x80000000, `channel ${h} still has a reference`);
});
