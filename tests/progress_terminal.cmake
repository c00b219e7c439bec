# `ratel rate`'s progress line on a real terminal (issue "The house"): the CLI runs under a
# pseudo-terminal made by util-linux's `script`, on a generated month (bench/make_month.sh:
# 20,000 subscribers x 100 records, about 100 MB). RATEL_PROGRESS_DELAY=0 shows the line
# from the start, so that the phases of a run of a few seconds are seen.
#
#  1. --out DIR, stderr on the terminal: the phases come in order, [1/3] reading and
#     [2/3] rating at least; each line fits 80 columns; the line is cleared before the
#     summary; no "about 0 s left"; and every estimate is sane: at most three times the
#     time its phase really had left, plus 2 s (the display this replaces said "about 74 s
#     left" in a run that ended at 17.8 s). `script --timing` says when each line came.
#  2. The bills on stdout, on the same terminal: the progress shows while the file is read
#     and rated, is cleared before the first bill, and nothing but the bills and then the
#     summary follows: the bills are the bytes of a run without a terminal.
#  3. The bills to a file while stderr is the terminal (progress through every phase): the
#     same bytes again.
#
#   cmake -DRATEL=ratel -DSCRIPT=script -DSOURCE=repo -DWORK=scratch -P progress_terminal.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND bash "${SOURCE}/bench/make_month.sh" "${WORK}/month" 20000 100
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bench/make_month.sh failed: ${rc}")
endif()
set(rate "'${RATEL}' rate --catalog '${SOURCE}/tariffs/cmcc-2012.toml'
  --accounts '${WORK}/month/accounts.csv' --usage '${WORK}/month/usage.csv' --cycle 2012-07")
string(REPLACE "\n" "" rate "${rate}")

# on_terminal(COMMAND OUT_VAR): runs the shell command on a pseudo-terminal; OUT_VAR gets
# what the terminal showed (its line discipline turns "\n" into "\r\n"), and timing.txt
# when each piece of it came.
function(on_terminal command out_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env RATEL_PROGRESS_DELAY=0
                          "${SCRIPT}" -q -e --timing=${WORK}/timing.txt -c "${command}" /dev/null
                  OUTPUT_VARIABLE shown RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "on a terminal: ${command}\nexit ${code}\n${shown}")
  endif()
  set(${out_var} "${shown}" PARENT_SCOPE)
endfunction()

# 1. --out DIR. What depends on the machine's speed (which phases are seen, how good the
# estimates are) is tried up to three times: other work on the machine can stall the run
# for a while (a 2-core machine shared with compilers once made "about 10 s left" of
# 2.4 s), but an estimator that is wrong gets it wrong every time.
function(run_with_out_dir failure_var)
  set(${failure_var} "" PARENT_SCOPE)
  file(REMOVE_RECURSE "${WORK}/bills")
  on_terminal("${rate} --out '${WORK}/bills'" shown)
  message(STATUS "the terminal showed:\n${shown}")
  # When each byte came: timing.txt has one "<seconds since the last piece> <bytes>" a piece.
  file(STRINGS "${WORK}/timing.txt" pieces)
  set(piece_ends "")
  set(piece_times "")
  set(offset 0)
  set(clock 0)
  foreach(piece IN LISTS pieces)
    string(REGEX MATCH "^([0-9.]+) ([0-9]+)$" matched "${piece}")
    if(NOT matched)
      message(FATAL_ERROR "timing.txt: cannot read \"${piece}\"")
    endif()
    math(EXPR offset "${offset} + ${CMAKE_MATCH_2}")
    # Milliseconds, in integers (CMake's math has no fractions).
    string(REGEX MATCH "^([0-9]+)\\.?([0-9]*)$" matched "${CMAKE_MATCH_1}")
    set(whole "${CMAKE_MATCH_1}")
    string(SUBSTRING "${CMAKE_MATCH_2}000" 0 3 fraction)
    math(EXPR clock "${clock} + ${whole} * 1000 + 1${fraction} - 1000")
    list(APPEND piece_ends ${offset})
    list(APPEND piece_times ${clock})
  endforeach()

  # The lines as shown, each with the time its last byte came (ms) and its phase.
  set(lines "")
  set(rest "${shown}")
  set(at 0)
  set(piece 0)
  string(REPLACE ";" "," rest "${rest}")  # no list separators in what follows
  while(NOT rest STREQUAL "")
    string(REGEX MATCH "^[^\r\n]*[\r\n]?" segment "${rest}")
    string(LENGTH "${segment}" length)
    math(EXPR at "${at} + ${length}")
    string(SUBSTRING "${rest}" ${length} -1 rest)
    list(GET piece_ends ${piece} end)
    while(end LESS at)
      math(EXPR piece "${piece} + 1")
      list(GET piece_ends ${piece} end)
    endwhile()
    list(GET piece_times ${piece} time)
    string(STRIP "${segment}" text)
    if(NOT text STREQUAL "")
      list(APPEND lines "${time}|${text}")
    endif()
  endwhile()

  set(phases "")
  set(phase_starts "")
  set(summary_time "")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^([0-9]+)\\|(.*)$" matched "${line}")
    set(time "${CMAKE_MATCH_1}")
    set(text "${CMAKE_MATCH_2}")
    string(LENGTH "${text}" length)
    if(length GREATER 79 AND NOT text MATCHES "^ratel rate: cycle")  # the summary may be long
      message(FATAL_ERROR "a progress line longer than 79 columns: ${text}")
    endif()
    if(text MATCHES "about 0 s left")
      message(FATAL_ERROR "\"about 0 s left\" says nothing: ${text}")
    endif()
    if(text MATCHES "^ratel rate: cycle 2012-07: 2000000 records read, 2000000 rated.*bills: 20000$")
      set(summary_time ${time})
    elseif(text MATCHES "^ratel \\[([123])/3\\]")
      set(phase ${CMAKE_MATCH_1})
      list(LENGTH phases count)
      if(count GREATER 0)
        list(GET phases -1 last)
        if(phase LESS last)
          message(FATAL_ERROR "phase ${phase} shown after phase ${last}: ${text}")
        endif()
      endif()
      if(NOT phase IN_LIST phases)
        list(APPEND phases ${phase})
        list(APPEND phase_starts ${time})
      endif()
    elseif(NOT text MATCHES "^ratel: loading the catalog and the account log$")
      message(FATAL_ERROR "unexpected text on the terminal: \"${text}\"")
    endif()
  endforeach()
  if(NOT phases MATCHES "^1;2")
    set(${failure_var} "the phases shown were [${phases}], not reading then rating" PARENT_SCOPE)
    return()
  endif()
  if(NOT summary_time)
    message(FATAL_ERROR "no summary line")
  endif()
  # The line is cleared before the summary: what precedes it on its line is blanks only.
  if(NOT shown MATCHES "\r +\rratel rate: cycle 2012-07")
    message(FATAL_ERROR "the progress line was not cleared before the summary")
  endif()

  # Estimates: each phase ends where the next one is first shown (within 0.1 s), the last at
  # the summary.
  list(APPEND phase_starts ${summary_time})
  set(estimates 0)
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^([0-9]+)\\|ratel \\[([123])/3\\].*, about ([0-9]+) (s|min) left$" matched
           "${line}")
    if(NOT matched)
      continue()
    endif()
    set(time ${CMAKE_MATCH_1})
    set(said ${CMAKE_MATCH_3})
    if(CMAKE_MATCH_4 STREQUAL "min")
      math(EXPR said "${said} * 60")
    endif()
    list(FIND phases ${CMAKE_MATCH_2} index)
    math(EXPR index "${index} + 1")
    list(GET phase_starts ${index} phase_end)
    math(EXPR had_left "${phase_end} - ${time}")  # ms
    math(EXPR bound "(3 * ${had_left} + 2999) / 1000")  # whole seconds, rounded up
    if(said GREATER bound)
      set(${failure_var} "at ${time} ms the line said about ${said} s left, and its phase had \
${had_left} ms left: \"${line}\"" PARENT_SCOPE)
      return()
    endif()
    math(EXPR estimates "${estimates} + 1")
  endforeach()
  message(STATUS "${estimates} estimates, each within 3 x the time left + 2 s")
  # Rating that lasted 3 s had a second with an estimate to show (it shows from 1 s in, at
  # 2% done, while at least a second is left).
  list(FIND phases 2 rating)
  math(EXPR after_rating "${rating} + 1")
  list(GET phase_starts ${rating} rating_start)
  list(GET phase_starts ${after_rating} rating_end)
  math(EXPR rating_ms "${rating_end} - ${rating_start}")
  if(rating_ms GREATER 3000 AND estimates EQUAL 0)
    set(${failure_var} "rating was shown for ${rating_ms} ms without an estimate" PARENT_SCOPE)
  endif()
