#!/usr/bin/env bash
# bench/compare.sh: ratel against the floor (reading the file once, tokenizing it once) and
# against DuckDB SQL, on the same generated month, in one run on this machine (issues 8, 19).
#
#   bench/compare.sh                                       # 4,000,000 records, 40,000 subscribers
#   SUBSCRIBERS=1000000 bench/compare.sh                   # the many-subscribers month
#   RECORDS=10000000 SUBSCRIBERS=100000 PROFILE=data bench/compare.sh   # issue 8's month
#
# It builds ratel (Release), the generator and the tokenizer floor, installs what is missing
# (Debian: nodejs, npm, time; npm: @duckdb/node-api into bench/peer/node_modules, which git
# ignores), generates the month with `ratel_gen --profile $PROFILE` (gprs20, the default:
# home data on gprs-20 alone; data: gprs-20, data-pack-5, data-topup-3), times each
# contender, checks that the per-subscriber totals of ratel and of each SQL are identical,
# and prints records per second and the ratios. The contenders: `wc -l` and
# `tokenize_floor` (every field found once, nothing validated: the floor); `ratel rate` to
# JSON bills on 1 thread and on all; our full DuckDB implementation
# (`bench/peer/duckdb_bills.mjs`: every line of every bill, on all cores); and, with the
# gprs20 profile, the leanest SQL a data engineer would write (`bench/peer/duckdb_lean.mjs`:
# typed columns, the band from the hour, a running sum, least() for the cap, one total per
# subscriber) with `threads` 1 and all, core for core against ratel.
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-4000000}
SUBSCRIBERS=${SUBSCRIBERS:-40000}
PROFILE=${PROFILE:-gprs20}
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
cmake --build build-rel -j"$THREADS" --target ratel_cli ratel_gen tokenize_floor >/dev/null
[ -d bench/peer/node_modules/@duckdb/node-api ] || (cd bench/peer && npm install --no-audit --no-fund --silent)

mkdir -p "$WORK"
echo "generating $RECORDS records for $SUBSCRIBERS subscribers ($PROFILE) in $WORK ..."
build-rel/bench/ratel_gen --seed 7 --subscribers "$SUBSCRIBERS" --records "$RECORDS" --out "$WORK" --profile "$PROFILE"
# The files just written go to the disk now, not while the first contenders are timed (the
# writeback of a 250 MB file made ratel's one-thread run 20% slower than alone).
sync "$WORK/usage.csv" "$WORK/accounts.csv"

