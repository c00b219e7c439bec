#!/usr/bin/env bash
# Live rating through Kafka (issue 18, docs/design.md section 6, D28), against librdkafka's
# mock cluster (3 brokers, the real Kafka protocol over local sockets; tests/kafka/mock_kafka):
#
# 1. A month (60 gprs-20 subscribers x 200 records, bench/make_month.sh) is produced in
#    time order, in 12 bursts, keyed by subscriber, with 4 bad messages among them, while
#    two `ratel consume` workers in one group rate it. One worker is killed (kill -9) after
#    10 of the 12 bursts; the group gives its partitions to the other, which reads on from
#    the offsets the dead one saved. Then `ratel close`. Checked: the bills are `ratel rate`'s on the
#    same records, byte for byte; each threshold event of the batch run is in the events
#    topic (republished ones only with the same id and content); at the kill and at the end,
#    every event of a record the store holds as consumed is in the events topic already
#    (published before its record was saved); the 4 bad messages are in the rejects topic
#    with their reasons; per partition, messages = records billed + rejects.
# 2. The same records in random order, two workers, no kill: the same bills, and each
#    event id exactly once.
# 4. Month after month: July and the first days of August in time order, one worker. Each
#    partition waits at its first August record; `ratel close --cycle 2012-07` while the
#    worker runs gives the batch July bills; the worker then rates August by itself from
#    the waiting records; a late July record is kept for August's close, a replay of a
#    billed July record is a duplicate (D25); the August close gives the bills of `ratel
#    rate --store` closing July then August (given the late records too): the late record
#    is an adjustment on August's bill. The account log is the store's (ratel accounts
#    --add), and an entry added while the worker runs is followed.
# 5. A grace period (--close-after 1d): the same two months, but the records of 31 July from
#    18:00 arrive after those of 1 August before 06:00. Two workers read on past the August
#    records (within a day of July's end), rate the July ones after them into July, wait at
#    2 August, and close July by themselves; then they rate August. July's and August's
#    bills are `ratel rate --store`'s, byte for byte, with no late record among them.
# 3. SIGTERM: a worker saves, leaves the group and exits 0. Then records deleted before they
#    were rated (retention): a worker whose saved offset the topic no longer holds stops
#    with an error that says so, instead of reading on from whatever the topic holds now.
#
#   tests/kafka/live_kafka.sh RATEL MOCK_KAFKA SOURCE WORK [one-month|months]
#
# one-month runs 1 to 3, months runs 4 and 5, each with a mock cluster of its own, so that
# ctest runs the halves side by side (most of their time is waiting: for idle workers, for
# a group to rebalance); with neither, all of it.
set -uo pipefail
ratel=$(realpath "$1") mock=$(realpath "$2") source=$(realpath "$3") work=$4 part=${5:-all}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; for f in *.err; do echo "== $f"; tail -20 "$f"; done; exit 1; }
pass() { echo "ok: $* [${SECONDS}s]"; }
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done' EXIT

"$mock" serve boot usage:3 ratel-events:3 ratel-rejects:3 shuffled:3 shuffled-events:3 \
  shuffled-rejects:3 retention:1 months:3 months-events:3 months-rejects:3 grace:3 \
  grace-events:3 grace-rejects:3 2>mock.err &
pids+=($!)
for _ in $(seq 100); do [ -s boot ] && break; sleep 0.1; done
[ -s boot ] || fail "the mock cluster did not start"
brokers=$(cat boot)

catalog=$source/tariffs/cmcc-2012.toml
bash "$source/bench/make_month.sh" m 60 200 >/dev/null 2>&1 || fail "make_month"
header=$(head -1 m/usage.csv)
# As a network sends them: in time order (all times are +08:00, so as text).
{ echo "$header"; tail -n +2 m/usage.csv | sort -t, -k3,3 -k1,1; } >ordered.csv
"$ratel" rate --catalog "$catalog" --accounts m/accounts.csv --usage ordered.csv \
  --cycle 2012-07 --events batch.events.csv >batch.json 2>batch.err || fail "ratel rate"
batch_events=$(($(wc -l <batch.events.csv) - 1))
[ "$batch_events" -ge 100 ] || fail "only $batch_events events in the batch run"

# The batch events as subscriber<TAB>threshold<TAB>record (CSV: subscriber,cycle,time,kind,
# product,record,threshold,...; no field of these has a comma).
tail -n +2 batch.events.csv | awk -F, '{ print $1 "\t" $7 "\t" $6 }' | sort >batch.events