endfunction()

foreach(attempt 1 2 3)
  run_with_out_dir(failure)
  if(NOT failure)
    break()
  endif()
  message(STATUS "attempt ${attempt}: ${failure}")
endforeach()
if(failure)
  message(FATAL_ERROR "three runs in a row: ${failure}")
endif()

# 2. The bills on the same terminal, against a run with no terminal.
execute_process(COMMAND bash -c "${rate} --format csv > '${WORK}/plain.csv' 2>/dev/null"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the run without a terminal failed: ${rc}")
endif()
file(READ "${WORK}/plain.csv" bills)
on_terminal("${rate} --format csv" shown)
string(REPLACE "\r\n" "\n" shown "${shown}")
string(FIND "${shown}" "${bills}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the bills on the terminal are not the bytes of plain.csv")
endif()
string(SUBSTRING "${shown}" 0 ${at} before)
string(LENGTH "${bills}" length)
math(EXPR after_at "${at} + ${length}")
string(SUBSTRING "${shown}" ${after_at} -1 after)
if(NOT before MATCHES "^\r[^\n]*ratel \\[[12]/3\\][^\n]*\r +\r$")
  message(FATAL_ERROR "before the bills, not a progress line then cleared:\n${before}")
endif()
if(NOT after MATCHES "^ratel rate: cycle 2012-07: 2000000 records read[^\r\n]*\n$")
  message(FATAL_ERROR "after the bills, more than the summary:\n${after}")
endif()

# 3. The bills to a file, the progress through every phase on the terminal.
on_terminal("${rate} --format csv > '${WORK}/beside.csv'" shown)
file(MD5 "${WORK}/plain.csv" plain)
file(MD5 "${WORK}/beside.csv" beside)
if(NOT plain STREQUAL beside)
  message(FATAL_ERROR "the bills differ when the progress is shown")
endif()
if(NOT shown MATCHES "ratel \\[2/3\\] rating")
  message(FATAL_ERROR "no progress beside bills written to a file:\n${shown}")
endif()

file(REMOVE_RECURSE "${WORK}")  # 100 MB of usage and 20,000 bills