# timed NAME COMMAND...: runs it, keeps wall seconds, peak KB and CPU seconds (user, system)
# in $WORK/NAME.time. CPU time is what to compare when other work shares the machine: wall
# time then counts the waits for a core too.
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.time" "$@"
}
ratel_rate() {
  build-rel/ratel rate --catalog tariffs/cmcc-2012.toml --accounts "$WORK/accounts.csv" \
    --usage "$WORK/usage.csv" --cycle 2012-07 --format json --threads "$1" 2>/dev/null
}
# Each bill's subscriber and total, from ratel's JSON bills (a bill's own members are
# indented by four spaces; its lines' and events' by more).
totals() { awk '/^    "subscriber": / { gsub(/[",]/, "", $2); s = $2 }
                /^    "total": / { gsub(/[",]/, "", $2); print s "," $2 }' | sort; }

names="scan floor ratel1 ratelN duckdb"
echo "timing ... (load average before: $(cut -d" " -f1-3 /proc/loadavg))"
timed scan wc -l "$WORK/usage.csv" >/dev/null
timed floor build-rel/bench/tokenize_floor "$WORK/usage.csv" >/dev/null
timed ratel1 bash -c "$(declare -f ratel_rate); ratel_rate 1 > '$WORK/ratel1.json'"
timed ratelN bash -c "$(declare -f ratel_rate); ratel_rate $THREADS > '$WORK/ratelN.json'"
timed duckdb node bench/peer/duckdb_bills.mjs "$WORK/accounts.csv" "$WORK/usage.csv" "$WORK/duckdb.csv"
if [ "$PROFILE" = gprs20 ]; then
  names="$names lean1 leanN"
  timed lean1 node bench/peer/duckdb_lean.mjs "$WORK/accounts.csv" "$WORK/usage.csv" "$WORK/lean1.csv" 1
  timed leanN node bench/peer/duckdb_lean.mjs "$WORK/accounts.csv" "$WORK/usage.csv" "$WORK/leanN.csv" "$THREADS"
fi

totals < "$WORK/ratel1.json" > "$WORK/ratel1.totals"
totals < "$WORK/ratelN.json" > "$WORK/ratelN.totals"
cmp -s "$WORK/ratel1.totals" "$WORK/ratelN.totals" || { echo "ratel: totals differ between 1 and $THREADS threads"; exit 1; }
for sql in duckdb lean1 leanN; do
  [ -f "$WORK/$sql.time" ] && [[ " $names " == *" $sql "* ]] || continue
  tail -n +2 "$WORK/$sql.csv" | sort > "$WORK/$sql.totals"
  if ! cmp -s "$WORK/ratel1.totals" "$WORK/$sql.totals"; then
    echo "ratel and $sql disagree on these subscribers' totals:"
    diff "$WORK/ratel1.totals" "$WORK/$sql.totals" | head -20
    exit 1
  fi
done
echo "totals: identical for $(wc -l < "$WORK/ratel1.totals") subscribers (ratel 1 thread, ratel $THREADS threads, $(echo "$names" | cut -d' ' -f5- | sed 's/ /, /g'))"

# The table: seconds, peak memory, records per second, and ratios (integer arithmetic
# in awk's doubles is fine for a report: these are timings, not money).
awk -v records="$RECORDS" -v threads="$THREADS" -v work="$WORK" -v names="$names" 'BEGIN {
  n_names = split(names, list, " ")
  label["scan"] = "line scan (wc -l)"; label["floor"] = "tokenize_floor (every field once)"
  label["ratel1"] = "ratel rate, 1 thread, JSON"; label["ratelN"] = "ratel rate, " threads " threads, JSON"
  label["duckdb"] = "DuckDB, our full SQL, " threads " threads"
  label["lean1"] = "DuckDB, lean SQL, 1 thread"; label["leanN"] = "DuckDB, lean SQL, " threads " threads"
  for (i = 1; i <= n_names; i++) {
    n = list[i]; getline line < (work "/" n ".time"); split(line, f, " "); secs[n] = f[1]; kb[n] = f[2]
    cpu[n] = f[3] + f[4]
    if (secs[n] < 0.01) secs[n] = 0.01  # /usr/bin/time counts in hundredths
    printf "%-38s %8.2f s %8.0f MB %12.0f records/s %8.2f s CPU\n", label[n], secs[n], kb[n] / 1024,
           records / secs[n], cpu[n]
  }
  load = ""; getline load < "/proc/loadavg"
  printf "load average while measuring (1, 5, 15 min): %s\n", load
  if ("lean1" in secs) {
    printf "ratel vs the lean SQL, 1 core each:   %.2fx faster\n", secs["lean1"] / secs["ratel1"]
    printf "ratel vs the lean SQL, %d cores each:  %.2fx faster\n", threads, secs["leanN"] / secs["ratelN"]
  }
  printf "ratel vs our full SQL, %d cores each:  %.2fx faster\n", threads, secs["duckdb"] / secs["ratelN"]
  printf "ratel %d threads vs 1 thread:          %.2fx\n", threads, secs["ratel1"] / secs["ratelN"]
  printf "ratel 1 thread vs tokenize_floor:     %.1fx the time of the floor\n", secs["ratel1"] / secs["floor"]
  printf "ratel 1 thread vs the line scan:      %.1fx the time\n", secs["ratel1"] / secs["scan"]
}'
