# Platform/WASI.cmake -- what CMake (3.25) needs to know about wasm32-wasi,
# found through cmake/wasi-toolchain.cmake's CMAKE_MODULE_PATH: without it
# CMake warns "System is unknown to cmake" and names programs without .wasm.
set(CMAKE_EXECUTABLE_SUFFIX .wasm)
set(CMAKE_STATIC_LIBRARY_PREFIX lib)
set(CMAKE_STATIC_LIBRARY_SUFFIX .a)
