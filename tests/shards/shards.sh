#!/usr/bin/env bash
# Batch shards (issue 18, docs/design.md section 5): N separate `ratel rate --shard I/N`
# processes, their outputs merged with `ratel merge`, give the bytes of one process over
# the whole file: bills in every format, events and rejects; with --out DIR, the N shards
# writing into one folder give the one process's folder.
#
#   tests/shards/shards.sh RATEL SOURCE WORK
#
# The month: 300 subscribers x 20 records (bench/make_month.sh) over two cycles (a tenth of
# the records moved to August), plus what every shard must place the same way: duplicates,
# malformed rows, a subscriber the log does not know, a quoted subscriber, a record outside
# the cycles, and an account with no record (a bill anyway). Each check prints what it
# proved; the first failure stops the script with exit 1.
set -uo pipefail
ratel=$(realpath "$1") source=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

bash "$source/bench/make_month.sh" m 300 20 >/dev/null 2>&1 || fail "make_month"
{
  head -1 m/usage.csv
  tail -n +2 m/usage.csv | awk -F, 'NR % 10 == 0 { sub(/,2012-07-/, ",2012-08-") } { print }'
  tail -n +2 m/usage.csv | awk 'NR % 97 == 0'                 # duplicates, same content
  echo 'x1,13800000007,2012-07-02T10:00:00+08:00,data,12,'    # an id again, other content
  echo 'x1,13800000007,2012-07-02T10:00:00+08:00,data,13,'
  echo 'bad1,13800000011,2012-07-02T25:00:00+08:00,data,1024,'  # malformed time
  echo 'bad2,13800000012,2012-07-02T10:00:00+08:00,data,lots,'  # malformed quantity
  echo 'u1,19999999999,2012-07-03T10:00:00+08:00,data,1024,'    # unknown subscriber
  echo 'q1,"13800000042",2012-07-04T10:00:00+08:00,voice,61,'   # quoted subscriber
  echo 'o1,13800000043,2012-09-04T10:00:00+08:00,voice,61,'     # outside the cycles
} >usage.csv
cp m/accounts.csv accounts.csv
echo '13900000000,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,' >>accounts.csv  # no record
inputs=(--catalog "$source/tariffs/cmcc-2012.toml" --accounts accounts.csv --usage usage.csv
        --cycle 2012-07..2012-08)

for format in json csv text; do
  "$ratel" rate "${inputs[@]}" --format "$format" --threads 2 --out-file "whole.$format" \
    --rejects whole.rejects.csv --events whole.events.csv 2>/dev/null
  [ -s "whole.$format" ] || fail "the whole run wrote no $format bills"
done
grep -q '^[0-9]*,19999999999,u1,unknown_subscriber' whole.rejects.csv || fail "no unknown subscriber reject"
[ "$(grep -c 'duplicate' whole.rejects.csv)" -ge 20 ] || fail "too few duplicates in the month"
grep -q '13900000000' whole.json || fail "the account without records has no bill"

for n in 1 2 7; do
  for format in json csv text; do
    parts=()
    for ((i = 0; i < n; i++)); do
      "$ratel" rate "${inputs[@]}" --shard "$i/$n" --format "$format" --out-file "s$i.$format" \
        --rejects "s$i.rejects.csv" --events "s$i.events.csv" 2>"s$i.err"
      rc=$?
      [ "$rc" -le 1 ] || { cat "s$i.err"; fail "shard $i/$n: exit $rc"; }
      parts+=("s$i.$format")
    done
    # Shards given in reverse order: the merge does not depend on it.
    reversed=()
    for ((i = ${#parts[@]} - 1; i >= 0; i--)); do reversed+=("${parts[$i]}"); done
    "$ratel" merge bills --format "$format" "${reversed[@]}" >"merged.$format" ||
      fail "merging $n shards of $format bills"
    cmp -s "merged.$format" "whole.$format" || fail "$n shards: $format bills differ from one run"
  done
  "$ratel" merge events s*.events.csv >merged.events.csv || fail "merging events"
  cmp -s merged.events.csv whole.events.csv || fail "$n shards: events differ"
  "$ratel" merge rejects s*.rejects.csv >merged.rejects.csv || fail "merging rejects"
  cmp -s merged.rejects.csv whole.rejects.csv || fail "$n shards: rejects differ"
  # The counts of the shards add up to the one run's.
  read -r read rated rejected dups < <(sed -n 's/.*: \([0-9]*\) records read, \([0-9]*\) rated, \([0-9]*\) rejected, \([0-9]*\) duplicates.*/\1 \2 \3 \4/p' s*.err |
    awk '{ r += $1; a += $2; j += $3; d += $4 } END { print r, a, j, d }')
  [ "$read" = "$(($(wc -l <usage.csv) - 1))" ] || fail "$n shards read $read records"
  [ "$read" = "$((rated + rejected + dups))" ] || fail "$n shards: counts do not reconcile"
  rm -f s*.json s*.csv s*.text s*.err
  pass "$n shards: bills (json, csv, text), events and rejects merge to one run's bytes; $read records read in all"
done

# --out DIR: the shards write their bills into one folder.
"$ratel" rate "${inputs[@]}" --out whole-dir 2>/dev/null
for ((i = 0; i < 7; i++)); do
  "$ratel" rate "${inputs[@]}" --shard "$i/7" --out shard-dir 2>/dev/null
done
diff -r whole-dir shard-dir >/dev/null || fail "7 shards into one folder differ from one run's"
pass "7 shards writing into one folder give one run's $(ls whole-dir | wc -l) bill files"

# Mistakes are refused before anything is read.
for bad in 3/3 1/0 x/2 2 -1/4; do
  "$ratel" rate "${inputs[@]}" --shard "$bad" >/dev/null 2>err
  [ $? = 2 ] && grep -q -- '--shard' err || fail "--shard $bad was not refused"
done
"$ratel" merge bills whole.csv >/dev/null 2>err
[ $? = 1 ] && grep -q 'does not start with \[' err || fail "CSV bills merged as JSON"
pass "a bad --shard, and a merge of the wrong kind, are refused with the reason"
