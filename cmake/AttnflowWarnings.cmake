# Warnings for attnflow's own targets, and the Sanitize build type.
add_library(attnflow_warnings INTERFACE)
target_compile_options(attnflow_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter>)
set(CMAKE_CXX_FLAGS_SANITIZE "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined"
    CACHE STRING "Flags for the Sanitize build type")
set(CMAKE_EXE_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "")
set(CMAKE_SHARED_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "")
if(ATTNFLOW_NATIVE)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag(-march=native ATTNFLOW_HAS_MARCH_NATIVE)
  if(ATTNFLOW_HAS_MARCH_NATIVE)
    target_compile_options(attnflow_warnings INTERFACE -march=native)
  endif()
endif()
# Fast-math is confined to the kernel translation units (glibc's libmvec vectorises exp only
# with it); code that checks for NaN never gets it.
set(ATTNFLOW_KERNEL_FLAGS -ffast-math -fopenmp-simd)
