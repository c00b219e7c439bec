#!/usr/bin/env bash
# The shipped Slurm example (examples/shards/*.sbatch) run for real (issue 18): a
# one-machine Slurm cluster (Debian's slurm-wlm and munge) is started in WORK, the month is
# rated as an 8-task array job and merged by a job that depends on it, and the merged
# bills, rejects and events must be the bytes of one `ratel rate` over the whole file.
#
#   tests/shards/slurm.sh RATEL SOURCE WORK
#
# Needs root (munged and slurmd run as root here) and the packages .ci/setup installs.
# Without them it says why and skips (exit 0); under CI (RATEL_CI set) it fails instead.
# The daemons it starts are stopped on every way out.
set -uo pipefail
ratel=$(realpath "$1") source=$(realpath "$2") work=$3
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
skip() {
  [ -n "${RATEL_CI:-}" ] && fail "$* (CI must run this test)"
  echo "skipped: $*"
  exit 0
}
[ "$(id -u)" = 0 ] || skip "not root: munged and slurmd are started as root"
for tool in munged sbatch slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || skip "$tool is missing (apt-get install slurm-wlm munge)"
done
rm -rf "$work" && mkdir -p "$work"/{state,spool,data,bin} && cd "$work" || exit 1
work=$PWD
host=$(hostname -s)
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=ratel-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldPort=${RATEL_SLURM_PORT:-16917}
SlurmdPort=$((${RATEL_SLURM_PORT:-16917} + 1))
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) RealMemory=$(($(free -m | awk '/^Mem:/ {print $2}') / 2)) State=UNKNOWN
PartitionName=ratel Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

started_munge=
stop() {
  [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null
  [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null
  [ -n "$started_munge" ] && kill "$started_munge" 2>/dev/null
  sleep 1
}
trap stop EXIT
if ! munge -n >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge /var/log/munge 2>/dev/null
  [ -f /var/log/munge/munged.log ] && chown munge:munge /var/log/munge/munged.log
  [ -f /etc/munge/munge.key ] || skip "no /etc/munge/munge.key (the munge package makes it)"
  su -s /bin/sh munge -c munged || fail "munged did not start"
  started_munge=$(pgrep -u munge -n munged)
  munge -n >/dev/null || fail "munge does not work"
fi
slurmctld || fail "slurmctld did not start (see $work/slurmctld.log)"
slurmd || fail "slurmd did not start (see $work/slurmd.log)"
for _ in $(seq 30); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %t | grep -q idle || fail "the node did not come up: $(tail -3 slurmd.log)"
pass "a one-machine Slurm cluster is up ($(sinfo -h -o '%D node, %c CPUs'))"

# The month, as the example expects it in DATA; ratel on the PATH of the jobs.
bash "$source/bench/make_month.sh" month 400 25 >/dev/null 2>&1 || fail "make_month"
cp "$source/tariffs/cmcc-2012.toml" data/catalog.toml
cp month/accounts.csv data/accounts.csv
{ cat month/usage.csv; echo 'bad,13800000001,2012-07-02T25:00:00+08:00,data,1,'; } \
  >data/usage-2012-07.csv
ln -s "$ratel" bin/ratel
export PATH=$work/bin:$PATH
env=ALL,MONTH=2012-07,DATA=$work/data,PATH=$PATH
# One CPU per task (the example asks two): two tasks at a time on a small machine.
job=$(sbatch --parsable --chdir="$work" --cpus-per-task=1 --export="$env" \
  "$source/examples/shards/rate-shards.sbatch") || fail "sbatch rate-shards.sbatch"
merge=$(sbatch --parsable --chdir="$work" --dependency="afterok:$job" --export="$env" \
  "$source/examples/shards/merge-shards.sbatch") || fail "sbatch merge-shards.sbatch"
for _ in $(seq 600); do  # until both jobs have left the queue (at most 5 minutes)
  [ -z "$(squeue -h -j "$job,$merge" 2>/dev/null)" ] && break
  # a dependency that can never be met (a task failed) keeps the merge queued: stop then
  squeue -h -j "$merge" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied &&
    fail "a shard task failed: $(tail -n 3 ratel-shard-*.log)"
  sleep 0.5
done
[ -s data/bills-2012-07.json ] ||
  fail "the merge wrote no bills: $(tail -n 5 ratel-merge.log ratel-shard-*.log 2>/dev/null)"
[ "$(ls data/shards/2012-07/bills-*.json | wc -l)" = 8 ] || fail "not 8 shards"

ratel rate --catalog data/catalog.toml --accounts data/accounts.csv \
  --usage data/usage-2012-07.csv --cycle 2012-07 --out-file whole.json \
  --rejects whole-rejects.csv --events whole-events.csv 2>/dev/null
cmp -s data/bills-2012-07.json whole.json || fail "the Slurm run's bills differ from one process's"
cmp -s data/rejects-2012-07.csv whole-rejects.csv || fail "rejects differ"
cmp -s data/events-2012-07.csv whole-events.csv || fail "events differ"
pass "examples/shards: 8 array tasks and the merge give one process's bills ($(grep -c '"subscriber"' whole.json)), rejects and events, byte for byte"
