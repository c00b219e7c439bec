# Closes August 2018 to June 2019 in ${OUT}/billing.db, one month per run, from the
# account log and usage of store-points-over-a-year.
set(months 2018-08 2018-09 2018-10 2018-11 2018-12 2019-01 2019-02 2019-03 2019-04 2019-05
           2019-06)
set(close_usage "${CASE}/../store-points-over-a-year/usage.csv")
set(CASE_SAVED "${CASE}")
set(CASE "${CASE}/../store-points-over-a-year")
include("${CASE}/../close_months.cmake")
set(CASE "${CASE_SAVED}")
