#!/usr/bin/env bash
# examples/slurm/sweep.sbatch on a real Slurm (docs/sweeps.md, "On a cluster"): Debian's
# slurmctld and slurmd, started here as plain processes from a private slurm.conf under a
# temporary directory (no systemd, no munge: auth/none), one node with this machine's CPUs.
#
# usage: slurm_sweep_test.sh COCONUT_SIM SOURCE_DIR
#
# - the release scenario's seeds 1..8 as an array of 4 (two seeds a task), merged: seeds.jsonl
#   and summary.json equal a local `coconut-sim sweep` of the same seeds byte for byte;
# - the per-task overhead the issue bounds, overhead = (wall of the array, submission to the
#   last task's end - wall of the local sweep) / 8, measured twice at equal parallelism, since
#   on a 2-core node an unthrottled array runs two tasks at once and would beat a one-at-a-time
#   local run for no merit of Slurm's:
#     all the node's CPUs: an array of 8 as submitted (as many tasks at once as CPUs) vs
#       -j CPUS locally: at most 1 s a task, the issue's bound;
#     one at a time: an array of 8 throttled to one running task (--array=0-7%1) vs -j1
#       locally: at most 2 s a task (below, why), with where the time went from slurmctld's log.
#   Each local sweep runs just before its array; a measure over its bound is taken once more
#   before the test fails. Both arrays' merged files must also equal the local ones.
# Fails (not skips) when Slurm is not installed: scripts/setup.sh installs it, and CI runs that.
# Every daemon started here is stopped on any exit (trap); the temporary directory goes too.
set -euo pipefail

SIM=$(realpath "$1")
SRC=$(realpath "$2")
SBATCH_SCRIPT=$SRC/examples/slurm/sweep.sbatch
SCENARIO=$SRC/scenarios/fairness-4tenant-flooder.yaml
SEEDS=1..8
BOUND_S=1          # issue 13: per-task overhead of an array of 8, at most 1 s a task
# The test gives up (and still stops its daemons) past this, well inside CTest's TIMEOUT: a test
# killed by CTest gets no trap, and would leave slurmctld and slurmd running.
DEADLINE=$((SECONDS + 200))
# The daemons live in /usr/sbin, which a non-login PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

for b in slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
  command -v "$b" >/dev/null ||
    fail "$b not found: run scripts/setup.sh (it installs slurmctld, slurmd and slurm-client; CI runs it first)"
done

