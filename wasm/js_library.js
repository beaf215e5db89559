// js_library.js -- the JavaScript functions wasm/js_bridge.c imports.  They
// run inside the Emscripten glue (one instance per thread: the page or
// Node's main thread, and each pthread's worker) and hand over to the ES
// module js/index.js loaded in that thread.
mergeInto(LibraryManager.library, {
  // Advance one JS tasklet by one step (js_tasklet in js_bridge.c).
  // js/index.js installs its step function on every thread that runs JS
  // (Module.slpSetStep), kept here in a small object: Module is a large
  // one, and its lookup at every step cost as much as the call itself.
  $slpStepFn: { f: null },
  slp_js_step__deps: ['$slpStepFn'],
  slp_js_step__postset: "Module['slpSetStep'] = function(f) { slpStepFn.f = f; };",
  slp_js_step: function(d) {
    return slpStepFn.f(d);
  },

  // A C callback (js_bridge.c): this thread's JS one, or 0 without one.
  slp_js_callback: function(kind, a, b, c, d) {
    var f = Module['slpCallback'];
    return f ? f(kind, a, b, c, d) : 0;
  },

  // First call on a new pthread: import the package's module (its URL is a
  // C string at b->entry) into this worker and let it take over
  // (bootThread in js/index.js).  Asynchronous: the C caller unwinds to the
  // worker's event loop right after.
  slp_js_thread_boot: function(b) {
    var url = UTF8ToString(HEAPU32[(b + 24) >> 2]);
    import(url).then(function(m) { return m.bootThread(Module, b); }).catch(function(e) {
      var text = 'stackless-wasm: a thread could not start: ' + (e && e.stack || e);
      if (typeof process == 'object' && process.versions && process.versions.node) {
        require('fs').writeSync(2, text + '\n');
      } else {
        console.error(text);
      }
    });
  },
});
