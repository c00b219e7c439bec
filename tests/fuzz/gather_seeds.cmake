# tests/fuzz/gather_seeds.cmake: fills OUT with the files matched by GLOBS ('|'-separated),
# one file per seed, named after its source path so two cases' usage.csv do not collide.
# The seeds are inputs the tests and examples already commit; gathering them at build
# time keeps one copy of each in the repository.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
set(count 0)
string(REPLACE "|" ";" globs "${GLOBS}")
foreach(glob IN LISTS globs)
  file(GLOB matches LIST_DIRECTORIES false "${glob}")
  foreach(path IN LISTS matches)
    get_filename_component(dir "${path}" DIRECTORY)
    get_filename_component(parent "${dir}" NAME)
    get_filename_component(name "${path}" NAME)
    file(COPY_FILE "${path}" "${OUT}/${parent}--${name}")
    math(EXPR count "${count} + 1")
  endforeach()
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "no seed matched ${GLOBS}")
endif()
message(STATUS "${count} seeds in ${OUT}")
