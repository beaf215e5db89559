// require.cjs -- what `require('stackless-wasm')` loads (package.json's
// "require" condition).  The package is ES modules only.  A Node that can
// require ES modules (20.19+, 22.12+, and every later one) gets the module
// itself, the same instance `import` gives; elsewhere (older Nodes, or
// --no-experimental-require-module) the error says what to do instead.
'use strict';
try {
  module.exports = require('./index.js');
} catch (e) {
  if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
    const err = new Error('stackless-wasm is ESM only: use import() ' +
      "(`const stackless = await import('stackless-wasm')`), or a Node that can require " +
      `ES modules (20.19+, 22.12+); this is Node ${process.version}`, { cause: e });
    err.code = 'ERR_REQUIRE_ESM';
    throw err;
  }
  throw e;
}
