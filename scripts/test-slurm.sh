#!/usr/bin/env bash
# The real-scheduler test of `gapdb sweep --slurm`: starts a one-node Slurm cluster (Debian's
# slurm-wlm and munge, as root, without systemd; everything in a temporary folder), submits a
# 4-task array sweep plus the dependent merge job, waits, and checks that the merged store
# equals the same sweep run on this machine without Slurm: the same configurations, and
# bit-identical metrics, layer summaries and measure values (training is deterministic per
# seed). Then it simulates a task that died before publishing its shard and resubmits: only
# that shard's configuration is trained again, and the merge result is unchanged.
# The cluster is shut down on every exit (trap). It FAILS (never skips) when it cannot run:
# not root, or Slurm/munge/sqlite3 missing (scripts/setup-debian.sh installs them).
#
# Usage: scripts/test-slurm.sh [path/to/gapdb]   (default: the debug build, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s.%N)

fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (it starts munged, slurmctld and slurmd)"
for tool in munged slurmctld slurmd sbatch squeue scontrol sqlite3 python3; do
  command -v "$tool" > /dev/null || fail "$tool not found; run scripts/setup-debian.sh (installs slurm-wlm, munge, sqlite3)"
done

gapdb=${1:-}
if [ -z "$gapdb" ]; then
  swift build --product gapdb > /dev/null
  gapdb="$(swift build --show-bin-path)/gapdb"
fi
[ -x "$gapdb" ] || fail "no gapdb executable at $gapdb"

