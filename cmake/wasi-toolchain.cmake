# wasi-toolchain.cmake -- wasm32-wasi the wasi-sdk way, from Debian's
# packages: clang-14, lld-14, wasi-libc (/usr/include/wasm32-wasi,
# /usr/lib/wasm32-wasi) and libclang-rt-14-dev-wasm32 (builtins).
#   cmake -S . -B build/wasi -DCMAKE_TOOLCHAIN_FILE=cmake/wasi-toolchain.cmake
set(CMAKE_SYSTEM_NAME WASI)
# Platform/WASI.cmake beside this file (programs are named x.wasm).
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR})
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
find_program(CMAKE_C_COMPILER NAMES clang-14 clang REQUIRED)
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
find_program(CMAKE_AR NAMES llvm-ar-14 llvm-ar REQUIRED)
find_program(CMAKE_RANLIB NAMES llvm-ranlib-14 llvm-ranlib REQUIRED)
set(triple wasm32-wasi)
set(CMAKE_C_COMPILER_TARGET ${triple})
set(CMAKE_ASM_COMPILER_TARGET ${triple})
set(CMAKE_SYSROOT /usr)
# Only clang's own headers and wasi-libc's: with --sysroot=/usr alone the
# host's /usr/include would leak into the build without an error.
set(CMAKE_C_FLAGS_INIT "-nostdlibinc -idirafter /usr/include/wasm32-wasi")
set(CMAKE_ASM_FLAGS_INIT "-nostdlibinc -idirafter /usr/include/wasm32-wasi")
# Link with -O0 whatever the build type (at -O1+ clang would run wasm-opt and drop the names Asyncify's
# lists need).  Debian's libc.a carries DWARF: slp_asyncify strips it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-O0 -Wno-unused-command-line-argument")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
