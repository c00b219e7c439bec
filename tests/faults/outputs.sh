#!/usr/bin/env bash
# Fault injection for what leaves a run (issue "Outputs that can be trusted", docs/design.md
# section 7): every fault either gives complete outputs or a failure that says why, and
# nothing is ever written outside where the user pointed.
#
#   tests/faults/outputs.sh RATEL SOURCE WORK
#
# The ENOSPC checks mount a small tmpfs, which needs root (CI runs as root on these
# machines); elsewhere they are skipped with a printed reason. Each check prints what it
# proved; the first failure stops the script with exit 1.
set -uo pipefail
ratel=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; }
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
# run NAME ARGS...: runs ratel with stdout to NAME.out, stderr to NAME.err, status in $rc.
run() { local name=$1; shift; "$ratel" rate "$@" >"$name.out" 2>"$name.err"; rc=$?; }
expect_rc() { [ "$rc" = "$1" ] || { cat "$2.err"; fail "$2: exit $rc, expected $1"; }; }
expect_err() { grep -qF -- "$2" "$1.err" || { cat "$1.err"; fail "$1: stderr lacks: $2"; }; }

catalog=$source/tariffs/cmcc-2012.toml
bash "$source/bench/make_month.sh" month 2000 50 >/dev/null 2>&1 || fail "make_month"
month=(--catalog "$catalog" --accounts month/accounts.csv --usage month/usage.csv --cycle 2012-07)
# The reference: a run with room everywhere. 2,000 subscribers x 50 records = 100,000.
run ref "${month[@]}" --format csv --out ref-dir
expect_rc 0 ref
run ref "${month[@]}" --format csv
expect_rc 0 ref
expect_err ref "100000 records read, 100000 rated, 0 rejected, 0 duplicates; bills: 2000"
[ "$(ls ref-dir | wc -l)" = 2000 ] || fail "reference: not 2000 bill files"