T=$(mktemp -d /tmp/gapdb-slurm-test.XXXXXX)
chmod 755 "$T"
export SLURM_CONF="$T/etc/slurm.conf"
cleanup() {
  status=$?
  for pidfile in "$T/run/slurmd.pid" "$T/run/slurmctld.pid" "$T/run/munged.pid"; do
    pid=$(cat "$pidfile" 2> /dev/null) && kill "$pid" 2> /dev/null || true
  done
  # Give the daemons a moment, then make sure none is left.
  for _ in $(seq 50); do
    alive=0
    for pidfile in "$T/run/slurmd.pid" "$T/run/slurmctld.pid" "$T/run/munged.pid"; do
      pid=$(cat "$pidfile" 2> /dev/null) && kill -0 "$pid" 2> /dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pidfile in "$T/run/slurmd.pid" "$T/run/slurmctld.pid" "$T/run/munged.pid"; do
    pid=$(cat "$pidfile" 2> /dev/null) && kill -9 "$pid" 2> /dev/null || true
  done
  if [ $status != 0 ]; then
    echo "test-slurm: logs kept in $T (slurmctld, slurmd, job logs under merged.sqlite.shards/logs)" >&2
    tail -n 20 "$T"/log/*.log "$T"/merged.sqlite.shards/logs/*.log 2> /dev/null >&2 || true
  else
    rm -rf "$T"
  fi
  exit $status
}
trap cleanup EXIT
mkdir -p "$T/etc" "$T/run" "$T/log" "$T/state" "$T/spool" "$T/munge" "$T/data"
chmod 755 "$T/munge"

# --- munge, with its own key and socket -----------------------------------------------------
dd if=/dev/urandom of="$T/etc/munge.key" bs=1024 count=1 status=none
chmod 600 "$T/etc/munge.key"
munged --force --socket="$T/munge/munge.sock" --key-file="$T/etc/munge.key" \
  --pid-file="$T/run/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/run/munged.seed"

# --- slurm.conf: one node (this host), test-only settings -------------------------------------
host=$(hostname -s)
# Two free TCP ports, so a test run never meets another cluster (or another run) on this host.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("", 0))
print(*(x.getsockname()[1] for x in s))')
memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
cat > "$SLURM_CONF" << EOF
ClusterName=gapdbtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.sock
CredType=cred/munge
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
NodeName=$host CPUs=2 RealMemory=${memory:-1000} State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=30 State=UP
EOF
slurmctld -i
slurmd
for _ in $(seq 100); do
  sinfo -h -o %t 2> /dev/null | grep -q idle && break
  sleep 0.1
done
sinfo -h -o %t | grep -q idle || fail "the Slurm node did not come up (see $T/log)"
echo "test-slurm: cluster up after $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s" >&2

# --- tiny data and the sweep ----------------------------------------------------------------
# 10 classes of 6x6 images, 200 training and 100 test images (MNIST IDX format), seeded.
python3 - "$T/data" << 'EOF'
import random, struct, sys, os
rng = random.Random(42)
proto = [[rng.randrange(256) for _ in range(36)] for _ in range(10)]
def write(name, count):
    images = bytearray(struct.pack(">IIII", 0x803, count, 6, 6))
    labels = bytearray(struct.pack(">II", 0x801, count))
    for i in range(count):
        labels.append(i % 10)
        images.extend(max(0, min(255, p + rng.randrange(61) - 30)) for p in proto[i % 10])
    open(os.path.join(sys.argv[1], name + "-images-idx3-ubyte"), "wb").write(images)
    open(os.path.join(sys.argv[1], name + "-labels-idx1-ubyte"), "wb").write(labels)
write("train", 200)
write("t10k", 100)
EOF
sweep=(--grid "width=4,8;label_noise=0,0.5" --epochs 2 --experiment slurm-test --data-dir "$T/data")

wait_for_jobs() {  # waits until no job of this cluster is pending or running (at most 5 min)
  for _ in $(seq 3000); do
    [ -z "$(squeue -h -o %i)" ] && return 0
    sleep 0.1
  done
  squeue >&2
  fail "jobs did not finish within 5 minutes"
}

GAPDB_EXECUTABLE="$gapdb" "$gapdb" sweep "$T/merged.sqlite" "${sweep[@]}" --slurm 4 > "$T/submit.sh"
grep -q -- '--dependency=afterok:' "$T/submit.sh" || fail "the script has no afterok dependency"
(cd "$T" && bash submit.sh) >&2
wait_for_jobs

# The same sweep on this machine, without Slurm.
"$gapdb" sweep "$T/reference.sqlite" "${sweep[@]}" --quiet

# --- checks -------------------------------------------------------------------------------
q() { sqlite3 -readonly "$1" "$2"; }
# Table by table, keyed by sweep configuration: rows of one store missing from the other.
# Timestamps, wall-clock times, hosts, pids and ids differ by nature and are left out. REAL
# values compare with SQLite's exact equality, i.e. bit for bit (NaN is stored as NULL and
# named in nan_columns/value_kind, which are compared too).
compare() {  # compare TABLE "excluded column names"
  local table=$1 excluded=$2 columns query differing total
  columns=$(q "$T/reference.sqlite" "SELECT group_concat('t.\"' || name || '\"', ', ') FROM pragma_table_info('$table') WHERE name NOT IN ($excluded)")
  query="SELECT json_extract(r.config, '\$.sweep_key'), $columns FROM DB.$table AS t JOIN DB.run AS r ON r.id = t.run_id"
  differing=$(sqlite3 -readonly "$T/reference.sqlite" "ATTACH '$T/merged.sqlite' AS m;
    SELECT count(*) FROM (SELECT * FROM (${query//DB/main} EXCEPT ${query//DB/m})
      UNION ALL SELECT * FROM (${query//DB/m} EXCEPT ${query//DB/main}));")
  total=$(q "$T/reference.sqlite" "SELECT count(*) FROM $table")
  [ "$total" -gt 0 ] || fail "$table is empty in the reference store"
  [ "$differing" = 0 ] || fail "$table: $differing rows differ between the merged and the single-machine store"
  echo "test-slurm: $table: $total rows identical" >&2
}
same_rows() {  # same_rows NAME QUERY-with-DB: the query's rows are equal in both stores
  local differing
  differing=$(sqlite3 -readonly "$T/reference.sqlite" "ATTACH '$T/merged.sqlite' AS m;
    SELECT count(*) FROM (SELECT * FROM (${2//DB/main} EXCEPT ${2//DB/m})
      UNION ALL SELECT * FROM (${2//DB/m} EXCEPT ${2//DB/main}));")
  [ "$differing" = 0 ] || fail "$1: $differing rows differ between the merged and the single-machine store"
}
check_merged_equals_reference() {
  [ -f "$T/merged.sqlite" ] || fail "the merge job wrote no store"
  [ "$(q "$T/merged.sqlite" "SELECT count(*) FROM run WHERE status = 'finished'")" = 4 ] \
    || fail "the merged store does not have exactly 4 finished runs"
  [ "$(q "$T/merged.sqlite" "SELECT count(*) FROM run")" = 4 ] || fail "the merged store has extra runs"
  [ "$(q "$T/merged.sqlite" "SELECT count(DISTINCT source_file) FROM run_provenance
      WHERE source_file LIKE '%/merged.sqlite.shards/shard-%-of-4.sqlite'")" = 4 ] \
    || fail "provenance does not name the 4 shard stores"
  same_rows run "SELECT json_extract(config, '\$.sweep_key'), name, status, stop_reason, reached_target,
    seed, dataset, target_train_loss, json_remove(config, '\$.sweep_key') FROM DB.run"
  same_rows "measure catalogue" "SELECT * FROM DB.measure"
  compare hyperparameter "'run_id'"
  compare layer "'run_id'"
  compare epoch_metric "'run_id', 'wall_time_s', 'recorded_at'"
  compare layer_summary "'run_id'"
  compare measure_value "'run_id'"
}
check_merged_equals_reference

# --- a task that died before publishing its shard, then a resubmission ----------------------
# Task 1 died: its shard store was never published and the merge job was cancelled. Running
# the same submission script again trains shard 1 only (the others resume from their
# published stores and find nothing to do), and the merge gives the same store again.
declare -A kept
for shard in 0 2 3; do kept[$shard]=$(q "$T/merged.sqlite.shards/shard-$shard-of-4.sqlite" "SELECT uuid FROM run"); done
lost=$(q "$T/merged.sqlite.shards/shard-1-of-4.sqlite" "SELECT uuid FROM run")
rm "$T/merged.sqlite.shards/shard-1-of-4.sqlite" "$T/merged.sqlite"
(cd "$T" && bash submit.sh) >&2
wait_for_jobs
for shard in 0 2 3; do
  [ "$(q "$T/merged.sqlite.shards/shard-$shard-of-4.sqlite" "SELECT uuid FROM run")" = "${kept[$shard]}" ] \
    || fail "shard $shard was trained again although it was complete"
done
retrained=$(q "$T/merged.sqlite.shards/shard-1-of-4.sqlite" "SELECT uuid FROM run")
[ -n "$retrained" ] && [ "$retrained" != "$lost" ] || fail "shard 1 was not trained again"
check_merged_equals_reference
echo "test-slurm: resubmission retrained only the lost shard" >&2
echo "test-slurm: passed in $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s" >&2
