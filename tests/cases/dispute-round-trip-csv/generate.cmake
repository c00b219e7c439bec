# ratel's own bills of the bundled example (three subscribers: packs, top-ups, both bands,
# roaming), written with `rate --format csv` into ${OUT}/bills.csv for rerate to read back.
execute_process(
  COMMAND "${RATEL}" rate --catalog "${TARIFFS}/cmcc-2012.toml"
          --accounts "${SOURCE}/examples/july-2012/accounts.csv"
          --usage "${SOURCE}/examples/july-2012/usage.csv" --cycle 2012-07 --format csv
  OUTPUT_FILE "${OUT}/bills.csv" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ratel rate --format csv of the example failed: exit ${rc}")
endif()
