# Closes August 2018 to June 2019 in ${OUT}/billing.db, one month per run, as a backend
# would month after month (each run goes on from the store's last carried state).
set(months 2018-08 2018-09 2018-10 2018-11 2018-12 2019-01 2019-02 2019-03 2019-04 2019-05
           2019-06)
include("${CASE}/../close_months.cmake")
