# attnflow_add_test(NAME n SOURCES s... [RANKS 1 2 3 4] [TIMEOUT seconds] [PETSC] [SENSOR])
# Builds one Catch2 executable with the MPI-aware main and registers it with ctest once per rank
# count (oversubscribed, allowed to run as root), each with a TIMEOUT. SENSOR: a serial test of
# the sensor library (Catch2's own main, no MPI).
#
# Under the sanitizers every test runs several times slower: at the end of each directory that
# registers tests (after every set_tests_properties there), their TIMEOUTs are multiplied by
# ATTNFLOW_TEST_TIMEOUT_SCALE (default 6 for the Sanitize build type, 1 otherwise).
if(NOT DEFINED ATTNFLOW_TEST_TIMEOUT_SCALE)
  if(CMAKE_BUILD_TYPE STREQUAL "Sanitize")
    set(ATTNFLOW_TEST_TIMEOUT_SCALE 6)
  else()
    set(ATTNFLOW_TEST_TIMEOUT_SCALE 1)
  endif()
endif()
function(attnflow_scale_test_timeouts)
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(test IN LISTS tests)
    get_test_property(${test} TIMEOUT timeout)
    if(timeout)
      math(EXPR scaled "${timeout} * ${ATTNFLOW_TEST_TIMEOUT_SCALE}")
      set_tests_properties(${test} PROPERTIES TIMEOUT ${scaled})
    endif()
  endforeach()
endfunction()
# Schedules attnflow_scale_test_timeouts for the end of the current directory (once).
function(attnflow_scale_test_timeouts_at_end)
  get_property(scheduled DIRECTORY PROPERTY ATTNFLOW_TIMEOUTS_SCHEDULED)
  if(NOT scheduled AND NOT ATTNFLOW_TEST_TIMEOUT_SCALE EQUAL 1)
    set_property(DIRECTORY PROPERTY ATTNFLOW_TIMEOUTS_SCHEDULED TRUE)
    cmake_language(DEFER CALL attnflow_scale_test_timeouts)
  endif()
endfunction()

function(attnflow_add_test)
  cmake_parse_arguments(T "PETSC;SENSOR" "NAME;TIMEOUT" "SOURCES;RANKS" ${ARGN})
  attnflow_scale_test_timeouts_at_end()
  if(NOT T_RANKS)
    set(T_RANKS 1)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(T_SENSOR)
    add_executable(test_${T_NAME} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/serial_main.cpp)
    target_link_libraries(test_${T_NAME} PRIVATE attnflow_sensor attnflow_warnings Catch2::Catch2)
    target_include_directories(test_${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    # One process, named like the MPI tests at one rank.
    add_test(NAME ${T_NAME}_np1 COMMAND $<TARGET_FILE:test_${T_NAME}>)
    set_tests_properties(${T_NAME}_np1 PROPERTIES TIMEOUT ${T_TIMEOUT})
    return()
  endif()
  add_executable(test_${T_NAME} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/mpi_main.cpp
    ${PROJECT_SOURCE_DIR}/tests/support/scratch.cpp)
  target_link_libraries(test_${T_NAME} PRIVATE attnflow attnflow_warnings Catch2::Catch2)
  target_include_directories(test_${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  if(T_PETSC)
    target_compile_definitions(test_${T_NAME} PRIVATE ATTNFLOW_TEST_WITH_PETSC=1)
  endif()
  foreach(ranks IN LISTS T_RANKS)
    set(test_name ${T_NAME}_np${ranks})
    add_test(NAME ${test_name}
      COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} --oversubscribe
              ${MPIEXEC_PREFLAGS} $<TARGET_FILE:test_${T_NAME}> ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${test_name} PROPERTIES TIMEOUT ${T_TIMEOUT} PROCESSORS ${ranks}
      ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;ATTNFLOW_BUILD_DIR=${PROJECT_BINARY_DIR};ATTNFLOW_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endforeach()
endfunction()
