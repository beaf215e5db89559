# usage.cmake -- what every program that links `stackless` needs, carried by
# the target itself (INTERFACE options), so that a user's own program gets it
# from target_link_libraries(app PRIVATE stackless) alone:
#
#   all wasm builds  the asyncify.* imports are declared to the linker (they
#                    exist until slp_asyncify's pass turns them into code)
#   Emscripten       wasm/js_await.js, the JS half of slp_js_await/slp_js_run
#   Emscripten       -pthread (threads build: the library is compiled with
#                    atomics and shared memory; a program without it links,
#                    then corrupts memory); memory for per-thread buffers;
#                    a pool of workers so that main can start a thread and
#                    then block; settings for a program run by Node
#   WASI             nothing more (slp_asyncify gives the program its .wasm
#                    suffix)
#
# Settings for a program run by Node (`node app.js`), which a module loaded
# by your own JavaScript (-sMODULARIZE) does not want: they apply unless the
# program sets the target property SLP_LIBRARY_MODULE to ON:
#   -sWASM_ASYNC_COMPILATION=0  compile app.wasm synchronously from the file:
#                               Emscripten 3.1.6's glue would fetch() a path,
#                               which Node's global fetch (Node >= 18) refuses
#   -sEXIT_RUNTIME=1            exit with main's code once main returns
#   -sPTHREAD_POOL_SIZE=8       workers made before main: a thread started by
#                               a main that then blocks can still start
# (These come after the program's own options on the link line, where the
# later -s wins: hence a property, not an option to override.)
if(SLP_PLATFORM STREQUAL "native")
  return()
endif()

set(_slp_program "$<NOT:$<BOOL:$<TARGET_PROPERTY:SLP_LIBRARY_MODULE>>>")
if(SLP_PLATFORM STREQUAL "emscripten")
  # The four imports of module "asyncify", as JavaScript functions that say
  # what went wrong if a module ever reaches them (slp_asyncify not run):
  # no -sERROR_ON_UNDEFINED_SYMBOLS=0, so a user's own typo stays an error.
  target_link_options(stackless INTERFACE
    "SHELL:--js-library $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/../wasm/asyncify_imports.js>$<INSTALL_INTERFACE:$<INSTALL_PREFIX>/${SLP_INSTALL_CMAKEDIR}/asyncify_imports.js>"
    # slp_js_await and slp_js_run's JavaScript half (linked only if called).
    "SHELL:--js-library $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/../wasm/js_await.js>$<INSTALL_INTERFACE:$<INSTALL_PREFIX>/${SLP_INSTALL_CMAKEDIR}/js_await.js>"
    # The runtime allocates per thread (scheduler, stacks): start with room
    # and let memory grow.  With pthreads, growth makes Emscripten's own
    # JavaScript check the heap's views on each access (its warning
    # "USE_PTHREADS + ALLOW_MEMORY_GROWTH may run non-wasm code slowly");
    # the runtime's work is all in wasm, so that warning says nothing here.
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=64MB
    $<$<BOOL:${SLP_THREADS}>:-Wno-pthreads-mem-growth>
    "$<${_slp_program}:-sWASM_ASYNC_COMPILATION=0;-sEXIT_RUNTIME=1>"
    "$<$<AND:${_slp_program},$<BOOL:${SLP_THREADS}>>:-sPTHREAD_POOL_SIZE=8>")
  if(SLP_THREADS)
    target_compile_options(stackless PUBLIC -pthread)
    target_link_options(stackless INTERFACE -pthread)
  endif()
  set_property(TARGET stackless APPEND PROPERTY INTERFACE_LINK_DEPENDS
    $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/../wasm/asyncify_imports.js>
    $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/../wasm/js_await.js>)
endif()
