#!/usr/bin/env bash
# bench/compare.sh: ratel against the floor (reading the file once) and against DuckDB SQL,
# on the same generated month, in one run on this machine (issue 8).
#
#   bench/compare.sh                     # 10,000,000 records, 100,000 subscribers
#   RECORDS=1000000 SUBSCRIBERS=10000 bench/compare.sh
#
# It builds ratel (Release) and the generator, installs what is missing (Debian: nodejs,
# npm, time; npm: @duckdb/node-api into bench/peer/node_modules, which git ignores),
# generates the input with `ratel_gen --profile data` (the subset the SQL implements:
# gprs-20, data-pack-5, data-topup-3, off-peak, the 500.00 cap, the 15 GB rule), times
# each contender, checks that ratel's and DuckDB's per-subscriber totals are identical,
# and prints records per second and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-10000000}
SUBSCRIBERS=${SUBSCRIBERS:-100000}
export WORK=${WORK:-/tmp/ratel-compare}  # the timed commands run in child shells
THREADS=$(nproc)

missing=()
for p in time cmake g++; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian: only ask for Debian's when there is none.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  as_root=(); [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
.ci/setup deps >/dev/null   # the Debian packages ratel needs
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DRATEL_BUILD_TESTS=OFF >/dev/null
cmake --build build-rel -j"$THREADS" --target ratel_cli ratel_gen >/dev/null
[ -d bench/peer/node_modules/@duckdb/node-api ] || (cd bench/peer && npm install --no-audit --no-fund --silent)

mkdir -p "$WORK"
echo "generating $RECORDS records for $SUBSCRIBERS subscribers in $WORK ..."
build-rel/bench/ratel_gen --seed 7 --subscribers "$SUBSCRIBERS" --records "$RECORDS" --out "$WORK" --profile data

# timed NAME COMMAND...: runs it, keeps wall seconds, peak KB and CPU seconds (user, system)
# in $WORK/NAME.time. CPU time is what to compare when other work shares the machine: wall
# time then counts the waits for a core too.
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.time" "$@"
}
ratel_rate() {
  build-rel/ratel rate --catalog tariffs/cmcc-2012.toml --accounts "$WORK/accounts.csv" \
    --usage "$WORK/usage.csv" --cycle 2012-07 --format csv --threads "$1" 2>/dev/null
}
totals() { awk -F, '$4 == "total" { print $1 "," $11 }' | sort; }

echo "timing ... (load average before: $(cut -d" " -f1-3 /proc/loadavg))"
timed scan wc -l "$WORK/usage.csv" >/dev/null
timed ratel1 bash -c "$(declare -f ratel_rate); ratel_rate 1 > '$WORK/ratel1.csv'"
timed ratelN bash -c "$(declare -f ratel_rate); ratel_rate $THREADS > '$WORK/ratelN.csv'"
timed duckdb node bench/peer/duckdb_bills.mjs "$WORK/accounts.csv" "$WORK/usage.csv" "$WORK/duckdb.csv"

totals < "$WORK/ratel1.csv" > "$WORK/ratel1.totals"
totals < "$WORK/ratelN.csv" > "$WORK/ratelN.totals"
tail -n +2 "$WORK/duckdb.csv" | sort > "$WORK/duckdb.totals"
cmp -s "$WORK/ratel1.totals" "$WORK/ratelN.totals" || { echo "ratel: totals differ between 1 and $THREADS threads"; exit 1; }
if ! cmp -s "$WORK/ratel1.totals" "$WORK/duckdb.totals"; then
  echo "ratel and DuckDB disagree on these subscribers' totals:"
  diff "$WORK/ratel1.totals" "$WORK/duckdb.totals" | head -20
  exit 1
fi
echo "totals: identical for $(wc -l < "$WORK/ratel1.totals") subscribers (ratel 1 thread, ratel $THREADS threads, DuckDB)"

# The table: seconds, peak memory, records per second, and ratios (integer arithmetic
# in awk's doubles is fine for a report: these are timings, not money).
awk -v records="$RECORDS" -v threads="$THREADS" -v work="$WORK" 'BEGIN {
  split("scan ratel1 ratelN duckdb", names, " ")
  label["scan"] = "line scan (wc -l, the floor)"; label["ratel1"] = "ratel rate, 1 thread"
  label["ratelN"] = "ratel rate, " threads " threads"; label["duckdb"] = "DuckDB SQL (@duckdb/node-api)"
  for (i = 1; i <= 4; i++) {
    n = names[i]; getline line < (work "/" n ".time"); split(line, f, " "); secs[n] = f[1]; kb[n] = f[2]
    cpu[n] = f[3] + f[4]
    if (secs[n] < 0.01) secs[n] = 0.01  # /usr/bin/time counts in hundredths
    printf "%-34s %8.2f s %8.0f MB %12.0f records/s %8.2f s CPU\n", label[n], secs[n], kb[n] / 1024,
           records / secs[n], cpu[n]
  }
  load = ""; getline load < "/proc/loadavg"
  printf "load average while measuring (1, 5, 15 min): %s\n", load
  printf "ratel 1 thread vs DuckDB:        %.2fx faster\n", secs["duckdb"] / secs["ratel1"]
  printf "ratel %d threads vs DuckDB:       %.2fx faster (both on all cores)\n", threads, secs["duckdb"] / secs["ratelN"]
  printf "ratel %d threads vs 1 thread:     %.2fx\n", threads, secs["ratel1"] / secs["ratelN"]
  printf "ratel 1 thread vs the line scan: %.1fx the time of the floor\n", secs["ratel1"] / secs["scan"]
}'
