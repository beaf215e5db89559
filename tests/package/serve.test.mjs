// web/serve.mjs serves the demo and the package, and nothing else of the
// repository (not /.git, not the sources, not build/tools).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startServer, demoPaths, REPO } from '../../web/serve.mjs';

const status = async (base, path) => (await fetch(base + path, { redirect: 'manual' })).status;

test('the demo server serves the demo and the package only', { timeout: 60_000 }, async () => {
  const s = await startServer({ port: 0 });
  try {
    const served = ['/web/', '/web/index.html', '/web/app.js', '/web/demo/seed.js', '/js/index.js',
      '/js/values.js', '/js/index.d.ts', '/package.json', '/docs/demo.png', '/examples/seed_threads.expected',
      '/include/stackless.h'];
    if (existsSync(REPO + '/js/dist/stackless.wasm')) served.push('/js/dist/stackless.wasm', '/js/dist/stackless.worker.js');
    for (const p of served) assert.equal(await status(s.base, p), 200, p);
    assert.equal(await status(s.base, '/'), 302);
    assert.equal(await status(s.base, '/web'), 301);
    const refused = ['/.git', '/.git/', '/.git/HEAD', '/.git/config', '/.gitignore', '/src/tasklet.c',
      '/src/', '/README.md', '/run', '/CMakeLists.txt', '/build/tools/bin/wazero', '/build/', '/tests/browser/harness.mjs',
      '/js/test/pack.test.mjs', '/js/tools/build.mjs', '/examples/seed_threads.c', '/web/%2e%2e/src/tasklet.c',
      '/%2e%2e/etc/passwd', '/web/..%2f..%2fetc/passwd', '/js/dist/', '/node_modules/', '/web/.hidden'];
    for (const p of refused) assert.equal(await status(s.base, p), 404, p);
  } finally {
    await s.close();
  }
});

test('a test server may allow more (the browser tests\' fixtures); any other root is served whole', { timeout: 60_000 }, async () => {
  const s = await startServer({ port: 0, allow: [...demoPaths(), '/tests/browser/fixtures/'] });
  try {
    assert.equal(await status(s.base, '/tests/browser/fixtures/package-tests.html'), 200);
    assert.equal(await status(s.base, '/tests/browser/harness.mjs'), 404);
    assert.equal(await status(s.base, '/.git/HEAD'), 404);
  } finally {
    await s.close();
  }
  const t = await startServer({ port: 0, root: REPO + '/examples', home: null });
  try {
    assert.equal(await status(t.base, '/seed_threads.c'), 200);
  } finally {
    await t.close();
  }
});
