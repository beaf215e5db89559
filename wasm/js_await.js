// js_await.js -- the JavaScript half of src/js_await.c: slp_js_await's call
// of a JS function and its settle handler, and slp_js_run's loop.  Every
// Emscripten program that links the stackless target gets this library
// (cmake/usage.cmake); only what a program calls is linked in.
mergeInto(LibraryManager.library, {
  // Per realm (per thread): promises started here that have not settled,
  // and slp_js_run's "run again soon" (null when no loop runs here).
  $slpJsAwait: { pending: 0, kick: null },

  // The outcome as a malloc'd UTF-8 string (0 for undefined): a fulfilled
  // string as it is, another value as JSON (String() if it has none); a
  // rejection's reason by its message (an Error) or String().
  $slpJsText: function(ok, v) {
    var s;
    if (ok && v === undefined) return 0;
    if (ok && typeof v === 'string') {
      s = v;
    } else if (ok) {
      try { s = JSON.stringify(v); } catch (e) { s = undefined; }
      if (s === undefined) s = String(v);
    } else {
      s = v instanceof Error ? (v.message || String(v)) : String(v);
    }
    var n = lengthBytesUTF8(s) + 1, p = _slp__js_alloc(n);
    if (p) stringToUTF8(s, p, n);
    return p;
  },

  // Call the function fn names (on Module first, else a global; a dotted
  // path reaches into objects) with arg (a string, or undefined for 0).
  // A thenable is awaited; anything else, or an exception, settles at once.
  // later (always, from C): the call is made from a task of the event loop
  // of its own, where no C code is under way -- not inside the waiting
  // tasklet's C call (a JS function that called back into the runtime and
  // switched there would need Asyncify to unwind JS frames), nor inside
  // whatever wait of this thread Emscripten serves another thread's queued
  // call in (maybe under the runtime's lock).
  slp__js_start__deps: ['$slpJsAwait', '$slpJsText', '$runtimeKeepalivePush', '$runtimeKeepalivePop'],
  slp__js_start: function(a, fn, arg, later) {
    var S = slpJsAwait;
    // For a host's own loop (the npm package's pump): promises of C
    // tasklets pending in this realm; while > 0 the thread is not idle.
    Module['slpJsPending'] = function() { return S.pending; };
    if (later) {
      S.pending++;
      {{{ runtimeKeepalivePush() }}}
      setTimeout(function() {
        S.pending--;
        {{{ runtimeKeepalivePop() }}}
        _slp__js_start(a, fn, arg, 0);
      }, 0);
      return;
    }
    var name = UTF8ToString(fn), x = arg ? UTF8ToString(arg) : undefined;
    // Then whoever drives this thread's scheduler runs it again: slp_js_run's
    // loop, or the host's own (the npm package may set Module.slpKick; a
    // threaded module also sees the wake word change).
    function settle(ok, v) {
      _slp__js_settled(a, ok, slpJsText(ok, v));
      var k = S.kick || Module['slpKick'];
      if (k) k();
    }
    var p;
    try {
      var parts = name.split('.');
      var f = parts[0] in Module ? Module : globalThis;
      for (var i = 0; i < parts.length && f != null; i++) f = f[parts[i]];
      if (typeof f !== 'function') throw new TypeError(name + ' is not a function');
      p = f(x);
    } catch (e) {
      settle(0, e);
      return;
    }
    if (p === null || (typeof p !== 'object' && typeof p !== 'function') ||
        typeof p.then !== 'function') {
      settle(1, p);
      return;
    }
    S.pending++;
    {{{ runtimeKeepalivePush() }}}
    Promise.resolve(p).then(function(v) {
      S.pending--;
      {{{ runtimeKeepalivePop() }}}
      settle(1, v);
    }, function(e) {
      S.pending--;
      {{{ runtimeKeepalivePop() }}}
      settle(0, e);
    });
  },

  // slp_js_run's loop: run the scheduler (slp__js_run_once), and while
  // tasklets are left, again when the nearest deadline comes, a promise
  // awaited here settles, or another thread changes this thread's wake
  // word.  With none of these to come, the thread counts as asleep
  // (slp_thread_idle) so that a deadlock of every thread is seen; and
  // alone (no other thread, no deadline, no promise) its tasklets are
  // deadlocked: done(SLP_EDEADLOCK).
  slp__js_drive__deps: ['$slpJsAwait', '$callUserCallback', '$runtimeKeepalivePush',
                        '$runtimeKeepalivePop'],
  slp__js_drive: function(ctx) {
    var S = slpJsAwait, EDEADLOCK = -5;
    var timer = null, queued = false, idle = false, waitSeen = null, hold = null;
    var shared = typeof SharedArrayBuffer !== 'undefined' &&
      HEAP32.buffer instanceof SharedArrayBuffer;
    var prevKick = S.kick;
    {{{ runtimeKeepalivePush() }}}
    var over = false;
    function soon() {
      if (!queued && !over) {
        queued = true;
        setTimeout(function() { callUserCallback(step); }, 0);
      }
    }
    function finish(r) {
      over = true;
      S.kick = prevKick;
      clearInterval(hold);
      {{{ runtimeKeepalivePop() }}}
      _slp__js_run_done(ctx, r);
    }
    function step() {
      queued = false;
      if (over) return;
      if (timer !== null) { clearTimeout(timer); timer = null; }
      if (idle) {
        idle = false;
        if (_slp__js_idle(0)) { finish(EDEADLOCK); return; }
      }
      var idx = _slp__js_wake_index();
      var seen = shared ? Atomics.load(HEAP32, idx) : HEAP32[idx];
      var r = _slp__js_run_once();
      if (r === 2) { soon(); return; }
      if (r !== 1) { finish(r); return; }
      var ms = _slp__js_timer_ms();
      if (ms >= 0) timer = setTimeout(function() { timer = null; soon(); }, Math.min(Math.ceil(ms), 0x7fffffff));
      if (!shared) {
        if (ms < 0 && !S.pending) finish(EDEADLOCK);
        return; // a settle kicks, a deadline runs the timer
      }
      if (Atomics.load(HEAP32, idx) !== seen) { soon(); return; }
      if (ms < 0 && !S.pending) {
        if (_slp__js_threads() < 2) { finish(EDEADLOCK); return; }
        if (_slp__js_idle(1)) { _slp__js_idle(0); soon(); return; }
        idle = true;
      }
      if (waitSeen !== seen) {
        waitSeen = seen;
        var w = Atomics.waitAsync(HEAP32, idx, seen);
        if (w.async) w.value.then(function() { waitSeen = null; soon(); });
        else { waitSeen = null; soon(); }
      }
    }
    // Atomics.waitAsync keeps no Node process up: a timer does, until done.
    hold = setInterval(function() {}, 1 << 30);
    S.kick = soon;
    soon();
  },
});
