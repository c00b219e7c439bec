# The README's first command, as a new user runs it (issue "The house"): `.ci/setup cli`
# builds only the CLI, as a unity build at MinSizeRel, and rates the bundled example. This
# checks that that build still compiles (a unity build fails on two sources defining the
# same internal name) and that its bills are the bytes of the optimised build's bills, in
# every format: the arithmetic is integer only, so the optimisation level cannot change them.
# Its wall time on a fresh clone is measured by hand (README), not here: timings live in bench/.
#
#   cmake -DRATEL=ratel -DSOURCE=repo -DWORK=scratch -P first_command.cmake
cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${CMAKE_COMMAND} -E env RATEL_BUILD_DIR=${WORK} ${SOURCE}/.ci/setup cli
                WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR ".ci/setup cli failed: ${rc}")
endif()

foreach(format text json csv)
  foreach(build first optimised)
    if(build STREQUAL first)
      set(exe ${WORK}/ratel)
    else()
      set(exe ${RATEL})
    endif()
    execute_process(COMMAND ${exe} rate --catalog tariffs/cmcc-2012.toml
                            --accounts examples/july-2012/accounts.csv
                            --usage examples/july-2012/usage.csv --cycle 2012-07 --format ${format}
                    WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE bills_${build} ERROR_VARIABLE summary_${build})
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${exe} rate --format ${format} exited ${rc}: ${summary_${build}}")
    endif()
  endforeach()
  if(NOT bills_first STREQUAL bills_optimised OR NOT summary_first STREQUAL summary_optimised)
    message(FATAL_ERROR "--format ${format}: the first command's build gives other bytes")
  endif()
  string(LENGTH "${bills_first}" size)
  message(STATUS "--format ${format}: ${size} bytes, identical")
endforeach()
