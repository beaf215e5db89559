// require('stackless-wasm') from CommonJS, on the Node running this suite
// (./run test runs it on Debian's Node 20 and on Node 26): where Node can
// require ES modules it gives the module itself (the same instance import()
// gives, and it works); where it cannot (emulated with
// --no-experimental-require-module) it fails saying "ESM only: use import()".
import '../test-fixtures/built.mjs';
import { test } from '../test-fixtures/test.mjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
// CommonJS code run inside the package's folder, so that the package name
// resolves to the package itself (through its exports map, as an installed
// copy would).
const cjs = (code, flags = []) => spawnSync(process.execPath, [...flags, '--input-type=commonjs', '-e', code],
  { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('require() gives the module where Node can require ESM', { timeout: 90_000 }, (t) => {
  if (!process.features.require_module) {
    t.skip(`Node ${process.version} cannot require ES modules`);
    return;
  }
  const r = cjs(`
    const s = require('stackless-wasm');
    import('stackless-wasm').then(async (m) => {
      await s.init({ threads: false });
      const ch = s.channel(), got = [];
      s.tasklet(function* () { yield ch.send(21); })();
      s.tasklet(function* () { got.push(yield ch.receive()); })();
      await s.run();
      console.log(JSON.stringify({ same: m.init === s.init && m.Channel === s.Channel, def: s.default === m.default, got }));
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { same: true, def: true, got: [21] });
});

test('require() says "ESM only: use import()" where Node cannot require ESM', { timeout: 60_000 }, () => {
  const r = cjs(`
    try { require('stackless-wasm'); console.log('loaded'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
  `, ['--no-experimental-require-module']);
  assert.equal(r.status, 0, r.stderr);
  const { code, message } = JSON.parse(r.stdout);
  assert.equal(code, 'ERR_REQUIRE_ESM');
  assert.match(message, /^stackless-wasm is ESM only: use import\(\)/);
  assert.match(message, new RegExp(`Node ${process.version.replace(/\./g, '\\.')}$`));
});
