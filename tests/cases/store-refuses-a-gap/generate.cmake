# Closes 2018-08 in ${OUT}/billing.db, one month per run.
set(months 2018-08)
include("${CASE}/../close_months.cmake")