T=$(mktemp -d /tmp/coconut-slurm.XXXXXX)
ctld_pid=""
slurmd_pid=""
# Running and not a zombie (the daemons are this shell's children until it reaps them).
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st:0:1}" != Z ]
}
cleanup() {
  local rc=$?
  set +e
  trap '' PIPE # a reader gone (| head) must not stop the cleanup half way
  if [ -n "$ctld_pid" ]; then
    # Jobs first, so no slurmstepd (and no coconut-sim under it) outlives the test.
    scancel --quiet --user="$(id -un)" 2>/dev/null
    for _ in $(seq 50); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
    timeout 10 scontrol shutdown >/dev/null 2>&1
  fi
  for pid in $ctld_pid $slurmd_pid; do
    for _ in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    alive "$pid" && kill -9 "$pid"
    wait "$pid" 2>/dev/null
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$T"/slurmctld.log "$T"/slurmctld.out "$T"/slurmd.log "$T"/slurmd.out "$T"/logs/*; do
      [ -f "$f" ] && { echo "--- $f (last 20 lines)"; tail -n 20 "$f"; }
    done
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two free ports, so a second run of this test or a leftover daemon cannot collide with ours.
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
node=$(hostname -s)
cpus=$(nproc)
mkdir -p "$T/state" "$T/spool" "$T/logs" "$T/bin"
# One copy of the binary for the local sweeps and every task alike, which a rebuild of the tree
# while this runs cannot swap out from under half of them.
cp "$SIM" "$T/bin/coconut-sim"
SIM=$T/bin/coconut-sim
cat >"$T/slurm.conf" <<EOF
ClusterName=coconut-test
SlurmctldHost=$node
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
# No munge daemon to run: 22.05 still accepts auth/none with cred/none.
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
# No cgroups (a container may not delegate them): plain process tracking, no binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# No batching delay after a submission or a task's end (slurmctld still looks at its queue only
# once a second: see the one-at-a-time measure below). Ended jobs stay visible to scontrol.
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0
MinJobAge=300
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$node CPUs=$cpus State=UNKNOWN
PartitionName=coconut Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf

# In the foreground (-D) as this shell's background jobs, so their PIDs are known from the
# start and cleanup stops exactly these, however early the test ends. Their output goes to
# files: an inherited pipe would keep CTest waiting for them.
slurmctld -D -i >>"$T/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D >>"$T/slurmd.out" 2>&1 &
slurmd_pid=$!
state=""
for _ in $(seq 150); do
  alive "$ctld_pid" || fail "slurmctld exited at start"
  alive "$slurmd_pid" || fail "slurmd exited at start"
  state=$(sinfo -h -N -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.1
done
[ "$state" = idle ] || fail "node $node not idle after 15 s (state '$state')"
echo "slurm: $(sinfo --version), node $node with $cpus CPUs, ports $ctld_port/$slurmd_port"

# The states a task can end in other than COMPLETED (exit 0).
ENDED_BADLY='FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED'
now() { date +%s.%N; }
secs() { /usr/bin/python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$@"; }

# Submits sweep.sbatch as an array (spec $1) over $SEEDS into $2 and waits for every task to end;
# sets `wall` (submission to the last task seen ended). COCONUT_SIM travels in the environment,
# as a user's would.
run_array() {
  local spec=$1 out=$2 n t0 lines done_n=0 bad
  n=$(($(echo "${spec%%%*}" | cut -d- -f2) + 1))
  t0=$(now)
  submitted=$t0
  jid=$(COCONUT_SIM=$SIM sbatch --parsable --array="$spec" --chdir="$T" \
    --output="$T/logs/%A_%a.out" "$SBATCH_SCRIPT" "$SCENARIO" "$SEEDS" "$out" \
    --no-determinism-rerun --quiet) || fail "sbatch --array=$spec refused"
  while [ "$SECONDS" -lt "$DEADLINE" ]; do
    lines=$(scontrol -o show job "$jid" 2>/dev/null || true)
    done_n=$(grep -c 'JobState=COMPLETED' <<<"$lines" || true)
    bad=$(grep -E "JobState=($ENDED_BADLY)" <<<"$lines" |
      grep -oE "ArrayTaskId=[^ ]+ |JobState=[^ ]+ |ExitCode=[^ ]+ " | paste -d' ' - - - || true)
    [ -z "$bad" ] || fail "array $jid (--array=$spec): a task did not complete:
$bad"
    [ "$done_n" -eq "$n" ] && break
    sleep 0.05
  done
  [ "$done_n" -eq "$n" ] || fail "array $jid (--array=$spec): $done_n of $n tasks done at the test's deadline"
  wall=$(secs "$t0" "$(now)")
  local shards=()
  shopt -s nullglob
  shards=("$out"/shard-*/summary.json)
  shopt -u nullglob
  [ "${#shards[@]}" -eq "$n" ] || fail "array $jid (--array=$spec) wrote ${#shards[@]} shards, not $n"
  "$SIM" merge "$out"/shard-* --out "$out/merged" >/dev/null || fail "merge of $out/shard-* failed"
}

run_local() {
  local jobs=$1 out=$2 t0
  t0=$(now)
  timeout $((DEADLINE - SECONDS)) "$SIM" sweep "$SCENARIO" --seeds "$SEEDS" -j "$jobs" \
    --out "$out" --no-determinism-rerun --quiet >/dev/null || fail "local sweep -j$jobs failed"
  wall=$(secs "$t0" "$(now)")
}

same() {
  local name
  for name in seeds.jsonl summary.json; do
    cmp -s "$1/$name" "$2/merged/$name" ||
      fail "$3: $name merged from the array differs from the local sweep's ($1/$name vs $2/merged/$name)"
  done
  echo "ok   $3: seeds.jsonl and summary.json equal the local sweep's byte for byte"
}

# Per-task overhead of an array of 8 (spec $2) against the same seeds locally at -j $3, the local
# sweep run just before so both see the same machine: (wall of the array - wall of the local
# sweep) / 8, at most $4 s. Over it, measured once more before failing: a stall of this machine
# (another process's burst) lands on one of the two walls and is not Slurm's.
overhead() { # label, array spec, local -j, bound, folder name
  local try per local_wall
  for try in 1 2; do
    run_local "$3" "$T/$5-$try-local"
    local_wall=$wall
    run_array "$2" "$T/$5-$try"
    same "$T/$5-$try-local" "$T/$5-$try" "$1"
    per=$(/usr/bin/python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{(a - b) / 8:.3f}')" \
      "$wall" "$local_wall")
    echo "slurm: per-task overhead, $1: $per s a task (array $wall s, local $local_wall s, 8 tasks;" \
      "bound $4 s)"
    measured=$T/$5-$try # for the breakdown
    measured_local=$local_wall
    /usr/bin/python3 -c "import sys; sys.exit(float(sys.argv[1]) > float(sys.argv[2]))" "$per" "$4" &&
      return 0
    [ "$try" = 2 ] || echo "slurm: over the bound; measuring once more"
  done
  fail "$1: $per s a task, twice over the bound of $4 s"
}

# Where a one-at-a-time array's time goes, from slurmctld's log (millisecond stamps): the wait
# from the previous task's end (or the submission) to the next task's start, and each task's
# time in Slurm beyond its sweep's own wall (perf.json): slurmd, slurmstepd, bash, the sweep
# process starting and ending.
breakdown() { # job id, submission epoch, output root, wall of the local -j1 sweep of the 8 seeds
  /usr/bin/python3 - "$T/slurmctld.log" "$@" <<'PY'
import datetime, json, re, sys
log, jid, out = sys.argv[1], sys.argv[2], sys.argv[4]
submitted, local = float(sys.argv[3]), float(sys.argv[5])
start, end = {}, {}
for line in open(log):
    m = re.match(r"\[([\d\-T:.]+)\] (.*)", line)
    if not m:
        continue
    t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
    s = re.search(r"(?:Allocate|Started) JobId=%s_(\d+)" % jid, m.group(2))
    e = re.search(r"_job_complete: JobId=%s_(\d+)\(\d+\) done" % jid, m.group(2))
    if s:
        start[int(s.group(1))] = t
    if e:
        end[int(e.group(1))] = t
tasks = sorted(start)
if len(tasks) != 8 or any(k not in end for k in tasks):  # a log format this does not know
    print(f"slurm: no breakdown: {len(tasks)} task starts found in {log}")
    sys.exit(0)
waits = [start[k] - (end[tasks[i - 1]] if i else submitted) for i, k in enumerate(tasks)]
own = [json.load(open(f"{out}/shard-{k}/perf.json"))["wall_s"] for k in tasks]
extra = [end[k] - start[k] - own[i] for i, k in enumerate(tasks)]
mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
print(f"slurm: one at a time, a task waits {mean(waits):.3f} s on average (max {max(waits):.3f}) "
      f"for slurmctld to start it, spends {mean(extra):.3f} s in Slurm beyond its sweep's own "
      f"wall, and that sweep of one seed takes {mean(own):.3f} s against {local / 8:.3f} s a seed "
      f"in the local sweep of 8")
PY
}

# The correctness check: 4 shards of two seeds each.
run_local "$cpus" "$T/local-j$cpus"
run_array 0-3 "$T/array4"
same "$T/local-j$cpus" "$T/array4" "array of 4"

# The issue's number, at equal parallelism: the array of 8 as submitted, running as many tasks
# at once as the node has CPUs, against the same seeds locally with as many at once.
overhead "array of 8 ($cpus at once) vs -j$cpus locally" 0-7 "$cpus" "$BOUND_S" array8

# One at a time on both sides. slurmctld starts a queued task only on its background loop's
# once-a-second pass (a task's end just marks the queue for it), so each task of a chain waits
# for the next whole second: anywhere from 0 to 1 s depending on where a task's end falls
# (a task here takes 0.6 s on a quiet machine, nearer 1 s on a loaded one). Bounded by the
# issue's 1 s plus that tick, so that this measure catches a broken setup (a 60 s scheduler
# period, a stuck launch) without failing on the phase of the clock.
overhead "array of 8 one at a time (%1) vs -j1 locally" 0-7%1 1 $((BOUND_S + 1)) serial
breakdown "$jid" "$submitted" "$measured" "$measured_local"

echo "slurm sweep: every check passed"
