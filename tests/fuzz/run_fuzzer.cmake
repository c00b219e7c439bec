# tests/fuzz/run_fuzzer.cmake: one fuzz smoke run for ctest. Runs FUZZER for SECONDS on
# inputs of at most MAX_LEN bytes, over a fresh working corpus WORK (where libFuzzer writes what it finds new), the seeds
# SEEDS and the committed regressions REGRESSIONS. Any crash, sanitizer report, leak,
# slow input (-timeout) or memory blow-up (-rss_limit_mb) makes libFuzzer exit non-zero,
# and the test fails with its output; the offending input is left in WORK/../artifacts.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
get_filename_component(artifacts "${WORK}/../artifacts" ABSOLUTE)
file(MAKE_DIRECTORY "${artifacts}")
set(dirs "${WORK}" "${SEEDS}")
if(IS_DIRECTORY "${REGRESSIONS}")
  list(APPEND dirs "${REGRESSIONS}")
endif()
set(ENV{ASAN_OPTIONS} "detect_leaks=1:abort_on_error=1:$ENV{ASAN_OPTIONS}")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1:$ENV{UBSAN_OPTIONS}")
# A dictionary of the format's tokens, where the target has one (tests/fuzz/dictionaries/).
set(dict "")
if(DICTIONARY AND EXISTS "${DICTIONARY}")
  set(dict "-dict=${DICTIONARY}")
endif()
execute_process(
  COMMAND "${FUZZER}" ${dict} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -max_len=${MAX_LEN}
          -print_final_stats=1 -artifact_prefix=${artifacts}/ ${dirs}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}):\n${out}\n${err}")
endif()
string(REGEX MATCH "stat::number_of_executed_runs: *[0-9]+" runs "${err}")
message(STATUS "${FUZZER}: ${runs}")
