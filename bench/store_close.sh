#!/usr/bin/env bash
# bench/store_close.sh: what closing a month into the SQLite store costs (issue 17): the
# same `ratel rate` of one generated month with `--store` (a fresh store each run) and
# without, paired run by run with farm-bench (the ratio A/B is taken per pair).
#
#   bench/store_close.sh                        # 10,000,000 records, 100,000 subscribers
#   RECORDS=1000000 SUBSCRIBERS=10000 bench/store_close.sh
#
# It builds ratel (Release) and the generator, generates the month with
# `ratel_gen --profile data` (as bench/compare.sh), and prints farm-bench's report: wall,
# CPU and peak memory of each, min / median / max, and the ratio. Both runs write JSON
# bills to /dev/null on one thread; the store is a file in $WORK, removed before each run.
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-10000000}
SUBSCRIBERS=${SUBSCRIBERS:-100000}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/ratel-store-close}
.ci/setup deps >/dev/null
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DRATEL_BUILD_TESTS=OFF >/dev/null
cmake --build build-rel -j"$(nproc)" --target ratel_cli ratel_gen >/dev/null
mkdir -p "$WORK"
if [ ! -s "$WORK/usage.csv" ] || [ "$(($(wc -l <"$WORK/usage.csv") - 1))" != "$RECORDS" ]; then
  echo "generating $RECORDS records for $SUBSCRIBERS subscribers in $WORK ..."
  build-rel/bench/ratel_gen --seed 7 --subscribers "$SUBSCRIBERS" --records "$RECORDS" \
    --out "$WORK" --profile data >/dev/null
fi
ratel=$PWD/build-rel/ratel
inputs="--catalog $PWD/tariffs/cmcc-2012.toml --accounts $WORK/accounts.csv --usage $WORK/usage.csv --cycle 2012-07 --threads 1"
farm-bench -n "$RUNS" --timeout 3600 \
  --vs "sh -c 'exec $ratel rate $inputs >/dev/null 2>>$WORK/plain.err'" \
  -- sh -c "rm -f $WORK/billing.db*; exec $ratel rate $inputs --store $WORK/billing.db >/dev/null 2>>$WORK/store.err"
tail -1 "$WORK/store.err"
tail -1 "$WORK/plain.err"