# Every file under --out DIR is complete: it is byte for byte the reference's file of that
# name, and DIR holds nothing else (no partial file). Hidden .ratel-tmp-* names are left by
# a kill (bills written, not yet flushed and renamed: file_batch); the next run removes them.
# One checksum list for the whole folder against the reference's: a cmp and a basename per
# file took a minute in CI once the bills were written a thousand at a time (many more of
# them are whole when a kill lands).
(cd ref-dir && md5sum -- *) >ref.sums || fail "reference: cannot list its checksums"
check_complete() {
  local dir=$1 sums=${1//\//-}.sums
  (cd "$dir" && find . -mindepth 1 -maxdepth 1 ! -name '.ratel-tmp-*' -printf '%f\0' |
     xargs -0 -r md5sum --) >"$sums" || fail "$dir: cannot list its checksums"
  if grep -vxFf ref.sums "$sums" >"$sums.bad"; then
    fail "$dir: not complete bills: $(head -3 "$sums.bad" | tr '\n' ' ')"
  fi
}

# --- 1. A spill that cannot be written fails the run (ENOSPC in TMPDIR) ---------------------
if [ "$(id -u)" = 0 ] && mkdir -p small && mount -t tmpfs -o size=4m tmpfs small 2>/dev/null; then
  mounts+=("$PWD/small")
  # --memory-budget 1: every row and every rendered bill spills; 100,000 records of about
  # 54 bytes need about 6 MB of spilled rows: a 4 MB TMPDIR cannot hold them.
  TMPDIR=$PWD/small run spill "${month[@]}" --format csv --memory-budget 1
  expect_rc 1 spill
  expect_err spill "No space left on device"
  expect_err spill "raise --memory-budget"
  [ -z "$(ls -A small)" ] || fail "spill: files left in TMPDIR: $(ls -A small)"
  pass "1. a full TMPDIR fails the run with the reason (was: 1,039 of 2,000 bills and exit 0)"

  # --out DIR on a full file system: the run fails, and each file there is whole.
  mkdir -p tiny && mount -t tmpfs -o size=1m tmpfs tiny && mounts+=("$PWD/tiny")
  run full-out "${month[@]}" --format csv --out tiny/bills
  expect_rc 1 full-out
  expect_err full-out "No space left on device"
  check_complete tiny/bills
  pass "1. --out DIR on a full disk: exit 1 with the reason, $(ls tiny/bills | wc -l) whole files, no part"
else
  echo "skipped: 1. ENOSPC (mounting a tmpfs needs root; this runs as $(id -un))"
fi

# --- 2. /dev/full ---------------------------------------------------------------------------
run devfull "${month[@]}" --rejects /dev/full
expect_rc 1 devfull
expect_err devfull "/dev/full: cannot write: No space left on device"
"$ratel" rate "${month[@]}" >/dev/full 2>devfull-stdout.err; rc=$?
expect_rc 1 devfull-stdout
expect_err devfull-stdout "stdout: cannot write the bills: No space left on device"
pass "2. --rejects /dev/full and stdout on /dev/full: exit 1 with the reason"

# --- 3. Subscriber ids cannot leave --out DIR, hide or replace another bill ------------------
mkdir -p ids/victim
long=$(printf 'L%.0s' $(seq 300))
{
  echo "subscriber,time,action,product,amount,note"
  for id in '../../victim/pwned' '/tmp/absolute' 'x' './x' '.hidden' $'ctl\x07bell' "$long" \
            '13800000001-2012-07.json' '13800000001'; do
    printf '"%s",2012-01-01T00:00:00+08:00,join,,,\n' "$id"
    printf '"%s",2012-01-01T00:00:01+08:00,subscribe,gprs-20,,\n' "$id"
  done
} >ids/accounts.csv
echo "id,subscriber,time,service,quantity,country,peer" >ids/usage.csv
run ids --catalog "$catalog" --accounts ids/accounts.csv --usage ids/usage.csv --cycle 2012-07 \
  --out ids/out/bills
expect_rc 0 ids
expect_err ids "bills: 9"
[ "$(ls -A ids/out/bills | wc -l)" = 9 ] || fail "ids: $(ls -A ids/out/bills | wc -l) files for 9 bills"
[ -z "$(ls -A ids/victim)" ] || fail "ids: a file was written outside --out"
[ ! -e /tmp/absolute-2012-07.json ] || fail "ids: an absolute id wrote outside --out"
ls ids/out/bills | LC_ALL=C grep -q '[[:cntrl:]]' && fail "ids: a control character in a file name"
[ -e "ids/out/bills/%2E.%2F..%2Fvictim%2Fpwned-2012-07.json" ] || fail "ids: ../../victim/pwned"
[ -e "ids/out/bills/%2E%2Fx-2012-07.json" ] && [ -e "ids/out/bills/x-2012-07.json" ] || fail "ids: x and ./x"
pass "3. nine hostile ids give nine files inside --out, none outside, no control characters"

# --- 4. A planted symbolic link is replaced, never followed ----------------------------------
mkdir -p planted && echo precious >planted/victim.txt
mkdir -p planted/out && ln -s ../victim.txt planted/out/13800000001-2012-07.json
run planted --catalog "$catalog" --accounts "$source/examples/july-2012/accounts.csv" \
  --usage "$source/examples/july-2012/usage.csv" --cycle 2012-07 --out planted/out
expect_rc 0 planted
[ "$(cat planted/victim.txt)" = precious ] || fail "planted: the link's target was written"
[ ! -L planted/out/13800000001-2012-07.json ] || fail "planted: the link is still there"
pass "4. a symlink under a bill's name is replaced by the bill, its target untouched"

# --- 5. kill -9 at any moment leaves only whole files; the run repeats to the same bytes -----
rm -rf killed
for delay in 0.05 0.1 0.2 0.3 0.5; do  # into the same folder: bills replace bills too
  "$ratel" rate "${month[@]}" --format csv --out killed 2>/dev/null &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -d killed ] && check_complete killed
done
run again "${month[@]}" --format csv --out killed
expect_rc 0 again
diff -r killed ref-dir >/dev/null || fail "kill -9: the repeated run differs from the reference (or left a temporary)"
pass "5. kill -9 at five moments: only whole bill files; the repeat gives the reference's bytes"
# --out-file: whole or absent.
for delay in 0.1 0.3; do
  rm -f all.csv
  "$ratel" rate "${month[@]}" --format csv --out-file all.csv 2>/dev/null &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ ! -e all.csv ] || cmp -s all.csv ref.out || fail "kill -9: --out-file left a part"
done
run out-file "${month[@]}" --format csv --out-file all.csv
cmp -s all.csv ref.out || fail "--out-file: not the bytes of stdout"
pass "5. --out-file after kill -9: absent or whole; complete, it is stdout's bytes"

# --- 6. An output naming an input is refused before anything is read ------------------------
cp month/usage.csv usage-copy.csv
for option in --rejects --events --out-file; do
  run same "${month[@]/month\/usage.csv/usage-copy.csv}" "$option" usage-copy.csv
  expect_rc 2 same
  expect_err same "is the usage file"
  cmp -s usage-copy.csv month/usage.csv || fail "$option: the usage file was changed"
done
run same "${month[@]}" --events "$catalog"
expect_rc 2 same
expect_err same "is the catalog file"
pass "6. --rejects, --events, --out-file naming an input: exit 2, the input untouched"

