# install.cmake -- `cmake --install build --prefix P` installs the runtime as
# a CMake package; a user's project then finds it with
#   find_package(stackless-wasm REQUIRED)        # CMAKE_PREFIX_PATH=P
#   target_link_libraries(app PRIVATE stackless::stackless)
#   slp_asyncify(app)                            # wasm builds
# The package is the build it was installed from (native, Emscripten with or
# without threads, or WASI): configure the user's project with the same
# toolchain.  Layout under P:
#   include/stackless.h
#   lib/libstackless.a
#   lib/cmake/stackless-wasm/  stackless-wasmConfig.cmake (+ Version), the
#                              exported targets, asyncify.cmake (+ _run),
#                              asyncify_imports.js, wasi-toolchain.cmake
#                              and Platform/WASI.cmake
include(CMakePackageConfigHelpers)

install(TARGETS stackless EXPORT stackless-wasm-targets ARCHIVE DESTINATION lib)
install(FILES include/stackless.h DESTINATION include)
install(EXPORT stackless-wasm-targets NAMESPACE stackless::
        DESTINATION ${SLP_INSTALL_CMAKEDIR})

set(_slp_cfg ${CMAKE_CURRENT_BINARY_DIR}/stackless-wasm-package)
file(WRITE ${_slp_cfg}/stackless-wasmConfig.cmake.in [=[
# stackless-wasmConfig.cmake -- find_package(stackless-wasm) gives the
# stackless::stackless target and, in wasm builds, slp_asyncify().
@PACKAGE_INIT@
set(STACKLESS_WASM_PLATFORM "@SLP_PLATFORM@")   # native, emscripten or wasi
set(STACKLESS_WASM_THREADS @SLP_THREADS@)
if(STACKLESS_WASM_PLATFORM STREQUAL "emscripten" AND NOT EMSCRIPTEN)
  set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
  set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
      "this stackless-wasm was installed from an Emscripten build: configure with emcmake cmake")
  return()
elseif(STACKLESS_WASM_PLATFORM STREQUAL "wasi" AND NOT CMAKE_SYSTEM_NAME STREQUAL "WASI")
  set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
  set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
      "this stackless-wasm was installed from a WASI build: configure with -DCMAKE_TOOLCHAIN_FILE=${CMAKE_CURRENT_LIST_DIR}/wasi-toolchain.cmake")
  return()
endif()
if(STACKLESS_WASM_PLATFORM STREQUAL "native")
  include(CMakeFindDependencyMacro)
  find_dependency(Threads)
endif()
include(${CMAKE_CURRENT_LIST_DIR}/stackless-wasm-targets.cmake)
if(NOT STACKLESS_WASM_PLATFORM STREQUAL "native")
  include(${CMAKE_CURRENT_LIST_DIR}/asyncify.cmake)
endif()
check_required_components(stackless-wasm)
]=])
configure_package_config_file(${_slp_cfg}/stackless-wasmConfig.cmake.in
  ${_slp_cfg}/stackless-wasmConfig.cmake
  INSTALL_DESTINATION ${SLP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${_slp_cfg}/stackless-wasmConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${_slp_cfg}/stackless-wasmConfig.cmake
              ${_slp_cfg}/stackless-wasmConfigVersion.cmake
              wasm/asyncify.cmake wasm/asyncify_run.cmake wasm/asyncify_imports.js
              wasm/js_await.js
              wasm/stack_check.mjs
              cmake/wasi-toolchain.cmake
        DESTINATION ${SLP_INSTALL_CMAKEDIR})
install(FILES cmake/Platform/WASI.cmake DESTINATION ${SLP_INSTALL_CMAKEDIR}/Platform)
