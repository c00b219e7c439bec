# A copy of the usage file in ${OUT}: if the refusal failed, the copy is what would be lost.
file(COPY "${CASE}/usage.csv" DESTINATION "${OUT}")