# --- 7. Interrupted runs leave nothing in TMPDIR; an empty TMPDIR is the default ------------
mkdir -p tmp7
for signal in TERM INT KILL; do
  TMPDIR=$PWD/tmp7 "$ratel" rate "${month[@]}" --memory-budget 1 >/dev/null 2>&1 &
  pid=$!
  sleep 0.3
  kill -s "$signal" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -z "$(ls -A tmp7)" ] || fail "SIG$signal: left in TMPDIR: $(ls -A tmp7)"
done
TMPDIR= run empty-tmpdir "${month[@]}" --format csv --memory-budget 1
expect_rc 0 empty-tmpdir
cmp -s empty-tmpdir.out ref.out || fail "TMPDIR=\"\": other bills"
pass "7. SIGTERM, SIGINT, SIGKILL during a spilling run leave TMPDIR empty; TMPDIR=\"\" means /tmp"

# --- 8. Unusable outputs are found before reading: exit 2, and what to do --------------------
run unwritable "${month[@]}" --out never-made --rejects no/such/folder/rejects.csv
expect_rc 2 unwritable
expect_err unwritable "Name a file in a folder that exists"
[ ! -e never-made ] || fail "unwritable: --out was made before the check"
touch a-file
run out-file-is-file "${month[@]}" --out a-file
expect_rc 2 out-file-is-file
expect_err out-file-is-file "is a file, not a folder"
[ ! -s out-file-is-file.out ] || fail "--out a-file: output written"
pass "8. an unwritable --rejects and --out naming a file: exit 2 before any bill, with advice"

# --- 9. A wrong --cycle: a screenful of rejects, the count of the rest, the summary last -----
run wrong-cycle --catalog "$catalog" --accounts month/accounts.csv --usage month/usage.csv --cycle 2012-08
expect_rc 1 wrong-cycle
[ "$(wc -l <wrong-cycle.err)" = 22 ] || fail "wrong cycle: $(wc -l <wrong-cycle.err) stderr lines, expected 20 + 2"
sed -n 21p wrong-cycle.err | grep -qF "... and 99980 more rejected records" || fail "wrong cycle: no count"
tail -1 wrong-cycle.err | grep -qF "100000 rejected" || fail "wrong cycle: the summary is not last"
printf 'id,subscriber,time,service,quantity,country,peer\nz\x1b[2J,13800000001,bad\x07time,data,1,,\n' >ctl.csv
run ctl --catalog "$catalog" --accounts month/accounts.csv --usage ctl.csv --cycle 2012-07
LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' ctl.err && fail "control bytes reached stderr"
pass "9. 100,000 rejects: 20 lines, the count of the other 99,980, the summary last; control bytes escaped"

# --- 12. Inputs that never end a line ---------------------------------------------------------
for option in --usage --accounts --catalog; do
  args=(--catalog "$catalog" --accounts month/accounts.csv --usage month/usage.csv --cycle 2012-07)
  case $option in
    --usage) args[5]=/dev/zero ;;
    --accounts) args[3]=/dev/zero ;;
    --catalog) args[1]=/dev/zero ;;
  esac
  timeout 60 "$ratel" rate "${args[@]}" >/dev/null 2>zero.err; rc=$?
  expect_rc 1 zero
  expect_err zero "/dev/zero:1:1"
done
timeout 60 "$ratel" rerate --catalog "$catalog" --accounts month/accounts.csv --usage month/usage.csv \
  --bill /dev/zero >/dev/null 2>zero.err; rc=$?
expect_rc 1 zero
expect_err zero "/dev/zero:1:1"
pass "12. /dev/zero as --usage, --accounts, --catalog, --bill: refused at /dev/zero:1:1 in bounded memory"

# --- 14. Every write error says why: each command's stdout on /dev/full -----------------------
ex=$source/examples/july-2012
"$ratel" check "$catalog" >/dev/full 2>check.err; rc=$?
expect_rc 1 check
expect_err check "stdout: cannot write the rules of $catalog: No space left on device"
"$ratel" explain --catalog "$catalog" --accounts "$ex/accounts.csv" --usage "$ex/usage.csv" \
  --subscriber 13800000001 --cycle 2012-07 >/dev/full 2>explain.err; rc=$?
expect_rc 1 explain
expect_err explain "stdout: cannot write the explanation: No space left on device"
disputed=$(ls "$source"/tests/cases/*/disputed.json | head -1)
case_dir=$(dirname "$disputed")
if [ -f "$case_dir/accounts.csv" ] && [ -f "$case_dir/usage.csv" ]; then
  "$ratel" rerate --catalog "$catalog" --accounts "$case_dir/accounts.csv" --usage "$case_dir/usage.csv" \
    --bill "$disputed" >/dev/full 2>rerate.err; rc=$?
  expect_rc 1 rerate
  expect_err rerate "stdout: cannot write the report: No space left on device"
fi
pass "14. check, explain and rerate on a full stdout: exit 1 with the system's reason"
