# Runs attnflow-sensor with bad inputs: each must exit with status 2, print exactly one line
# "attnflow-sensor: error: ..." on stderr and leave no output file; a good run must exit 0.
file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH})
set(output ${SCRATCH}/out.csv)
# One case per element, its arguments separated by '|'. Negative numbers need the --name=value
# form (Boost.Program_options reads "-1" as an option); the bare form is tested too.
set(cases
  "--glucose=-1"
  "--glucose|-1"
  "--ascorbic-acid=-0.1"
  "--mode|calibration|--calibration-max=-5"
  "--vdd|0.2"
  "--vdd|0.7"
  "--clock-frequency|1e8"
  "--mode|voltammetry"
  "--mode|power|--vdd|0.1"
  "--input|${SCRATCH}/missing.ini"
  "--roughness-sweep|100 abc"
  "--step-potential|0.5"
  "--conversion-clocks|ten")
foreach(case IN LISTS cases)
  string(REPLACE "|" " " printable "${case}")
  string(REPLACE "|" ";" arguments "${case}")
  execute_process(COMMAND ${APP} ${arguments} --output ${output}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 2)
    message(FATAL_ERROR "'${printable}': exit status ${status}, expected 2 (stderr: ${err})")
  endif()
  if(NOT err MATCHES "^attnflow-sensor: error: [^\n]+\n$")
    message(FATAL_ERROR "'${printable}': stderr is not one error line: '${err}'")
  endif()
  if(EXISTS ${output} OR EXISTS ${output}.tmp)
    message(FATAL_ERROR "'${printable}': an output file was written")
  endif()
  message(STATUS "ok (status 2): ${printable} -> ${err}")
endforeach()
execute_process(COMMAND ${APP} --mode power --output ${output} RESULT_VARIABLE status
  OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT EXISTS ${output})
  message(FATAL_ERROR "a good run failed: status ${status}, stderr '${err}'")
endif()
