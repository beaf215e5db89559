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
execute_process(COMMAND ${WASM_OPT} ${WASM} ${features} -g
                        --strip-dwarf
                        --asyncify
                        --pass-arg=asyncify-removelist@${remove}
                        --pass-arg=asyncify-imports@slp.none
                        -O2 -o ${WASM}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "slp_asyncify: wasm-opt --asyncify failed on ${WASM}")
endif()
