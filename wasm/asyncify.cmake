# asyncify.cmake -- the post-link step that gives a wasm program soft
# switching: Binaryen's Asyncify pass turns the module's own
# asyncify.start_unwind/... imports into code, so tasklet switches never
# leave the module.  C users call it on their own programs:
#
#   include(path/to/wasm/asyncify.cmake)
#   add_executable(app app.c)
#   target_link_libraries(app stackless)
#   slp_asyncify(app)                 # optional: THREADS for pthread builds
#
# It rewrites the target's .wasm in place after every link.

find_program(SLP_WASM_OPT wasm-opt REQUIRED)

# slp__ctx_resume starts and resumes tasklets: the unwind must stop there.
# The others are runtime functions that never switch.  Each reaches an
# indirect call somewhere below (Emscripten's futex wait runs queued calls,
# malloc takes a lock, the loop calls resume through a pointer), so without
# this the pass instruments them and, through them, every runtime function
# that takes the lock: that costs on every call, not only at a switch
# (measured: channel round trip -7% in Node).  Listed here, they are not
# instrumented and their callers are instrumented only if they switch.
# A function listed must never be on the stack of a tasklet that switches,
# and must exist in every build (the pass warns about unknown names).
set(SLP_ASYNCIFY_REMOVELIST
  slp__ctx_resume
  slp__loop slp__tasklet_ended slp__tasklet_prologue slp__tasklet_epilogue
  slp__lock slp__unlock slp__tls_get slp__tls_set slp__thread_self
  slp__sync_wake slp__awake_adjust
  slp__tasklet_gc slp__tasklet_alloc slp__tasklet_drop_frame
  slp__channel_unlink slp__ctx_free slp__ctx_thread_init
  slp__handle_alloc slp__handle_get slp__handle_free
  slp__switch_hook slp__preempt_at_switch slp__sched_cb_main slp__chan_cb_call
  slp__waits_poll slp__waits_idle slp__wait_cancel slp__poll_wait slp__now_ns)

function(slp_asyncify target)
  cmake_parse_arguments(A "THREADS" "" "REMOVE" ${ARGN})
  set(remove ${SLP_ASYNCIFY_REMOVELIST} ${A_REMOVE})
  string(REPLACE ";" "," remove "${remove}")
  set(features --enable-bulk-memory --enable-sign-ext --enable-mutable-globals
      --enable-nontrapping-float-to-int)
  if(A_THREADS)
    list(APPEND features --enable-threads)
  endif()
  # The .wasm sits beside the target file (x.js + x.wasm under Emscripten,
  # x.wasm itself under WASI).
  if(EMSCRIPTEN)
    # The pass finds the asyncify.* imports and the remove-list by name:
    # keep names, and let emcc link at -O1 whatever the build type (at -O2
    # and up it minifies import names; the pass below optimizes anyway);
    # the imports are undefined until the pass runs.
    target_link_options(${target} PRIVATE -O1 --profiling-funcs
                        -sERROR_ON_UNDEFINED_SYMBOLS=0)
  endif()
  set(wasm "$<TARGET_FILE_DIR:${target}>/$<TARGET_FILE_BASE_NAME:${target}>.wasm")
  add_custom_command(TARGET ${target} POST_BUILD
    # --asyncify before -O2: inlining would erase the names the lists use.
    # No import can unwind (asyncify-imports lists none): only our own
    # intrinsic calls do, which keeps the instrumentation small.
    # DWARF goes first (passes that cannot update it would be skipped);
    # -g keeps the function names for profiles and stack traces.
    COMMAND ${SLP_WASM_OPT} ${wasm} ${features} -g
            --strip-dwarf
            --asyncify
            --pass-arg=asyncify-removelist@${remove}
            --pass-arg=asyncify-imports@slp.none
            -O2 -o ${wasm}
    COMMENT "Asyncify ${target}"
    VERBATIM)
endfunction()
