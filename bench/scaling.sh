#!/usr/bin/env bash
# bench/scaling.sh: does ratel's cost grow linearly (issue 19)? One thread, JSON bills,
# the default --memory-budget, on gprs-20 months (`ratel_gen --profile gprs20`) of
#   1 M, 10 M and 100 M records over 100,000 subscribers, and
#   10 M records over 100,000, 1 M and 10 M subscribers,
# each generated into $WORK, rated once, and removed (100 M records are 6 GB of CSV).
# Prints records per second, CPU seconds, peak memory and each row's ratio to the 10 M
# records / 100,000 subscribers row. The bills go to /dev/null: the run is what is timed,
# not the disk.
#
#   bench/scaling.sh                 # all six rows (about 10 minutes here)
#   ROWS="1000000:100000 10000000:100000" bench/scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/ratel-scaling}
ROWS=${ROWS:-"1000000:100000 10000000:100000 100000000:100000 10000000:1000000 10000000:10000000"}
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DRATEL_BUILD_TESTS=OFF >/dev/null
cmake --build build-rel -j"$(nproc)" --target ratel_cli ratel_gen >/dev/null
mkdir -p "$WORK"
printf '%-12s %-12s %9s %9s %9s %9s %12s\n' records subscribers wall_s cpu_s sys_s peak_MB records/s
for row in $ROWS; do
  records=${row%%:*} subscribers=${row##*:}
  build-rel/bench/ratel_gen --seed 7 --subscribers "$subscribers" --records "$records" \
    --out "$WORK" --profile gprs20
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" build-rel/ratel rate \
    --catalog tariffs/cmcc-2012.toml --accounts "$WORK/accounts.csv" --usage "$WORK/usage.csv" \
    --cycle 2012-07 --format json --threads 1 >/dev/null 2>"$WORK/stderr" ||
    { cat "$WORK/stderr"; exit 1; }
  read -r wall user sys peak < "$WORK/time"
  awk -v r="$records" -v s="$subscribers" -v w="$wall" -v u="$user" -v y="$sys" -v p="$peak" \
    'BEGIN { printf "%-12d %-12d %9.2f %9.2f %9.2f %9.0f %12.0f\n", r, s, w, u + y, y, p / 1024, r / w }'
  rm -f "$WORK/accounts.csv" "$WORK/usage.csv"
done
