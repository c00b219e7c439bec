# Runs one end-to-end case of tests/cases/<name>/ (the layout is in tests/cases/README.md).
#
#   cmake -DRATEL=path/to/ratel -DCASE=tests/cases/x -DTARIFFS=tariffs -DOUT=build/cases/x
#         -P run_case.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
# Inputs too large to commit (a 10 MB line) are written by the case's generate.cmake into
# ${OUT}, where args find them as @OUT@/<name>.
if(EXISTS "${CASE}/generate.cmake")
  include("${CASE}/generate.cmake")
endif()
file(READ "${CASE}/args" args_text)
string(STRIP "${args_text}" args_text)
string(REPLACE "@TARIFFS@" "${TARIFFS}" args_text "${args_text}")
string(REPLACE "@CASE@" "${CASE}" args_text "${args_text}")
string(REPLACE "@SOURCE@" "${SOURCE}" args_text "${args_text}")
string(REPLACE "@OUT@" "${OUT}" args_text "${args_text}")
separate_arguments(args UNIX_COMMAND "${args_text}")

set(expected_exit 0)
if(EXISTS "${CASE}/expected.exit")
  file(READ "${CASE}/expected.exit" expected_exit)
  string(STRIP "${expected_exit}" expected_exit)
endif()

function(run_ratel out_var err_var rc_var)
  execute_process(COMMAND "${RATEL}" ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
endfunction()

# Compares text with an expected file; on a difference, writes the actual text beside the
# build output and shows a diff.
function(expect_same what expected_file actual_text)
  file(READ "${expected_file}" expected_text)
  if(NOT expected_text STREQUAL actual_text)
    get_filename_component(name "${expected_file}" NAME)
    file(WRITE "${OUT}/actual.${name}" "${actual_text}")
    execute_process(COMMAND diff -u "${expected_file}" "${OUT}/actual.${name}")
    message(FATAL_ERROR "${what}: output differs from ${expected_file} (actual in ${OUT}/actual.${name})")
  endif()
endfunction()

# Checks one run's exit code, stdout and side files against the case's expected files.
function(check_run label out err rc)
  if(NOT rc STREQUAL expected_exit)
    message(FATAL_ERROR "${label}: exit code ${rc}, expected ${expected_exit}\nstderr: ${err}")
  endif()
  if(stdout_file)
    expect_same("${label}: stdout" "${stdout_file}" "${out}")
  endif()
  if(EXISTS "${CASE}/expected.rejects.csv")
    file(READ "${OUT}/rejects.csv" rejects)
    expect_same("${label}: rejects" "${CASE}/expected.rejects.csv" "${rejects}")
  endif()
  if(EXISTS "${CASE}/expected.events.csv")
    file(READ "${OUT}/events.csv" events)
    expect_same("${label}: events" "${CASE}/expected.events.csv" "${events}")
  endif()
  if(EXISTS "${CASE}/expected.stderr")
    # Every line of expected.stderr must appear in stderr.
    file(STRINGS "${CASE}/expected.stderr" wanted_lines)
    foreach(wanted IN LISTS wanted_lines)
      string(FIND "${err}" "${wanted}" at)
      if(at EQUAL -1)
        message(FATAL_ERROR "${label}: stderr lacks: ${wanted}\nstderr was: ${err}")
      endif()
    endforeach()
  endif()
  if(IS_DIRECTORY "${CASE}/expected.out")
    file(GLOB expected_files RELATIVE "${CASE}/expected.out" "${CASE}/expected.out/*")
    file(GLOB actual_files RELATIVE "${OUT}/bills" "${OUT}/bills/*")
    if(NOT expected_files STREQUAL actual_files)
      message(FATAL_ERROR "${label}: --out wrote [${actual_files}], expected [${expected_files}]")
    endif()
    foreach(name IN LISTS expected_files)
      file(READ "${OUT}/bills/${name}" text)
      expect_same("${label}: --out file ${name}" "${CASE}/expected.out/${name}" "${text}")
    endforeach()
  endif()
endfunction()

set(stdout_file "")
foreach(ext json txt csv)
  if(EXISTS "${CASE}/expected.${ext}")
    set(stdout_file "${CASE}/expected.${ext}")
  endif()
endforeach()

run_ratel(out err rc ${args})
message(STATUS "ratel ${args_text}\nexit ${rc}\nstderr: ${err}")
check_run("as given" "${out}" "${err}" "${rc}")

list(GET args 0 command)
# A run that closes a cycle in a store is not repeated: closing a cycle twice is a case of
# its own (tests/cases/store-*).
list(FIND args "--store" store_at)
if(NOT store_at EQUAL -1)
  return()
endif()
# The memory budget changes no byte: with one byte, every row and every bill spills to
# disk, one shard per few rows, whatever the threads. (Not for a case about the option
# itself: the budget given last would win.)
list(FIND args "--memory-budget" budget_at)
if(command STREQUAL "rate" AND budget_at EQUAL -1)
  file(REMOVE_RECURSE "${OUT}/bills" "${OUT}/rejects.csv" "${OUT}/events.csv")
  run_ratel(out_spill err_spill rc_spill ${args} --memory-budget 1 --threads 2)
  check_run("--memory-budget 1 --threads 2" "${out_spill}" "${err_spill}" "${rc_spill}")
endif()

# Writes `file`'s lines in reverse order (header kept) to `reversed`.
function(write_reversed file reversed)
  file(STRINGS "${file}" lines)
  list(POP_FRONT lines header)
  list(REVERSE lines)
  list(JOIN lines "\n" body)
  file(WRITE "${reversed}" "${header}\n${body}\n")
endfunction()

# Where a text cites a line of the account log ("accounts.csv:5"), the number left out: in
# a reversed log the same line stands elsewhere.
function(without_account_lines text name out_var)
  string(REPLACE "." "\\." pattern "${name}")
  string(REGEX REPLACE "${pattern}:[0-9]+(:[0-9]+)?" "${name}:N" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# Order and thread independence: the bills must be the same bytes when the usage file and
# the account log are reversed (headers kept; D21 orders lines at one instant) and when
# rating uses several threads. Only the account-log line numbers the bills cite differ.
list(FIND args "--usage" usage_at)
if(stdout_file AND command STREQUAL "rate" AND NOT usage_at EQUAL -1)
  math(EXPR usage_at "${usage_at} + 1")
  list(GET args ${usage_at} usage_file)
  write_reversed("${usage_file}" "${OUT}/usage.reversed.csv")
  set(shuffled_args ${args})
  list(REMOVE_AT shuffled_args ${usage_at})
  list(INSERT shuffled_args ${usage_at} "${OUT}/usage.reversed.csv")
  set(accounts_name "")
  list(FIND shuffled_args "--accounts" accounts_at)
  if(NOT accounts_at EQUAL -1)
    math(EXPR accounts_at "${accounts_at} + 1")
    list(GET shuffled_args ${accounts_at} accounts_file)
    get_filename_component(accounts_name "${accounts_file}" NAME)
    file(MAKE_DIRECTORY "${OUT}/reversed")
    write_reversed("${accounts_file}" "${OUT}/reversed/${accounts_name}")
    list(REMOVE_AT shuffled_args ${accounts_at})
    list(INSERT shuffled_args ${accounts_at} "${OUT}/reversed/${accounts_name}")
  endif()
  # The rejects of the reversed file name other line numbers, and the side files were
  # checked above; leave them out.
  foreach(option --rejects --events)
    list(FIND shuffled_args "${option}" option_at)
    if(NOT option_at EQUAL -1)
      math(EXPR value_at "${option_at} + 1")
      list(REMOVE_AT shuffled_args ${option_at} ${value_at})
    endif()
  endforeach()
  run_ratel(out2 err2 rc2 ${shuffled_args} --threads 3)
  if(NOT rc2 STREQUAL expected_exit)
    message(FATAL_ERROR "reversed inputs, 3 threads: exit ${rc2}, expected ${expected_exit}\n${err2}")
  endif()
  file(READ "${stdout_file}" expected_text)
  set(actual_text "${out2}")
  if(accounts_name)
    without_account_lines("${expected_text}" "${accounts_name}" expected_text)
    without_account_lines("${out2}" "${accounts_name}" actual_text)
  endif()
  file(WRITE "${OUT}/expected.without-account-lines" "${expected_text}")
  expect_same("reversed usage and account log, 3 threads" "${OUT}/expected.without-account-lines"
              "${actual_text}")
endif()
