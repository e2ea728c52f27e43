#!/bin/bash
# ctest slurm_workflow: the shipped Slurm workflow against a real Slurm. Installs slurm-wlm and
# munge when missing (jobs/slurm/local_cluster.sh install), starts a one-node cluster on
# localhost (configuration jobs/slurm/local-cluster.conf.in), and checks:
#   1. check_sbatch.sh: every shipped script accepted by this controller's sbatch --test-only;
#   2. strong.sbatch and weak.sbatch as submitted by hand (default sizes: 1 node, 2 tasks):
#      complete, launched with srun --mpi=pmix, CSVs that plot_scaling.py and comm_model.py read;
#   3. run.sbatch, requeue path: a job with --time=1 --signal=USR1@20 gets the warning signal
#      from Slurm before its limit, checkpoints, exits 75, requeues itself, continues; its
#      output must equal an uninterrupted run's bit for bit (compare_outputs.py: /positions,
#      /time, /step, /diagnostics), and nothing may run after it completed;
#   4. run.sbatch, resubmit path: segments of --stop-after-steps on 2 tasks, each submitting the
#      next with restart.sh (--dependency=afterany), the same bits again, nothing after the end;
#   5. bad input and a complete run: one line, exit 2, nothing submitted or overwritten.
# Then stops the daemons it started (also on failure).
#   bash tests/jobs/slurm_workflow.sh SOURCE_DIR BUILD_DIR
# Exit status 0 passed, 1 failed, 77 skipped: Slurm cannot be installed or started here (the
# reason is printed; ATTNFLOW_REQUIRE_SLURM=1 makes that a failure).
# Duration about 2-3 minutes on 2 cores, most of it the two one-minute runs of step 3.
set -uo pipefail
source_dir=$(cd "${1:?usage: slurm_workflow.sh SOURCE_DIR BUILD_DIR}" && pwd)
build_dir=$(cd "${2:?usage: slurm_workflow.sh SOURCE_DIR BUILD_DIR}" && pwd)
cluster_script="$source_dir/jobs/slurm/local_cluster.sh"
python=/usr/bin/python3
started=$SECONDS

