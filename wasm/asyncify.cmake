# asyncify.cmake -- the post-link step that gives a wasm program soft
# switching: Binaryen's Asyncify pass turns the module's own
# asyncify.start_unwind/... imports into code, so tasklet switches never
# leave the module.  C users call it on their own programs:
#
#   add_subdirectory(stackless-wasm)  # or: find_package(stackless-wasm)
#   add_executable(app app.c)
#   target_link_libraries(app PRIVATE stackless)   # or stackless::stackless
#   slp_asyncify(app)                 # THREADS may be given; REMOVE f g: more
#                                     # functions the pass must not instrument
#
# It rewrites the target's .wasm in place after every link.  Self-contained:
# everything it needs is in the function (no variable of the directory that
# included this file), so it works from any directory of any project.  The
# stackless target carries the link options a program needs (cmake/usage.cmake).

find_program(SLP_WASM_OPT wasm-opt REQUIRED)

# slp__ctx_resume starts and resumes tasklets: the unwind must stop there.
# The others are runtime functions that never switch.  Each reaches an
# indirect call somewhere below (Emscripten's futex wait runs queued calls,
# malloc takes a lock, the loop calls resume through a pointer), so without
# this the pass instruments them and, through them, every runtime function
# that takes the lock: that costs on every call, not only at a switch
# (measured: channel round trip -7% in Node).  Listed here, they are not
# instrumented and their callers are instrumented only if they switch.
# The last two are Emscripten's: a futex wait (a pthread mutex, hence
# malloc and free, our own sleeps) serves the calls other threads proxied
# to this one, through a function pointer, so every caller of malloc or
# free was instrumented (the channel action's bookkeeping, slp__block_slow,
# slp__idle_poll): a proxied call (another thread's stdout, say) never
# switches tasklets here.
# A function listed must never be on the stack of a tasklet that switches.
# The linker drops those a program does not reach (one without channels has
# no slp__chan_cb_call), so asyncify_run.cmake passes the pass only the
# names the module has; names given with REMOVE go as they are (the pass
# warns about a misspelt one).
function(slp_asyncify target)
  cmake_parse_arguments(A "THREADS" "" "REMOVE" ${ARGN})
  set(runtime
    slp__ctx_resume
    slp__loop slp__tasklet_ended slp__tasklet_prologue slp__tasklet_epilogue
    slp__lock slp__unlock slp__tls_get slp__tls_set slp__thread_self
    slp__sync_wake slp__awake_adjust
    slp__tasklet_gc slp__tasklet_alloc slp__tasklet_drop_frame
    slp__channel_unlink slp__ctx_free slp__ctx_thread_init
    slp__handle_alloc slp__handle_get slp__handle_free
    slp__switch_hook slp__preempt_at_switch slp__sched_cb_main slp__chan_cb_call
    slp__waits_poll slp__waits_idle slp__wait_cancel slp__poll_wait slp__now_ns
    emscripten_main_thread_process_queued_calls
    emscripten_current_thread_process_queued_calls)
  string(REPLACE ";" "," runtime "${runtime}")
  string(REPLACE ";" "," remove "${A_REMOVE}")
  set(features --enable-bulk-memory --enable-sign-ext --enable-mutable-globals
      --enable-nontrapping-float-to-int)
  # Threads: a pthread build's module has atomics and shared memory.  Enabling
  # the feature changes nothing in a module without them, so every
  # Emscripten program gets it (THREADS is still accepted, and needed by
  # nothing).  WASI has no threads here.
  if(A_THREADS OR EMSCRIPTEN)
    list(APPEND features --enable-threads)
  endif()
  # The .wasm sits beside the target file (x.js + x.wasm under Emscripten,
  # x.wasm itself under WASI).
  if(EMSCRIPTEN)
    # The pass finds the asyncify.* imports and the remove-list by name:
    # keep names, and let emcc link at -O1 whatever the build type (at -O2
    # and up it minifies import names; the pass below optimizes anyway);
    # the imports are declared by the stackless target (asyncify_imports.js).
    target_link_options(${target} PRIVATE -O1 --profiling-funcs)
  elseif(CMAKE_SYSTEM_NAME STREQUAL "WASI")
    # CMake (3.25) knows no WASI platform: name the module x.wasm, which
    # engines and the step below expect.
    set_target_properties(${target} PROPERTIES SUFFIX .wasm)
  endif()
  set(wasm "$<TARGET_FILE_DIR:${target}>/$<TARGET_FILE_BASE_NAME:${target}>.wasm")
  string(REPLACE ";" "," features "${features}")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DWASM_OPT=${SLP_WASM_OPT} -DWASM=${wasm} -DFEATURES=${features}
            -DRUNTIME=${runtime} -DREMOVE=${remove}
            -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/asyncify_run.cmake
    COMMENT "Asyncify ${target}"
    VERBATIM)
endfunction()
