# Version and git revision, recorded in every output file.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE ATTNFLOW_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE ATTNFLOW_GIT_DIRTY OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT ATTNFLOW_GIT_REVISION)
  set(ATTNFLOW_GIT_REVISION "unknown")
elseif(ATTNFLOW_GIT_DIRTY)
  set(ATTNFLOW_GIT_REVISION "${ATTNFLOW_GIT_REVISION}-dirty")
endif()
# --version: git describe (the nearest tag and the commits since), else the project version.
execute_process(COMMAND git describe --tags --always --dirty WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE ATTNFLOW_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT ATTNFLOW_GIT_DESCRIBE)
  set(ATTNFLOW_GIT_DESCRIBE "no git")
endif()
# The libraries the build was made against (found by AttnflowDependencies), for --version.
set(ATTNFLOW_COMPILER "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
# The MPI implementation from its mpi.h (Open MPI or MPICH; FindMPI would need a try_run).
set(ATTNFLOW_MPI_LIBRARY "MPI library")
if(EXISTS "${MPI_C_HEADER_DIR}/mpi.h")
  file(STRINGS "${MPI_C_HEADER_DIR}/mpi.h" mpi_version_lines
    REGEX "#define (OMPI_(MAJOR|MINOR|RELEASE)_VERSION|MPICH_VERSION) ")
  foreach(part MAJOR MINOR RELEASE)
    string(REGEX MATCH "OMPI_${part}_VERSION ([0-9]+)" match "${mpi_version_lines}")
    set(ompi_${part} "${CMAKE_MATCH_1}")
  endforeach()
  string(REGEX MATCH "MPICH_VERSION \"([0-9.]+)\"" match "${mpi_version_lines}")
  if(ompi_MAJOR)
    set(ATTNFLOW_MPI_LIBRARY "Open MPI ${ompi_MAJOR}.${ompi_MINOR}.${ompi_RELEASE}")
  elseif(CMAKE_MATCH_1)
    set(ATTNFLOW_MPI_LIBRARY "MPICH ${CMAKE_MATCH_1}")
  endif()
endif()
set(ATTNFLOW_MPI_VERSION "${ATTNFLOW_MPI_LIBRARY} (MPI ${MPI_C_VERSION})")
set(ATTNFLOW_PETSC_VERSION "${PETSC_VERSION}")
set(ATTNFLOW_HDF5_VERSION "${HDF5_VERSION}")
