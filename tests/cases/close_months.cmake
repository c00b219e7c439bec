# For the store-* cases' generate.cmake: closes each month of `months` in
# ${OUT}/billing.db, one `ratel rate --store` run per month, as a backend would, from the
# case's accounts.csv and usage.csv and tariffs/unicom-2019.toml (or, when set,
# `close_catalog` and `close_usage`).
#
#   set(months 2018-08 2018-09)
#   include("${CASE}/../close_months.cmake")
if(NOT DEFINED close_catalog)
  set(close_catalog "${TARIFFS}/unicom-2019.toml")
endif()
if(NOT DEFINED close_usage)
  set(close_usage "${CASE}/usage.csv")
endif()
foreach(month IN LISTS months)
  execute_process(
    COMMAND "${RATEL}" rate --catalog "${close_catalog}" --accounts "${CASE}/accounts.csv"
            --usage "${close_usage}" --cycle ${month} --store "${OUT}/billing.db"
    OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "closing ${month} failed (exit ${rc}): ${err}")
  endif()
endforeach()
