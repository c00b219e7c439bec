# Findcctz: Google's cctz (Debian: libcctz-dev), the zone rules behind ratel::zone.
#
# Debian's cctz 2.3 ships a header and a library but no CMake package, so this finds them
# and defines the imported target cctz::cctz. A cctz built from source installs its own
# package (also with cctz::cctz): that one is used when it is found.
#
# Installed beside ratelConfig.cmake, where find_dependency(cctz) uses it: the static
# libratel.a needs libcctz on its consumer's link line.
if(TARGET cctz::cctz)
  set(cctz_FOUND TRUE)
  return()
endif()
find_package(cctz CONFIG QUIET)
if(TARGET cctz::cctz)
  set(cctz_FOUND TRUE)
  return()
endif()

find_path(cctz_INCLUDE_DIR cctz/time_zone.h)
find_library(cctz_LIBRARY cctz)
mark_as_advanced(cctz_INCLUDE_DIR cctz_LIBRARY)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(cctz REQUIRED_VARS cctz_LIBRARY cctz_INCLUDE_DIR)
if(cctz_FOUND)
  add_library(cctz::cctz UNKNOWN IMPORTED)
  set_target_properties(cctz::cctz PROPERTIES IMPORTED_LOCATION "${cctz_LIBRARY}"
                                              INTERFACE_INCLUDE_DIRECTORIES "${cctz_INCLUDE_DIR}")
endif()
