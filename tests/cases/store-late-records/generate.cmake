# Closes July 2012 in ${OUT}/billing.db from july.csv: the month as it was billed.
set(months 2012-07)
set(close_catalog "${TARIFFS}/cmcc-2012.toml")
set(close_usage "${CASE}/july.csv")
include("${CASE}/../close_months.cmake")