# JSON member NAME of a compact one-line object (the values here hold no quotes).
member='function member(text, name,   at) {
  if (!match(text, "\"" name "\":(\"[^\"]*\"|-?[0-9]+)")) return ""
  at = substr(text, RSTART + length(name) + 3, RLENGTH - length(name) - 3)
  gsub(/"/, "", at); return at }'

# Every event whose record the store holds as consumed (an offset before the partition's
# saved next offset) is in the events topic: the store is read first, the topic after.
published_before_saved() {  # $1: what this moment is
  sqlite3 live.db "SELECT partition_no, next_offset FROM live_offsets WHERE topic = 'usage'" \
    >saved.txt || fail "cannot read the store's offsets"
  "$mock" dump "$brokers" usage >usage.dump 2>/dev/null || fail "cannot read the usage topic"
  "$mock" dump "$brokers" ratel-events >events.dump 2>/dev/null || fail "cannot read the events"
  local missing
  missing=$(awk -F'\t' "$member"'
    FILENAME == "saved.txt" { split($0, f, "|"); saved[f[1]] = f[2]; next }
    FILENAME == "usage.dump" { k = $3 "\t" member($4, "id"); if (!(k in at)) at[k] = $1 " " $2; next }
    FILENAME == "events.dump" { seen[member($4, "subscriber") "\t" member($4, "threshold") "\t" member($4, "record")] = 1; next }
    { split(at[$1 "\t" $3], where, " ")
      if (where[1] in saved && where[2] + 0 < saved[where[1]] + 0) { ++due; if (!($0 in seen)) { ++missing; print "missing: " $0 > "/dev/stderr" } } }
    END { print missing + 0, due + 0 }' saved.txt usage.dump events.dump batch.events)
  [ "${missing%% *}" = 0 ] || fail "$1: ${missing%% *} events of saved records not in the events topic"
  [ "${missing##* }" -gt 0 ] || fail "$1: no event is due yet: the check proves nothing"
  pass "$1: the ${missing##* } events of the records saved so far are all in the events topic"
}

if [ "$part" != months ]; then
# ---- 1. two workers, one killed, records in time order with bad messages ----
worker=(consume --brokers "$brokers" --catalog "$catalog" --accounts m/accounts.csv
        --store live.db --cycle 2012-07 --save-every 50 --save-interval-ms 200
        --stop-when-idle-ms 15000 --kafka session.timeout.ms=6000
        --kafka heartbeat.interval.ms=500 --verbose)
"$ratel" "${worker[@]}" 2>a.err &
a=$!
pids+=("$a")
"$ratel" "${worker[@]}" 2>b.err &
b=$!
pids+=("$b")
for _ in $(seq 300); do
  grep -q assigned a.err && grep -q assigned b.err && break
  sleep 0.1
done
grep -q assigned a.err && grep -q assigned b.err || fail "the two workers did not share the partitions"
pass "two workers share the 3 partitions"

tail -n +2 ordered.csv | split -l 1000 -d - burst.
first=$(sed -n 2p ordered.csv)
bursts=(burst.*)
for i in "${!bursts[@]}"; do
  { echo "$header"; cat "${bursts[$i]}"; } >burst.csv
  "$ratel" produce --brokers "$brokers" --usage burst.csv 2>>produce.err || fail "produce burst $i"
  if [ "$i" = 3 ]; then
    # Not JSON; an impossible time; a record sent again (the first one); one of June.
    printf '%s\t%s\n' \
      13800000001 'this is not JSON' \
      13800000002 '{"id":"bad-time","subscriber":"13800000002","time":"2012-07-02T25:00:00+08:00","service":"data","quantity":"1024"}' \
      "$(cut -d, -f2 <<<"$first")" "$(awk -F, '{ printf "{\"id\":\"%s\",\"subscriber\":\"%s\",\"time\":\"%s\",\"service\":\"%s\",\"quantity\":\"%s\"}", $1, $2, $3, $4, $5 }' <<<"$first")" \
      13800000003 '{"id":"june","subscriber":"13800000003","time":"2012-06-30T10:00:00+08:00","service":"voice","quantity":"60"}' |
      "$mock" send "$brokers" usage 2>>produce.err || fail "send the bad messages"
  fi
  if [ "$i" = 9 ]; then
    for _ in $(seq 100); do grep -q 'saved' b.err && break; sleep 0.1; done
    kill -9 "$b"
    wait "$b" 2>/dev/null
    pass "worker b killed (kill -9) after $(grep -c saved b.err) saves"
    published_before_saved "at the kill"
  fi
  sleep 0.3
done
wait "$a" || fail "worker a failed"
grep -q 'usage\[0\]' a.err && grep -q 'usage\[1\]' a.err && grep -q 'usage\[2\]' a.err ||
  fail "worker a did not take the dead worker's partitions"
pass "worker a took the dead worker's partitions: $(grep -o 'assigned usage\[[0-9]\] from offset [0-9]*' a.err | tr '\n' ';')"
published_before_saved "at the end"

"$ratel" close --catalog "$catalog" --accounts m/accounts.csv --store live.db --cycle 2012-07 \
  >closed.json 2>close.err || fail "ratel close"
cmp -s closed.json batch.json || fail "the closed bills are not the batch bills"
pass "the closed bills are ratel rate's, byte for byte ($(grep -c '"subscriber"' closed.json) bills)"

# Events: each id with one content; the ids' events are the batch run's.
awk -F'\t' "$member"'{ id = member($4, "id"); if (id in value && value[id] != $4) { print "two contents for " id; exit 1 } value[id] = $4 }' \
  events.dump || fail "an event id was published with two contents"
awk -F'\t' "$member"'!seen[member($4, "id")]++ { print member($4, "subscriber") "\t" member($4, "threshold") "\t" member($4, "record") }' \
  events.dump | sort >live.events
cmp -s live.events batch.events || { diff live.events batch.events | head; fail "the live events are not the batch events"; }
pass "the events topic holds the $batch_events batch events ($(wc -l <events.dump) messages: $(($(wc -l <events.dump) - batch_events)) republished by the worker that read again what the dead one had not saved, same ids)"

# Rejects: the 4 bad messages, each with its reason (once per partition and offset).
"$mock" dump "$brokers" ratel-rejects >rejects.dump 2>/dev/null || fail "cannot read the rejects"
awk -F'\t' "$member"'!seen[member($4, "partition") " " member($4, "offset")]++ { print member($4, "reason") }' \
  rejects.dump | sort >rejects.reasons
printf '%s\n' bad_time duplicate malformed_row outside_cycle >expected.reasons
cmp -s rejects.reasons expected.reasons || { cat rejects.reasons; fail "the rejects are not the 4 bad messages"; }
pass "the rejects topic holds the 4 bad messages: $(tr '\n' ' ' <rejects.reasons)"

# Per partition: messages = records billed (the store's, by subscriber) + rejects.
sqlite3 live.db "SELECT subscriber, sum(record_count) FROM cycle_records WHERE cycle = '2012-07' GROUP BY subscriber" \
  >billed.txt || fail "cannot read the records billed"
reconciled=$(awk -F'\t' "$member"'
  FILENAME == "billed.txt" { split($0, f, "|"); billed[f[1]] = f[2]; next }
  FILENAME == "usage.dump" { ++messages[$1]; if ($3 != "" && !($3 in part)) { part[$3] = $1; billed_in[$1] += billed[$3] } next }
  !seen[member($4, "partition") " " member($4, "offset")]++ { ++rejected[member($4, "partition")] }
  END { for (p in messages) { printf "%s: %d = %d + %d; ", p, messages[p], billed_in[p], rejected[p]
                              if (messages[p] != billed_in[p] + rejected[p]) bad = 1 }
        exit bad }' billed.txt usage.dump rejects.dump) || fail "counts do not reconcile: $reconciled"
pass "per partition, messages = records billed + rejects: $reconciled"

# ---- 2. the same records in random order, two workers, nothing killed ----
{ echo "$header"; tail -n +2 ordered.csv | shuf --random-source=<(yes 7); } >shuffled.csv
"$ratel" produce --brokers "$brokers" --topic shuffled --usage shuffled.csv 2>>produce.err ||
  fail "produce the shuffled records"
shuffled=(consume --brokers "$brokers" --catalog "$catalog" --accounts m/accounts.csv
          --store shuffled.db --cycle 2012-07 --group shuffled --topic shuffled
          --events-topic shuffled-events --rejects-topic shuffled-rejects --save-every 100
          --kafka session.timeout.ms=6000 --kafka heartbeat.interval.ms=500)
# One stops well before the other: the mock cluster is slow to let two members leave at once.
"$ratel" "${shuffled[@]}" --stop-when-idle-ms 3000 2>c.err &
c=$!
pids+=("$c")
"$ratel" "${shuffled[@]}" --stop-when-idle-ms 8000 2>d.err &
d=$!
pids+=("$d")
wait "$c" || fail "worker c failed"
wait "$d" || fail "worker d failed"
"$ratel" close --catalog "$catalog" --accounts m/accounts.csv --store shuffled.db \
  --cycle 2012-07 >shuffled.json 2>>close.err || fail "ratel close (shuffled)"
cmp -s shuffled.json batch.json || fail "the bills of the records in random order are not the batch bills"
pass "records in random order: the same bills, byte for byte"
"$mock" dump "$brokers" shuffled-events >shuffled-events.dump 2>/dev/null || fail "cannot read the events"
awk -F'\t' "$member"'{ print member($4, "id") }' shuffled-events.dump | sort | uniq -d >twice.txt
[ ! -s twice.txt ] || fail "event ids published twice: $(head -3 twice.txt)"
awk -F'\t' "$member"'{ print member($4, "subscriber") "\t" member($4, "threshold") }' shuffled-events.dump |
  sort >shuffled.thresholds
cut -f1,2 batch.events | sort >batch.thresholds
cmp -s shuffled.thresholds batch.thresholds || fail "in random order, other thresholds were crossed"
pass "records in random order: each of the $batch_events events once, for the batch run's thresholds"

# ---- 3. records deleted by retention before they were rated ----
{ echo "$header"; sed -n 2,11p ordered.csv; } >ten.csv
"$ratel" produce --brokers "$brokers" --topic retention --usage ten.csv 2>>produce.err ||
  fail "produce 10 records"
retention=(consume --brokers "$brokers" --catalog "$catalog" --accounts m/accounts.csv
           --store retention.db --cycle 2012-07 --group retention --topic retention
           --kafka session.timeout.ms=6000)
# Worker e runs until SIGTERM: it saves, leaves the group and exits 0.
"$ratel" "${retention[@]}" --verbose 2>e.err &
e=$!
pids+=("$e")
saved_offset() { sqlite3 retention.db "SELECT next_offset FROM live_offsets WHERE topic = 'retention'" 2>/dev/null; }
for _ in $(seq 300); do [ "$(saved_offset)" = 10 ] && break; sleep 0.1; done
[ "$(saved_offset)" = 10 ] || fail "worker e did not save offset 10"
kill -TERM "$e"
wait "$e" || fail "worker e did not exit 0 on SIGTERM: $(tail -3 e.err)"
grep -q 'revoked retention\[0\]' e.err || fail "worker e did not leave the group on SIGTERM"
pass "SIGTERM: the worker saved, left the group and exited 0"
retention+=(--stop-when-idle-ms 1000)
# The mock cluster keeps a few MB per partition: 8 MB more pushes the first records out.
filler=$(printf '%01000d' 0)
for _ in $(seq 8000); do printf '13800000001\t%s\n' "$filler"; done |
  "$mock" send "$brokers" retention 2>>produce.err || fail "send the filler"
"$ratel" "${retention[@]}" 2>f.err && fail "a worker read on past records deleted before they were rated"
grep -q 'no longer in the topic' f.err || fail "the worker did not say why it stopped: $(tail -3 f.err)"
pass "a saved offset the topic no longer holds stops the worker: $(grep -o 'retention\[0\]: the offset.*rated' f.err)"

fi
[ "$part" = one-month ] && exit 0

# A grace period past a year, or so large it would overflow when turned into seconds, is
# refused by name (exit 2) before anything is read.
for bad in 367d 999999999999999999d 5w; do
  "$ratel" consume --brokers "$brokers" --catalog "$catalog" --store bad.db --cycle 2012-07 \
    --close-after "$bad" 2>bad.err
  [ "$?" = 2 ] && grep -q "close-after: \"$bad\" is not a grace period" bad.err ||
    fail "--close-after $bad was not refused: $(cat bad.err)"
done
pass "--close-after past a year, overflowing or in an unknown unit is refused by name"

# ---- 4. month after month: the worker waits at August, and goes on after July's close ----
{
  echo "$header"
  {
    tail -n +2 ordered.csv
    # August's first days: July's records of days 1 to 5 again, a month later, new ids.
    tail -n +2 ordered.csv | awk -F, -v OFS=, '$3 ~ /^2012-07-0[1-5]/ { $1 = "a" $1; sub(/^2012-07-/, "2012-08-", $3); print }'
  } | sort -t, -k3,3 -k1,1
} >months.csv
"$ratel" produce --brokers "$brokers" --topic months --usage months.csv 2>>produce.err ||
  fail "produce July and August"
# The account log kept in the store (ratel accounts --add), which the worker follows.
"$ratel" accounts --store months.db --add m/accounts.csv 2>>accounts.err || fail "ratel accounts --add"
"$ratel" consume --brokers "$brokers" --catalog "$catalog" \
  --store months.db --cycle 2012-07 --group months --topic months --events-topic months-events \
  --rejects-topic months-rejects --stop-when-idle-ms 5000 --kafka session.timeout.ms=6000 \
  --verbose 2>g.err &
g=$!
pids+=("$g")
for _ in $(seq 600); do [ "$(grep -c 'waits at offset' g.err)" = 3 ] && break; sleep 0.1; done
[ "$(grep -c 'waits at offset' g.err)" = 3 ] || fail "the partitions did not wait at August"
pass "each partition waits at its first August record: $(grep -o 'months\[[0-9]\] waits at offset [0-9]*' g.err | tr '\n' ';')"
# An order entered while the worker runs: 13800000001 takes data pack 5 from 1 August.
printf '%s\n' subscriber,time,action,product,amount,note \
  13800000001,2012-08-01T00:00:00+08:00,subscribe,data-pack-5,, >pack.csv
"$ratel" accounts --store months.db --add pack.csv 2>>accounts.err || fail "ratel accounts --add pack.csv"
for _ in $(seq 100); do grep -q 'the account log changed' g.err && break; sleep 0.1; done
grep -q 'the account log changed' g.err || fail "the worker did not follow the store's account log"
[ "$("$ratel" accounts --store months.db | wc -l)" = "$(($(wc -l <m/accounts.csv) + 1))" ] ||
  fail "ratel accounts does not print the store's account log"
pass "an entry added to the store's account log while the worker runs: the worker loaded its accounts again"
"$ratel" close --catalog "$catalog" --store months.db --cycle 2012-07 \
  >months-07.json 2>>close.err || fail "ratel close 2012-07 while the worker runs"
cmp -s months-07.json batch.json || fail "July closed while the worker waits is not the batch July"
pass "July closed while the worker runs: the batch bills"
for _ in $(seq 100); do grep -q 'rating cycle 2012-08' g.err && break; sleep 0.1; done
grep -q 'rating cycle 2012-08' g.err || fail "the worker did not go on to August"
# Two July records after July's close (D25): a call of 13800000004, who has no voice plan
# (the base tariff: 0.19 a started minute), and a replay of 13800000004's first July record,
# billed in July.
late_call='{"id":"late-july","subscriber":"13800000004","time":"2012-07-30T10:00:00+08:00","service":"voice","quantity":"60"}'
replay=$(awk -F, '$2 == "13800000004" { printf "{\"id\":\"%s\",\"subscriber\":\"%s\",\"time\":\"%s\",\"service\":\"%s\",\"quantity\":\"%s\"}", $1, $2, $3, $4, $5; exit }' ordered.csv)
printf '13800000004\t%s\n' "$late_call" "$replay" |
  "$mock" send "$brokers" months 2>>produce.err || fail "send the late records"
wait "$g" || fail "worker g failed"
pass "the worker went on to August by itself"
"$ratel" close --catalog "$catalog" --store months.db --cycle 2012-08 \
  >months-08.json 2>>close.err || fail "ratel close 2012-08"
grep -q '1 late records of closed cycles billed as adjustments (D25), 0 rejected' close.err ||
  fail "the August close did not bill the late record: $(tail -1 close.err)"
# The batch: July closed from months.csv, then August from months.csv and the late records.
{ cat months.csv; echo "late-july,13800000004,2012-07-30T10:00:00+08:00,voice,60,"; } >months-late.csv
{ cat m/accounts.csv; tail -n +2 pack.csv; } >months-accounts.csv
"$ratel" rate --catalog "$catalog" --accounts months-accounts.csv --usage months.csv \
  --cycle 2012-07 --store batch-months.db >batch-2012-07.json 2>>batch.err
[ "$?" -le 1 ] || fail "ratel rate --store 2012-07"
"$ratel" rate --catalog "$catalog" --accounts months-accounts.csv --usage months-late.csv \
  --cycle 2012-08 --store batch-months.db >batch-2012-08.json 2>>batch.err
[ "$?" -le 1 ] || fail "ratel rate --store 2012-08"
cmp -s months-08.json batch-2012-08.json || fail "the live August is not the batch August"
grep -q 'Data pack 5' <(grep -A30 '"subscriber": "13800000001"' months-08.json) ||
  fail "13800000001's August has no data pack 5"
# The call, 60 s = 1 started minute at the base tariff's 0.19 (D1), corrects July's usage.
grep -A2 '"kind": "adjustment"' months-08.json | grep -q '"amount": "0.19"' ||
  fail "no adjustment of 0.19 on the live August"
pass "the live August is ratel rate --store's August, byte for byte, with the late call's adjustment (0.19)"
"$mock" dump "$brokers" months-rejects >months-rejects.dump 2>/dev/null || fail "cannot read the rejects"
[ "$(wc -l <months-rejects.dump)" = 1 ] && grep -q 'duplicate.*billed already, in cycle 2012-07' months-rejects.dump ||
  fail "the replayed July record is not the one reject: $(cat months-rejects.dump)"
pass "a replay of a billed July record is a duplicate, nothing else is rejected"

# ---- 5. a grace period: July records after August's first go on July's bill ----
awk -F, 'NR == 1 { print; next }
  $3 >= "2012-07-31T18" && $3 < "2012-08" { late_july = late_july $0 "\n"; next }
  $3 >= "2012-08-01T00" && $3 < "2012-08-01T06" { early_august = early_august $0 "\n"; next }
  $3 >= "2012-08-01T06" && !flushed { printf "%s%s", early_august, late_july; flushed = 1 }
  { print }' months.csv >grace.csv
[ "$(grep -c . grace.csv)" = "$(grep -c . months.csv)" ] || fail "grace.csv lost rows"
"$ratel" produce --brokers "$brokers" --topic grace --usage grace.csv 2>>produce.err ||
  fail "produce grace.csv"
grace=(consume --brokers "$brokers" --catalog "$catalog" --accounts m/accounts.csv
  --store grace.db --cycle 2012-07 --group grace --topic grace --events-topic grace-events
  --rejects-topic grace-rejects --close-after 1d --stop-when-idle-ms 5000
  --kafka session.timeout.ms=6000 --verbose)
"$ratel" "${grace[@]}" 2>h.err &
h=$!
"$ratel" "${grace[@]}" 2>i.err &
i=$!
pids+=("$h" "$i")
wait "$h" || fail "worker h failed"
wait "$i" || fail "worker i failed"
closer=$(grep -l 'closed cycle 2012-07 after its grace' h.err i.err)
[ -n "$closer" ] || fail "July was not closed after its grace"
pass "July closed by a worker after its grace: $(grep -o 'closed cycle 2012-07 after its grace.*' $closer)"

"$ratel" close --catalog "$catalog" --accounts m/accounts.csv --store grace.db --cycle 2012-08 \
  >grace-08.json 2>>close.err || fail "ratel close 2012-08 (grace)"
grep -q '0 late records of closed cycles' close.err || fail "a record became late: $(tail -1 close.err)"
for month in 2012-07 2012-08; do
  "$ratel" rate --catalog "$catalog" --accounts m/accounts.csv --usage grace.csv \
    --cycle "$month" --store batch-grace.db >"batch-grace-$month.json" 2>>batch.err
  [ "$?" -le 1 ] || fail "ratel rate --store $month (grace)"
done
cmp -s grace-08.json batch-grace-2012-08.json || fail "the live August (grace) is not the batch August"
# July's bills as each store keeps them, subscriber by subscriber.
different=0
for s in $(tail -n +2 m/accounts.csv | cut -d, -f1 | sort -u); do
  "$ratel" bills --store grace.db --subscriber "$s" --cycle 2012-07 >live-july.json 2>/dev/null
  "$ratel" bills --store batch-grace.db --subscriber "$s" --cycle 2012-07 >batch-july.json 2>/dev/null
  cmp -s live-july.json batch-july.json || different=$((different + 1))
done
[ "$different" = 0 ] || fail "$different July bills closed after the grace differ from the batch ones"
"$mock" dump "$brokers" grace-rejects >grace-rejects.dump 2>/dev/null || fail "cannot read the rejects"
[ ! -s grace-rejects.dump ] || fail "rejects after a grace period: $(head -3 grace-rejects.dump)"
pass "July (closed after its grace) and August are ratel rate --store's, byte for byte; no record late, none rejected"
