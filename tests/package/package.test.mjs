// The package as published (`npm pack`): its license, its README's links and
// image resolve inside the package, its exports and engines are sound.
//   node --test tests/package/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(root + 'package.json', 'utf8'));
let packed;
const shipped = () => packed ??= new Set(JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'],
  { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' } }))[0].files.map((f) => f.path));

// Markdown links and images: [text](target) and ![alt](target).
const links = (md) => [...md.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
const relative = (t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#');

test('the package ships an MIT LICENSE, as package.json says', { timeout: 60_000 }, () => {
  assert.equal(pkg.license, 'MIT');
  assert.ok(shipped().has('LICENSE'));
  const text = readFileSync(root + 'LICENSE', 'utf8');
  assert.match(text, /^MIT License\n/);
  assert.match(text, /Permission is hereby granted, free of charge/);
});

test('every relative link and image of the shipped Markdown is a shipped file', { timeout: 60_000 }, () => {
  const files = shipped();
  const md = [...files].filter((f) => f.endsWith('.md'));
  assert.ok(md.includes('README.md') && md.includes('docs/semantics.md'), md.join(' '));
  for (const f of md) {
    for (const t of links(readFileSync(root + f, 'utf8')).filter(relative)) {
      const target = posix.normalize(posix.join(posix.dirname(f), decodeURI(t.split('#')[0])));
      assert.ok(!target.startsWith('../'), `${f}: ${t} points outside the package`);
      assert.ok(files.has(target), `${f}: ${t} (${target}) is not in the package`);
    }
  }
});

test("the README's image is a PNG in the package, linked relatively", { timeout: 60_000 }, () => {
  const images = [...readFileSync(root + 'README.md', 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.deepEqual(images, ['docs/demo.png']);
  assert.ok(shipped().has('docs/demo.png'));
  const head = readFileSync(root + 'docs/demo.png').subarray(0, 8);
  assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('every exports target is shipped', { timeout: 60_000 }, () => {
  const files = shipped();
  const targets = [];
  const walk = (x) => typeof x === 'string' ? targets.push(x) : Object.values(x).forEach(walk);
  walk(pkg.exports);
  for (const t of targets) assert.ok(files.has(t.replace(/^\.\//, '')), `${t} is exported but not shipped`);
  assert.equal(pkg.exports['.'].require, './js/require.cjs');
  assert.equal(pkg.types, './js/index.d.ts');
});

test("engines says the supported Node range, and this Node is in it", () => {
  assert.equal(pkg.engines.node, '>=20.19');
  const [maj, min] = process.versions.node.split('.').map(Number);
  assert.ok(maj > 20 || (maj === 20 && min >= 19), process.version);
});