say() { echo "slurm_workflow [$((SECONDS - started)) s]: $*"; }
skip() {
  if [ "${ATTNFLOW_REQUIRE_SLURM:-0}" = 1 ]; then
    echo "slurm_workflow: FAILED (ATTNFLOW_REQUIRE_SLURM=1): $*"; exit 1
  fi
  echo "slurm_workflow: SKIPPED: $*"; exit 77
}
failures=0
fail() {
  echo "slurm_workflow: FAILED: $*"
  failures=$((failures + 1))
}
# The end: logs when something failed, then the cluster stopped and the scratch removed.
finish() {
  if [ "$failures" -gt 0 ] && [ -n "${work:-}" ]; then
    for log in "$work"/*.out; do
      [ -e "$log" ] && { echo "----- $log"; tail -25 "$log"; }
    done
    echo "----- slurmctld log"; tail -25 "$scratch/cluster/slurmctld.log" 2>/dev/null
  fi
  if [ -n "${scratch:-}" ]; then
    bash "$cluster_script" stop "$scratch/cluster"
    if [ "$failures" -gt 0 ] && [ "${ATTNFLOW_KEEP_SCRATCH:-0}" = 1 ]; then
      echo "slurm_workflow: scratch kept in $scratch"
    else
      rm -rf "$scratch"
    fi
  fi
}

app="$build_dir/apps/attnflow-particles"
[ -x "$app" ] || { echo "slurm_workflow: FAILED: $app not built"; exit 1; }

# --- The cluster.
# comm_model.py needs scipy, which only newer setup.sh installs.
bash "$cluster_script" install python3-scipy
case $? in
  0) ;;
  3) skip "slurm-wlm and munge cannot be installed on this machine (see above)" ;;
  *) echo "slurm_workflow: FAILED: local_cluster.sh install"; exit 1 ;;
esac
scratch=$(mktemp -d /tmp/attnflow-slurm-test.XXXXXX)
trap finish EXIT
bash "$cluster_script" start "$scratch/cluster"
case $? in
  0) ;;
  3) skip "a one-node Slurm cluster cannot start on this machine (see above)" ;;
  *) fail "local_cluster.sh start"; exit 1 ;;
esac
export SLURM_CONF="$scratch/cluster/slurm.conf"
# The jobs inherit this environment. Open MPI's ranks yield while they wait instead of spinning:
# the test's 2 ranks may share the cores with other tests, and a spinning rank then starves its
# partner (the results are the same bits either way).
export OMPI_MCA_mpi_yield_when_idle=1
work="$scratch/work"
mkdir -p "$work"
cd "$work" || exit 1
cpus=$(sinfo --noheader --format=%c)
say "cluster up, one node with $cpus CPUs"

# job_state ID: the job's state (COMPLETED, PENDING, ...).
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
job_field() { scontrol show job "$1" 2>/dev/null | grep -o "$2=[^ ]*" | head -1 | cut -d= -f2; }
# wait_job ID SECONDS: until the job is finished for good (a requeued job is PENDING again).
wait_job() {
  local deadline=$((SECONDS + $2)) state
  while :; do
    state=$(job_state "$1")
    case "$state" in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
        echo "$state"; return 0 ;;
    esac
    if [ $SECONDS -ge $deadline ]; then echo "still $state after $2 s"; return 1; fi
    sleep 1
  done
}
# expect_completed ID WHAT: the job completed with exit code 0:0.
expect_completed() {
  local state code
  state=$(wait_job "$1" 600)
  code=$(job_field "$1" ExitCode)
  if [ "$state" = COMPLETED ] && [ "$code" = 0:0 ]; then
    say "$2: job $1 COMPLETED"
  else
    fail "$2: job $1 $state, exit code $code (log: $(job_field "$1" StdOut))"
  fi
}
# expect_idle WHAT: after a few scheduling intervals nothing is pending or running: no
# continuation was submitted or requeued after the end of a run.
expect_idle() {
  local jobs_before
  jobs_before=$(scontrol show job 2>/dev/null | grep -c '^JobId=')
  sleep 6
  [ -z "$(squeue --noheader)" ] || fail "$1: jobs run after the run completed: $(squeue --noheader)"
  [ "$(scontrol show job 2>/dev/null | grep -c '^JobId=')" = "$jobs_before" ] ||
    fail "$1: a job was submitted after the run completed"
}
# expect_in FILE TEXT WHAT: FILE contains TEXT.
expect_in() {
  grep -qF -- "$2" "$1" || fail "$3: '$2' not in $1"
}

# --- 1. The shipped scripts against this controller.
check=$(bash "$source_dir/jobs/scaling/check_sbatch.sh" 2>&1)
scripts=$(ls "$source_dir"/jobs/scaling/*.sbatch "$source_dir"/jobs/slurm/*.sbatch | wc -l)
if grep -q "$scripts also accepted by sbatch --test-only" <<< "$check"; then
  say "check_sbatch.sh: $check"
else
  fail "check_sbatch.sh against the local controller: $check"
fi

# --- 2. Scaling studies, submitted as a user would (the scripts' default sizes).
strong=$(BUILD="$build_dir" N=2048 STEPS=3 ENGINE="direct ring" CSV=strong.csv \
  sbatch --parsable "$source_dir/jobs/scaling/strong.sbatch")
weak=$(BUILD="$build_dir" N=2048 STEPS=3 ENGINE=ring CSV=weak.csv \
  sbatch --parsable "$source_dir/jobs/scaling/weak.sbatch")
expect_completed "$strong" strong.sbatch
expect_completed "$weak" weak.sbatch
expect_in "attnflow-strong-$strong.out" "launcher: srun --mpi=pmix" strong.sbatch
expect_in "attnflow-weak-$weak.out" "launcher: srun --mpi=pmix" weak.sbatch
SCALING_DIRECTORY="$source_dir/jobs/scaling" $python - "$cpus" strong.csv weak.csv <<'EOF' ||
import os
import sys
sys.path.insert(0, os.environ["SCALING_DIRECTORY"])
from scaling_data import read_rows
top = min(int(sys.argv[1]), 2)
expected = {"strong.csv": ["strong-direct", "strong-ring"],
            "weak.csv": ["weak-tokens-ring", "weak-work-ring"]}
for path in sys.argv[2:]:
    rows = read_rows(path)
    found = sorted((r["study"], r["ranks"]) for r in rows)
    wanted = sorted((s, p) for s in expected[path] for p in range(1, top + 1))
    if found != wanted:
        sys.exit(f"{path}: (study, ranks) rows {found}, expected {wanted}")
    print(f"{path}: {len(rows)} rows, studies {sorted({r['study'] for r in rows})}")
EOF
  fail "the scaling CSVs hold other rows than expected"
if $python "$source_dir/jobs/scaling/plot_scaling.py" strong.csv weak.csv --output scaling &&
   [ -s scaling_strong.png ] && [ -s scaling_weak.png ]; then
  say "plot_scaling.py read both CSVs"
else
  fail "plot_scaling.py strong.csv weak.csv"
fi
if [ "$cpus" -ge 2 ]; then
  if model=$($python "$source_dir/jobs/scaling/comm_model.py" strong.csv weak.csv 2>&1) &&
     grep -q '^fit\[all\]' <<< "$model"; then
    say "comm_model.py: $(grep '^fit\[all\]' <<< "$model")"
  else
    fail "comm_model.py strong.csv weak.csv: $model"
  fi
fi

# --- 3. Requeue on the warning signal, against an uninterrupted run.
input="$source_dir/tests/jobs/slurm_run.ini"
# Steps for about 75 s of one uninterrupted run at the speed measured here (the loop time of a
# short run, from --timing-csv): the warning comes 10-40 s after the start (Slurm checks limits
# every 30 s), so the first segment is cut even if the machine gets faster by half. A multiple
# of 300: the resubmitted run below has a sixth of the steps and its snapshots (every 50 steps)
# must end on its last step.
calibration_steps=300
srun --mpi=pmix --ntasks=1 "$app" --input "$input" --steps "$calibration_steps" --quiet \
  --output calibration.h5 --timing-csv calibration-timing.csv > calibration.out 2>&1 ||
  fail "calibration run (calibration.out)"
loop_seconds=$(tail -n 1 calibration-timing.csv | cut -d, -f10)
steps=$(awk -v t="$loop_seconds" -v s="$calibration_steps" \
  'BEGIN { n = 300 * int(75 * s / t / 300 + 1); if (n > 60000) n = 60000; print n }')
say "runs of $steps steps ($calibration_steps steps took $loop_seconds s)"
reference=$(OUTPUT=reference.h5 INPUT="$input" BUILD="$build_dir" ARGS="--steps $steps --quiet" \
  sbatch --parsable --ntasks=1 --time=60 --job-name=reference "$source_dir/jobs/slurm/run.sbatch")
requeued=$(OUTPUT=requeued.h5 INPUT="$input" BUILD="$build_dir" ARGS="--steps $steps --quiet" \
  sbatch --parsable --ntasks=1 --time=1 --signal=USR1@20 --job-name=requeued \
  "$source_dir/jobs/slurm/run.sbatch")
expect_completed "$reference" "uninterrupted run"
expect_completed "$requeued" "requeue path"
restarts=$(job_field "$requeued" Restarts)
log="attnflow-run-$requeued.out"
if [ "${restarts:-0}" -ge 1 ]; then
  say "requeue path: $restarts requeue(s); $(grep -c 'stopped at step' "$log") checkpoint stop(s)"
else
  fail "requeue path: job $requeued was never requeued (Restarts=$restarts): the run ended before the warning signal"
fi
expect_in "$log" "(signal 10 or" "requeue path (stopped by SIGUSR1 from --signal)"
expect_in "$log" "DUE TO JOB REQUEUE" "requeue path"
expect_in "$log" "run.sbatch: continuing" "requeue path"
expect_in "$log" "run.sbatch: run complete" "requeue path"
[ "$(job_field "$reference" Restarts)" = 0 ] || fail "the uninterrupted run was interrupted"
expect_idle "requeue path"

# --- 4. Resubmission: a sixth of the run (compared with the reference's leading rows), in
# three segments, on 2 tasks (1 when the node has 1 CPU): the reference ran on 1.
resubmitted_steps=$((steps / 6))
segment=$(( (resubmitted_steps + 2) / 3 ))
tasks=$((cpus < 2 ? 1 : 2))
first=$(OUTPUT=resubmitted.h5 INPUT="$input" BUILD="$build_dir" CONTINUATION=resubmit \
  ARGS="--steps $resubmitted_steps --stop-after-steps $segment --quiet" \
  sbatch --parsable --ntasks="$tasks" --time=10 --job-name=resubmitted "$source_dir/jobs/slurm/run.sbatch")
# The chain is over when nothing is left in the queue and the output is complete, or a job failed.
deadline=$((SECONDS + 600))
while [ -n "$(squeue --noheader --name=resubmitted)" ] && [ $SECONDS -lt $deadline ]; do sleep 1; done
chain=$(scontrol show job 2>/dev/null | grep -E '^JobId=[0-9]+ JobName=resubmitted$' | sed 's/JobId=\([0-9]*\) .*/\1/')
if [ "$(wc -w <<< "$chain")" = 3 ]; then
  for job in $chain; do expect_completed "$job" "resubmit path, segment"; done
else
  fail "resubmit path: jobs $(tr "\n" " " <<< "$chain")instead of three segments of $segment steps"
fi
log="attnflow-run-$first.out"
[ "$(grep -c 'restart.sh: continuing' "$log")" = 2 ] ||
  fail "resubmit path: $log shows $(grep -c 'restart.sh: continuing' "$log") resubmissions, expected 2"
expect_in "$log" "run.sbatch: run complete" "resubmit path"
expect_idle "resubmit path"

# --- The three outputs, bit for bit.
for output in reference.h5 requeued.h5 resubmitted.h5; do
  [ -e "$output" ] && [ ! -e "$output.partial" ] || fail "$output is not complete"
done
if $python "$source_dir/tests/jobs/compare_outputs.py" reference.h5:"$steps" requeued.h5:"$steps" \
     resubmitted.h5:"$resubmitted_steps"; then
  say "requeued and resubmitted runs are bitwise identical to the uninterrupted run"
else
  fail "continued runs differ from the uninterrupted run"
fi

# --- 5. Bad input and a complete run: one line, exit status 2, nothing submitted.
jobs_before=$(scontrol show job 2>/dev/null | grep -c '^JobId=')
# expect_refused WHAT COMMAND...: exit status 2 and exactly one line of output.
expect_refused() {
  local what=$1 text status
  shift
  text=$("$@" 2>&1)
  status=$?
  if [ $status = 2 ] && [ "$(wc -l <<< "$text")" = 1 ]; then
    say "refused $what: $text"
  else
    fail "$what: exit status $status, output: $text"
  fi
}
checksum=$(md5sum reference.h5)
expect_refused "a complete OUTPUT" env OUTPUT=reference.h5 BUILD="$build_dir" bash "$source_dir/jobs/slurm/run.sbatch"
expect_refused "no OUTPUT" env -u OUTPUT BUILD="$build_dir" bash "$source_dir/jobs/slurm/run.sbatch"
expect_refused "a bad CONTINUATION" env OUTPUT=x.h5 CONTINUATION=later BUILD="$build_dir" bash "$source_dir/jobs/slurm/run.sbatch"
expect_refused "a bad N" env N=many BUILD="$build_dir" bash "$source_dir/jobs/scaling/strong.sbatch"
expect_refused "a bad MODE" env MODE=volume BUILD="$build_dir" bash "$source_dir/jobs/scaling/weak.sbatch"
expect_refused "a CSV without the study column" env CSV=reference.csv BUILD="$build_dir" bash "$source_dir/jobs/scaling/strong.sbatch"
expect_refused "restart.sh of no run" bash "$source_dir/jobs/slurm/restart.sh" nothing.h5
text=$(bash "$source_dir/jobs/slurm/restart.sh" reference.h5 2>&1) && grep -q "is complete" <<< "$text" ||
  fail "restart.sh of a complete run: $text"
[ "$(md5sum reference.h5)" = "$checksum" ] || fail "reference.h5 changed"
[ "$(scontrol show job 2>/dev/null | grep -c '^JobId=')" = "$jobs_before" ] ||
  fail "bad input submitted a job"

say "done, $failures failure(s)"
[ "$failures" -eq 0 ]
