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
set(SLP_ASYNCIFY_REMOVELIST "slp__ctx_resume")

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
