# Closes July 2012 from july.csv, then August from august.csv (with j-2, late for July),
# in ${OUT}/billing.db.
set(close_catalog "${TARIFFS}/cmcc-2012.toml")
set(months 2012-07)
set(close_usage "${CASE}/july.csv")
include("${CASE}/../close_months.cmake")
set(months 2012-08)
set(close_usage "${CASE}/august.csv")
include("${CASE}/../close_months.cmake")
