# Compiler flags of attnflow's own targets: warnings, the host architecture, and the Sanitize
# build type.
add_library(attnflow_warnings INTERFACE)
target_compile_options(attnflow_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter>)

# -march=native for the code that has vector kernels (the solver library); the AVX2 lanes of the
# pair kernel need it. Off with -DATTNFLOW_NATIVE=OFF (portable binaries).
add_library(attnflow_native INTERFACE)
if(ATTNFLOW_NATIVE)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag(-march=native ATTNFLOW_HAS_MARCH_NATIVE)
  if(ATTNFLOW_HAS_MARCH_NATIVE)
    target_compile_options(attnflow_native INTERFACE -march=native)
  endif()
endif()

# Sanitize: address and undefined-behaviour sanitizers on every target of the build (the flags
# go through generator expressions, which unlike CMAKE_CXX_FLAGS_SANITIZE cannot be left empty
# by a cache entry of an earlier configuration).
add_compile_options($<$<CONFIG:Sanitize>:-O1> $<$<CONFIG:Sanitize>:-g>
  $<$<CONFIG:Sanitize>:-fno-omit-frame-pointer> $<$<CONFIG:Sanitize>:-fsanitize=address,undefined>)
add_link_options($<$<CONFIG:Sanitize>:-fsanitize=address,undefined>)
