# Closes 2018-08 2018-09 in ${OUT}/billing.db, one month per run.
set(months 2018-08 2018-09)
include("${CASE}/../close_months.cmake")
