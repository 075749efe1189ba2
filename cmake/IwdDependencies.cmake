# Every dependency comes from Debian 12 packages installed by scripts/setup.sh.
# Nothing is downloaded at build time.

find_package(fmt 9 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# ICU (libicu-dev): Unicode case mapping for `lower` and `upper`.
pkg_check_modules(ICU_UC REQUIRED IMPORTED_TARGET icu-uc)

# ANTLR4: the tool (Debian package `antlr4`, 4.7.2) and the C++ runtime
# (`libantlr4-runtime-dev`, 4.9); checked to work together.
find_program(ANTLR4_TOOL NAMES antlr4)
if(NOT ANTLR4_TOOL)
  message(FATAL_ERROR "The ANTLR4 tool was not found. Install it with: apt-get install antlr4 "
                      "(or run scripts/setup.sh).")
endif()
execute_process(COMMAND ${ANTLR4_TOOL} OUTPUT_VARIABLE _antlr_out ERROR_VARIABLE _antlr_out)
string(REGEX MATCH "Version ([0-9]+)\\.([0-9]+)\\.([0-9]+)" _antlr_ver "${_antlr_out}")
if(NOT _antlr_ver)
  message(FATAL_ERROR "Could not read the version of ${ANTLR4_TOOL}. Install Debian's antlr4 package.")
endif()
set(ANTLR4_TOOL_VERSION "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}.${CMAKE_MATCH_3}")
if(NOT CMAKE_MATCH_1 EQUAL 4 OR CMAKE_MATCH_2 LESS 7)
  message(FATAL_ERROR "ANTLR4 tool ${ANTLR4_TOOL_VERSION} found; iwd needs 4.7 or newer "
                      "(apt-get install antlr4).")
endif()
message(STATUS "ANTLR4 tool: ${ANTLR4_TOOL} ${ANTLR4_TOOL_VERSION}")

find_path(ANTLR4_INCLUDE_DIR antlr4-runtime.h PATH_SUFFIXES antlr4-runtime)
find_library(ANTLR4_RUNTIME_LIB NAMES antlr4-runtime)
if(NOT ANTLR4_INCLUDE_DIR OR NOT ANTLR4_RUNTIME_LIB)
  message(FATAL_ERROR "The ANTLR4 C++ runtime was not found. Install it with: "
                      "apt-get install libantlr4-runtime-dev")
endif()
add_library(antlr4_runtime INTERFACE)
target_include_directories(antlr4_runtime SYSTEM INTERFACE ${ANTLR4_INCLUDE_DIR})
target_link_libraries(antlr4_runtime INTERFACE ${ANTLR4_RUNTIME_LIB})

# LLVM 14 (Debian's llvm-14-dev), for the JIT.
find_package(LLVM 14 REQUIRED CONFIG PATHS /usr/lib/llvm-14/lib/cmake/llvm NO_DEFAULT_PATH)
if(NOT LLVM_FOUND)
  message(FATAL_ERROR "LLVM 14 was not found. Install it with: apt-get install llvm-14-dev")
endif()
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION}: ${LLVM_INCLUDE_DIRS}")
# iwd_llvm: what iwd_jit links. A target with the property IWD_STATIC_LLVM (the `iwd` binary)
# gets the static component libraries llvm-14-dev ships, only those the JIT uses; every other
# target (the tests, the benchmarks) Debian's shared libLLVM-14, so that their links stay short.
# Statically linked, the process no longer relocates and looks up libLLVM's symbols at each
# start (335K relocations; with libz3's and libxml2's, which only libLLVM loads): `iwd
# --version` went from 25 to 14 ms of CPU (bench/RESULTS.md, issue 19).
llvm_map_components_to_libnames(IWD_LLVM_STATIC_LIBS orcjit native passes)
add_library(iwd_llvm INTERFACE)
target_link_libraries(iwd_llvm INTERFACE
  "$<IF:$<BOOL:$<TARGET_PROPERTY:IWD_STATIC_LLVM>>,${IWD_LLVM_STATIC_LIBS},LLVM>")
