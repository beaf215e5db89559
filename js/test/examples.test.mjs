// The seed's two examples in JS print the seed's documented output (the
// same files the C examples are checked against; the threads example's
// first two lines may come in either order, as threads interleave).
import '../test-fixtures/built.mjs';
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (name) => execFileSync(process.execPath, [`examples/js/${name}.mjs`],
  { cwd: root, encoding: 'utf8', timeout: 60_000 });
const expected = (name) => readFileSync(`${root}examples/${name}.expected`, 'utf8');

test('seed_channels.mjs prints the documented output exactly', () => {
  assert.equal(run('seed_channels'), expected('seed_channels'));
});

test('seed_threads.mjs prints the documented lines, thread 1 first and last', () => {
  const out = run('seed_threads'), exp = expected('seed_threads');
  const lines = out.trimEnd().split('\n'), want = exp.trimEnd().split('\n');
  assert.deepEqual([...lines].sort(), [...want].sort());
  assert.equal(lines.filter((l) => !l.startsWith('THREAD(2)'))[0], want[0]);
  assert.equal(lines.at(-1), want.at(-1));
});
