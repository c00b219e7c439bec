#!/usr/bin/env bash
# `ratel rate --store postgresql://...` and `ratel bills --store postgresql://...` end to
# end against the server RATEL_TEST_POSTGRESQL names (.ci/with-postgresql), in a schema of
# their own: the case store-late-records (July closed, then August with two late records
# and a replay) gives the same bills and rejects as with a SQLite file, and the stored
# bills read back the same from both stores.
#   tests/store/cli_postgresql.sh RATEL SOURCE WORK
set -uo pipefail
ratel=$1 source=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
if [ -z "${RATEL_TEST_POSTGRESQL:-}" ]; then
  [ -n "${RATEL_CI:-}" ] && fail "RATEL_TEST_POSTGRESQL is not set: CI runs this against a real PostgreSQL"
  echo "skipped: RATEL_TEST_POSTGRESQL is not set (run under .ci/with-postgresql)"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
schema=ratel_cli_$$
psql -q "$RATEL_TEST_POSTGRESQL" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" ||
  fail "cannot make a schema"
trap 'psql -q "$RATEL_TEST_POSTGRESQL" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE"' EXIT
url="$RATEL_TEST_POSTGRESQL&options=-csearch_path%3D$schema"
case_dir=$source/tests/cases/store-late-records
common=(--catalog "$source/tariffs/cmcc-2012.toml" --accounts "$case_dir/accounts.csv")
for store in "$url" "$PWD/billing.db"; do
  "$ratel" rate "${common[@]}" --usage "$case_dir/july.csv" --cycle 2012-07 --store "$store" \
    >/dev/null 2>july.err || { cat july.err; fail "closing July in $store"; }
  "$ratel" rate "${common[@]}" --usage "$case_dir/august.csv" --cycle 2012-08 --store "$store" \
    --rejects rejects.csv >august.json 2>august.err
  [ $? = 1 ] || { cat august.err; fail "closing August: expected exit 1 (a duplicate)"; }
  cmp -s august.json "$case_dir/expected.json" || fail "August's bills from $store differ from the case's"
  cmp -s rejects.csv "$case_dir/expected.rejects.csv" || fail "August's rejects from $store differ"
  "$ratel" bills --store "$store" --subscriber 13800000002 >"bills-$([ "$store" = "$url" ] && echo pg || echo sqlite).json" ||
    fail "ratel bills from $store"
  # The same close again: nothing changes, and it says so.
  "$ratel" rate "${common[@]}" --usage "$case_dir/august.csv" --cycle 2012-08 --store "$store" \
    >again.out 2>again.err || { cat again.err; fail "closing August again"; }
  grep -q "nothing changed" again.err || fail "closing August again did not say nothing changed"
  [ -s again.out ] && fail "closing August again wrote bills"
done
cmp -s bills-pg.json bills-sqlite.json || fail "ratel bills differs between PostgreSQL and SQLite"
grep -q '"corrects": "2012-07"' bills-pg.json || fail "the stored August bill lacks its adjustment"
# A password in the URL is never printed.
"$ratel" bills --store "postgresql://ratel:secret@127.0.0.1:1/none" --subscriber x 2>pw.err
grep -q secret pw.err && fail "a password was printed: $(cat pw.err)"
grep -q "postgresql://ratel:\*\*\*@127.0.0.1:1/none" pw.err || fail "unexpected message: $(cat pw.err)"
echo "ok: rate --store and bills --store on PostgreSQL give the SQLite store's bytes"
