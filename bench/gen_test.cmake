# ratel_gen's command line: --help prints the usage and writes nothing; an unknown option,
# a missing --out or a bad value exits 2, names the problem and writes nothing; valid
# arguments give the very bytes they gave before the command line was checked (the MD5s
# below are of files written by the generator of commit e41cc8f, which bench/compare.sh and
# bench/README.md's figures used).
#
#   cmake -DGEN=path/to/ratel_gen -DWORK=scratch/dir -P gen_test.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/cwd")

# gen(ARGS...): runs ratel_gen in ${WORK}/cwd; sets out, err and rc.
function(gen)
  execute_process(COMMAND "${GEN}" ${ARGN} WORKING_DIRECTORY "${WORK}/cwd"
                  OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr RESULT_VARIABLE code)
  set(out "${stdout}" PARENT_SCOPE)
  set(err "${stderr}" PARENT_SCOPE)
  set(rc "${code}" PARENT_SCOPE)
endfunction()

function(expect_nothing_written label)
  file(GLOB written "${WORK}/cwd/*")
  if(written)
    message(FATAL_ERROR "${label}: wrote ${written}")
  endif()
endfunction()

foreach(help --help -h)
  gen(${help})
  if(NOT rc EQUAL 0 OR NOT out MATCHES "^usage: ratel_gen --out DIR" OR NOT out MATCHES "--profile")
    message(FATAL_ERROR "${help}: exit ${rc}, stdout:\n${out}\nstderr:\n${err}")
  endif()
  expect_nothing_written("${help}")
endforeach()
# --help wins wherever it stands: the user asked what the options mean.
gen(--seed 7 --help --out x)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^usage:")
  message(FATAL_ERROR "--help after options: exit ${rc}\n${err}")
endif()
expect_nothing_written("--help after options")

# Each refused command line and a piece its message must hold.
set(refused
  "--seed 7 --out x --frobnicate 1|unknown option \"--frobnicate\""
  "--out x --records|--records needs a value"
  "--out x --records 10k|--records: not a whole number: \"10k\""
  "--out x --records -5|--records: not a whole number: \"-5\""
  "--out x --subscribers 0|--subscribers: at least 1"
  "--out x --profile dat|--profile: \"dat\" is not full, data or gprs20"
  "--out x --month 2012x07|--month: \"2012x07\" is not YYYY-MM"
  "--out x --month 2012-13|--month: \"2012-13\" is not YYYY-MM"
  "--seed 7|--out DIR is required"
  "|--out DIR is required"
  "x|unknown option \"x\"")
foreach(entry IN LISTS refused)
  string(FIND "${entry}" "|" bar)
  string(SUBSTRING "${entry}" 0 ${bar} args_text)
  math(EXPR after "${bar} + 1")
  string(SUBSTRING "${entry}" ${after} -1 wanted)
  separate_arguments(args UNIX_COMMAND "${args_text}")
  gen(${args})
  string(FIND "${err}" "${wanted}" at)
  if(NOT rc EQUAL 2 OR at EQUAL -1 OR NOT err MATCHES "ratel_gen --help")
    message(FATAL_ERROR "ratel_gen ${args_text}: exit ${rc} (expected 2), stderr lacks "
                        "\"${wanted}\" or the pointer to --help:\n${err}")
  endif()
  expect_nothing_written("ratel_gen ${args_text}")
endforeach()

# Valid arguments: the same bytes as before (MD5s of e41cc8f's output).
function(expect_bytes label dir accounts_md5 usage_md5)
  file(MD5 "${dir}/accounts.csv" a)
  file(MD5 "${dir}/usage.csv" u)
  if(NOT a STREQUAL accounts_md5 OR NOT u STREQUAL usage_md5)
    message(FATAL_ERROR "${label}: accounts ${a} usage ${u}, expected ${accounts_md5} ${usage_md5}")
  endif()
endfunction()
gen(--out "${WORK}/defaults")
expect_bytes("defaults (seed 7, 1000 subscribers, 100000 records, 2012-07, full)" "${WORK}/defaults"
             3f2222af0df947e974fd051b7d168800 bfe2ac02a3dff4f55dee186cd1cfe0e1)
gen(--seed 7 --subscribers 1000 --records 100000 --out "${WORK}/explicit")
expect_bytes("the same, spelled out" "${WORK}/explicit"
             3f2222af0df947e974fd051b7d168800 bfe2ac02a3dff4f55dee186cd1cfe0e1)
gen(--seed 11 --subscribers 50 --records 2000 --out "${WORK}/data" --profile data --month 2012-01)
expect_bytes("--profile data, January" "${WORK}/data"
             bc963afd09bbfbb2cf9b65091e61beed 2beee518681c81d3a619c022dfa30dca)
