#!/usr/bin/env bash
# mpiexec for attnflow runs that a batch system may stop: SIGTERM, SIGINT or SIGUSR1 sent to
# this script make every rank write a checkpoint at the end of its current step and exit with
# status 75 (EX_TEMPFAIL), which this script returns; restart with --restart.
#
# Why a wrapper: Open MPI 4.1's mpiexec does not forward SIGTERM or SIGINT. It kills the job
# instead (SIGTERM to the ranks, SIGKILL one second later: odls_base_sigkill_timeout) and exits
# with status 1, so a step longer than that second never reaches its checkpoint and the exit
# status never says "stopped for restart". It does forward SIGUSR1 to every rank, and attnflow
# treats SIGUSR1 like SIGTERM; so this script turns every stop signal into one SIGUSR1 to mpiexec.
# (Under Slurm, srun signals the ranks itself: jobs/slurm/run.sbatch needs no wrapper.)
#
# Usage: jobs/launch/mpiexec_checkpoint.sh MPIEXEC-ARGUMENTS...
#   e.g. jobs/launch/mpiexec_checkpoint.sh -n 4 build/apps/attnflow-particles --input run.ini
# Environment: MPIEXEC (default mpiexec).
set -u
if [ "$#" -eq 0 ]; then
  echo "mpiexec_checkpoint.sh: error: no mpiexec arguments; usage: mpiexec_checkpoint.sh -n RANKS APP [OPTIONS...]" >&2
  exit 2
fi
"${MPIEXEC:-mpiexec}" "$@" &
child=$!
stop() {
  [ -n "${stopping:-}" ] && return
  stopping=1
  kill -USR1 "$child" 2>/dev/null
}
trap stop TERM INT USR1
# `wait` returns early when a trapped signal arrives: wait again until mpiexec has exited.
while true; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
exit "$status"
