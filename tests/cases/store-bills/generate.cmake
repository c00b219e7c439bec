# Closes 2018-08 2018-09 in ${OUT}/billing.db, one month per run.
foreach(month 2018-08 2018-09)
  execute_process(
    COMMAND "${RATEL}" rate --catalog "${TARIFFS}/unicom-2019.toml" --accounts "${CASE}/accounts.csv"
            --usage "${CASE}/usage.csv" --cycle ${month} --store "${OUT}/billing.db"
    OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "closing ${month} failed (exit ${rc}): ${err}")
  endif()
endforeach()
