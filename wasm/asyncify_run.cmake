# asyncify_run.cmake -- slp_asyncify's post-link step (cmake -P):
#   -DWASM_OPT=wasm-opt -DWASM=x.wasm -DFEATURES=--enable-a,--enable-b
#   -DRUNTIME=f,g (the runtime's remove-list) -DREMOVE=h (the caller's)
# Rewrites x.wasm in place.  Of the runtime's names, only those the module
# has go to the pass (the linker drops what a program does not reach, and
# the pass would warn about each missing name).
string(REPLACE "," ";" features "${FEATURES}")
string(REPLACE "," ";" runtime "${RUNTIME}")
string(REPLACE "," ";" remove "${REMOVE}")
execute_process(COMMAND ${WASM_OPT} ${WASM} ${features} --print-function-map
                OUTPUT_VARIABLE map ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0) # (on success err says only that no output file was given)
  message(FATAL_ERROR "slp_asyncify: ${WASM_OPT} could not read ${WASM}: ${err}")
endif()
# The runtime's resume and suspend must reach the pass as functions of
# their own (src/scheduler.c): a link step that inlined them (wasm-opt -O2
# or more before this step) would build a module that misbehaves at its
# first switch.  A module without the runtime has neither.
if(map MATCHES "(^|\n)[0-9]+:slp__loop(\n|$)")
  foreach(name slp__ctx_resume slp__ctx_suspend)
    if(NOT map MATCHES "(^|\n)[0-9]+:${name}(\n|$)")
      message(FATAL_ERROR "slp_asyncify: ${WASM} has no ${name} (inlined at link time: link at -O1 or less)")
    endif()
  endforeach()
endif()
foreach(name IN LISTS runtime)
  if(map MATCHES "(^|\n)[0-9]+:${name}(\n|$)")
    list(APPEND remove ${name})
  endif()
endforeach()
string(REPLACE ";" "," remove "${remove}")
# --asyncify before -O2: inlining would erase the names the lists use.
# No import can unwind (asyncify-imports lists none): only our own
# intrinsic calls do, which keeps the instrumentation small.
# DWARF goes first (passes that cannot update it would be skipped);
# -g keeps the function names for profiles and stack traces.
# --optimize-level 2 sets the level the pass itself works at (it adds no
# pass): at 0 it instruments the flattened code as it is; at 2 it first
# simplifies the locals of each instrumented function, so fewer are saved
# and restored at every switch (measured: the per-frame cost of a switch
# -16% under Wasmtime).  The -O2 of the last step cannot do that later.
# The tasklet stack check (stack_check.mjs, on the text) goes in after
# --asyncify (it must neither be instrumented nor make callers
# instrumented) and before -O2.
execute_process(COMMAND ${WASM_OPT} ${WASM} ${features} -g
                        --strip-dwarf --optimize-level 2
                        --asyncify
                        --pass-arg=asyncify-removelist@${remove}
                        --pass-arg=asyncify-imports@slp.none
                        -o ${WASM}.async.wasm
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "slp_asyncify: wasm-opt --asyncify failed on ${WASM}")
endif()
get_filename_component(bin_dir ${WASM_OPT} DIRECTORY)
find_program(wasm_dis wasm-dis HINTS ${bin_dir} REQUIRED)
find_program(node node REQUIRED)
execute_process(COMMAND ${wasm_dis} ${WASM}.async.wasm -o ${WASM}.async.wat RESULT_VARIABLE rc)
if(rc EQUAL 0)
  execute_process(COMMAND ${node} ${CMAKE_CURRENT_LIST_DIR}/stack_check.mjs
                          ${WASM}.async.wat ${WASM}.check.wat RESULT_VARIABLE rc)
endif()
if(rc EQUAL 0)
  execute_process(COMMAND ${WASM_OPT} ${WASM}.check.wat ${features} -g -O2 -o ${WASM}
                  RESULT_VARIABLE rc)
endif()
file(REMOVE ${WASM}.async.wasm ${WASM}.async.wat ${WASM}.check.wat)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "slp_asyncify: the stack check step failed on ${WASM}")
endif()
