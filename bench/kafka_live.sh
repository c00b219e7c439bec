#!/usr/bin/env bash
# bench/kafka_live.sh: live rating end to end through Kafka (issue 18). A generated month
# (gprs-20 subscribers, bench/make_month.sh, in time order) is published to librdkafka's
# mock cluster (3 brokers in one process, tests/kafka/mock_kafka) and rated by `ratel
# consume` with 1 worker, then with 2 in one group, each into a fresh SQLite store; beside
# them, in the same run, `ratel rate` of the same file (batch, one thread) and `ratel
# produce`. Each worker reports when it took its first and its last message (--verbose): the
# rate is the records over the span from the first worker's first message to the last
# worker's last, so the group's joining and the final idle wait are not counted, the saves
# (every 1000 messages, the default, and a run saving every 100,000 to show what the saves
# cost) and the publishing of events are. 24 partitions: the mock cluster keeps
# only a few MB per partition (older records are deleted). Both closes are checked to give
# the batch bills.
#
#   bench/kafka_live.sh                                 # 1,000 subscribers x 300 records
#   SUBSCRIBERS=2000 RECORDS=300 BUILD=build bench/kafka_live.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS=${SUBSCRIBERS:-1000}
RECORDS=${RECORDS:-300}
BUILD=${BUILD:-build}
WORK=${WORK:-/tmp/ratel-kafka-live}
[ -x "$BUILD/ratel" ] && [ -x "$BUILD/tests/mock_kafka" ] ||
  { echo "build ratel and mock_kafka in $BUILD first (.ci/setup)"; exit 1; }
ratel=$PWD/$BUILD/ratel mock=$PWD/$BUILD/tests/mock_kafka catalog=$PWD/tariffs/cmcc-2012.toml
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

now_ms() { date +%s%3N; }
bash "$OLDPWD/bench/make_month.sh" m "$SUBSCRIBERS" "$RECORDS" >/dev/null
{ head -1 m/usage.csv; tail -n +2 m/usage.csv | sort -t, -k3,3 -k1,1; } >usage.csv
n=$((SUBSCRIBERS * RECORDS))

"$mock" serve boot usage:24 ratel-events:24 ratel-rejects:24 2>mock.err &
pids+=($!)
for _ in $(seq 100); do [ -s boot ] && break; sleep 0.1; done
brokers=$(cat boot)

t0=$(now_ms)
"$ratel" rate --catalog "$catalog" --accounts m/accounts.csv --usage usage.csv --cycle 2012-07 \
  >batch.json 2>/dev/null
t1=$(now_ms)
"$ratel" produce --brokers "$brokers" --usage usage.csv 2>produce.err
t2=$(now_ms)

# $1: how many workers; $2: their store; $3: messages between saves
group_run() {
  local workers=() i
  for ((i = 0; i < $1; i++)); do
    "$ratel" consume --brokers "$brokers" --catalog "$catalog" --accounts m/accounts.csv \
      --store "$2" --cycle 2012-07 --group "g$2" --stop-when-idle-ms 2000 --verbose \
      --save-every "$3" --save-interval-ms 86400000 2>"w$1.$i.err" &
    workers+=($!)
  done
  for w in "${workers[@]}"; do wait "$w"; done
  "$ratel" close --catalog "$catalog" --accounts m/accounts.csv --store "$2" --cycle 2012-07 \
    >"closed$1.json" 2>/dev/null
  cmp -s "closed$1.json" batch.json || { echo "the close of $1 worker(s) is not the batch bills"; exit 1; }
  cat w$1.*.err | awk '/messages taken from/ { if (!first || $6 < first) first = $6; if ($8 > last) last = $8 }
                       END { print last - first }'
}
one=$(group_run 1 one.db 1000)
two=$(group_run 2 two.db 1000)
rare=$(group_run 1 rare.db 100000)

awk -v n="$n" -v batch=$((t1 - t0)) -v produce=$((t2 - t1)) -v one="$one" -v two="$two" -v rare="$rare" 'BEGIN {
  printf "%d records (%d subscribers), gprs-20, 24 partitions, mock cluster of 3 brokers\n", n, n / '"$RECORDS"'
  printf "| run | time | records/s | against batch |\n|---|---|---|---|\n"
  printf "| ratel rate (batch, 1 thread, whole process) | %.2f s | %.0f | 1.00 |\n", batch / 1000, n / (batch / 1000)
  printf "| ratel produce (whole process) | %.2f s | %.0f | %.2f |\n", produce / 1000, n / (produce / 1000), batch / produce
  printf "| ratel consume, 1 worker (first to last message) | %.2f s | %.0f | %.2f |\n", one / 1000, n / (one / 1000), batch / one
  printf "| ratel consume, 2 workers (first to last message) | %.2f s | %.0f | %.2f |\n", two / 1000, n / (two / 1000), batch / two
  printf "| ratel consume, 1 worker, saving every 100,000 messages | %.2f s | %.0f | %.2f |\n", rare / 1000, n / (rare / 1000), batch / rare
  printf "2 workers against 1: %.2fx\n", one / two }'
