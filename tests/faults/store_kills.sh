#!/usr/bin/env bash
# Crash safety of closing a cycle into a store (issue 17, docs/design.md section 6): a
# closing run killed with SIGKILL at any point leaves the store at the old close or the
# new one, never a mix, and running again gives the same store as a run never killed.
#
#   tests/faults/store_kills.sh RATEL SOURCE WORK [KILLS]
#
# July 2012 (1,000 subscribers x 40 records, bench/make_month.sh) is closed once. Then
# August (the same shape, plus 800 records of July arriving late, D25) is closed KILLS
# times (default 24) into copies of that store, each run killed after a delay spread over
# the length of an uninterrupted close, so kills land while reading, rating, writing
# the transaction and after the commit; then closes it on a full disk. The reference close runs on two threads, the
# others on one, so the comparisons also show the store does not depend on the thread
# count. Each check prints what it proved; the first failure stops the script with exit 1.
set -uo pipefail
ratel=$1 source=$2 work=$3 kills=${4:-24}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
command -v sqlite3 >/dev/null || fail "the sqlite3 shell is needed to look inside the store"

catalog=$source/tariffs/cmcc-2012.toml
bash "$source/bench/make_month.sh" july 1000 40 >/dev/null 2>&1 || fail "make_month"
# August: July's records moved to August with new ids, and every 50th July record again
# under a new id, dated in July: late (800 of them).
{
  head -1 july/usage.csv
  tail -n +2 july/usage.csv | sed 's/^r/a/; s/,2012-07-/,2012-08-/'
  tail -n +2 july/usage.csv | awk 'NR % 50 == 0' | sed 's/^r/l/'
} >august.csv
close() {  # close STORE MONTH USAGE [THREADS]: one closing run, its exit in $rc
  "$ratel" rate --catalog "$catalog" --accounts july/accounts.csv --usage "$3" --cycle "$2" \
    --store "$1" --threads "${4:-1}" >/dev/null 2>"$1.err"
  rc=$?
}
close july.db 2012-07 july/usage.csv
[ "$rc" = 0 ] || { cat july.db.err; fail "closing July: exit $rc"; }

# What the store holds, as text: every table of a close, in key order.
dump() {
  sqlite3 "$1" "SELECT 'cycle', cycle, catalog_digest, accounts_digest, usage_digest FROM cycles ORDER BY cycle;
                SELECT 'bill', subscriber, cycle, bill FROM bills ORDER BY subscriber, cycle;
                SELECT 'state', cycle, subscriber, state FROM carried_states ORDER BY cycle, subscriber;
                SELECT 'records', subscriber, cycle, billed_by, record_count, hex(records) FROM cycle_records ORDER BY subscriber, cycle, billed_by;
                SELECT 'fingerprints', billed_by, first, hex(fingerprints) FROM record_fingerprints ORDER BY billed_by, first;"
}
# The reference: August closed without a kill, on two threads (the killed runs and the
# reruns use one: the store must not depend on it).
cp july.db reference.db
start=$(date +%s%N)
close reference.db 2012-08 august.csv 2
took_ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 0 ] || { cat reference.db.err; fail "closing August: exit $rc"; }
grep -qF "(800 of them late records of closed cycles)" reference.db.err ||
  { cat reference.db.err; fail "August's close did not rate the 800 late records"; }
dump july.db >old.txt
dump reference.db >new.txt
cmp -s old.txt new.txt && fail "August's close changed nothing"
pass "uninterrupted close of August: ${took_ms} ms, $(grep -c '^bill' new.txt) bills in the store"

old=0 new=0
# One closing run killed after $2 ms (kill $1): the store holds the old close or the new one,
# and running again gives the reference.
kill_after() {
  local i=$1 delay_ms=$2 pid state
  cp july.db killed.db
  rm -f killed.db-wal killed.db-shm
  "$ratel" rate --catalog "$catalog" --accounts july/accounts.csv --usage august.csv \
    --cycle 2012-08 --store killed.db >/dev/null 2>killed.err &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ "$(sqlite3 killed.db 'PRAGMA integrity_check')" = ok ] || fail "kill $i: the store is damaged"
  dump killed.db >after.txt
  if cmp -s after.txt old.txt; then
    old=$((old + 1)); state=old
  elif cmp -s after.txt new.txt; then
    new=$((new + 1)); state=new
  else
    fail "kill $i after ${delay_ms} ms: the store holds neither the old close nor the new one"
  fi
  # Running again finishes the job: the store is then the uninterrupted run's.
  close killed.db 2012-08 august.csv
  [ "$rc" = 0 ] || { cat killed.db.err; fail "kill $i: running again: exit $rc"; }
  dump killed.db >again.txt
  cmp -s again.txt new.txt || fail "kill $i: after running again the store differs from the reference"
  echo "   kill $i after ${delay_ms} ms: store held the $state close; running again: the reference"
}
for ((i = 0; i < kills; i++)); do
  # Spread over 1.2 times the uninterrupted close, so that the last kills come after it ended.
  kill_after "$i" $((took_ms * 12 * i / (10 * kills) + RANDOM % 20))
done
# On a loaded machine a killed run (one thread) can take longer than the reference did: a
# few more kills, each later, until one lands after the commit.
for ((extra = 2; new == 0 && extra <= 8; extra++)); do
  kill_after "$((kills + extra - 2))" $((took_ms * extra))
done
pass "$((old + new)) kills: the store held the old close $old times and the new one $new times, never a mix; every rerun equals the uninterrupted run"
[ "$old" -gt 0 ] && [ "$new" -gt 0 ] || fail "the kills did not land both before and after the commit"

# A full disk: the store on a file system with room for July's close but not August's. The
# close fails with the store's reason (exit 1), the store still holds July whole, and the
# bills file is not written: the store is closed first, the outputs after.
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; }
trap cleanup EXIT
if [ "$(id -u)" = 0 ] && mkdir -p full; then
  size_kb=$(( $(stat -c %s july.db) / 1024 + 1024 ))
  if mount -t tmpfs -o size=${size_kb}k tmpfs full 2>/dev/null; then
    mounts+=("$PWD/full")
    cp july.db full/billing.db
    "$ratel" rate --catalog "$catalog" --accounts july/accounts.csv --usage august.csv \
      --cycle 2012-08 --store full/billing.db --out-file full/bills.json >/dev/null 2>full.err
    rc=$?
    [ "$rc" = 1 ] || { cat full.err; fail "full disk: exit $rc, expected 1"; }
    grep -q "full/billing.db" full.err && grep -qi "full" full.err ||
      { cat full.err; fail "full disk: the message does not name the store and the reason"; }
    [ -e full/bills.json ] && fail "full disk: the bills were written though the close failed"
    [ "$(sqlite3 full/billing.db 'PRAGMA integrity_check')" = ok ] || fail "full disk: store damaged"
    dump full/billing.db >full.txt
    cmp -s full.txt old.txt || fail "full disk: the store is not July's close any more"
    pass "a full disk (${size_kb} KB): exit 1 with \"$(head -c 160 full.err)\"; the store still holds July whole, no bills written"
  else
    echo "skipped: full disk (cannot mount a tmpfs)"
  fi
else
  echo "skipped: full disk (mounting a tmpfs needs root; this runs as $(id -un))"
fi

