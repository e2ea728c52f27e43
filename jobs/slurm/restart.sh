#!/bin/bash
# Continue a run of jobs/slurm/run.sbatch that stopped with a checkpoint, as a new batch job:
#   jobs/slurm/restart.sh OUTPUT [sbatch options...]
# OUTPUT is the run's HDF5 file (the OUTPUT the run was submitted with). The new job runs
# run.sbatch with the run's recorded settings (<stem>.slurm-run: application, input, options,
# build, continuation) and the last job's shape (nodes, tasks, time limit, partition, log file);
# sbatch options given here come after those and win, e.g. --time=04:00:00 or
# --dependency=afterany:JOBID (what run.sbatch passes with CONTINUATION=resubmit).
# Use it when a chain ended without continuing: a node failure, a run killed at its limit
# before the warning signal, CONTINUATION=none, or a failed segment after its cause is fixed.
# Exit status: sbatch's; 0 with a message when the run is already complete (nothing is
# submitted); 2 when OUTPUT is not a stopped run.sbatch run.
set -euo pipefail
script_name=restart.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"

[ $# -ge 1 ] || attnflow_fail "usage: jobs/slurm/restart.sh OUTPUT [sbatch options...] (OUTPUT: the run's .h5 file)"
output=$(realpath -m "$1")
shift
settings=$(attnflow_settings_file "$output")
[ -r "$settings" ] || attnflow_fail "$settings not found: '$output' is not a run started by" \
  "jobs/slurm/run.sbatch (OUTPUT must be the .h5 file the run was submitted with)"
SHAPE=()
# shellcheck disable=SC1090
source "$settings"
checkpoint_directory="${OUTPUT%.h5}.chk"
state=$(attnflow_run_state "$OUTPUT" "$checkpoint_directory")
case "$state" in
  stopped) ;;
  complete) echo "$script_name: $OUTPUT is complete: nothing to continue"; exit 0 ;;
  new) attnflow_fail "$OUTPUT has no checkpoint and no partial output: nothing to continue" \
    "(submit jobs/slurm/run.sbatch to start it)" ;;
  *) attnflow_fail "$OUTPUT cannot be continued: $state" ;;
esac
command -v sbatch >/dev/null || attnflow_fail "sbatch not found: restart.sh submits a Slurm job"

# The new job gets the run's settings through its environment (sbatch exports it), without
# this job's SLURM_* variables when called from inside a job.
for variable in "${!SLURM_@}"; do
  [ "$variable" = SLURM_CONF ] || unset "$variable"
done
export APPLICATION BUILD INPUT ARGS CHECKPOINT_EVERY CONTINUATION OUTPUT
if [ -n "${LAUNCHER:-}" ]; then export LAUNCHER; else unset LAUNCHER; fi
cd "$WORKING_DIRECTORY"
echo "$script_name: continuing $OUTPUT from $checkpoint_directory/$(cat "$checkpoint_directory/latest")"
exec sbatch "${SHAPE[@]}" "$@" "$SCRIPT"
