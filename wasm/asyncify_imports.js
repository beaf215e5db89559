// asyncify_imports.js -- declares to emcc the four imports of module
// "asyncify" that src/switch_asyncify.c calls (start_unwind, stop_unwind,
// start_rewind, stop_rewind), so that a program links without
// -sERROR_ON_UNDEFINED_SYMBOLS=0 (a user's own undefined symbol stays an
// error).  slp_asyncify's `wasm-opt --asyncify` turns these calls into code
// inside the module, so these functions are never called then; a module
// that reaches one was linked without that step, and says so.
mergeInto(LibraryManager.library, {
  $slpAsyncifyMissing: function() {
    abort('stackless-wasm: this module was not Asyncify\'d: run slp_asyncify(<target>) ' +
          '(wasm/asyncify.cmake) on it after linking');
  },
  start_unwind__deps: ['$slpAsyncifyMissing'],
  start_unwind: function() { slpAsyncifyMissing(); },
  stop_unwind__deps: ['$slpAsyncifyMissing'],
  stop_unwind: function() { slpAsyncifyMissing(); },
  start_rewind__deps: ['$slpAsyncifyMissing'],
  start_rewind: function() { slpAsyncifyMissing(); },
  stop_rewind__deps: ['$slpAsyncifyMissing'],
  stop_rewind: function() { slpAsyncifyMissing(); },
  // slp_stack.limit_set: the tasklet stack check's setter, which the same
  // step (stack_check.mjs) defines inside the module.
  limit_set__deps: ['$slpAsyncifyMissing'],
  limit_set: function() { slpAsyncifyMissing(); },
});
