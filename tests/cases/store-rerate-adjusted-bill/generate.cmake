# Closes July and August 2012 in ${OUT}/billing.db as store-late-records-again does (its
# inputs, its script): August brought j-2, late for July.
set(CASE "${CASE}/../store-late-records-again")
include("${CASE}/generate.cmake")
